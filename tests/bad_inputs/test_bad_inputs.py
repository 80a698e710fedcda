"""Broken workbooks, end to end: every command refuses them, says where, and writes nothing.

Each case is one entry in ``CASES``: a small edit of a fresh copy of the real
workbook, returning the problem ``review validate`` must report (file, line,
column or bib key, and a piece of the rule text). For every case,
``validate``, ``grade`` and ``report`` must exit 1 and print that problem,
and nothing under the workbook may change. Line numbers are computed from the
edit made, never guessed.

``LEGIT`` holds edits that must still load (BOM, Windows line endings): the
loaded tables must equal those of an untouched copy.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from pandas.testing import assert_frame_equal

from conftest import SEEDS, copy_workbook, snapshot

from review.cli import main
from review.workbook import load_workbook

SOURCES, OUTCOMES, CLAIMS, STUDIES, FINDINGS = (f"data/{n}.csv" for n in ("sources", "outcomes", "claims", "studies", "findings"))
ROB, SEARCHES, JUDGEMENTS, CITATIONS = (f"data/{n}.csv" for n in ("risk_of_bias", "searches", "judgements", "citations"))
SIGNOFFS, FACETS = "data/certainty_signoffs.csv", "data/claim_facets.csv"
DESIGNS, ROB_TOOLS = "data/frameworks/designs.csv", "data/frameworks/rob_tools.csv"
BIB = "references.bib"
OLD_REPORT = b"<html>previous report, must survive a refused build</html>\n"

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"article archive {SEEDS} not present; quotes are not checked without it")


@dataclass(frozen=True)
class Expect:
    """The problem a broken workbook must report: ``file:line: field: ...text...`` (line 0 = the whole file)."""

    file: str
    line: int
    field: str
    text: str

    @property
    def prefix(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc}: {self.field}: " if self.field else f"{loc}: "


@dataclass(frozen=True)
class Case:
    id: str
    edit: Callable[[Path], Expect]
    marks: tuple = ()

    def param(self):
        return pytest.param(self, id=self.id, marks=self.marks)


# ---------------------------------------------------------------- file helpers


def read_rows(path: Path) -> tuple[list[list[str]], str]:
    """All records of a CSV (header first) and its line ending."""
    text = path.read_bytes().decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""))), "\r\n" if "\r\n" in text else "\n"


def write_rows(path: Path, rows: list[list[str]], eol: str = "\n", delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator=eol, delimiter=delimiter).writerows(rows)


def record_lines(path: Path) -> list[int]:
    """The line each record starts on (index 0 is the header, on line 1); cells of any length."""
    reader = csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline=""))
    starts, end = [], 0
    limit = csv.field_size_limit(sys.maxsize)  # process-wide: put back before the workbook reads
    try:
        for _ in reader:
            starts.append(end + 1)
            end = reader.line_num
    finally:
        csv.field_size_limit(limit)
    return starts


def cell(root: Path, rel: str, values: dict[str, str], field: str, text: str, row: int = 0, where: Callable[[dict], bool] | None = None) -> Expect:
    """Set cells of one data row (the ``row``-th, or the first matching ``where``); expect a problem on its line."""
    path = root / rel
    rows, eol = read_rows(path)
    header = rows[0]
    i = row + 1 if where is None else next(i for i, r in enumerate(rows[1:], 1) if where(dict(zip(header, r))))
    for col, value in values.items():
        rows[i][header.index(col)] = value
    write_rows(path, rows, eol)
    return Expect(rel, record_lines(path)[i], field, text)


def append_row(root: Path, rel: str, values: list[str]) -> int:
    """Add a row at the end; return its line."""
    path = root / rel
    rows, eol = read_rows(path)
    write_rows(path, rows + [values], eol)
    return record_lines(path)[-1]


def rename_column(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    rows, eol = read_rows(path)
    rows[0][rows[0].index(old)] = new
    write_rows(path, rows, eol)


def drop_column(root: Path, rel: str, name: str) -> None:
    path = root / rel
    rows, eol = read_rows(path)
    j = rows[0].index(name)
    write_rows(path, [r[:j] + r[j + 1 :] for r in rows], eol)


def edit_line(root: Path, rel: str, old: str, new: str) -> int:
    """Replace text in the first line containing ``old``, byte for byte otherwise; return that line."""
    path = root / rel
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    i = next(i for i, ln in enumerate(lines) if old in ln)
    lines[i] = lines[i].replace(old, new, 1)
    path.write_bytes("".join(lines).encode("utf-8"))
    return i + 1


def bib_entry(text: str, key: str) -> tuple[int, int]:
    """Start and end offsets of entry ``key`` in bib ``text``."""
    m = re.search(rf"^@\w+\{{{re.escape(key)},", text, re.M)
    assert m, key
    end = text.find("\n@", m.end())
    return m.start(), len(text) if end < 0 else end + 1


def edit_bib(root: Path, key: str, pattern: str, repl: str) -> int:
    """Regex-substitute inside entry ``key`` of references.bib; return the line the entry starts on."""
    path = root / BIB
    text = path.read_bytes().decode("utf-8")
    start, end = bib_entry(text, key)
    entry, n = re.subn(pattern, repl, text[start:end], flags=re.M)
    assert n, (key, pattern)
    path.write_bytes((text[:start] + entry + text[end:]).encode("utf-8"))
    return text.count("\n", 0, start) + 1


# ---------------------------------------------------------------- edits too long for one line


def then(edit: Callable[[Path], object], expect: Expect) -> Callable[[Path], Expect]:
    """An edit whose expected problem does not depend on where the edit landed (headers, whole files)."""

    def run(root: Path) -> Expect:
        edit(root)
        return expect

    return run


def empty_file(root: Path) -> Expect:
    (root / SOURCES).write_bytes(b"")
    return Expect(SOURCES, 0, "", "file is empty; it needs the header row: source_id,title,kind,words,text_file")


def header_only(rel: str, text: str) -> Callable[[Path], Expect]:
    def edit(root: Path) -> Expect:
        rows, eol = read_rows(root / rel)
        write_rows(root / rel, rows[:1], eol)
        return Expect(rel, 0, "", text)

    return edit


def duplicate_id(root: Path) -> Expect:
    rows, _ = read_rows(root / OUTCOMES)
    line = append_row(root, OUTCOMES, rows[1])
    return Expect(OUTCOMES, line, "outcome_id", f"duplicate outcome_id '{rows[1][0]}'; first used on line 2")


def n_analysed_above_enrolled(root: Path) -> Expect:
    return cell(root, STUDIES, {"n_enrolled": "10", "n_analysed": "12"}, "n_analysed", "n_analysed (12) is larger than n_enrolled (10)")


def effect_outside_ci(root: Path) -> Expect:
    values = {"effect": "5", "ci_low": "1", "ci_high": "2", "effect_type": "MD"}
    return cell(root, FINDINGS, values, "effect", "effect 5 lies outside its confidence interval 1 to 2")


def zero_width_ci(root: Path) -> Expect:
    values = {"effect": "1.5", "ci_low": "1.5", "ci_high": "1.5", "effect_type": "MD"}
    return cell(root, FINDINGS, values, "ci_high", "confidence interval 1.5 to 1.5 has no width")


def ratio_ci_not_positive(root: Path) -> Expect:
    values = {"effect": "1.5", "ci_low": "0", "ci_high": "2", "effect_type": "OR"}
    return cell(root, FINDINGS, values, "ci_low", "OR is a ratio, pooled on the log scale")


def override_without_reason(root: Path) -> Expect:
    line = append_row(root, JUDGEMENTS, ["acne_scars", "imprecision", "serious", "", "review team"])
    return Expect(JUDGEMENTS, line, "reason", "is empty; a value is required")


def override_wrong_direction(root: Path) -> Expect:
    line = append_row(root, JUDGEMENTS, ["acne_scars", "imprecision", "upgrade one level", "large sample", ""])
    return Expect(JUDGEMENTS, line, "judgement", "'upgrade one level' does not fit domain imprecision; allowed: not serious, serious, very serious")


def bib_duplicate_key(root: Path) -> Expect:
    path = root / BIB
    text = path.read_bytes().decode("utf-8")
    start, end = bib_entry(text, "Alam2014")
    head = text.rstrip("\n") + "\n\n"
    path.write_bytes((head + text[start:end]).encode("utf-8"))
    first = text.count("\n", 0, start) + 1
    return Expect(BIB, head.count("\n") + 1, "Alam2014", f"duplicate key; first defined on line {first}")


def bib_missing(root: Path) -> Expect:
    (root / BIB).unlink()
    return Expect(BIB, 0, "", "file is missing; create it")


def non_utf8(root: Path) -> Expect:
    exp = cell(root, OUTCOMES, {"label": "Acne scars (caf\u00e9 au lait)"}, "", "is not valid UTF-8 (byte 0xe9", row=3)
    path = root / OUTCOMES
    data = path.read_bytes()
    assert data.count("\u00e9".encode()) == 1
    path.write_bytes(data.replace("\u00e9".encode(), b"\xe9"))  # Latin-1, as an old spreadsheet saves it
    return exp


def semicolon_separated(root: Path) -> Expect:
    rows, eol = read_rows(root / OUTCOMES)
    write_rows(root / OUTCOMES, rows, eol, delimiter=";")
    return Expect(OUTCOMES, 1, "", "looks semicolon-separated (a spreadsheet export); save it as comma-separated CSV")


def data_file_is_directory(root: Path) -> Expect:
    (root / SOURCES).unlink()
    (root / SOURCES).mkdir()
    return Expect(SOURCES, 0, "", "is a directory, not a file")


def unreadable_file(root: Path) -> Expect:
    (root / SOURCES).chmod(0)
    try:
        (root / SOURCES).open("rb").close()
    except PermissionError:
        return Expect(SOURCES, 0, "", "cannot be read (Permission denied)")
    pytest.skip(f"this process (euid {os.geteuid()}) can read a chmod 000 file: root ignores file permissions")


def unquoted_comma_in_framework(root: Path) -> Expect:
    line = edit_line(root, ROB_TOOLS, "RoB 2,2019 (Sterne et al.", "RoB 2,2019, (Sterne et al.")
    return Expect(ROB_TOOLS, line, "", "row has 5 cells but the header has 4; check for an unquoted comma")


def unquoted_comma_in_claims(root: Path) -> Expect:
    line = edit_line(root, CLAIMS, "Microneedling puncture wounds trigger", "Microneedling puncture wounds, it says, trigger")
    return Expect(CLAIMS, line, "", "row has 11 cells but the header has 9; check for an unquoted comma")


def unterminated_quote(root: Path) -> Expect:
    rows, _ = read_rows(root / SOURCES)
    title = rows[-1][1]
    line = edit_line(root, SOURCES, f",{title},", f',"{title},')
    return Expect(SOURCES, line, "", "row cannot be parsed as CSV")


def duplicate_header_column(root: Path) -> Expect:
    rows, eol = read_rows(root / OUTCOMES)
    write_rows(root / OUTCOMES, [r + [r[1]] for r in rows], eol)
    return Expect(OUTCOMES, 1, "label", "column appears more than once in the header")


def extra_column(root: Path) -> Expect:
    rows, eol = read_rows(root / OUTCOMES)
    write_rows(root / OUTCOMES, [rows[0] + ["colour"]] + [r + ["red"] for r in rows[1:]], eol)
    return Expect(OUTCOMES, 1, "colour", "unknown column; allowed columns: outcome_id,label,category,subject,description")


def quote_not_in_article(quote: str) -> Callable[[Path], Expect]:
    return lambda root: cell(root, CLAIMS, {"quote": quote}, "quote", f"quote {quote!r} does not occur in article S0; quotes must be verbatim")


def tab_separated(root: Path) -> Expect:
    rows, eol = read_rows(root / OUTCOMES)
    write_rows(root / OUTCOMES, rows, eol, delimiter="\t")
    return Expect(OUTCOMES, 1, "", "looks tab-separated (a spreadsheet export); save it as comma-separated CSV")


def trailing_empty_columns(root: Path) -> Expect:
    rows, eol = read_rows(root / OUTCOMES)
    write_rows(root / OUTCOMES, [r + ["", ""] for r in rows], eol)
    return Expect(OUTCOMES, 1, "columns F, G", "header cells are empty (a spreadsheet saved empty columns after the last one); delete those columns")


def text_file_outside_archive(value: str) -> Callable[[Path], Expect]:
    def edit(root: Path) -> Expect:
        return cell(root, SOURCES, {"text_file": value}, "text_file", f"{value!r} leads outside the article archive folder {SEEDS}; give the name of a file inside it")

    return edit


def design_not_in_framework(root: Path) -> Expect:
    rows, _ = read_rows(root / ROB_TOOLS)
    applies = rows[1][rows[0].index("applies_to")] + ";pilot study"
    return cell(root, ROB_TOOLS, {"applies_to": applies}, "applies_to", "value 'pilot study' is not allowed; allowed (separate several with ';'): RCT,")


def is_rob2(r: dict) -> bool:
    return r["tool"] == "RoB 2"


# ---------------------------------------------------------------- the cases

CASES = [
    # header
    Case("missing_column", then(lambda r: drop_column(r, STUDIES, "design"), Expect(STUDIES, 1, "design", "required column is missing; the header must contain: study_id,design,reviews,design_detail"))),
    Case("renamed_column", then(lambda r: rename_column(r, STUDIES, "n_enrolled", "n_enroled"), Expect(STUDIES, 1, "n_enrolled", "required column is missing; the header must contain:"))),
    Case("renamed_column_is_unknown", then(lambda r: rename_column(r, STUDIES, "n_enrolled", "n_enroled"), Expect(STUDIES, 1, "n_enroled", "unknown column; allowed columns: study_id,design"))),
    Case("extra_unknown_column", extra_column),
    Case("duplicate_header_column", duplicate_header_column),
    Case("header_with_trailing_space", then(lambda r: rename_column(r, OUTCOMES, "label", "label "), Expect(OUTCOMES, 1, "label", "column name 'label ' has leading or trailing spaces"))),
    # whole files
    Case("empty_file", empty_file),
    Case("header_only", header_only(SEARCHES, "has a header but no rows; at least 1 row(s) needed")),
    Case("header_only_referenced_table", header_only(OUTCOMES, "has a header but no rows; at least 1 row(s) needed")),
    Case("missing_file", then(lambda r: (r / SEARCHES).unlink(), Expect(SEARCHES, 0, "", "file is missing; create it"))),
    Case("non_utf8_file", non_utf8),
    Case("semicolon_separated", semicolon_separated),
    Case("tab_separated", tab_separated),
    Case("trailing_empty_columns", trailing_empty_columns),
    Case("data_file_is_directory", data_file_is_directory),
    Case("unreadable_data_file", unreadable_file),
    # parsing rows
    Case("unquoted_comma_in_framework_cascade", unquoted_comma_in_framework),
    Case("unquoted_comma_in_claims", unquoted_comma_in_claims),
    Case("unterminated_quote", unterminated_quote),
    # keys and ids
    Case("duplicate_id", duplicate_id),
    Case("id_with_trailing_space", lambda r: cell(r, CLAIMS, {"claim_id": "S0-01 "}, "claim_id", "value 'S0-01 ' has leading or trailing spaces; remove them")),
    Case("id_with_unicode_hyphen", lambda r: cell(r, CLAIMS, {"claim_id": "S0\u201101"}, "claim_id", "is not a valid id (allowed: letters, digits, _ . : - ; starting with a letter or digit); it contains '\u2011' (U+2011 NON-BREAKING HYPHEN)")),
    Case("id_with_space_inside", lambda r: cell(r, CLAIMS, {"claim_id": "S0 01"}, "claim_id", "is not a valid id (allowed: letters, digits, _ . : -")),
    # references between tables
    Case("unknown_source_id", lambda r: cell(r, CLAIMS, {"source_id": "S9"}, "source_id", "unknown value 'S9'; allowed: any source_id listed in data/sources.csv")),
    Case("unknown_outcome_id", lambda r: cell(r, CLAIMS, {"outcome_id": "pore"}, "outcome_id", "unknown value 'pore'; allowed: any outcome_id listed in data/outcomes.csv; did you mean pores?")),
    Case("unknown_study_id", lambda r: cell(r, FINDINGS, {"study_id": "Nobody2001"}, "study_id", "unknown value 'Nobody2001'; allowed: any study_id listed in data/studies.csv")),
    Case("unknown_bib_key_in_studies", lambda r: cell(r, STUDIES, {"study_id": "Ghost2020"}, "study_id", "unknown value 'Ghost2020'; allowed: any key in references.bib")),
    # claims and quotes
    Case("claim_quote_empty", lambda r: cell(r, CLAIMS, {"quote": ""}, "quote", "is empty; a value is required")),
    Case("claim_quote_not_in_article", quote_not_in_article("Microneedling cures everything."), (needs_seeds,)),
    Case("quote_with_script_tag", quote_not_in_article('<script>alert("x")</script>'), (needs_seeds,)),
    Case("quote_with_template_braces", quote_not_in_article("Results in {{ weeks }} guaranteed"), (needs_seeds,)),
    Case("quote_differs_visibly", lambda r: cell(r, CLAIMS, {"quote": "Micro needling"}, "quote", "then the quote has ' ' (U+0020 SPACE) where the article has "), (needs_seeds,)),
    Case("text_file_climbs_out_of_archive", text_file_outside_archive("../../../etc/passwd"), (needs_seeds,)),
    Case("text_file_absolute_path", text_file_outside_archive("/etc/passwd"), (needs_seeds,)),
    Case("quote_too_long", lambda r: cell(r, CLAIMS, {"quote": "q" * 401}, "quote", "value is 401 characters long; at most 400 allowed")),
    Case("extremely_long_field", lambda r: cell(r, CLAIMS, {"statement": "x" * 100_000}, "statement", "value is 100000 characters long; at most 2000 allowed")),
    Case("field_over_csv_limit", lambda r: cell(r, CLAIMS, {"statement": "x" * 200_000}, "statement", "value is 200000 characters long; at most 2000 allowed")),
    # vocabularies
    Case("unknown_design", lambda r: cell(r, STUDIES, {"design": "RTC"}, "design", "value 'RTC' is not allowed; allowed: RCT, animal, case report, case series")),
    Case("unknown_direction", lambda r: cell(r, FINDINGS, {"direction": "positive"}, "direction", "value 'positive' is not allowed; allowed: benefit, no difference, harm, mixed, not reported")),
    Case("unknown_rob_judgement", lambda r: cell(r, ROB, {"judgement": "moderate"}, "judgement", "'moderate' is not a RoB 2 judgement; allowed: low, some concerns, high, no information", where=is_rob2)),
    Case("unknown_rob_domain", lambda r: cell(r, ROB, {"domain": "D9"}, "domain", "'D9' is not a RoB 2 domain; allowed: D1, D2, D3, D4, D5, overall", where=is_rob2)),
    Case("unknown_rob_tool", lambda r: cell(r, ROB, {"tool": "RoB 3"}, "tool", "value 'RoB 3' is not allowed; allowed: JBI case series", where=is_rob2)),
    Case("framework_design_unknown_in_rob_tools", design_not_in_framework),
    Case("framework_bad_enum_in_designs", lambda r: cell(r, DESIGNS, {"grade_start": "medium"}, "grade_start", "value 'medium' is not allowed; allowed: high, low, review, indirect, not graded")),
    Case("unknown_citation_departure", lambda r: cell(r, CITATIONS, {"departures": "none;made up"}, "departures", "value 'made up' is not allowed; allowed (separate several with ';'):")),
    # numbers, dates, addresses
    Case("n_analysed_above_n_enrolled", n_analysed_above_enrolled),
    Case("negative_n", lambda r: cell(r, STUDIES, {"n_enrolled": "-5"}, "n_enrolled", "value '-5' is not a whole number >= 0")),
    Case("non_numeric_n", lambda r: cell(r, STUDIES, {"n_enrolled": "about 40"}, "n_enrolled", "value 'about 40' is not a whole number >= 0")),
    Case("sessions_min_above_max", lambda r: cell(r, STUDIES, {"sessions_min": "6", "sessions_max": "3"}, "sessions_min", "sessions_min (6) is larger than sessions_max (3)")),
    Case("effect_outside_its_ci", effect_outside_ci),
    Case("zero_width_ci", zero_width_ci),
    Case("ratio_ci_not_positive", ratio_ci_not_positive),
    Case("ci_with_one_end", lambda r: cell(r, FINDINGS, {"effect": "1.5", "effect_type": "MD", "ci_low": "1", "ci_high": ""}, "ci_high", "give both ends of the confidence interval, or neither")),
    Case("unicode_minus_in_effect", lambda r: cell(r, FINDINGS, {"effect": "\u22121.5", "effect_type": "MD"}, "effect", "value '\u22121.5' is not a number: it contains '\u2212' (U+2212 MINUS SIGN), which looks like '-'; type '-' instead")),
    Case("fullwidth_digit_in_n", lambda r: cell(r, STUDIES, {"n_enrolled": "\uff14\uff10"}, "n_enrolled", "it contains '\uff14' (U+FF14 FULLWIDTH DIGIT FOUR), which looks like '4'; type '4' instead")),
    Case("underscore_in_effect", lambda r: cell(r, FINDINGS, {"effect": "1_5", "effect_type": "MD"}, "effect", "value '1_5' is not a number: '_' (U+005F LOW LINE) is not allowed in a number")),
    Case("underscore_in_n", lambda r: cell(r, STUDIES, {"n_enrolled": "1_0"}, "n_enrolled", "value '1_0' is not a whole number >= 0: '_' (U+005F LOW LINE) is not allowed in a number")),
    Case("non_numeric_effect", lambda r: cell(r, FINDINGS, {"effect": "1,5", "effect_type": "MD"}, "effect", "value '1,5' is not a number")),
    Case("events_above_total", lambda r: cell(r, FINDINGS, {"events": "12", "total": "10"}, "events", "events (12) is larger than total (10)")),
    Case("bad_date", lambda r: cell(r, SEARCHES, {"date_searched": "21/11/2026"}, "date_searched", "value '21/11/2026' is not a date in the form YYYY-MM-DD")),
    Case("bad_source_url", lambda r: cell(r, FINDINGS, {"source_url": "www.example.org/study"}, "source_url", "'www.example.org/study' is not an http(s) address")),
    # reviewer overrides
    Case("override_without_reason", override_without_reason),
    Case("override_wrong_direction", override_wrong_direction),
    # reviewer sign-offs and claim facets
    Case("signoff_unknown_source", lambda r: cell(r, SIGNOFFS, {"sources": "Alam2014 Ghost2020"}, "sources", "unknown bib key 'Ghost2020'; sources are space-separated keys of references.bib")),
    Case("signoff_certainty_off_scale", lambda r: cell(r, SIGNOFFS, {"certainty": "medium"}, "certainty", "value 'medium' is not allowed; allowed: high, moderate, low, very low")),
    Case("signoff_without_note", lambda r: cell(r, SIGNOFFS, {"note": ""}, "note", "is empty; a value is required")),
    Case("signoff_for_ungraded_outcome", lambda r: cell(r, SIGNOFFS, {"outcome_id": "session_count"}, "outcome_id", "session_count is a procedure fact, which is checked claim by claim, not graded; remove its sign-off")),
    Case("facet_unknown_device", lambda r: cell(r, FACETS, {"device": "dermapen"}, "device", "value 'dermapen' is not allowed; allowed: microneedling, microneedling combined, home device, other procedure")),
    Case("facet_comparative_study_unknown", lambda r: cell(r, FACETS, {"comparator": "laser", "comparative_studies": "Ghost2020", "comparative_result": "no difference"}, "comparative_studies", "value 'Ghost2020' is not allowed")),
    Case("facet_result_without_comparator", lambda r: cell(r, FACETS, {"comparative_studies": "Alam2014", "comparative_result": "no difference"}, "comparator", "comparative studies or a result are given, but no comparator")),
    # references.bib
    Case("bib_unbalanced_braces", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"an objective assessment\},$", "an objective assessment,"), "Majid2009", "entry cannot be parsed (check for unbalanced braces")),
    Case("bib_duplicate_key", bib_duplicate_key),
    Case("bib_no_identifier", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"^\s*(doi|pmid|url) = .*\n", ""), "Majid2009", "entry has no identifier; add a doi, a pmid, or a url")),
    Case("bib_malformed_doi", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"doi = \{10\.", "doi = {https://doi.org/10."), "Majid2009", "doi 'https://doi.org/10.4103/0974-2077.53096' is malformed; write the bare DOI")),
    Case("bib_malformed_pmid", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"pmid = \{", "pmid = {PMID:"), "Majid2009", "pmid 'PMID:20300368' is malformed; a PMID is 1-9 digits")),
    Case("bib_malformed_pmcid", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"pmcid = \{PMC", "pmcid = {"), "Majid2009", "pmcid '2840919' is malformed; write it as PMC followed by digits")),
    Case("bib_no_source_url", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"^\s*source_url = .*\n", ""), "Majid2009", "entry has no source_url; record the page(s)")),
    Case("bib_missing", bib_missing),
    # workbook.toml
    Case("settings_toml_syntax_error", lambda r: Expect("workbook.toml", edit_line(r, "workbook.toml", 'treatment = "microneedling"', "treatment = microneedling"), "", "not valid TOML: Invalid value; see https://toml.io (strings need double quotes)")),
    Case("settings_unknown_key", lambda r: Expect("workbook.toml", edit_line(r, "workbook.toml", "treatment = ", "treatmnet = "), "treatmnet", "unknown setting; allowed: archive, treatment")),
    Case("bib_duplicated_field", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"^(\s*year = \{2009\},\n)", r"\1\1"), "Majid2009", "field year is given more than once; keep one")),
]


def bib_field(root: Path, key: str, pattern: str, repl: str, field: str) -> int:
    """Edit entry ``key`` like :func:`edit_bib`; return the line its ``field`` is on afterwards."""
    edit_bib(root, key, pattern, repl)
    text = (root / BIB).read_bytes().decode("utf-8")
    start, end = bib_entry(text, key)
    m = re.search(rf"^\s*{field} = ", text[start:end], re.M)
    assert m, (key, field)
    return text.count("\n", 0, start + m.start()) + 1


#: usable input that a formatted reference cannot show as written: validate passes, and notes what is lost
NOTE_CASES = [
    Case("bib_undefined_macro", lambda r: Expect(BIB, bib_field(r, "Majid2009", r"title = \{", "title = jcas # {", "title"), "Majid2009", "field title: macro 'jcas' is not defined by any @string; it is shown as the bare word")),
    Case("bib_latex_markup_in_title", lambda r: Expect(BIB, bib_field(r, "Majid2009", r"title = \{Microneedling", r"title = {\\emph{Microneedling}", "title"), "Majid2009", "field title: LaTeX command \\emph cannot be shown; the reference reads")),
    Case("bib_name_with_too_many_commas", lambda r: Expect(BIB, bib_field(r, "Majid2009", r"author = \{Majid, Imran\}", "author = {Majid, Imran, MD, PhD}", "author"), "Majid2009", "field author: name 'Majid, Imran, MD, PhD' cannot be parsed")),
    Case("bib_biblatex_date_unreadable", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"year = \{2009\}", "date = {Spring 2009}"), "Majid2009", "field date 'Spring 2009' is not a BibLaTeX date (YYYY, YYYY-MM or YYYY-MM-DD); the reference shows no year")),
    Case("bib_booktitle_not_shown", lambda r: Expect(BIB, edit_bib(r, "Majid2009", r"^(\s*)year = ", r"\1booktitle = {Proceedings},\n\1year = "), "Majid2009", "field booktitle is not shown in the formatted reference")),
]


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def tree(root: Path) -> list[str]:
    """Every file and folder under ``root``, so an empty leftover folder shows too."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def safe_snapshot(root: Path) -> dict[str, bytes]:
    """:func:`snapshot`, lifting a chmod 000 just long enough to read the file."""
    locked = [p for p in root.rglob("*") if p.is_file() and p.stat().st_mode & 0o777 == 0]
    for p in locked:
        p.chmod(0o644)
    try:
        return snapshot(root)
    finally:
        for p in locked:
            p.chmod(0)


