"""The reviewer's sign-off: the final certainty beside the rule's, its note in grades.csv, and verdicts that use it."""

from __future__ import annotations

import pandas as pd

from review.grading import DomainCall, OutcomeGrade, grades_frame
from review.signoffs import apply_signoffs
from review.verdicts import judge_claims


def low_grade(oid: str = "pores") -> OutcomeGrade:
    return OutcomeGrade(oid, ("A",), 100, ("RCT",), "low", "s", (DomainCall("imprecision", "not serious", "r"),), "benefit")


SIGNOFFS = pd.DataFrame([{"outcome_id": "pores", "certainty": "very low", "note": "Only combinations were tested.", "sources": "A"}])


def test_signoff_sets_the_final_certainty_and_keeps_the_rules():
    g = apply_signoffs([low_grade(), low_grade("wrinkles")], SIGNOFFS)
    assert (g[0].rule_certainty, g[0].certainty, g[0].signoff_note) == ("low", "very low", "Only combinations were tested.")
    assert (g[1].rule_certainty, g[1].certainty, g[1].signoff_note) == ("low", "low", "")


def test_grades_table_carries_rule_certainty_certainty_and_note():
    outcomes = pd.DataFrame({"outcome_id": ["pores", "wrinkles"], "label": ["Pores", "Wrinkles"]})
    t = grades_frame(apply_signoffs([low_grade(), low_grade("wrinkles")], SIGNOFFS), outcomes).set_index("outcome_id")
    assert t.loc["pores", ["rule_certainty", "certainty", "certainty_note"]].tolist() == ["low", "very low", "Only combinations were tested."]
    assert t.loc["wrinkles", ["rule_certainty", "certainty", "certainty_note"]].tolist() == ["low", "low", ""]


def test_verdicts_use_the_reviewers_certainty():
    claims = pd.DataFrame([{"claim_id": "S9-01", "source_id": "S9", "quote": "q", "outcome_id": "pores", "claim_type": "benefit", "wording": "plain", "quantity": "", "cited_work": ""}])
    outcomes = pd.DataFrame({"outcome_id": ["pores"], "category": ["efficacy"]})
    none = pd.DataFrame(columns=["claim_id", "verdict", "reason", "reviewer"])
    assert judge_claims(claims, outcomes, [low_grade()], none).loc[0, "verdict"] == "partly supported"
    signed = judge_claims(claims, outcomes, apply_signoffs([low_grade()], SIGNOFFS), none).iloc[0]
    assert (signed["certainty"], signed["verdict"]) == ("very low", "overstated")


def test_a_signoff_cannot_grade_an_outcome_without_evidence():
    empty = OutcomeGrade("pores", (), 0, (), "no evidence", "none")
    assert apply_signoffs([empty], SIGNOFFS)[0].certainty == "no evidence"
