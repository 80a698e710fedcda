"""Claim verdicts, citation fidelity and quantity checks."""

from __future__ import annotations

import pandas as pd
import pytest

from review.grading import DomainCall, OutcomeGrade
from review.quantities import check_percent, exact_ci, parse_quantity, quantity_checks
from review.verdicts import citation_fidelity, judge_claims, rule_verdict


def grade(certainty_steps: int = 0, start: str = "high", direction: str = "benefit", oid: str = "pores") -> OutcomeGrade:
    calls = (DomainCall("imprecision", {0: "not serious", -1: "serious", -2: "very serious"}[certainty_steps], "r"),)
    return OutcomeGrade(oid, ("A",), 100, ("RCT",), start, "s", calls, direction)


@pytest.mark.parametrize(
    ("wording", "steps", "start", "expected"),
    [
        ("plain", 0, "high", "supported"),
        ("plain", -1, "high", "supported"),  # moderate
        ("plain", 0, "low", "partly supported"),
        ("hedged", -1, "low", "partly supported"),  # very low, hedged
        ("plain", -1, "low", "overstated"),  # very low, plain
        ("absolute", 0, "low", "overstated"),  # low, absolute
        ("absolute", 0, "high", "supported"),
    ],
)
def test_rule_verdict_combines_certainty_and_wording(wording, steps, start, expected):
    assert rule_verdict("benefit", wording, "efficacy", grade(steps, start))[0] == expected


def test_rule_verdict_contradicted_unsupported_not_testable():
    assert rule_verdict("benefit", "plain", "efficacy", grade(0, "low", "no difference"))[0] == "contradicted"
    assert rule_verdict("benefit", "plain", "efficacy", grade(-1, "low", "no difference"))[0] == "unsupported"
    assert rule_verdict("safety", "absolute", "safety", grade(-1, "low", "harm"))[0] == "contradicted"
    assert rule_verdict("benefit", "plain", "efficacy", None)[0] == "unsupported"
    assert rule_verdict("opinion", "plain", "efficacy", grade())[0] == "not testable"
    assert rule_verdict("benefit", "plain", "efficacy", grade(0, "low", "mixed"))[0] == "overstated"
    assert rule_verdict("benefit", "hedged", "efficacy", grade(0, "low", "mixed"))[0] == "partly supported"


def test_safety_claim_is_borne_out_by_no_important_harm():
    assert rule_verdict("safety", "plain", "safety", grade(0, "high", "no difference"))[0] == "supported"
    assert rule_verdict("caution", "hedged", "safety", grade(0, "low", "no difference"))[0] == "partly supported"


CLAIMS = pd.DataFrame(
    {
        "claim_id": ["S0-02", "S0-01"],
        "source_id": ["S0", "S0"],
        "quote": ["q2", "100% improved"],
        "outcome_id": ["pores", "pores"],
        "claim_type": ["benefit", "benefit"],
        "wording": ["plain", "absolute"],
        "quantity": ["", "100%"],
        "cited_work": ["", "a 2009 study"],
    }
)
OUTCOMES = pd.DataFrame({"outcome_id": ["pores"], "category": ["efficacy"]})


def test_judge_claims_gives_one_verdict_per_claim_in_order_and_reviewer_wins():
    reviewer = pd.DataFrame([{"claim_id": "S0-02", "verdict": "unsupported", "reason": "checked by hand", "reviewer": "x"}])
    v = judge_claims(CLAIMS, OUTCOMES, [grade()], reviewer)
    assert v["claim_id"].tolist() == ["S0-01", "S0-02"]
    assert v["verdict"].tolist() == ["supported", "unsupported"]
    assert v.loc[1, "rule_verdict"] == "supported"
    assert v.loc[1, "reason"].startswith("reviewer: checked by hand")
    assert v.loc[0, "key_studies"] == "A"


def test_exact_ci_matches_clopper_pearson():
    lo, hi = exact_ci(34, 36)
    assert lo == pytest.approx(0.8134, abs=1e-4)
    assert hi == pytest.approx(0.9932, abs=1e-4)
    assert exact_ci(36, 36)[1] == 1.0


def test_check_percent_flags_a_misquoted_figure():
    reported, check = check_percent(100, pd.Series({"n_enrolled": 37}), pd.Series({"events": 34, "total": 36}))
    assert reported.startswith("34 of 36 analysed improved: 94.4% (95% CI 81.3% to 99.3%")
    assert "34 of 37 (91.9%)" in reported
    assert check.startswith("misquoted")
    assert check_percent(95, pd.Series({"n_enrolled": 36}), pd.Series({"events": 34, "total": 36}))[1].startswith("consistent")


@pytest.mark.parametrize(
    ("text", "kind", "low", "high", "unit"),
    [("100%", "percent", 100, 100, "%"), ("4-6 sessions", "range", 4, 6, "sessions"), ("10-20 minutes", "range", 10, 20, "minutes"),
     ("4x", "multiple", 4, 4, "x"), ("5-15 years", "range", 5, 15, "years"), ("1 week", "count", 1, 1, "week")],
)
def test_parse_quantity(text, kind, low, high, unit):
    q = parse_quantity(text)
    assert (q.kind, q.low, q.high, q.unit) == (kind, low, high, unit)


def test_quantity_checks_use_the_cited_study_and_log_missing_sources():
    findings = pd.DataFrame([{"study_id": "Majid2009", "outcome_id": "pores", "events": 34, "total": 36, "effect": None}])
    studies = pd.DataFrame([{"study_id": "Majid2009", "design": "case series", "intervention_class": "microneedling alone", "n_enrolled": 37, "n_analysed": 36, "sessions_min": None, "sessions_max": None}])
    searches = pd.DataFrame([{"outcome_id": "pores", "notes": "nothing found"}])
    citations = pd.DataFrame([{"claim_id": "S0-01", "study_id": "Majid2009", "support": "partly supports", "departures": "misquoted number", "reason": "r"}])
    q = quantity_checks(CLAIMS, findings, studies, searches, citations)
    assert q["claim_id"].tolist() == ["S0-01"]
    assert q.loc[0, "check"].startswith("misquoted")
    assert q.loc[0, "source"] == "Majid2009"


def test_citation_fidelity_keeps_cited_and_found_evidence_apart():
    citations = pd.DataFrame([{"claim_id": "S0-01", "study_id": "Majid2009", "support": "partly supports", "departures": "misquoted number;different population or indication", "reason": "r"}])
    studies = pd.DataFrame({"study_id": ["Majid2009"], "design": ["case series"]})
    f = citation_fidelity(citations, CLAIMS, studies, [grade()])
    row = f.iloc[0]
    assert (row["identified as"], row["cited design"], row["support"]) == ("Majid2009", "case series", "partly supports")
    assert row["departures"] == "misquoted number; different population or indication"
    assert (row["review's certainty"], row["review's key studies"]) == ("high", "A")