def reported(expect: Expect, output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.startswith(expect.prefix) and expect.text in ln]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_broken_workbook_is_refused_by_every_command(case: Case, tmp_path: Path, capsys):
    root = copy_workbook(tmp_path / "wb")
    expect = case.edit(root)
    (root / "reports").mkdir()
    (root / "reports" / "index.html").write_bytes(OLD_REPORT)
    before, files = safe_snapshot(root), tree(root)

    rc, out, err = run(["validate", "--root", str(root)], capsys)
    assert rc == 1, out + err
    found = reported(expect, out)
    assert found, f"no line starting {expect.prefix!r} and containing {expect.text!r} in:\n{out[:3000]}"

    for command, dest in (("grade", "build"), ("report", "reports")):
        rc, out, err = run([command, "--root", str(root), "--out", str(root / dest)], capsys)
        assert rc == 1, f"{command}: {out}{err}"
        assert err.startswith(f"review {command}: the workbook has "), err[:500]
        shown = {ln[2:] for ln in err.splitlines() if ln.startswith("  ")}
        assert set(found) & shown, f"review {command} does not show {found[0]!r}; it shows:\n{err[:3000]}"

    assert not (root / "build").exists()
    assert tree(root) == files
    assert safe_snapshot(root) == before
    assert (root / "reports" / "index.html").read_bytes() == OLD_REPORT


