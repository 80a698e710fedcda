"""Reading one CSV table: header, cells, keys, encodings. Inputs are built inline."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.schema import CLAIMS, DESIGNS, OUTCOMES, SOURCES
from review.tables import check_text, number_problem, read_table, to_frame

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
    # a framework table needs rows; a review table may be header-only until a table that needs it has rows
    # (checked across the workbook: tests/test_scaffold.py)
    designs = ",".join(DESIGNS.column_names) + "\n"
    assert messages(check_text(DESIGNS, designs, DESIGNS.path)) == [
        "data/frameworks/designs.csv: has a header but no rows; at least 1 row(s) needed"
    ]
    assert messages(check_text(OUTCOMES, HEADER, "data/outcomes.csv")) == []


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


@pytest.mark.parametrize(
    ("value", "whole", "expected"),
    [
        ("1_5", False, "value '1_5' is not a number: '_' (U+005F LOW LINE) is not allowed in a number (1_5 would be read as 15); remove it"),
        ("12_000", True, "value '12_000' is not a whole number >= 0: '_' (U+005F LOW LINE) is not allowed in a number (1_5 would be read as 15); remove it"),
        ("\u22121.5", False, "value '\u22121.5' is not a number: it contains '\u2212' (U+2212 MINUS SIGN), which looks like '-'; type '-' instead"),
        ("\u20131.5", False, "value '\u20131.5' is not a number: it contains '\u2013' (U+2013 EN DASH), which looks like '-'; type '-' instead"),
        ("\uff11\uff15", False, "value '\uff11\uff15' is not a number: it contains '\uff11' (U+FF11 FULLWIDTH DIGIT ONE), which looks like '1'; type '1' instead"),
        ("\u0661\u0665", True, "value '\u0661\u0665' is not a whole number >= 0: it contains '\u0661' (U+0661 ARABIC-INDIC DIGIT ONE), which looks like '1'; type '1' instead"),
        ("1\u00a0000", True, "value '1\\xa0000' is not a whole number >= 0: it contains '\\xa0' (U+00A0 NO-BREAK SPACE); a number has no spaces or thousands separators"),
        ("1,5", False, "value '1,5' is not a number"),
        ("inf", False, "value 'inf' is not a finite number"),
        ("-3", True, "value '-3' is not a whole number >= 0"),
    ],
)
def test_number_cells_name_the_character_that_is_wrong(value: str, whole: bool, expected: str):
    assert number_problem(value, whole) == expected


@pytest.mark.parametrize("value", ["1.5", "-0.25", "+3", "1e-3", ".5", "2.", "1E5"])
def test_number_cells_accept_plain_numbers(value: str):
    assert number_problem(value, whole=False) is None


def test_check_text_rejects_underscore_in_a_whole_number():
    table = check_text(SOURCES, "source_id,title,kind,words,text_file\nS0,T,blog,1_200,a.txt\n", "data/sources.csv")
    assert messages(table) == ["data/sources.csv:2: words: value '1_200' is not a whole number >= 0: '_' (U+005F LOW LINE) is not allowed in a number (1_5 would be read as 15); remove it"]


def test_check_text_rejects_tab_separated_export():
    table = check_text(OUTCOMES, (HEADER + GOOD_ROW).replace(",", "\t"), "data/outcomes.csv")
    assert messages(table) == ["data/outcomes.csv:1: looks tab-separated (a spreadsheet export); save it as comma-separated CSV (UTF-8)"]
    assert not table.readable


def test_check_text_names_trailing_empty_columns():
    text = HEADER.replace("\n", ",,\n") + GOOD_ROW.replace("\n", ",,\n")
    assert messages(check_text(OUTCOMES, text, "data/outcomes.csv")) == [
        "data/outcomes.csv:1: columns F, G: header cells are empty (a spreadsheet saved empty columns after the last one); delete those columns"
    ]


def test_check_text_names_an_empty_header_cell_between_columns():
    text = "outcome_id,,label,category,subject,description\npores,,Enlarged pores,efficacy,microneedling,x\n"
    assert messages(check_text(OUTCOMES, text, "data/outcomes.csv")) == [
        "data/outcomes.csv:1: column B: header cell is empty; give the column its name or delete it"
    ]


def test_records_keeps_the_columns_of_an_empty_table():
    from review.tables import records

    assert list(records([], ["claim_id", "verdict"]).columns) == ["claim_id", "verdict"]
    assert records([{"claim_id": "S0-01", "verdict": "supported"}], ["claim_id", "verdict"]).iloc[0]["verdict"] == "supported"


def test_records_rejects_rows_whose_keys_differ_from_the_columns():
    from review.tables import records

    with pytest.raises(ValueError, match="differ from the declared columns"):
        records([{"claim_id": "S0-01", "new column": "x"}], ["claim_id"])


def test_check_text_names_a_look_alike_character_in_an_id():
    table = check_text(OUTCOMES, HEADER + GOOD_ROW.replace("pores,", "pore\u2010size,", 1), "data/outcomes.csv")
    assert messages(table) == [
        "data/outcomes.csv:2: outcome_id: value 'pore\u2010size' is not a valid id (allowed: letters, digits, _ . : - ; starting with a letter or digit); it contains '\u2010' (U+2010 HYPHEN)"
    ]
