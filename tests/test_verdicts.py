"""Claim verdicts, citation fidelity and quantity checks."""

from __future__ import annotations

import pandas as pd
import pytest

from review.grading import DomainCall, OutcomeGrade
from review.quantities import check_percent, exact_ci, parse_quantity, quantity_checks
from review.verdicts import citation_fidelity, cite_keys, judge_claims, rule_verdict, scale_order


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
    # mixed evidence does not point the way the claim does, however the claim is worded
    assert rule_verdict("benefit", "plain", "efficacy", grade(0, "low", "mixed"))[0] == "unsupported"
    assert rule_verdict("benefit", "hedged", "efficacy", grade(0, "low", "mixed"))[0] == "unsupported"


def test_absolute_claim_on_very_low_certainty_is_unsupported_not_overstated():
    # "cures rosacea" on one uncontrolled series: weak evidence cannot bear out a strong word
    assert rule_verdict("benefit", "absolute", "efficacy", grade(-1, "low"))[0] == "unsupported"
    assert rule_verdict("benefit", "absolute", "efficacy", grade(0, "low"))[0] == "overstated"


def test_rule_reasons_name_studies_by_author_year_and_never_another_verdict():
    verdict, reason = rule_verdict("benefit", "hedged", "efficacy", grade(0, "low", "mixed"), cite={"A": "Alam et al. 2014"}.__getitem__)
    assert "Alam et al. 2014" in reason and "A;" not in reason
    for v in ("partly supported", "overstated", "supported", "reviewer"):
        assert v not in reason


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
    assert v.loc[1, "reason"] == "checked by hand"  # the reviewer's words only, not wrapped around the rule's
    assert v.loc[1, "decided_by"] == "reviewer"
    assert v.loc[0, "key_studies"] == "A"


def test_exact_ci_matches_clopper_pearson():
    lo, hi = exact_ci(34, 36)
    assert lo == pytest.approx(0.8134, abs=1e-4)
    assert hi == pytest.approx(0.9932, abs=1e-4)
    assert exact_ci(36, 36)[1] == 1.0


@pytest.mark.parametrize("events,total", [(0, 1), (0, 20), (1, 1), (1, 36), (5, 12), (34, 36), (36, 36), (459, 500), (3, 1000)])
def test_exact_ci_is_the_interval_statsmodels_gives(events, total):
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(events, total, alpha=0.05, method="beta")
    assert exact_ci(events, total) == pytest.approx((float(lo), float(hi)), abs=1e-12)


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
    assert q.loc[0, "status"] == "misquoted"


def test_citation_fidelity_keeps_cited_and_found_evidence_apart():
    citations = pd.DataFrame([{"claim_id": "S0-01", "study_id": "Majid2009", "support": "partly supports", "departures": "misquoted number;different population or indication", "reason": "r"}])
    studies = pd.DataFrame({"study_id": ["Majid2009"], "design": ["case series"]})
    verdicts = pd.DataFrame({"claim_id": ["S0-01"], "verdict": ["misleading"]})
    f = citation_fidelity(citations, CLAIMS, studies, [grade()], verdicts, CHECK_VERDICTS)
    row = f.iloc[0]
    assert (row["identified as"], row["cited design"]) == ("Majid2009", "case series")
    assert (row["citation check"], row["verdict"]) == ("misleading", "misleading")
    assert row["departures"] == "misquoted number; different population or indication"
    assert (row["review's certainty"], row["review's key studies"]) == ("high", "A")


# ---- facets and checks feed the verdict (constructed claims) ----

CHECK_VERDICTS = pd.DataFrame(
    [
        ("citation", "supports as stated", ""),
        ("citation", "partly supports", "overstated"),
        ("citation", "does not support", "misleading"),
        ("citation", "not found", ""),
        ("departure", "misquoted number", "misleading"),
        ("departure", "different population or indication", "overstated"),
        ("departure", "source not identifiable", ""),
        ("number", "consistent", ""),
        ("number", "misquoted", "misleading"),
        ("number", "no source", "unsupported"),
    ],
    columns=["check", "answer", "verdict"],
)
CITE = {"A": "Alam et al. 2014", "Majid2009": "Majid 2009", "C": "Cachafeiro et al. 2016", "R": "Rf et al. 2020", "P": "Peel et al. 2017"}.get


def cite(key: str) -> str:
    name = CITE(key)
    if name is None:
        raise KeyError(key)
    return name


def one_claim(**over) -> pd.DataFrame:
    row = {"claim_id": "S9-01", "source_id": "S9", "quote": "q", "outcome_id": "pores", "claim_type": "benefit", "wording": "hedged", "quantity": "", "cited_work": ""}
    return pd.DataFrame([row | over])