@pytest.mark.parametrize("case", [c.param() for c in NOTE_CASES])
def test_usable_input_that_loses_something_is_noted(case: Case, tmp_path: Path, capsys):
    root = copy_workbook(tmp_path / "wb")
    expect = case.edit(root)
    before = snapshot(root)
    rc, out, err = run(["validate", "--root", str(root)], capsys)
    assert rc == 0, out + err
    notes = [ln.removeprefix("note: ") for ln in err.splitlines()]
    assert reported(expect, "\n".join(notes)), f"no note starting {expect.prefix!r} with {expect.text!r} in:\n{err[:3000]}"
    assert snapshot(root) == before


#: --out folders no command may replace: (folder relative to the workbook, the reason shown)
OUT_CASES = [
    pytest.param(".", "is the workbook folder or contains it", id="out_is_the_workbook"),
    pytest.param("..", "is the workbook folder or contains it", id="out_is_above_the_workbook"),
    pytest.param("data", "is inside the workbook's data; outputs never go there", id="out_is_data"),
    pytest.param("notebooks", "is inside the workbook's notebooks; outputs never go there", id="out_is_notebooks"),
    pytest.param("data/frameworks", "is inside the workbook's data; outputs never go there", id="out_inside_data"),
    pytest.param("references.bib", "is inside the workbook's references.bib; outputs never go there", id="out_is_the_bib"),
    pytest.param("../my-notes", "holds files this command did not write (thesis.docx); it would replace them", id="out_holds_user_files"),
]


