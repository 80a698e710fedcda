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
    contrast,
    study_rob_severity,
)
from review.scales import default_scales

SCALES = default_scales()
CERTAINTY = SCALES.levels
GRADE_DOMAINS = SCALES.domains
GRADE_JUDGEMENTS = tuple(SCALES.steps)

OUTCOME = pd.Series({"outcome_id": "pores", "category": "efficacy", "subject": "microneedling"})
NO_OVERRIDES = pd.DataFrame(columns=["outcome_id", "domain", "judgement", "reason", "reviewer"])
START = {"RCT": ("high", 2, "yes"), "split-body RCT": ("high", 2, "yes"), "non-randomised controlled": ("low", 3, "yes"),
         "case series": ("low", 4, "no"), "systematic review": ("review", 1, "review"),
         "animal": ("indirect", 5, "no"), "regulatory document": ("not graded", None, "no")}


def study(sid: str, design: str = "RCT", n: int = 500, direction: str = "benefit", cls: str = "microneedling alone", **extra) -> dict:
    start, level, controlled = START[design]
    row = {"study_id": sid, "outcome_id": "pores", "design": design, "grade_start": start, "cebm_level": level, "controlled": controlled,
           "n_enrolled": n, "n_analysed": n, "direction": direction, "intervention_class": cls, "device": "microneedling", "plain": "yes",
           "comparison": "", "events": None, "total": None, "effect": None, "ci_low": None, "ci_high": None, "effect_type": ""}
    row.update(extra)
    return row


def body(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows))
    for c in ("n_enrolled", "n_analysed"):
        frame[c] = frame[c].astype("Int64")
    for c in ("effect", "ci_low", "ci_high", "events", "total"):
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
    assert "not appraised 2" in g.call("risk_of_bias").reason


def test_unclear_or_no_information_is_a_concern_not_low_risk():
    # severity 1: some concerns, JBI "unclear", "no information" (rob_judgements.csv)
    g = grade_outcome(OUTCOME, body(study("A"), study("B")), {"A": 1.0, "B": 1.0}, NO_OVERRIDES)
    assert g.call("risk_of_bias").judgement == "serious"
    assert "not low risk" in g.call("risk_of_bias").reason
    assert g.certainty == "moderate"


def test_case_series_appraised_all_unclear_lose_certainty():
    rows = body(study("A", "case series"), study("B", "case series"))
    g = grade_outcome(OUTCOME, rows, {"A": 1.0, "B": 1.0}, NO_OVERRIDES)
    assert g.call("risk_of_bias").judgement == "serious"
    assert g.certainty == "very low"
    clean = grade_outcome(OUTCOME, rows, {"A": 0.0, "B": 0.0}, NO_OVERRIDES)
    assert (clean.call("risk_of_bias").judgement, clean.certainty) == ("not serious", "low")


def test_severity_not_colour_decides_the_risk_of_bias_downgrade():
    rob = pd.DataFrame([{"study_id": s, "tool": "JBI case series", "domain": "Q1", "judgement": "unclear"} for s in "AB"])
    fw = pd.DataFrame([{"tool": "JBI case series", "judgement": "unclear", "severity": 1, "colour_role": "low"}])
    g = grade_outcome(OUTCOME, body(study("A", "case series"), study("B", "case series")), study_rob_severity(rob, fw), NO_OVERRIDES)
    assert g.call("risk_of_bias").judgement == "serious"


def test_inconsistency_downgrades_when_directions_disagree():
    g = grade_outcome(OUTCOME, body(study("A"), study("B", direction="no difference")), LOW_ROB, NO_OVERRIDES)
    assert g.call("inconsistency").judgement == "serious"
    assert g.direction == "mixed"


def test_indirectness_downgrades_combination_evidence_for_microneedling_claims():
    rows = body(study("A", cls="microneedling combined", comparison="microneedling + tranexamic acid vs tranexamic acid microinjection"),
                study("B", cls="microneedling combined", comparison="microneedling + topical vitamin C, after vs before"))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES)
    assert g.call("indirectness").judgement == "serious"
    assert "a combination without a matching comparator 2" in g.call("indirectness").reason