def facet(**over) -> pd.DataFrame:
    row = {"claim_id": "S9-01", "device": "microneedling", "comparator": "", "comparative_studies": "", "comparative_result": "", "reason": "r"}
    return pd.DataFrame([row | over])


def judge(claims, g=None, **kw):
    kw.setdefault("check_verdicts", CHECK_VERDICTS)
    outcomes = pd.DataFrame({"outcome_id": ["pores"], "category": ["efficacy"], "subject": ["microneedling"]})
    return judge_claims(claims, outcomes, [g or grade(0, "low")], pd.DataFrame(columns=["claim_id", "verdict", "reason", "reviewer"]), cite=cite, **kw).iloc[0]


def test_a_number_no_study_reports_makes_the_claim_unsupported_whatever_the_direction():
    q = pd.DataFrame([{"claim_id": "S9-01", "status": "no source", "reported": "no source found", "source": ""}])
    v = judge(one_claim(quantity="5-15 years"), grade(0, "high"), quantities=q)
    assert (v["verdict"], v["decided_by"], v["rule_verdict"]) == ("unsupported", "number check", "supported")
    assert v["reason"].startswith("No study found reports a figure like the claimed 5-15 years")
    # the same claim without the number keeps the rule's verdict
    assert judge(one_claim(), grade(0, "high"), quantities=q.iloc[0:0])["verdict"] == "supported"


def test_a_number_a_study_reports_differently_is_misleading():
    q = pd.DataFrame([{"claim_id": "S9-01", "status": "misquoted", "reported": "34 of 36 analysed improved: 94.4%; 37 enrolled", "source": "Majid2009"}])
    v = judge(one_claim(quantity="100%"), grade(0, "high"), quantities=q)
    assert v["verdict"] == "misleading"
    assert "Majid 2009 reports: 34 of 36 analysed improved: 94.4%." in v["reason"]


def test_a_consistent_number_limits_nothing():
    q = pd.DataFrame([{"claim_id": "S9-01", "status": "consistent", "reported": "x", "source": "Majid2009"}])
    assert judge(one_claim(quantity="95%"), grade(0, "high"), quantities=q)["verdict"] == "supported"


def test_a_misquoted_cited_study_makes_the_verdict_at_least_overstated_and_names_its_real_numbers():
    q = pd.DataFrame([{"claim_id": "S9-01", "status": "misquoted", "reported": "34 of 36 analysed improved: 94.4% (95% CI 81.3% to 99.3%)", "source": "Majid2009"}])
    c = pd.DataFrame([{"claim_id": "S9-01", "study_id": "Majid2009", "support": "partly supports", "departures": "misquoted number;different population or indication", "reason": "r"}])
    v = judge(one_claim(quantity="100%", wording="plain"), grade(0, "high"), quantities=q, citations=c)
    assert scale_order().index(v["verdict"]) >= scale_order().index("overstated")
    assert v["decided_by"] == "citation check"
    assert v["reason"].startswith("The article says 100%, but the study it cites, Majid 2009, reports 34 of 36 analysed improved: 94.4%")
    assert "the study also treated another population or indication." in v["reason"]


def test_a_cited_study_that_partly_supports_caps_at_overstated_and_one_not_found_limits_nothing():
    partly = pd.DataFrame([{"claim_id": "S9-01", "study_id": "C", "support": "partly supports", "departures": "different population or indication", "reason": "r"}])
    v = judge(one_claim(wording="plain"), grade(0, "high"), citations=partly)
    assert (v["verdict"], v["decided_by"]) == ("overstated", "citation check")
    assert "Cachafeiro et al. 2016" in v["reason"]
    unnamed = pd.DataFrame([{"claim_id": "S9-01", "study_id": "", "support": "not found", "departures": "source not identifiable", "reason": "r"}])
    assert judge(one_claim(wording="plain"), grade(0, "high"), citations=unnamed)["verdict"] == "supported"


def test_a_comparative_claim_without_comparative_evidence_is_unsupported():
    v = judge(one_claim(), grade(0, "high"), facets=facet(comparator="laser treatments"))
    assert (v["verdict"], v["decided_by"]) == ("unsupported", "comparison")
    assert v["reason"].startswith("No study found compares microneedling with laser treatments, as the claim does.")


@pytest.mark.parametrize(
    ("result", "expected"),
    [("favours microneedling", "supported"), ("no difference", "contradicted"), ("favours comparator", "contradicted"), ("mixed", "unsupported")],
)
def test_a_comparative_claim_is_judged_on_the_comparative_studies(result, expected):
    v = judge(one_claim(), grade(0, "high"), facets=facet(comparator="laser", comparative_studies="C", comparative_result=result))
    assert v["verdict"] == expected
    if expected != "supported":
        assert v["reason"].startswith("Cachafeiro et al. 2016")


