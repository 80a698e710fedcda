"""Read one CSV table and check it against its :class:`~review.schema.TableSpec`.

Reading is strict about what would silently corrupt data (wrong encoding, a
spreadsheet's semicolon separator, a row with too many cells) and lenient
about what is harmless (a UTF-8 byte-order mark, Windows line endings).
Problems are collected, never raised one at a time, so a researcher sees
every broken cell in one run.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Sequence

import pandas as pd

from .errors import Problem, describe_char, quote_value
from .schema import Column, TableSpec

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
URL_RE = re.compile(r"^https?://\S+$")
INT_RE = re.compile(r"^[0-9]+$")
#: a plain decimal number, ASCII only (Python's float() also takes "1_5", "\uff11\uff15" and "infinity")
FLOAT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
#: characters that look like part of a number but are not the ASCII one it needs
NUMBER_LOOKALIKES = {"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\ufe63": "-", "\uff0d": "-", "\uff0b": "+", "\uff0e": ".", "\u00b7": ".", "\u066b": "."}
# A cell longer than the csv module's default limit (131,072 characters) should get the
# column's own length message, not a parse error that hides the rest of the file.
csv.field_size_limit(2**31 - 1)


@dataclass(frozen=True)
class RawTable:
    """A table as read: string cells, the line each row starts on, and the problems found."""

    spec: TableSpec
    rows: list[dict[str, str]]
    lines: list[int]
    problems: list[Problem]
    readable: bool = True
    skipped: int = 0

    def values(self, column: str) -> list[str]:
        return [r.get(column, "") for r in self.rows]

    @property
    def complete(self) -> bool:
        """Every row was read. Only a complete table can say which ids or values exist:
        checking other tables against a partial one would blame them for its own problem."""
        return self.readable and self.skipped == 0 and bool(self.rows)


def read_text(path: Path, where: str) -> tuple[str | None, list[Problem]]:
    """Read a data file as UTF-8 (a BOM is accepted); report why not when it cannot be read."""
    if not path.exists():
        return None, [Problem(where, 0, "", "file is missing; create it (README.md lists every file and its columns)")]
    if path.is_dir():
        return None, [Problem(where, 0, "", "is a directory, not a file")]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(where, 0, "", f"cannot be read ({exc.strerror or exc})")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                where,
                line,
                "",
                f"is not valid UTF-8 (byte {data[exc.start]:#04x} at offset {exc.start}); "
                "save the file as 'CSV UTF-8' from your spreadsheet",
            )
        ]
    return text, []


def split_list(value: str) -> list[str]:
    """Split a ``;``-separated cell into its stripped, non-empty items."""
    return [v.strip() for v in value.split(";") if v.strip()]


def _wrong_character(value: str) -> str | None:
    """Why a number cell's first unexpected character is wrong, naming it; None if there is none to name."""
    for ch in value:
        if ch in "0123456789.+-eE":
            continue
        if ch == "_":
            return f"{describe_char(ch)} is not allowed in a number (1_5 would be read as 15); remove it"
        looks = NUMBER_LOOKALIKES.get(ch) or (str(unicodedata.digit(ch)) if unicodedata.digit(ch, None) is not None else None)
        if looks:
            return f"it contains {describe_char(ch)}, which looks like {looks!r}; type {looks!r} instead"
        if ch.isspace():
            return f"it contains {describe_char(ch)}; a number has no spaces or thousands separators"
        return None
    return None


def number_problem(value: str, whole: bool) -> str | None:
    """Why ``value`` is not a number (``whole``: a whole number >= 0); None if it is one.

    Only plain ASCII numbers are accepted: a Unicode minus, full-width digits or
    an underscore look right in a spreadsheet but are not what they seem, and
    the message names the character so it can be found and retyped.
    """
    what = "a whole number >= 0" if whole else "a number"
    if (INT_RE if whole else FLOAT_RE).match(value):
        return None
    why = _wrong_character(value)
    if why:
        return f"value {quote_value(value)} is not {what}: {why}"
    if not whole:
        try:
            if not math.isfinite(float(value)):
                return f"value {quote_value(value)} is not a finite number"
        except ValueError:
            pass
    return f"value {quote_value(value)} is not {what}"


