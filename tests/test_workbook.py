"""Checking a whole workbook: cross-table references, row rules, quotes, coverage."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest

from review import WorkbookError, check_workbook, load_workbook
from review.workbook import normalise_ws

REPO = Path(__file__).resolve().parents[1]
SEEDS = (REPO / ".." / "shared" / "seeds").resolve()


def edit_cell(path: Path, row_index: int, column: str, value: str) -> int:
    """Set one cell of a CSV; return the line number of that row (header is line 1)."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        fieldnames = list(rows[0].keys())
    rows[row_index][column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row_index + 2


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_workbook(root).problems]


def test_real_workbook_is_valid():
    checked = check_workbook(REPO)
    assert checked.problems == []
    assert len(checked.tables["claims"].rows) >= 60
    assert {r["source_id"] for r in checked.tables["claims"].rows} == {"S0", "S1", "S2", "S3", "S4"}


def test_load_workbook_returns_typed_frames(workbook: Path):
    wb = load_workbook(workbook)
    assert set(wb.claims["source_id"]) == {"S0", "S1", "S2", "S3", "S4"}
    assert str(wb.studies["n_enrolled"].dtype) == "Int64"


def test_unknown_outcome_in_claims_is_reported_with_line(workbook: Path):
    line = edit_cell(workbook / "data" / "claims.csv", 4, "outcome_id", "pore")
    found = problems(workbook)
    assert [p for p in found if p.startswith(f"data/claims.csv:{line}:")] == [
        f"data/claims.csv:{line}: outcome_id: unknown value 'pore'; allowed: any outcome_id listed in data/outcomes.csv; did you mean pores?"
    ]


def test_unknown_source_in_claims_is_reported(workbook: Path):
    line = edit_cell(workbook / "data" / "claims.csv", 0, "source_id", "S9")
    assert any(p.startswith(f"data/claims.csv:{line}: source_id: unknown value 'S9'") for p in problems(workbook))


def test_load_workbook_raises_listing_every_problem(workbook: Path):
    edit_cell(workbook / "data" / "claims.csv", 0, "wording", "very")
    edit_cell(workbook / "data" / "claims.csv", 1, "claim_type", "miracle")
    with pytest.raises(WorkbookError) as info:
        load_workbook(workbook)
    text = str(info.value)
    assert text.startswith("the workbook has 2 problems; fix them and run again:")
    assert "data/claims.csv:2: wording: value 'very' is not allowed; allowed: hedged, plain, absolute" in text
    assert "data/claims.csv:3: claim_type: value 'miracle' is not allowed" in text


def test_unknown_study_in_findings_is_reported(workbook: Path):
    line = edit_cell(workbook / "data" / "findings.csv", 0, "study_id", "Nobody2001")
    assert any(p.startswith(f"data/findings.csv:{line}: study_id: unknown value 'Nobody2001'") for p in problems(workbook))


def test_study_not_in_bib_is_reported(workbook: Path):
    line = edit_cell(workbook / "data" / "studies.csv", 0, "study_id", "Ghost2020")
    found = problems(workbook)
    assert any(p.startswith(f"data/studies.csv:{line}: study_id: unknown value 'Ghost2020'; allowed: any key in references.bib") for p in found)


def test_bad_design_lists_the_vocabulary(workbook: Path):
    line = edit_cell(workbook / "data" / "studies.csv", 0, "design", "pilot study")
    msg = next(p for p in problems(workbook) if p.startswith(f"data/studies.csv:{line}: design:"))
    assert "value 'pilot study' is not allowed; allowed: RCT, animal, case report, case series" in msg


def test_n_analysed_above_n_enrolled_is_reported(workbook: Path):
    path = workbook / "data" / "studies.csv"
    edit_cell(path, 0, "n_enrolled", "10")
    line = edit_cell(path, 0, "n_analysed", "12")
    assert f"data/studies.csv:{line}: n_analysed: n_analysed (12) is larger than n_enrolled (10)" in problems(workbook)


def test_effect_outside_its_interval_is_reported(workbook: Path):
    path = workbook / "data" / "findings.csv"
    edit_cell(path, 0, "effect", "5")
    edit_cell(path, 0, "ci_low", "1")
    edit_cell(path, 0, "ci_high", "2")
    line = edit_cell(path, 0, "effect_type", "MD")
    assert f"data/findings.csv:{line}: effect: effect 5 lies outside its confidence interval 1 to 2" in problems(workbook)


def test_risk_of_bias_domain_and_judgement_come_from_the_tool(workbook: Path):
    path = workbook / "data" / "risk_of_bias.csv"
    rows = read_rows(path)
    i = next(i for i, r in enumerate(rows) if r["tool"] == "RoB 2")
    edit_cell(path, i, "domain", "D9")
    line = edit_cell(path, i, "judgement", "moderate")
    found = problems(workbook)
    assert f"data/risk_of_bias.csv:{line}: domain: 'D9' is not a RoB 2 domain; allowed: D1, D2, D3, D4, D5, overall" in found
    assert f"data/risk_of_bias.csv:{line}: judgement: 'moderate' is not a RoB 2 judgement; allowed: low, some concerns, high, no information" in found


def test_outcome_without_findings_or_search_log_is_reported(workbook: Path):
    searches = workbook / "data" / "searches.csv"
    lines = searches.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith("session_duration,")]
    assert len(kept) == len(lines) - 1
    searches.write_text("".join(kept), encoding="utf-8")
    found = problems(workbook)
    assert any("outcome 'session_duration' has no findings and no row in data/searches.csv" in p for p in found)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="article archive ../shared/seeds not present; quotes cannot be checked")
