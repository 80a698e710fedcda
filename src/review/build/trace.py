"""Which workbook inputs a notebook used, recorded from inside its kernel, for the page cache.

The build starts each kernel with :func:`start_line`, which makes the
kernel run :func:`install` before the first cell. ``install`` subscribes to the
data layer's :func:`review.workbook.on_input_used` (tables, the bibliography,
"everything") and adds an audit hook for files opened directly under the
workbook's data/ or its references.bib; each input is appended once, as a workbook-relative path, to the file
named by ``REVIEW_TRACE`` (reads made while the workbook is being loaded are
not uses). The data layer knows nothing of this.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: environment variable naming the file a traced kernel appends its inputs to
TRACE_ENV = "REVIEW_TRACE"
#: the module whose load_workbook and check_workbook read every input while loading (those reads are not uses)
LOADER = "review.workbook"


def start_line() -> str:
    """The line a traced kernel runs at start-up: :func:`install` (a no-op without ``REVIEW_TRACE``)."""
    return f"import {__name__} as _review_trace; _review_trace.install(); del _review_trace"


def install() -> None:
    """In a kernel started by the build: record every workbook input the notebook uses."""
    trace, root = os.environ.get(TRACE_ENV), os.environ.get("REVIEW_ROOT")
    if not trace or not root:
        return
    from ..workbook import on_input_used

    seen: set[str] = set()

    def record(relpath: str) -> None:
        if relpath not in seen:
            seen.add(relpath)
            with open(trace, "a", encoding="utf-8") as fh:
                fh.write(relpath + "\n")

    on_input_used(record)
    base = Path(root).resolve()
    # only the workbook's inputs count: its data and bibliography (the package, the virtual environment and
    # the cache may sit under the workbook too, and are keyed separately or not inputs at all)
    data, bib = str(base / "data") + os.sep, str(base / "references.bib")

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event == "open" and isinstance(args[0], str) and not any(m in str(args[1] or "r") for m in "wax+"):
            full = os.path.abspath(args[0])
            if (full.startswith(data) or full == bib) and os.path.isfile(full) and not _loading():
                record(os.path.relpath(full, base).replace(os.sep, "/"))

    sys.addaudithook(hook)


def _loading() -> bool:
    """True while the workbook is being checked and loaded: it reads every file, but the notebook has used none yet."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name in ("check_workbook", "load_workbook") and frame.f_globals.get("__name__") == LOADER:
            return True
        frame = frame.f_back
    return False


def read_trace(path: Path) -> list[str]:
    """The inputs a traced kernel recorded."""
    return path.read_text(encoding="utf-8").split() if path.is_file() else []