@pytest.mark.parametrize(
    "comparison",
    [
        "microneedling + 5% minoxidil vs 5% minoxidil alone",
        "microneedle roller + ALA photodynamic therapy vs sham roller + ALA photodynamic therapy (split-face)",
        "microneedling + topical therapy vs topical therapy alone or baseline",
    ],
)
def test_add_on_trial_is_direct_evidence_of_microneedlings_added_effect(comparison):
    assert contrast(comparison) == "add-on"
    rows = body(study("A", cls="microneedling combined", comparison=comparison), study("B", cls="microneedling combined", comparison=comparison))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES)
    assert g.call("indirectness").judgement == "not serious"
    assert "add-on trials (microneedling + X vs X) count as direct" in g.call("indirectness").reason


@pytest.mark.parametrize(
    "comparison",
    [
        "microneedling + PRP vs microneedling alone",  # measures PRP, not microneedling
        "microneedling + tranexamic acid vs tranexamic acid microinjection",
        "microneedling + topical vitamins A and C, after vs before",
        "",
    ],
)
def test_combination_without_matching_comparator_is_not_add_on(comparison):
    assert contrast(comparison) == "other"


def test_another_device_is_indirect_for_plain_microneedling_claims():
    rf = dict(device="radiofrequency microneedling", plain="no")
    rows = body(study("A", **rf), study("B", **rf), study("C", n=100))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES)
    assert g.call("indirectness").judgement == "serious"
    assert "another device (radiofrequency microneedling) 2" in g.call("indirectness").reason
    other = pd.Series({"outcome_id": "cellulite", "category": "efficacy", "subject": "other procedure"})
    assert grade_outcome(other, rows, LOW_ROB, NO_OVERRIDES).call("indirectness").judgement == "not serious"


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


NRS = "non-randomised controlled"


def pooled_rr(estimate: float, lo: float, hi: float, k: int = 3, effect_type: str = "RR") -> pd.DataFrame:
    return pd.DataFrame([{"outcome_id": "pores", "comparison": "microneedling alone vs no treatment", "effect_type": effect_type, "timepoint": "",
                          "k": k, "estimate": estimate, "ci_low": lo, "ci_high": hi}])


@pytest.mark.parametrize(
    ("estimate", "lo", "hi", "expected"),
    [
        (3.0, 2.1, 4.0, "upgrade one level"),
        (0.4, 0.3, 0.48, "upgrade one level"),  # protective effects count too
        (6.0, 5.2, 7.0, "upgrade two levels"),
        (0.15, 0.1, 0.19, "upgrade two levels"),
        (1.8, 1.5, 2.2, "none"),
        (3.0, 0.8, 9.0, "none"),  # interval includes no effect
    ],
)
def test_large_effect_from_a_pooled_body_of_controlled_studies_both_ways(estimate, lo, hi, expected):
    rows = body(*(study(s, NRS, n=400, events=200, total=400, effect_type="RR") for s in "ABC"))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES, pooled=pooled_rr(estimate, lo, hi))
    assert g.call("large_effect").judgement == expected


def test_large_effect_needs_more_than_one_study():
    one = body(study("A", NRS, n=2000, events=500, total=2000, effect=4.0, ci_low=3.0, ci_high=5.0, effect_type="RR"))
    g = grade_outcome(OUTCOME, one, LOW_ROB, NO_OVERRIDES)
    assert g.call("large_effect").judgement == "none"
    assert "one study alone is not enough" in g.call("large_effect").reason
    two = body(*(study(s, NRS, n=2000, events=500, total=2000, effect=0.3, ci_low=0.2, ci_high=0.4, effect_type="RR") for s in "AB"))
    assert grade_outcome(OUTCOME, two, LOW_ROB, NO_OVERRIDES).call("large_effect").judgement == "upgrade one level"


def test_large_effect_never_from_before_after_series():
    rows = body(*(study(s, "case series", n=400, effect=3.0, ci_low=2.1, ci_high=4.0, effect_type="RR") for s in "ABC"))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES, pooled=pooled_rr(3.0, 2.1, 4.0))
    assert g.call("large_effect").judgement == "none"
    assert "uncontrolled" in g.call("large_effect").reason


