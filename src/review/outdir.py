"""Output folders a command may write into, and the ones it must never touch.

``review report --out DIR`` replaces DIR with the new reports and ``review
grade --out DIR`` replaces four CSV files in it. Neither may remove or
overwrite anything it did not create: DIR must be missing, empty, or a folder
the same command wrote before (recognised by a marker file it leaves), and it
is never the workbook itself, one of its input folders, or a folder holding
them.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import Problem, WorkbookError

#: marker file each command leaves in the folder it wrote, so a later run knows the folder is its own
REPORT_MARKER = ".review-report"
GRADE_MARKER = ".review-grade"

#: workbook parts no output may be, sit inside, or contain
PROTECTED = ("data", "notebooks", "references.bib", "workbook.toml", "src", "tests", ".git")

#: files a report folder written before markers existed holds (index, references, one page per notebook)
_LEGACY_REPORT = re.compile(r"^(index|references|\d\d-[a-z0-9-]+)\.html$")


def _refuse(out: Path, why: str, option: str) -> WorkbookError:
    return WorkbookError([Problem(str(out), 0, option, why)])


def check_output_folder(out: Path, root: Path, marker: str, option: str = "--out", legacy: re.Pattern[str] | None = None) -> Path:
    """Return ``out`` resolved if a command may replace its contents; raise a clear WorkbookError otherwise.

    Allowed: a folder that does not exist yet, an empty folder, or one holding
    ``marker`` (written by an earlier run of the same command). ``legacy``
    optionally admits a folder whose every entry matches it (output of a
    version that wrote no marker). Never allowed: the workbook root, any
    folder above it, its data/ or notebooks/ (or anything inside them), or a
    file.
    """
    out = out.expanduser().resolve()
    root = root.resolve()
    if out == root or out in root.parents:
        return _raise(out, f"is the workbook folder or contains it ({root}); choose a folder of its own, e.g. {root / 'reports'}", option)
    for name in PROTECTED:
        part = root / name
        if out == part or part in out.parents:
            return _raise(out, f"is inside the workbook's {name}; outputs never go there. Choose a folder of its own, e.g. {root / 'reports'}", option)
    if not out.exists():
        return out
    if not out.is_dir():
        return _raise(out, "is a file, not a folder; choose a folder that is missing, empty or a previous output", option)
    entries = sorted(p.name for p in out.iterdir())
    if not entries or marker in entries:
        return out
    if legacy is not None and all(legacy.match(name) for name in entries):
        return out
    shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")
    return _raise(
        out,
        f"holds files this command did not write ({shown}); it would replace them. "
        "Use a missing or empty folder, or one this command wrote before",
        option,
    )


def _raise(out: Path, why: str, option: str) -> Path:
    raise _refuse(out, why, option)


def check_report_folder(out: Path, root: Path) -> Path:
    """``check_output_folder`` for ``review report``: also admits a report folder written before markers existed."""
    return check_output_folder(out, root, REPORT_MARKER, legacy=_LEGACY_REPORT)


def check_grade_folder(out: Path, root: Path) -> Path:
    """``check_output_folder`` for ``review grade``: the default ROOT/build is always the command's own."""
    if out.expanduser().resolve() == (root / "build").resolve():
        return out.expanduser().resolve()
    return check_output_folder(out, root, GRADE_MARKER)