def column_letter(index: int) -> str:
    """Spreadsheet column name of 0-based ``index``: 0 -> A, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name


def _check_cell(col: Column, value: str, allowed: tuple[str, ...]) -> str | None:
    """Return a message if ``value`` does not fit ``col``; None if it does."""
    if value == "":
        return "is empty; a value is required" if col.nonempty else None
    if value != value.strip():
        return f"value {quote_value(value)} has leading or trailing spaces; remove them"
    if len(value) > col.max_len:
        return f"value is {len(value)} characters long; at most {col.max_len} allowed"
    kind = col.kind
    if kind == "id" and not ID_RE.match(value):
        odd = next((ch for ch in value if not ch.isascii()), None)  # a look-alike dash or letter pasted from a document
        named = f"; it contains {describe_char(odd)}" if odd else ""
        return f"value {quote_value(value)} is not a valid id (allowed: letters, digits, _ . : - ; starting with a letter or digit){named}"
    if kind in ("int", "float"):
        msg = number_problem(value, whole=kind == "int")
        if msg:
            return msg
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return f"value {quote_value(value)} is not a date in the form YYYY-MM-DD"
    if kind == "url":
        bad = [u for u in value.split(" | ") if not URL_RE.match(u.strip())]
        if bad:
            return f"{quote_value(bad[0])} is not an http(s) address (several addresses are separated by ' | ')"
    if kind == "enum" and allowed and value not in allowed:
        return f"value {quote_value(value)} is not allowed; allowed: {', '.join(allowed)}"
    if kind == "enum_list" and allowed:
        bad = [v for v in split_list(value) if v not in allowed]
        if bad:
            return f"value {quote_value(bad[0])} is not allowed; allowed (separate several with ';'): {', '.join(allowed)}"
    return None


def check_text(
    spec: TableSpec, text: str, where: str, vocab: dict[str, tuple[str, ...]] | None = None
) -> RawTable:
    """Parse CSV ``text`` and check header, cells and keys against ``spec``.

    ``vocab`` supplies allowed values for enum columns whose vocabulary is
    data (e.g. ``{"design": (...)}``); it overrides ``Column.allowed``.
    """
    vocab = vocab or {}
    problems: list[Problem] = []
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return RawTable(spec, [], [], [Problem(where, 0, "", f"file is empty; it needs the header row: {','.join(spec.column_names)}")], False)
    except csv.Error as exc:
        return RawTable(spec, [], [], [Problem(where, 1, "", f"header row cannot be parsed as CSV ({exc})")], False)

    for sep, name in ((";", "semicolon"), ("\t", "tab")):
        if len(header) == 1 and sep in header[0]:
            return RawTable(spec, [], [], [Problem(where, 1, "", f"looks {name}-separated (a spreadsheet export); save it as comma-separated CSV (UTF-8)")], False)
    header_clean = [h.strip() for h in header]
    empty = [i for i, h in enumerate(header_clean) if not h]
    if empty:
        trailing = [i for i in empty if all(not h for h in header_clean[i:])]
        inner = [i for i in empty if i not in trailing]
        if trailing:
            cols = ", ".join(column_letter(i) for i in trailing)
            problems.append(Problem(where, 1, f"column{'s' if len(trailing) > 1 else ''} {cols}", f"header cell{'s are' if len(trailing) > 1 else ' is'} empty (a spreadsheet saved empty columns after the last one); delete those columns"))
        for i in inner:
            problems.append(Problem(where, 1, f"column {column_letter(i)}", "header cell is empty; give the column its name or delete it"))
        return RawTable(spec, [], [], problems, False)
    for raw, clean in zip(header, header_clean):
        if raw != clean:
            problems.append(Problem(where, 1, clean, f"column name {quote_value(raw)} has leading or trailing spaces"))
    expected = spec.column_names
    missing = [c for c in expected if c not in header_clean and spec.column(c).required]
    for c in missing:
        problems.append(Problem(where, 1, c, f"required column is missing; the header must contain: {','.join(expected)}"))
    unknown = [h for h in header_clean if h not in expected]
    for h in unknown:
        problems.append(Problem(where, 1, h or "(empty)", f"unknown column; allowed columns: {','.join(expected)}"))
    dupes = sorted({h for h in header_clean if header_clean.count(h) > 1})
    for h in dupes:
        problems.append(Problem(where, 1, h, "column appears more than once in the header"))
    if missing or unknown or dupes:
        return RawTable(spec, [], [], problems, False)

    rows: list[dict[str, str]] = []
    lines: list[int] = []
    records = skipped = 0
    prev_end = reader.line_num
    while True:
        start = prev_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(where, start, "", f"row cannot be parsed as CSV ({exc}); check its quotes"))
            return RawTable(spec, rows, lines, problems, False)
        prev_end = reader.line_num
        if not cells or all(c.strip() == "" for c in cells):
            continue  # blank line
        records += 1
        if len(cells) != len(header):
            problems.append(
                Problem(where, start, "", f"row has {len(cells)} cells but the header has {len(header)}; check for an unquoted comma")
            )
            skipped += 1
            continue
        row = dict(zip(header_clean, cells))
        for col in spec.columns:
            msg = _check_cell(col, row.get(col.name, ""), vocab.get(col.name, col.allowed))
            if msg:
                problems.append(Problem(where, start, col.name, msg))
        rows.append(row)
        lines.append(start)

    if records < spec.min_rows:
        problems.append(Problem(where, 0, "", f"has a header but no rows; at least {spec.min_rows} row(s) needed"))

    seen: dict[tuple[str, ...], int] = {}
    for row, line in zip(rows, lines):
        key = tuple(row.get(k, "") for k in spec.key)
        if spec.key and all(key) and key in seen:
            problems.append(
                Problem(where, line, spec.key[-1], f"duplicate {'/'.join(spec.key)} {quote_value('/'.join(key))}; first used on line {seen[key]}")
            )
        else:
            seen.setdefault(key, line)
    return RawTable(spec, rows, lines, problems, skipped=skipped)


def read_table(root: Path, spec: TableSpec, vocab: dict[str, tuple[str, ...]] | None = None) -> RawTable:
    """Read and check ``spec``'s file under workbook ``root``."""
    text, problems = read_text(root / spec.path, spec.path)
    if text is None:
        return RawTable(spec, [], [], problems, False)
    return check_text(spec, text, spec.path, vocab)


def to_frame(table: RawTable) -> pd.DataFrame:
    """Turn checked rows into a DataFrame with typed columns (nullable ints, floats, strings)."""
    data: dict[str, object] = {}
    for col in table.spec.columns:
        vals = table.values(col.name)
        if col.kind == "int":
            data[col.name] = pd.array([int(v) if v else None for v in vals], dtype="Int64")
        elif col.kind == "float":
            data[col.name] = pd.array([float(v) if v else None for v in vals], dtype="Float64")
        else:
            data[col.name] = pd.array(vals, dtype=object)
    return pd.DataFrame(data)


def records(rows: list[dict[str, object]], columns: Sequence[str]) -> pd.DataFrame:
    """``rows`` as a DataFrame with exactly ``columns``, also when there are no rows (a new, empty review).

    Raises ValueError when a row's keys differ from ``columns``, so a column added to the rows but not
    to the list (or the other way round) shows at once instead of being dropped.
    """
    if rows and list(rows[0]) != list(columns):
        raise ValueError(f"row keys {list(rows[0])} differ from the declared columns {list(columns)}")
    return pd.DataFrame(rows, columns=list(columns))