@pytest.mark.parametrize("command", ["grade", "report"])
@pytest.mark.parametrize("target, why", OUT_CASES)
def test_out_folder_that_is_not_the_commands_own_is_refused(command: str, target: str, why: str, tmp_path: Path, capsys):
    root = copy_workbook(tmp_path / "wb")
    notes = tmp_path / "my-notes"
    notes.mkdir()
    (notes / "thesis.docx").write_bytes(b"precious")
    before, files = snapshot(tmp_path), tree(tmp_path)
    rc, out, err = run([command, "--root", str(root), "--out", str(root / target)], capsys)
    assert rc == 1, out + err
    expect = Expect(str((root / target).resolve()), 0, "--out", why)
    assert err.startswith(f"review {command}: the workbook has 1 problem"), err
    assert reported(expect, err.replace("\n  ", "\n")), err
    assert tree(tmp_path) == files and snapshot(tmp_path) == before


def test_cases_have_unique_ids():
    ids = [c.id for c in CASES + NOTE_CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 30


def test_shell_exit_codes(tmp_path: Path):
    """The installed console script exits 1 from the shell, and prints the problem where a researcher looks."""
    root = copy_workbook(tmp_path / "wb")
    expect = cell(root, FINDINGS, {"direction": "positive"}, "direction", "value 'positive' is not allowed; allowed:")
    script = Path(sys.executable).with_name("review")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "review.cli"]
    env = {k: v for k, v in os.environ.items() if k not in ("REVIEW_ROOT", "REVIEW_ARCHIVE")}
    before = snapshot(root)
    for args, stream in ((["validate"], "stdout"), (["grade", "--out", str(root / "build")], "stderr"), (["report", "--out", str(root / "reports")], "stderr")):
        proc = subprocess.run(cmd + [args[0], "--root", str(root)] + args[1:], capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert reported(expect, getattr(proc, stream).replace("\n  ", "\n")), (args, proc.stdout, proc.stderr)
    assert snapshot(root) == before
    assert not (root / "build").exists() and not (root / "reports").exists()


# ---------------------------------------------------------------- inputs that must load


def add_bom(root: Path, paths: list[Path]) -> None:
    for p in paths:
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())


