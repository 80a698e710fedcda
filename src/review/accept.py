"""Add the accepted candidates of ``review intake`` to the workbook (``review intake --accept CSV``).

The rows marked ``accept = yes`` become rows of ``data/claims.csv`` with fresh
claim ids that continue the article's sequence (``S5-01``, ``S5-02``... or after
its last existing claim), and the article's row (``ID.source.csv``, written by
``review intake`` beside the candidates and editable) is added to
``data/sources.csv`` when the article is new.

The article's text (``ID.txt`` beside the candidates: the text the quotes were
taken from, HTML and Markdown already converted) is placed in the archive
folder under the source row's ``text_file``, so validation can check every
quote against it. An archived file of that name must hold the same text;
if the archive cannot be written to (a read-only shared folder), put the file
there by hand and run again.

Nothing is written until the whole workbook, with the new rows in it, passes
the same checks as ``review validate`` (verbatim quotes, known outcomes,
allowed values). A bad row is reported as ``CANDIDATES:LINE: column: message``
and then nothing is written; the files are written to temporary names and
renamed into place at the end.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .errors import Problem, WorkbookError
from .intake import CANDIDATE_COLUMNS, source_row_path, text_path
from .tables import check_text, read_text
from .workbook import archive_dir, check_workbook, normalise_ws

ACCEPT_VALUES = ("yes", "no")
#: a statement ending like this is still the suggestion of ``review intake``
PLACEHOLDER = "restate in neutral words"

CANDIDATES = schema.TableSpec(
    "candidates",
    "build/intake/ID.csv",
    (),
    tuple(
        schema.Column(
            name,
            "enum" if name == "accept" else "text",
            allowed=ACCEPT_VALUES if name == "accept" else (),
            max_len=2000,
        )
        for name in CANDIDATE_COLUMNS
    ),
    min_rows=0,
    doc="Candidate claims proposed by review intake; rows marked accept=yes are added by review intake --accept.",
)


@dataclass(frozen=True)
class Accepted:
    source_id: str
    claim_ids: list[str]
    new_source: bool
    archived: Path | None


def _rows_text(header: list[str], rows: list[dict[str, str]], eol: str) -> tuple[str, list[int]]:
    """CSV text of ``rows`` (no header) and the line, counted from 0, each row starts on."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator=eol, extrasaction="ignore")
    offsets: list[int] = []
    for row in rows:
        offsets.append(buf.getvalue().count("\n"))
        writer.writerow(row)
    return buf.getvalue(), offsets


def _appended(text: str, header: list[str], rows: list[dict[str, str]]) -> tuple[str, list[int]]:
    """``text`` (a CSV file) with ``rows`` added at the end, and the 1-based line each new row starts on."""
    eol = "\r\n" if "\r\n" in text else "\n"
    if text and not text.endswith(("\n", "\r")):
        text += eol
    first = text.count("\n") + 1
    body, offsets = _rows_text(header, rows, eol)
    return text + body, [first + o for o in offsets]


def _header(text: str) -> list[str]:
    return [h.strip() for h in next(csv.reader(io.StringIO(text)))]


def _next_ids(source_id: str, existing: list[str], n: int) -> list[str]:
    """Claim ids continuing ``source_id``'s sequence: after S5-07 come S5-08, S5-09..."""
    pattern = re.compile(rf"^{re.escape(source_id)}-(\d+)$")
    numbers = [m.group(1) for cid in existing if (m := pattern.match(cid))]
    start = max((int(x) for x in numbers), default=0) + 1
    width = max([2] + [len(x) for x in numbers])
    return [f"{source_id}-{i:0{width}d}" for i in range(start, start + n)]


def _write_atomic(files: dict[Path, str]) -> None:
    """Write every file to a temporary name beside it, then rename them all into place."""
    temps: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
            temps.append((Path(tmp), path))
        for tmp, path in temps:
            os.replace(tmp, path)
    finally:
        for tmp, _ in temps:
            if tmp.exists():
                tmp.unlink()