def test_every_quote_occurs_in_its_article():
    sources = {r["source_id"]: r["text_file"] for r in read_rows(REPO / "data" / "sources.csv")}
    texts = {sid: normalise_ws((SEEDS / f).read_text(encoding="utf-8")) for sid, f in sources.items()}
    claims = read_rows(REPO / "data" / "claims.csv")
    missing = [r["claim_id"] for r in claims if normalise_ws(r["quote"]) not in texts[r["source_id"]]]
    assert len(claims) >= 60
    assert missing == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="article archive ../shared/seeds not present; quotes cannot be checked")
def test_altered_quote_is_reported(workbook: Path):
    line = edit_cell(workbook / "data" / "claims.csv", 0, "quote", "Microneedling cures everything.")
    assert (
        f"data/claims.csv:{line}: quote: quote 'Microneedling cures everything.' does not occur in article S0; quotes must be verbatim: "
        "the first 5 characters match the article ('Micro'), then the quote has 'n' (U+006E LATIN SMALL LETTER N) where the article has '-' (U+002D HYPHEN-MINUS)"
    ) in problems(workbook)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="article archive ../shared/seeds not present; quotes cannot be checked")
def test_quote_with_invisible_differences_is_accepted(workbook: Path):
    quote = read_rows(workbook / "data" / "claims.csv")[0]["quote"]
    edited = unicodedata.normalize("NFD", quote).replace("'", "\u2019").replace(" ", " \u200b", 1)
    assert edited != quote
    edit_cell(workbook / "data" / "claims.csv", 0, "quote", edited)
    assert problems(workbook) == []


@pytest.mark.parametrize("text_file", ["../outside.txt", "sub/../../outside.txt", "ABSOLUTE"])
def test_text_file_must_stay_inside_the_archive(tmp_path: Path, text_file: str):
    from conftest import copy_workbook

    archive = tmp_path / "archive"
    archive.mkdir()
    for f in SEEDS.glob("*.txt") if SEEDS.is_dir() else ():
        (archive / f.name).write_bytes(f.read_bytes())
    secret = tmp_path / "outside.txt"
    secret.write_text("a file elsewhere on the machine\n", encoding="utf-8")
    root = copy_workbook(tmp_path / "wb", archive=archive)
    value = str(secret) if text_file == "ABSOLUTE" else text_file
    line = edit_cell(root / "data" / "sources.csv", 0, "text_file", value)
    assert f"data/sources.csv:{line}: text_file: {value!r} leads outside the article archive folder {archive}; give the name of a file inside it" in problems(root)


def test_missing_archive_is_a_note_not_a_problem(workbook: Path):
    (workbook / "workbook.toml").write_text('archive = "no-such-folder"\n', encoding="utf-8")
    checked = check_workbook(workbook)
    assert checked.problems == []
    assert any("article archive folder not found" in n for n in checked.notes)


def test_sources_word_counts_match_articles():
    if not SEEDS.is_dir():
        pytest.skip("article archive ../shared/seeds not present")
    for r in read_rows(REPO / "data" / "sources.csv"):
        assert int(r["words"]) == len((SEEDS / r["text_file"]).read_text(encoding="utf-8").split()), r["source_id"]


def test_unreadable_row_in_a_referenced_table_is_reported_once_not_in_every_dependent_row(workbook: Path):
    path = workbook / "data" / "frameworks" / "rob_tools.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("RoB 2,", "RoB 2, extra,", 1)  # an unquoted comma: the row cannot be read
    path.write_text("".join(lines), encoding="utf-8")
    assert problems(workbook) == ["data/frameworks/rob_tools.csv:2: row has 5 cells but the header has 4; check for an unquoted comma"]


def test_empty_referenced_table_or_missing_bib_is_the_only_problem_reported(workbook: Path):
    outcomes = workbook / "data" / "outcomes.csv"
    outcomes.write_text(outcomes.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    (workbook / "references.bib").unlink()
    assert problems(workbook) == [
        "data/outcomes.csv: has a header but no rows; at least 1 row(s) needed, because data/claims.csv, data/findings.csv, data/searches.csv, data/outcome_terms.csv have rows",
        "references.bib: file is missing; create it (README.md lists every file and its columns)",
    ]


def test_unknown_design_is_reported_in_studies_only(workbook: Path):
    line = edit_cell(workbook / "data" / "studies.csv", 0, "design", "case serie")
    found = problems(workbook)
    assert len(found) == 1 and found[0].startswith(f"data/studies.csv:{line}: design: value 'case serie' is not allowed; allowed: RCT")


def test_broken_bib_entry_is_reported_where_it_is_not_where_it_is_used(workbook: Path):
    bib = workbook / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text.replace("title = {Microneedling therapy in atrophic facial scars", "title = {{Microneedling therapy in atrophic facial scars", 1), encoding="utf-8")
    found = problems(workbook)
    assert any(p.startswith("references.bib:") and "Majid2009: entry cannot be parsed" in p for p in found)
    assert not any(p.startswith("data/") for p in found), found


def test_an_invalid_number_is_reported_once_not_compared_by_row_rules(workbook: Path):
    line = edit_cell(workbook / "data" / "studies.csv", 0, "n_analysed", "\uff19\uff19\uff19")  # full-width 999
    found = [p for p in problems(workbook) if p.startswith(f"data/studies.csv:{line}:")]
    assert found == [f"data/studies.csv:{line}: n_analysed: value '\uff19\uff19\uff19' is not a whole number >= 0: it contains '\uff19' (U+FF19 FULLWIDTH DIGIT NINE), which looks like '9'; type '9' instead"]
