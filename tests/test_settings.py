"""workbook.toml: what a review is about, checked, with messages that name the line and key."""

from __future__ import annotations

import pytest

from review.errors import UsageError, WorkbookError
from review.settings import Settings, jobs_setting, parse_settings


def test_defaults_and_names():
    s = parse_settings("")
    assert s == Settings()
    assert s.treatment_name == "the treatment"
    s = parse_settings('treatment = "LED light therapy masks"\n')
    assert s.review_title == "LED light therapy masks: marketing claims against the evidence"
    assert parse_settings('title = "T"\n[meta]\ntau2 = "DL"\nhksj = "standard"\n') == Settings(title="T", tau2_method="DL", hksj="standard")
    assert parse_settings("[report]\nclaims_per_page = 50\n").claims_per_page == 50


def test_syntax_error_names_the_line_not_a_traceback():
    with pytest.raises(WorkbookError) as exc:
        parse_settings('archive = "x"\ntreatment = microneedling\n')
    assert "workbook.toml:2: not valid TOML" in str(exc.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('treatmnet = "x"\n', "workbook.toml:1: treatmnet: unknown setting; allowed: archive, treatment"),
        ("treatment = 3\n", "workbook.toml:1: treatment: must be a string"),
        ("[report]\nclaims_per_page = 0\n", "workbook.toml:2: report.claims_per_page: must be a whole number >= 1"),
        ("[report]\nclaims_per_page = true\n", "workbook.toml:2: report.claims_per_page: must be a whole number >= 1"),
        ('[report]\nclaims_per_page = "50"\n', "workbook.toml:2: report.claims_per_page: must be a whole number >= 1"),
        ('[meta]\ntau2 = "ML"\n', "workbook.toml:2: meta.tau2: value 'ML' is not allowed; allowed: REML, DL, PM"),
    ],
)
def test_bad_values_name_key_and_allowed(text: str, expected: str):
    with pytest.raises(WorkbookError) as exc:
        parse_settings(text)
    assert expected in str(exc.value)


def test_an_unclosed_quote_is_reported_at_the_end_of_the_file():
    with pytest.raises(WorkbookError) as err:
        parse_settings("archive = \"x\"\ntreatment = 'microneedling\"\ntitle = \"T\"\n")
    assert [str(p) for p in err.value.problems] == [
        "workbook.toml:3: not valid TOML: Expected \"'\" at the end of the file (a quote or bracket opened earlier is never closed); see https://toml.io (strings need double quotes)"
    ]


@pytest.mark.parametrize(("value", "jobs"), [("", 3), ("2", 2), (" 4 ", 4)])
def test_jobs_setting_accepts_a_whole_number_or_nothing(value: str, jobs: int, monkeypatch):
    monkeypatch.setenv("REVIEW_JOBS", value)
    assert jobs_setting(default=3) == jobs


@pytest.mark.parametrize("value", ["two", "0", "-1", "1.5", "\uff12"])
def test_jobs_setting_refuses_anything_else(value: str, monkeypatch):
    monkeypatch.setenv("REVIEW_JOBS", value)
    with pytest.raises(UsageError, match=r"REVIEW_JOBS=.* is not allowed: set it to a whole number"):
        jobs_setting()
