"""Output folders a command may write into, and the ones it must never touch.

``review report --out DIR`` replaces DIR with the new reports and ``review
grade --out DIR`` replaces four CSV files in it. Neither may remove or
overwrite anything it did not create: DIR must be missing, empty, or a folder
the same command wrote before (recognised by a marker file it leaves), and it
is never the workbook itself, one of its input folders, or a folder holding
them.

Generated files are written to unique temporary names first and renamed into
place only when every one of them was written: a full disk leaves the
previous set as it was, and two runs at once never write the same temporary
file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

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


#: a cell a spreadsheet would run as a formula (OWASP, "CSV Injection"): = + - @ tab or carriage return first
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def spreadsheet_safe(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a single quote; numbers stay numbers.

    >>> spreadsheet_safe("=HYPERLINK(...)"), spreadsheet_safe("-1.5")
    ("'=HYPERLINK(...)", '-1.5')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV with fixed line endings, text cells made safe to open in a spreadsheet."""
    safe = frame.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col]):
            safe[col] = safe[col].map(spreadsheet_safe)
    return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _write_fd(fd: int, data: bytes) -> None:
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_together(files: dict[Path, bytes]) -> None:
    """Write every file to a unique temporary name beside it, then rename them all into place.

    If any write fails (disk full, quota, permissions) every temporary file is
    removed and the error is raised before anything is replaced, so the
    previous files stay as they were. Renames within one folder need no space.
    """
    written: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            written.append((tmp, path))
            try:
                _write_fd(fd, data)
            except OSError as exc:
                exc.filename = exc.filename or str(path)
                raise
            os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are for reading
    except BaseException:
        for tmp, _ in written:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, path in written:
        os.replace(tmp, path)