CONTRASTS = pd.DataFrame(
    [("pores", "R", "benefit", "another device", "another device (radiofrequency microneedling)"),
     ("pores", "P", "benefit", "combination", "a combination without a matching comparator")],
    columns=["outcome_id", "study_id", "direction", "contrast", "why"],
)


def test_evidence_only_from_another_device_or_combinations_cannot_make_a_plain_claim_even_partly_supported():
    v = judge(one_claim(), grade(0, "low"), facets=facet(), contrasts=CONTRASTS)
    assert (v["rule_verdict"], v["verdict"], v["decided_by"]) == ("partly supported", "unsupported", "device")
    assert v["reason"].startswith("The clinical studies of this outcome are indirect evidence about microneedling itself "
                                  "(Rf et al. 2020, another device (radiofrequency microneedling); Peel et al. 2017, a combination without a matching comparator).")
    # one study of microneedling itself, or an add-on trial, is enough
    for contrast in ("direct", "add-on"):
        more = pd.concat([CONTRASTS, pd.DataFrame([("pores", "A", "benefit", contrast, "")], columns=CONTRASTS.columns)])
        assert judge(one_claim(), grade(0, "low"), facets=facet(), contrasts=more)["verdict"] == "partly supported"
    # a claim that itself credits a combination may rest on combinations, not on another device
    assert judge(one_claim(), grade(0, "low"), facets=facet(device="microneedling combined"), contrasts=CONTRASTS)["verdict"] == "partly supported"
    assert judge(one_claim(), grade(0, "low"), facets=facet(device="microneedling combined"), contrasts=CONTRASTS.iloc[:1])["verdict"] == "unsupported"


def test_limits_apply_to_a_reviewer_verdict_but_never_to_an_untested_one():
    q = pd.DataFrame([{"claim_id": "S9-01", "status": "no source", "reported": "no source found", "source": ""}])
    outcomes = pd.DataFrame({"outcome_id": ["pores"], "category": ["efficacy"], "subject": ["microneedling"]})
    reviewer = pd.DataFrame([{"claim_id": "S9-01", "verdict": "partly supported", "reason": "read by hand", "reviewer": "x"}])
    v = judge_claims(one_claim(quantity="1 week"), outcomes, [grade()], reviewer, quantities=q, check_verdicts=CHECK_VERDICTS, cite=cite).iloc[0]
    assert (v["verdict"], v["decided_by"]) == ("unsupported", "number check")
    assert v["reason"].endswith("read by hand")
    opinion = judge(one_claim(claim_type="opinion", quantity="1 week"), quantities=q)
    assert opinion["verdict"] == "not testable"


def test_cite_keys_turns_bib_keys_in_a_reviewer_reason_into_author_year():
    assert cite_keys("Trials (Alam2014 mean 1.08; A and C) agree.", {"Alam2014": "Alam et al. 2014", "A": "Alam", "C": "Cach"}.__getitem__) == "Trials (Alam et al. 2014 mean 1.08; Alam and Cach) agree."


def test_a_limit_as_bad_as_the_rules_call_gives_the_more_specific_reason_but_a_reviewers_tie_stands():
    mixed = grade(0, "low", "mixed")
    v = judge(one_claim(), mixed, facets=facet(comparator="laser"))
    assert (v["rule_verdict"], v["verdict"], v["decided_by"]) == ("unsupported", "unsupported", "comparison")
    assert v["reason"] == "No study found compares microneedling with laser, as the claim does. For the outcome itself, the studies disagree (Alam et al. 2014; low certainty)."
    outcomes = pd.DataFrame({"outcome_id": ["pores"], "category": ["efficacy"], "subject": ["microneedling"]})
    reviewer = pd.DataFrame([{"claim_id": "S9-01", "verdict": "unsupported", "reason": "No cost study was found.", "reviewer": "x"}])
    r = judge_claims(one_claim(), outcomes, [mixed], reviewer, facets=facet(comparator="laser"), check_verdicts=CHECK_VERDICTS, cite=cite).iloc[0]
    assert (r["verdict"], r["decided_by"], r["reason"]) == ("unsupported", "reviewer", "No cost study was found.")


def test_the_device_rule_leaves_an_ungraded_fact_to_the_reviewer():
    procedure = OutcomeGrade("pores", ("R",), 0, ("RCT",), "not graded", "a procedure fact")
    outcomes = pd.DataFrame({"outcome_id": ["pores"], "category": ["procedure"], "subject": ["microneedling"]})
    reviewer = pd.DataFrame([{"claim_id": "S9-01", "verdict": "partly supported", "reason": "Pain was low.", "reviewer": "x"}])
    v = judge_claims(one_claim(claim_type="procedure"), outcomes, [procedure], reviewer, facets=facet(), contrasts=CONTRASTS, check_verdicts=CHECK_VERDICTS, cite=cite).iloc[0]
    assert (v["verdict"], v["decided_by"]) == ("partly supported", "reviewer")