def accept(candidates: Path, root: Path) -> Accepted:
    """Append the accepted candidates to data/claims.csv (and the article to data/sources.csv); all or nothing."""
    where = str(candidates)
    src_path, txt_path = source_row_path(candidates), text_path(candidates)
    problems: list[Problem] = []
    texts = {}
    for path in (candidates, src_path, txt_path):
        text, found = read_text(path, str(path))
        texts[path] = text
        problems += [Problem(p.where, p.line, p.field, p.message + (" (written by review intake beside the candidates)" if "missing" in p.message else "")) for p in found]
    if problems:
        raise WorkbookError(problems)
    cands = check_text(CANDIDATES, texts[candidates], where)
    source = check_text(schema.SOURCES, texts[src_path], str(src_path))
    problems += cands.problems + source.problems
    if not problems and len(source.rows) != 1:
        problems.append(Problem(str(src_path), 0, "", f"must hold exactly one article row under the header; it has {len(source.rows)}"))
    if problems:
        raise WorkbookError(problems)
    article_text = texts[txt_path] or ""
    src = source.rows[0]
    sid = src["source_id"]

    chosen = [(row, line) for row, line in zip(cands.rows, cands.lines) if row["accept"] == "yes"]
    if not chosen:
        raise WorkbookError([Problem(where, 0, "accept", "no row is marked accept=yes; mark the claims to add with yes (others no or empty)")])
    for row, line in chosen:
        if row["statement"].endswith(PLACEHOLDER):
            problems.append(Problem(where, line, "statement", "is still the suggested placeholder; restate the claim in neutral words"))

    claims_text, p1 = read_text(root / schema.CLAIMS.path, schema.CLAIMS.path)
    sources_text, p2 = read_text(root / schema.SOURCES.path, schema.SOURCES.path)
    if p1 or p2 or claims_text is None or sources_text is None:
        raise WorkbookError(p1 + p2)
    existing_sources = {r.get("source_id", ""): r for r in csv.DictReader(io.StringIO(sources_text))}
    existing_rows = list(csv.DictReader(io.StringIO(claims_text)))
    existing_claims = [r.get("claim_id", "") for r in existing_rows]
    already = {(r.get("source_id"), normalise_ws(r.get("quote", "")), r.get("outcome_id")): r.get("claim_id", "") for r in existing_rows}
    new_source = sid not in existing_sources
    text_file = src["text_file"] if new_source else existing_sources[sid].get("text_file", "")

    # the archive: the article's text must be there (or go there) under text_file
    archive = archive_dir(root)
    archived = archive / text_file
    copy_article = False
    if Path(text_file).name != text_file or text_file in ("", ".", ".."):
        problems.append(Problem(str(src_path), 2, "text_file", f"{text_file!r} must be a plain file name (the archive folder is {archive})"))
    elif archived.is_file():
        if archived.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n") != article_text.replace("\r\n", "\n") and new_source:
            problems.append(Problem(str(src_path), 2, "text_file", f"the archive already holds a different {text_file!r}; choose another file name"))
    elif not new_source:
        problems.append(Problem(schema.SOURCES.path, 0, "text_file", f"article {sid} is catalogued but {text_file!r} is not in the archive folder {archive}"))
    else:
        copy_article = True

    for row, line in chosen:
        twin = already.get((sid, normalise_ws(row["quote"]), row["outcome_id"]))
        if twin:
            problems.append(Problem(where, line, "accept", f"this quote and outcome are already claim {twin} (accepted before?); mark the row no"))
    ids = _next_ids(sid, existing_claims, len(chosen))
    new_claims = [
        {"claim_id": cid, "source_id": sid, **{c: row[c] for c in ("quote", "statement", "outcome_id", "claim_type", "wording", "quantity", "cited_work")}}
        for cid, (row, _) in zip(ids, chosen)
    ]
    claims_new, claim_lines = _appended(claims_text, _header(claims_text), new_claims)
    overlay = {schema.CLAIMS.path: claims_new}
    source_line = 0
    if new_source:
        sources_new, (source_line,) = _appended(sources_text, _header(sources_text), [src])
        overlay[schema.SOURCES.path] = sources_new

    # the whole workbook, with the new rows in place, must pass validation; new rows' problems point at the candidates
    checked = check_workbook(root, overlay, {text_file: article_text})
    by_line = {ln: cand_line for ln, (_, cand_line) in zip(claim_lines, chosen)}
    for p in checked.problems:
        if p.where == schema.CLAIMS.path and p.line in by_line:
            field = p.field if p.field in CANDIDATE_COLUMNS else "accept"
            problems.append(Problem(where, by_line[p.line], field, p.message))
        elif p.where == schema.SOURCES.path and new_source and p.line == source_line:
            problems.append(Problem(str(src_path), 2, p.field, p.message))
        else:
            problems.append(p)
    if problems:
        raise WorkbookError(problems)

    if copy_article:
        archive.mkdir(parents=True, exist_ok=True)
        if not os.access(archive, os.W_OK):
            raise WorkbookError([Problem(str(archive), 0, "", f"the archive folder cannot be written to; copy {txt_path} there as {text_file} and run again (nothing was written)")])
        _write_atomic({archived: article_text})
    files = {root / schema.CLAIMS.path: claims_new}
    if new_source:
        files[root / schema.SOURCES.path] = overlay[schema.SOURCES.path]
    _write_atomic(files)
    return Accepted(sid, ids, new_source, archived if copy_article else None)
