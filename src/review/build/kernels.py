"""Run notebooks in fresh kernels, in parallel, with messages a researcher can act on.

A failed cell is reported as one line naming the notebook, the cell and the
error (``notebooks/03-grade-outcomes.ipynb: cell 7 failed: ZeroDivisionError: ...``),
then the failing line of the cell, without ANSI colour codes or nbclient's own
traceback. Kernels talk to the build over local IPC sockets where the platform
has them (no "running over TCP without encryption" warning).
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterable, Mapping, TypeVar

import nbformat

from .. import cache
from ..errors import Problem, ReportError, WorkbookError
from ..settings import jobs_setting
from ..workbook import check_workbook
from . import trace as tracing
from .notebooks import notebook_paths

T = TypeVar("T")
R = TypeVar("R")

CELL_TIMEOUT = 600
#: run by every kernel before the first cell: at exit, skip the interpreter's last garbage collection of the
#: thousands of objects pandas and matplotlib leave (half a second a kernel, spent before the next could start)
FAST_EXIT = "import atexit as _atexit, gc as _gc; _atexit.register(_gc.freeze); del _atexit, _gc"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: where progress lines go: a function taking one line (the command line passes one writing to stderr)
Say = Callable[[str], None]


def quiet(line: str) -> None:
    """The default progress sink: say nothing (library callers and tests)."""


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cell_failure(nb: nbformat.NotebookNode, where: str) -> str:
    """``WHERE: cell N failed: Error: message`` then the failing line, from the error output the kernel stored."""
    for index, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"] if cell.cell_type == "code" else []
        if not errors:
            continue
        err = errors[0]
        evalue = ANSI.sub("", str(err.get("evalue", ""))).strip().splitlines()
        head = f"{where}: cell {index + 1} failed: {err.get('ename', 'Error')}" + (f": {evalue[0]}" if evalue else "")
        lines = [ANSI.sub("", line) for frame in err.get("traceback", []) for line in str(frame).splitlines()]
        arrow = [ln.strip() for ln in lines if ln.lstrip().startswith("---->") or ln.lstrip().startswith("->")]
        detail = ["  failing line: " + re.sub(r"^-+>\s*", "", arrow[0])] if arrow else []
        if err.get("ename") == "WorkbookError":
            detail = [f"  {ln}" for ln in lines[1:] if ln.strip()][:30]
        return "\n".join([head, *detail])
    return f"{where}: a cell failed"


@functools.cache
def _kernel_manager_class() -> type:
    """Kernels on local IPC sockets (POSIX), each with its own socket path; TCP on localhost elsewhere."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    if os.name != "posix":
        return AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):  # type: ignore[misc]
        def __init__(self, **kw: object) -> None:
            super().__init__(**kw)
            self.transport = "ipc"
            Path(jupyter_runtime_dir()).mkdir(parents=True, exist_ok=True)
            self.ip = os.path.join(jupyter_runtime_dir(), f"review-{uuid.uuid4().hex[:12]}-ipc")

    return IpcKernelManager


def execute(path: Path, root: Path, timeout: int = CELL_TIMEOUT, trace: Path | None = None) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel; raise :class:`ReportError` naming the failing cell.

    With ``trace``, the kernel records in that file every workbook input the notebook used.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "REVIEW_ROOT": str(root)}
    if trace is not None:
        env[tracing.TRACE_ENV] = str(trace)
    client = NotebookClient(
        nb,
        kernel_manager_class=_kernel_manager_class(),
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the notebook: outputs stay byte-identical across runs
        extra_arguments=[f"--IPKernelApp.exec_lines={'; '.join([FAST_EXIT] + ([tracing.start_line()] if trace is not None else []))}"],
        resources={"metadata": {"path": str(path.parent)}},
    )
    where = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        asyncio.run(client.async_execute(env=env))  # its own event loop, closed after: safe in a worker thread
    except CellExecutionError:
        raise ReportError(cell_failure(nb, where)) from None
    except (CellTimeoutError, DeadKernelError) as exc:
        raise ReportError(f"{where}: {ANSI.sub('', str(exc)).strip().splitlines()[0]}") from None
    return nb


