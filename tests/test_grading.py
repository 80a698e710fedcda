"""GRADE rules on small constructed bodies of evidence, overrides, and properties."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.grading import (
    NO_EVIDENCE,
    NOT_GRADED,
    grade_outcome,
    grades_frame,
    study_levels,
    study_rob_severity,
)
from review.scales import default_scales

SCALES = default_scales()
CERTAINTY = SCALES.levels
GRADE_DOMAINS = SCALES.domains
GRADE_JUDGEMENTS = tuple(SCALES.steps)

OUTCOME = pd.Series({"outcome_id": "pores", "category": "efficacy", "subject": "microneedling"})
NO_OVERRIDES = pd.DataFrame(columns=["outcome_id", "domain", "judgement", "reason", "reviewer"])
START = {"RCT": ("high", 2), "split-body RCT": ("high", 2), "case series": ("low", 4), "systematic review": ("review", 1),
         "animal": ("indirect", 5), "regulatory document": ("not graded", None)}


def study(sid: str, design: str = "RCT", n: int = 500, direction: str = "benefit", cls: str = "microneedling alone", **extra) -> dict:
    start, level = START[design]
    row = {"study_id": sid, "outcome_id": "pores", "design": design, "grade_start": start, "cebm_level": level,
           "n_enrolled": n, "n_analysed": n, "direction": direction, "intervention_class": cls,
           "effect": None, "ci_low": None, "ci_high": None, "effect_type": ""}
    row.update(extra)
    return row


def body(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    for c in ("n_enrolled", "n_analysed"):
        frame[c] = frame[c].astype("Int64")
    for c in ("effect", "ci_low", "ci_high"):
        frame[c] = frame[c].astype("Float64")
    return frame


LOW_ROB = {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0}  # risk-of-bias severity per study: 0 low


def test_randomised_body_with_no_concerns_is_high():
    g = grade_outcome(OUTCOME, body(study("A"), study("B")), LOW_ROB, NO_OVERRIDES)
    assert g.start == "high"
    assert g.certainty == "high"
    assert g.participants == 1000
    assert all(c.judgement in ("not serious", "none") for c in g.calls)


def test_only_case_series_start_low():
    g = grade_outcome(OUTCOME, body(study("A", "case series"), study("B", "case series")), LOW_ROB, NO_OVERRIDES)
    assert (g.start, g.certainty) == ("low", "low")


def test_best_design_defines_the_body():
    g = grade_outcome(OUTCOME, body(study("A"), study("B", "case series")), LOW_ROB, NO_OVERRIDES)
    assert g.studies == ("A",)
    assert g.context == ("B",)


def test_risk_of_bias_downgrades_when_most_participants_at_high_risk():
    g = grade_outcome(OUTCOME, body(study("A"), study("B", n=100)), {"A": 2.0, "B": 0.0}, NO_OVERRIDES)
    assert g.call("risk_of_bias").judgement == "serious"
    assert "high risk of bias" in g.call("risk_of_bias").reason
    assert g.certainty == "moderate"


def test_risk_of_bias_downgrades_when_it_could_not_be_judged():
    g = grade_outcome(OUTCOME, body(study("A"), study("B")), {}, NO_OVERRIDES)
    assert g.call("risk_of_bias").judgement == "serious"
    assert "could not be judged" in g.call("risk_of_bias").reason


def test_inconsistency_downgrades_when_directions_disagree():
    g = grade_outcome(OUTCOME, body(study("A"), study("B", direction="no difference")), LOW_ROB, NO_OVERRIDES)
    assert g.call("inconsistency").judgement == "serious"
    assert g.direction == "mixed"


def test_indirectness_downgrades_combination_evidence_for_microneedling_claims():
    rows = body(study("A", cls="microneedling combined"), study("B", cls="microneedling combined"))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES)
    assert g.call("indirectness").judgement == "serious"
    assert "combined with another treatment" in g.call("indirectness").reason


def test_indirectness_is_very_serious_for_animal_only_evidence():
    g = grade_outcome(OUTCOME, body(study("A", "animal", n=0)), {}, NO_OVERRIDES)
    assert g.call("indirectness").judgement == "very serious"
    assert g.certainty == "very low"


@pytest.mark.parametrize(("n", "expected"), [(30, "very serious"), (200, "serious"), (500, "not serious")])
def test_imprecision_follows_total_participants(n: int, expected: str):
    g = grade_outcome(OUTCOME, body(study("A", n=n)), LOW_ROB, NO_OVERRIDES)
    assert g.call("imprecision").judgement == expected


def test_imprecision_downgrades_interval_including_no_effect():
    g = grade_outcome(OUTCOME, body(study("A", effect=1.0, ci_low=-0.5, ci_high=2.0, effect_type="MD")), LOW_ROB, NO_OVERRIDES)
    assert g.call("imprecision").judgement == "serious"
    assert "includes no effect" in g.call("imprecision").reason


def test_publication_bias_suspected_when_all_small_and_positive():
    rows = body(*(study(s, "case series", n=20) for s in "ABC"))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES)
    assert g.call("publication_bias").judgement == "serious"


def test_large_effect_upgrades_clean_observational_evidence():
    rows = body(study("A", "case series", effect=3.0, ci_low=2.1, ci_high=4.0, effect_type="RR"))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES)
    assert g.call("large_effect").judgement == "upgrade one level"
    assert g.certainty == "moderate"


def test_override_wins_and_keeps_the_rule_call():
    overrides = pd.DataFrame([{"outcome_id": "pores", "domain": "imprecision", "judgement": "not serious", "reason": "OIS met by pooled trials", "reviewer": "x"}])
    g = grade_outcome(OUTCOME, body(study("A", n=200)), LOW_ROB, overrides)
    call = g.call("imprecision")
    assert (call.rule, call.judgement) == ("serious", "not serious")
    assert call.reason.startswith("reviewer override (serious by rule:")
    assert g.certainty == "high"


def test_no_findings_is_no_evidence_and_regulatory_is_not_graded():
    assert grade_outcome(OUTCOME, body(study("A")).iloc[0:0], LOW_ROB, NO_OVERRIDES).certainty == NO_EVIDENCE
    assert grade_outcome(OUTCOME, body(study("F", "regulatory document", n=0)), {}, NO_OVERRIDES).certainty == NOT_GRADED
    cost = pd.Series({"outcome_id": "cost_vs_laser", "category": "cost", "subject": "microneedling"})
    assert grade_outcome(cost, body(study("A")), LOW_ROB, NO_OVERRIDES).certainty == NOT_GRADED


def test_study_rob_severity_reads_severity_of_overall_or_worst_item():
    rob = pd.DataFrame(
        [
            {"study_id": "A", "tool": "RoB 2", "domain": "D1", "judgement": "high"},
            {"study_id": "A", "tool": "RoB 2", "domain": "overall", "judgement": "some concerns"},
            {"study_id": "B", "tool": "JBI case series", "domain": "Q1", "judgement": "yes"},
            {"study_id": "B", "tool": "JBI case series", "domain": "Q2", "judgement": "no"},
            {"study_id": "C", "tool": "JBI case series", "domain": "Q1", "judgement": "not applicable"},
        ]
    )
    fw = pd.DataFrame(
        [
            {"tool": "RoB 2", "judgement": "high", "severity": 2, "colour_role": "high"},
            {"tool": "RoB 2", "judgement": "some concerns", "severity": 1, "colour_role": "some"},
            {"tool": "JBI case series", "judgement": "yes", "severity": 0, "colour_role": "low"},
            # the colour says "low", the severity says 2: grading must follow the severity
            {"tool": "JBI case series", "judgement": "no", "severity": 2, "colour_role": "low"},
            {"tool": "JBI case series", "judgement": "not applicable", "severity": None, "colour_role": "none"},
        ]
    )
    got = study_rob_severity(rob, fw)
    assert (got["A"], got["B"]) == (1.0, 2.0)
    assert pd.isna(got["C"])


def test_study_levels_follow_cebm_designs_table():
    studies = pd.DataFrame({"study_id": ["B", "A"], "design": ["case series", "RCT"], "intervention_class": ["x", "y"]})
    designs = pd.DataFrame({"design": ["RCT", "case series"], "cebm_level": pd.array([2, 4], dtype="Int64"), "grade_start": ["high", "low"]})
    levels = study_levels(studies, designs)
    assert levels[["study_id", "cebm_level"]].values.tolist() == [["A", 2], ["B", 4]]


def test_grades_frame_has_every_domain_and_reason():
    g = grade_outcome(OUTCOME, body(study("A")), LOW_ROB, NO_OVERRIDES)
    frame = grades_frame([g], pd.DataFrame({"outcome_id": ["pores"], "label": ["Pores"]}))
    for domain in GRADE_DOMAINS:
        assert frame.loc[0, domain] and frame.loc[0, f"{domain}_reason"]
    assert frame.loc[0, "certainty"] == "high"


designs = st.sampled_from(["RCT", "split-body RCT", "case series", "systematic review", "animal"])
directions = st.sampled_from(["benefit", "no difference", "harm", "mixed", "not reported"])
classes = st.sampled_from(["microneedling alone", "microneedling combined", "mixed"])
roles = st.sampled_from([0.0, 1.0, 2.0, 3.0, float("nan")])


@st.composite
def bodies(draw):
    k = draw(st.integers(1, 6))
    rows = [study(f"S{i}", draw(designs), draw(st.integers(0, 900)), draw(directions), draw(classes)) for i in range(k)]
    return body(*rows), {f"S{i}": draw(roles) for i in range(k)}


@settings(max_examples=150, deadline=None)
@given(bodies())
def test_certainty_always_stays_on_the_scale(case):
    frame, rob_roles = case
    g = grade_outcome(OUTCOME, frame, rob_roles, NO_OVERRIDES)
    assert g.certainty in CERTAINTY
    assert {c.domain for c in g.calls} == set(GRADE_DOMAINS)


@settings(max_examples=150, deadline=None)
@given(bodies(), st.sampled_from(GRADE_DOMAINS[:5]), st.sampled_from(["not serious", "serious", "very serious"]))
def test_override_always_wins_over_the_rule(case, domain, judgement):
    frame, rob_roles = case
    overrides = pd.DataFrame([{"outcome_id": "pores", "domain": domain, "judgement": judgement, "reason": "r", "reviewer": ""}])
    g = grade_outcome(OUTCOME, frame, rob_roles, overrides)
    assert g.call(domain).judgement == judgement
    assert judgement in GRADE_JUDGEMENTS
