"""Reading one CSV table: header, cells, keys, encodings. Inputs are built inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.schema import CLAIMS, OUTCOMES, SOURCES
from review.tables import check_text, read_table, to_frame

HEADER = "outcome_id,label,category,subject,description\n"
GOOD_ROW = "pores,Enlarged pores,efficacy,microneedling,Smaller pores.\n"


def messages(table) -> list[str]:
    return [str(p) for p in table.problems]


def test_check_text_accepts_a_valid_table():
    table = check_text(OUTCOMES, HEADER + GOOD_ROW, "data/outcomes.csv")
    assert table.problems == []
    assert table.rows == [{"outcome_id": "pores", "label": "Enlarged pores", "category": "efficacy", "subject": "microneedling", "description": "Smaller pores."}]
    assert table.lines == [2]


def test_check_text_accepts_bom_and_windows_line_endings(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "outcomes.csv").write_bytes(("\ufeff" + HEADER + GOOD_ROW).replace("\n", "\r\n").encode("utf-8"))
    table = read_table(tmp_path, OUTCOMES)
    assert table.problems == []
    assert table.rows[0]["outcome_id"] == "pores"
    assert table.rows[0]["description"] == "Smaller pores."


def test_check_text_rejects_bad_category_naming_allowed_values():
    table = check_text(OUTCOMES, HEADER + "pores,Enlarged pores,beauty,microneedling,x\n", "data/outcomes.csv")
    assert messages(table) == [
        "data/outcomes.csv:2: category: value 'beauty' is not allowed; allowed: efficacy, mechanism, safety, cost, procedure, regulatory"
    ]


def test_check_text_rejects_missing_column():
    table = check_text(OUTCOMES, "outcome_id,label,subject,description\npores,x,microneedling,y\n", "data/outcomes.csv")
    assert messages(table) == [
        "data/outcomes.csv:1: category: required column is missing; the header must contain: outcome_id,label,category,subject,description"
    ]
    assert not table.readable


def test_check_text_rejects_unknown_column():
    table = check_text(OUTCOMES, HEADER.strip() + ",colour\n" + GOOD_ROW.strip() + ",red\n", "data/outcomes.csv")
    assert [p.field for p in table.problems] == ["colour"]
    assert "unknown column; allowed columns: outcome_id,label,category,subject,description" in table.problems[0].message


def test_check_text_rejects_empty_file_and_header_only():
    assert "file is empty" in messages(check_text(OUTCOMES, "", "data/outcomes.csv"))[0]
    assert messages(check_text(OUTCOMES, HEADER, "data/outcomes.csv")) == [
        "data/outcomes.csv: has a header but no rows; at least 1 row(s) needed"
    ]


def test_check_text_rejects_duplicate_id_naming_first_line():
    table = check_text(OUTCOMES, HEADER + GOOD_ROW + GOOD_ROW, "data/outcomes.csv")
    assert messages(table) == ["data/outcomes.csv:3: outcome_id: duplicate outcome_id 'pores'; first used on line 2"]


def test_check_text_rejects_id_with_trailing_space():
    table = check_text(OUTCOMES, HEADER + "pores ,Enlarged pores,efficacy,microneedling,x\n", "data/outcomes.csv")
    assert messages(table) == ["data/outcomes.csv:2: outcome_id: value 'pores ' has leading or trailing spaces; remove them"]


def test_check_text_rejects_semicolon_separated_export():
    table = check_text(OUTCOMES, "outcome_id;label;category;subject;description\npores;x;efficacy;microneedling;y\n", "data/outcomes.csv")
    assert messages(table) == [
        "data/outcomes.csv:1: looks semicolon-separated (a spreadsheet export); save it as comma-separated CSV (UTF-8)"
    ]


def test_check_text_rejects_row_with_extra_cell():
    table = check_text(OUTCOMES, HEADER + "pores,Enlarged pores,efficacy,microneedling,a, b\n", "data/outcomes.csv")
    assert messages(table) == ["data/outcomes.csv:2: row has 6 cells but the header has 5; check for an unquoted comma"]


def test_check_text_counts_lines_of_multiline_cells():
    text = HEADER + 'pores,Enlarged pores,efficacy,microneedling,"two\nlines"\nwrinkles,Wrinkles,nonsense,microneedling,x\n'
    table = check_text(OUTCOMES, text, "data/outcomes.csv")
    assert [p.line for p in table.problems] == [4]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("many", "value 'many' is not a whole number >= 0"),
        ("-3", "value '-3' is not a whole number >= 0"),
        ("", "is empty; a value is required"),
    ],
)
def test_check_text_rejects_bad_word_counts(value: str, expected: str):
    text = f"source_id,title,kind,words,text_file\nS0,T,blog,{value},a.txt\n"
    table = check_text(SOURCES, text, "data/sources.csv")
    assert messages(table) == [f"data/sources.csv:2: words: {expected}"]


def test_check_text_rejects_overlong_quote():
    quote = "word " * 100
    text = "claim_id,source_id,quote,statement,outcome_id,claim_type,wording,quantity,cited_work\n"
    text += f"S0-01,S0,{quote.strip()},s,pores,benefit,plain,,\n"
    table = check_text(CLAIMS, text, "data/claims.csv")
    assert messages(table) == ["data/claims.csv:2: quote: value is 499 characters long; at most 400 allowed"]


@pytest.mark.parametrize("broken", ["non_utf8", "directory", "missing"])
def test_read_table_reports_unreadable_files(tmp_path: Path, broken: str):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "outcomes.csv"
    if broken == "non_utf8":
        path.write_bytes((HEADER + "pores,Gr\xf6\xdfe,efficacy,microneedling,x\n").encode("latin-1"))
        expected = "data/outcomes.csv:2: is not valid UTF-8 (byte 0xf6 at offset 54); save the file as 'CSV UTF-8' from your spreadsheet"
    elif broken == "directory":
        path.mkdir()
        expected = "data/outcomes.csv: is a directory, not a file"
    else:
        expected = "data/outcomes.csv: file is missing; create it (README.md lists every file and its columns)"
    table = read_table(tmp_path, OUTCOMES)
    assert [str(p) for p in table.problems] == [expected]
    assert not table.readable


def test_to_frame_types_columns():
    table = check_text(SOURCES, "source_id,title,kind,words,text_file\nS0,T,blog,12,a.txt\nS1,U,blog,,b.txt\n", "data/sources.csv")
    frame = to_frame(table)
    assert str(frame["words"].dtype) == "Int64"
    assert frame["words"].iloc[0] == 12
    assert frame["title"].tolist() == ["T", "U"]
