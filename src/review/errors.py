"""Problems found in a workbook, and the one error type that carries them.

Every check in the package reports a :class:`Problem` naming the file, the
row (or bib entry line), the column (or bib key) and what is allowed, so a
researcher can go straight to the cell to fix.
"""

from __future__ import annotations

import errno
import unicodedata
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a workbook file.

    ``where`` is the file path relative to the workbook root; ``line`` is the
    1-based line in that file where the row or entry starts (0 for the file as
    a whole); ``field`` is the column name, or the bib key for bib entries.
    """

    where: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        loc = f"{self.where}:{self.line}" if self.line else self.where
        return f"{loc}: {self.field}: {self.message}" if self.field else f"{loc}: {self.message}"


class WorkbookError(Exception):
    """Raised when a workbook cannot be used; lists every problem found."""

    #: how many problems the message lists before summarising the rest
    SHOWN = 25

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = sorted(problems)
        super().__init__(self._message())

    def _render_traceback_(self) -> list[str]:
        """How IPython and Jupyter show this error: the list of problems, not 40 frames of traceback."""
        return [f"WorkbookError: {self}", "Fix the file(s) named above, or run `review validate` to list every problem; then run the notebook again."]

    def _message(self) -> str:
        n = len(self.problems)
        head = f"the workbook has {n} problem{'s' if n != 1 else ''}; fix {'it' if n == 1 else 'them'} and run again:"
        lines = [head] + [f"  {p}" for p in self.problems[: self.SHOWN]]
        if n > self.SHOWN:
            lines.append(f"  ... and {n - self.SHOWN} more (run `review validate` to list them all)")
        return "\n".join(lines)


class UsageError(Exception):
    """A setting outside the workbook is wrong (an option, an environment variable): shown as one line, exit 1."""


def quote_value(value: str, limit: int = 60) -> str:
    """Show a cell value in a message, shortened and with invisible characters made visible."""
    shown = value if len(value) <= limit else value[: limit - 3] + "..."
    return repr(shown)


def describe_char(ch: str) -> str:
    """A character as a message names it: ``'\u2212' (U+2212 MINUS SIGN)``, so an invisible or look-alike one can be found."""
    return f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')})"


#: what to do about the operating-system errors a user can cause or fix
_OS_FIXES = {
    errno.ENOSPC: ("cannot write", "free some space (or choose another --out folder) and run again"),
    errno.EDQUOT: ("cannot write", "your disk quota is used up; free some space and run again"),
    errno.EFBIG: ("cannot write", "free some space (or raise the file size limit, ulimit -f) and run again"),
    errno.EROFS: ("cannot write", "the folder is read-only; choose a folder you can write with --out DIR (and --cache DIR)"),
    errno.EACCES: ("cannot use", "check its permissions, or choose a folder you can write with --out DIR (and --cache DIR)"),
    errno.EPERM: ("cannot use", "check its permissions, or choose a folder you can write with --out DIR (and --cache DIR)"),
    errno.ENOENT: ("cannot find", "check the path"),
    errno.ENOTDIR: ("cannot use", "a part of the path is a file, not a folder; check the path"),
    errno.EISDIR: ("cannot use", "it is a folder, where a file was expected; check the path"),
}


def os_error_message(exc: OSError) -> str:
    """One line for an operating-system error: what could not be done to which file, and the fix.

    >>> os_error_message(OSError(errno.ENOSPC, "No space left on device", "build/grades.csv"))
    'cannot write build/grades.csv: No space left on device; free some space (or choose another --out folder) and run again'
    """
    if exc.errno is None:  # raised with a message of its own, which already says what to do
        return str(exc)
    verb, fix = _OS_FIXES.get(exc.errno, ("error with", "check the path and run again"))
    what = exc.strerror or str(exc)
    return f"{verb} {exc.filename}: {what}; {fix}" if exc.filename else f"{what}; {fix}"


class ReportError(RuntimeError):
    """A notebook failed while the reports were being built; the message names the notebook, cell and error."""
