"""Summary of Findings: effect, certainty symbols, footnotes and statements that never contradict their counts."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_workbook

import review
from review import results
from review.cli import main
from review.grading import DomainCall, OutcomeGrade
from review.scales import default_scales
from review.sof import SOF_COLUMNS, effect_text, footnotes, statement, summary_of_findings

S = default_scales()
STEP = {0: "not serious", -1: "serious", -2: "very serious"}


def grade(start: str = "high", steps: tuple[int, ...] = (), direction: str = "benefit", reported=(("benefit", 2),), studies=("A", "B")) -> OutcomeGrade:
    calls = tuple(DomainCall(d, STEP[n], f"reason {d}", scales=S) for d, n in zip(("risk_of_bias", "imprecision", "indirectness"), steps))
    return OutcomeGrade("pores", tuple(studies), 200, ("RCT",), start, "s", calls, direction, (), tuple(reported), scales=S)


@pytest.mark.parametrize(
    ("start", "steps", "direction", "expected"),
    [
        ("high", (), "benefit", "Microneedling results in an improvement in enlarged pores."),
        ("high", (-1,), "benefit", "Microneedling likely results in an improvement in enlarged pores."),
        ("low", (), "benefit", "Microneedling may result in an improvement in enlarged pores."),
        ("high", (-1,), "no difference", "Microneedling likely results in little to no difference in enlarged pores."),
        ("low", (), "harm", "Microneedling may result in a worsening of enlarged pores (more harm)."),
    ],
)
def test_statement_matches_certainty_and_direction(start, steps, direction, expected):
    g = grade(start, steps, direction, reported=((direction, 2),))
    assert statement(g, "Enlarged pores", "microneedling", S) == expected


def test_very_low_certainty_says_very_uncertain_and_which_way_the_studies_point():
    g = grade("low", (-1,), "benefit", reported=(("benefit", 3), ("no difference", 1)), studies="ABCD")
    text = statement(g, "Enlarged pores", "microneedling", S)
    assert text.startswith("The evidence is very uncertain about the effect of microneedling on enlarged pores")
    assert "(3 report benefit, 1 no difference)" in text


def test_mixed_evidence_has_its_own_wording_and_counts_as_the_row_does():
    # the case the issue measured: 5 studies whose direction is mixed were said "not to measure" the outcome
    g = grade("low", (-1, -1), "mixed", reported=(("benefit", 2), ("mixed", 3)), studies="ABCDE")
    text = statement(g, "Collagen and elastin induction", "microneedling", S)
    assert text == ("The studies disagree about the effect of microneedling on collagen and elastin induction: of the 5 studies, "
                    "3 report mixed results, 2 benefit; no direction is established, and the evidence is very uncertain.")
    assert "do not measure" not in text


def test_studies_without_a_result_are_said_to_report_none():
    g = grade("low", (-1,), "not reported", reported=(), studies="AB")
    assert statement(g, "Pores", "microneedling", S) == "None of the 2 studies found reports a result on pores, so the evidence says nothing about the effect of microneedling on it."


def test_one_numbered_footnote_per_change_of_rating():
    g = grade("high", (-1, 0, -2))
    assert footnotes(g, S) == "1. Risk of bias (\u22121, serious): reason risk_of_bias. 2. Indirectness (\u22122, very serious): reason indirectness."
    assert footnotes(grade("high", (0, 0)), S) == ""


def test_effect_prefers_the_pooled_estimate_then_each_study_then_a_narrative():
    g = grade("high", (), "benefit", reported=(("benefit", 2),), studies=("A", "B"))
    findings = pd.DataFrame({"study_id": ["A", "B"], "outcome_id": ["pores"] * 2, "effect": [2.97, None], "ci_low": [1.96, None],
                             "ci_high": [4.51, None], "effect_type": ["OR", ""]})
    pooled = pd.DataFrame([{"outcome_id": "pores", "comparison": "microneedling vs no treatment", "effect_type": "RR", "timepoint": "", "k": 2,
                            "estimate": 0.49, "ci_low": 0.33, "ci_high": 0.73}])
    assert effect_text(g, findings, pooled, str) == "RR 0.49 [0.33 to 0.73] (pooled, 2 studies; microneedling vs no treatment)"
    assert effect_text(g, findings, None, lambda k: f"Study {k}") == "Study A: OR 2.97 [1.96 to 4.51]"
    assert effect_text(g, findings.iloc[1:], None, str) == "no estimate recorded; of 2 studies, 2 report benefit"


def test_certainty_shows_grade_symbols_and_rows_run_best_first():
    outcomes = pd.DataFrame({"outcome_id": ["pores", "wrinkles"], "label": ["Pores", "Wrinkles"], "subject": ["microneedling"] * 2})
    low = grade("low")
    high = OutcomeGrade("wrinkles", ("C",), 50, ("RCT",), "high", "s", (), "benefit", (), (("benefit", 1),), scales=S)
    sof = summary_of_findings([low, high], outcomes, pd.DataFrame(columns=["study_id", "outcome_id", "effect", "ci_low", "ci_high", "effect_type"]), scales=S)
    assert list(sof.columns) == SOF_COLUMNS
    assert sof[["outcome_id", "certainty"]].values.tolist() == [["wrinkles", "⊕⊕⊕⊕ high"], ["pores", "⊕⊕◯◯ low"]]


def _says(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"of the (\d+) stud", text) + re.findall(r"None of the (\d+) stud", text)]


def test_no_statement_on_the_real_workbook_contradicts_its_counts_and_every_estimate_is_shown():
    wb = review.load_workbook()
    res = results.compute(wb)
    sof = res.sof.set_index("outcome_id")
    for oid, row in sof.iterrows():
        assert "do not measure" not in row["statement"]
        for n in _says(row["statement"]):
            assert n == row["studies"], (oid, row["statement"])
        counted = sum(int(n) for n in re.findall(r"(\d+) (?:report|reports) ", row["statement"])) if "(" in row["statement"] else 0
        assert counted <= row["studies"], (oid, row["statement"])
        if row["studies"] and "report no result" not in row["statement"] and "reports a result" not in row["statement"]:
            g = next(g for g in res.grades if g.outcome_id == oid)
            if g.reported and g.certainty in S.levels:
                assert "say nothing" not in row["statement"]
    with_estimates = set(wb.findings.loc[wb.findings["effect"].notna(), "outcome_id"])
    for oid in with_estimates:
        g = next(g for g in res.grades if g.outcome_id == oid)
        keys = [k for k in wb.findings.loc[(wb.findings["outcome_id"] == oid) & wb.findings["effect"].notna(), "study_id"] if k in g.studies + g.context]
        for k in keys:
            value = wb.findings.loc[(wb.findings["outcome_id"] == oid) & (wb.findings["study_id"] == k), "effect"].iloc[0]
            assert f"{value:.2f}" in sof.loc[oid, "effect"], (oid, k, sof.loc[oid, "effect"])


def test_grade_writes_the_summary_of_findings(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb")
    assert main(["grade", "--root", str(root), "--out", str(root / "g")]) == 0
    sof = pd.read_csv(root / "g" / "summary_of_findings.csv", keep_default_na=False)
    assert list(sof.columns) == SOF_COLUMNS
    kang = sof.set_index("outcome_id").loc["acne_scars", "effect"]
    assert "OR 2.97 [1.96 to 4.51]" in kang