def jobs_default() -> int:
    """Notebooks executed at once: one per core (``REVIEW_JOBS`` overrides; anything but a whole number >= 1 is refused)."""
    return jobs_setting()


def longest_first(paths: list[Path], seconds: Mapping[str, float]) -> list[Path]:
    """The notebooks in the order to start them: the longest first, so the last to start are short.

    ``seconds`` holds how long each took last time (by file name). A notebook
    with no recorded time is placed by the size of its file (its stored
    outputs are a fair measure of its work) after every timed one; ties keep
    name order.
    """
    timed = sorted((p for p in paths if p.name in seconds), key=lambda p: (-seconds[p.name], p.name))
    untimed = sorted((p for p in paths if p.name not in seconds), key=lambda p: (-(p.stat().st_size if p.is_file() else 0), p.name))
    return timed + untimed


def parallel(fn: Callable[[T], R], items: Iterable[T], jobs: int | None = None, then: Callable[[], object] | None = None) -> list[R]:
    """``fn`` over ``items`` on up to ``jobs`` threads (each notebook runs in its own kernel process).

    Results come back in the order of ``items``. Every item is run even when
    one fails; then the failures are raised together, in item order.
    ``then`` is queued after the items: it runs on the first thread that is
    free once every item has started, so it fills the end of the run, when
    fewer items than threads are left, instead of slowing the items. Its
    failure is raised after theirs.
    """
    items = list(items)
    workers = max(1, min(jobs or jobs_default(), len(items) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fn, item) for item in items]
        last = pool.submit(then) if then is not None else None
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        if len(errors) == 1 or not all(isinstance(e, ReportError) for e in errors):
            raise errors[0]
        raise ReportError("\n\n".join(str(e) for e in errors))
    if last is not None and last.exception() is not None:
        raise last.exception()
    return [f.result() for f in futures]


def run_with_progress(
    fn: Callable[[Path], R], paths: list[Path], say: Say, jobs: int | None = None, then: Callable[[], object] | None = None,
    seconds: dict[str, float] | None = None,
) -> list[R]:
    """:func:`parallel` over notebooks, saying ``executing 3/5 03-grade-outcomes …`` as each starts and when it ends.

    ``seconds``, when given, receives how long each took, by file name.
    """
    total = len(paths)

    def step(item: tuple[int, Path]) -> R:
        n, path = item
        say(f"executing {n}/{total} {path.stem} …")
        start = time.perf_counter()
        result = fn(path)
        took = time.perf_counter() - start
        if seconds is not None:
            seconds[path.name] = round(took, 1)
        say(f"  done {path.stem} ({took:.1f} s)")
        return result

    return parallel(step, list(enumerate(paths, 1)), jobs, then)


def execute_in_place(root: Path, names: list[str] | None = None, say: Say = quiet) -> list[Path]:
    """Re-execute notebooks (all, or those named) and save their outputs, with no timing metadata.

    This is how committed outputs are refreshed after a deliberate change;
    nbval then checks that every later run reproduces them.
    """
    paths = notebook_paths(root)
    if names:
        wanted = {Path(n).name for n in names}
        unknown = wanted - {p.name for p in paths}
        if unknown:
            raise WorkbookError([Problem("notebooks", 0, "", f"no notebook named {', '.join(sorted(unknown))}")])
        paths = [p for p in paths if p.name in wanted]
    checked = check_workbook(root)
    if checked.problems:
        raise WorkbookError(checked.problems)

    def run(path: Path) -> Path:
        nb = execute(path, root)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        cache.write_atomic(path, nbformat.writes(nb).encode("utf-8") + b"\n")
        return path

    return sorted(run_with_progress(run, longest_first(paths, {}), say))