def line_endings(eol: bytes) -> Callable[[Path, list[Path]], None]:
    def edit(root: Path, paths: list[Path]) -> None:
        for p in paths:
            p.write_bytes(p.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", eol))

    return edit


def csv_files(root: Path) -> list[Path]:
    return sorted((root / "data").rglob("*.csv"))


LEGIT = [
    pytest.param(add_bom, csv_files, id="utf8_bom_in_every_csv"),
    pytest.param(line_endings(b"\r\n"), csv_files, id="crlf_in_every_csv"),
    pytest.param(line_endings(b"\n"), csv_files, id="lf_in_every_csv"),
    pytest.param(add_bom, lambda root: [root / BIB], id="utf8_bom_in_bib"),
    pytest.param(line_endings(b"\r\n"), lambda root: [root / BIB], id="crlf_in_bib"),
]


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    """The untouched workbook, loaded once."""
    return load_workbook(copy_workbook(tmp_path_factory.mktemp("original") / "wb"))


@pytest.mark.parametrize("edit, files", LEGIT)
def test_harmless_encoding_variants_load_the_same(edit, files, original, tmp_path: Path, capsys):
    root = copy_workbook(tmp_path / "wb")
    edit(root, files(root))
    rc, out, err = run(["validate", "--root", str(root)], capsys)
    assert rc == 0, out[:3000]
    assert out.startswith("workbook is valid:")
    wb = load_workbook(root)
    assert wb.frames.keys() == original.frames.keys()
    for name, frame in original.frames.items():
        assert_frame_equal(wb.frames[name], frame, obj=name)
    assert wb.bib.entries == original.bib.entries
    assert wb.bib.lines == original.bib.lines


@pytest.mark.parametrize("label", ['=HYPERLINK("http://example.org","Pores")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"])
def test_formula_in_a_data_cell_is_escaped_in_generated_csvs(label: str, tmp_path: Path, capsys):
    """data/outcomes.csv, first row, label: a spreadsheet would run it; grades.csv carries it with a leading quote (OWASP)."""
    root = copy_workbook(tmp_path / "wb")
    rows, eol = read_rows(root / OUTCOMES)
    outcome = rows[1][0]
    rows[1][rows[0].index("label")] = label
    write_rows(root / OUTCOMES, rows, eol)
    before = snapshot(root)
    rc, out, err = run(["grade", "--root", str(root), "--out", str(tmp_path / "g")], capsys)
    assert rc == 0, err
    graded = {r["outcome_id"]: r for r in csv.DictReader(io.StringIO((tmp_path / "g" / "grades.csv").read_text(encoding="utf-8")))}
    assert graded[outcome]["label"] == "'" + label
    assert {k: v for k, v in snapshot(root).items() if not k.startswith("build/cache/")} == before  # the cache is grade's own


@pytest.mark.parametrize("command", ["report", "execute"])
@pytest.mark.parametrize("jobs", ["two", "0", "-1", "1.5"])
def test_wrong_review_jobs_is_one_line_before_any_work(command: str, jobs: str, tmp_path: Path, monkeypatch, capsys):
    """Environment variable REVIEW_JOBS (notebooks run at once): a whole number >= 1, or unset."""
    root = copy_workbook(tmp_path / "wb")
    monkeypatch.setenv("REVIEW_JOBS", jobs)
    before, files = snapshot(root), tree(root)
    rc, out, err = run([command, "--root", str(root)], capsys)
    assert rc == 1
    assert err == f"review {command}: REVIEW_JOBS={jobs!r} is not allowed: set it to a whole number of notebooks to run at once (1 or more), or unset it\n"
    assert tree(root) == files and snapshot(root) == before


# ---------------------------------------------------------------- notebooks that fail


def test_failing_notebook_cell_is_a_short_message_and_keeps_the_previous_reports(tmp_path: Path):
    """A cell that raises: exit 1, the notebook, cell and error line first, no ANSI codes, no internal traceback."""
    from conftest import write_notebook

    root = copy_workbook(tmp_path / "wb", "no-archive-here")
    for nb in (root / "notebooks").glob("*.ipynb"):
        nb.unlink()
    write_notebook(root / "notebooks" / "01-divide-claims.ipynb", ["import review\nwb = review.load_workbook()", "share = len(wb.claims) / 0"], "Divide")
    (root / "reports").mkdir()
    (root / "reports" / "index.html").write_bytes(OLD_REPORT)
    before = snapshot(root)
    script = Path(sys.executable).with_name("review")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "review.cli"]
    env = {k: v for k, v in os.environ.items() if k not in ("REVIEW_ROOT", "REVIEW_ARCHIVE")}
    proc = subprocess.run(cmd + ["report", "--root", str(root)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if not line.startswith("executing")]
    assert errors[0] == "review report: a notebook failed; the previous reports are unchanged."
    assert errors[1] == "notebooks/01-divide-claims.ipynb: cell 3 failed: ZeroDivisionError: division by zero"
    assert errors[2] == "  failing line: 1 share = len(wb.claims) / 0"
    assert "\x1b[" not in proc.stderr and "Traceback" not in proc.stderr and "nbclient" not in proc.stderr
    assert "without encryption" not in proc.stderr
    inputs = lambda snap: {k: v for k, v in snap.items() if not k.startswith("build/")}  # noqa: E731 - the cache may be warmed
    assert inputs(snapshot(root)) == inputs(before)