def test_large_effect_not_from_a_body_with_serious_limitations():
    rows = body(*(study(s, NRS, n=400, events=200, total=400) for s in "ABC"))
    g = grade_outcome(OUTCOME, rows, {"A": 2.0, "B": 2.0, "C": 2.0}, NO_OVERRIDES, pooled=pooled_rr(6.0, 5.2, 7.0))
    assert g.call("large_effect").judgement == "none"


def test_odds_ratio_is_not_read_as_a_risk_ratio():
    rows = body(*(study(s, NRS, n=400, events=200, total=400, effect=6.0, ci_low=5.1, ci_high=7.0, effect_type="OR") for s in "ABC"))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES, pooled=pooled_rr(6.0, 5.1, 7.0, effect_type="OR"))
    assert g.call("large_effect").judgement == "none"
    assert "odds ratios not read as risk ratios" in g.call("large_effect").reason


def test_pooled_interval_decides_imprecision_not_single_studies():
    # every study's own interval includes no effect, but the pooled RR 0.49 [0.33 to 0.73] from 357,347 participants does not
    sizes = [150_000, 120_000, 87_347]
    rows = body(*(study(s, n=n, events=n // 100, total=n, effect=0.5, ci_low=0.2, ci_high=1.2, effect_type="RR") for s, n in zip("ABC", sizes)))
    g = grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES, pooled=pooled_rr(0.49, 0.33, 0.73))
    assert g.participants == 357_347
    assert g.call("imprecision").judgement == "not serious"
    assert "pooled RR 0.49 [0.33 to 0.73] from 3 studies excludes no effect" in g.call("imprecision").reason
    assert grade_outcome(OUTCOME, rows, LOW_ROB, NO_OVERRIDES, pooled=pooled_rr(0.8, 0.6, 1.1)).call("imprecision").judgement == "serious"


def test_dichotomous_outcome_is_judged_on_events_not_participants():
    few = body(*(study(s, n=1000, events=50, total=1000, effect=0.5, ci_low=0.3, ci_high=0.8, effect_type="RR") for s in "AB"))
    g = grade_outcome(OUTCOME, few, LOW_ROB, NO_OVERRIDES, pooled=pooled_rr(0.5, 0.35, 0.7, k=2))
    assert g.call("imprecision").judgement == "serious"
    assert "100 events (below the optimal information size of 300 events)" in g.call("imprecision").reason
    many = body(*(study(s, n=150, events=160, total=150 * 2, effect=0.5, ci_low=0.3, ci_high=0.8, effect_type="RR") for s in "AB"))
    g = grade_outcome(OUTCOME, many, LOW_ROB, NO_OVERRIDES, pooled=pooled_rr(0.5, 0.35, 0.7, k=2))
    assert g.participants == 300  # under the 400 of a continuous outcome, but 320 events is enough
    assert g.call("imprecision").judgement == "not serious"


def test_single_small_study_is_very_serious_imprecision():
    g = grade_outcome(OUTCOME, body(study("A", n=24, effect=2.0, ci_low=1.0, ci_high=3.0, effect_type="MD")), LOW_ROB, NO_OVERRIDES)
    assert g.call("imprecision").judgement == "very serious"
    assert "a single small study" in g.call("imprecision").reason


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


def test_cebm_level_one_only_for_a_review_of_randomised_trials():
    studies = pd.DataFrame({"study_id": ["R", "C", "M"], "design": ["systematic review"] * 3,
                            "reviews": ["randomised trials", "case reports or series", "randomised and non-randomised trials"]})
    designs = pd.DataFrame({"design": ["systematic review"], "cebm_level": pd.array([1], dtype="Int64"), "grade_start": ["review"]})
    scopes = pd.DataFrame({"scope": ["randomised trials", "case reports or series", "randomised and non-randomised trials"],
                           "cebm_level": pd.array([1, 4, 3], dtype="Int64")})
    levels = study_levels(studies, designs, scopes).set_index("study_id")["cebm_level"]
    assert levels.to_dict() == {"R": 1, "M": 3, "C": 4}


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
