"""Evidence map, combination share and thin-evidence summaries, on small inline tables."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from review import evidence as ev

DESIGNS = pd.DataFrame(
    {
        "design": ["systematic review", "RCT", "case series", "narrative review"],
        "randomised": ["review", "yes", "no", "review"],
        "cebm_level": pd.array([1, 2, 4, 5], dtype="Int64"),
    }
)
OUTCOMES = pd.DataFrame(
    {
        "outcome_id": ["scars", "pores", "cost", "unclaimed"],
        "label": ["Scars", "Pores", "Cost", "Unclaimed"],
        "category": ["efficacy", "efficacy", "cost", "efficacy"],
    }
)
CLAIMS = pd.DataFrame({"claim_id": ["S0-01", "S0-02", "S1-01", "S1-02"], "outcome_id": ["pores", "scars", "scars", "cost"]})
STUDIES = pd.DataFrame(
    {
        "study_id": ["Zed2020", "Amy2019", "Rev2021", "Nar2018", "Unc2000"],
        "design": ["case series", "RCT", "systematic review", "narrative review", "RCT"],
        "intervention_class": ["microneedling combined", "microneedling alone", "mixed", "microneedling combined", "microneedling alone"],
        "n_enrolled": pd.array([10, 40, None, None, 5], dtype="Int64"),
        "n_analysed": pd.array([9, 38, None, None, 5], dtype="Int64"),
        **{c: ["", "", "", "", ""] for c in ("population", "fitzpatrick", "intervention", "comparator", "sessions", "follow_up")},
    }
)
FINDINGS = pd.DataFrame(
    {
        # Amy2019 reports two findings for scars: it must still count once
        "study_id": ["Zed2020", "Amy2019", "Amy2019", "Rev2021", "Zed2020", "Nar2018", "Unc2000"],
        "outcome_id": ["scars", "scars", "scars", "scars", "pores", "pores", "unclaimed"],
    }
)


@pytest.fixture()
def profile() -> pd.DataFrame:
    return ev.outcome_profile(FINDINGS, STUDIES, OUTCOMES, DESIGNS, CLAIMS)


def test_study_characteristics_orders_by_design_rank_then_id():
    t = ev.study_characteristics(STUDIES, DESIGNS)
    assert t["study_id"].tolist() == ["Rev2021", "Amy2019", "Unc2000", "Zed2020", "Nar2018"]
    assert list(t.columns) == ev.CHARACTERISTICS


def test_study_characteristics_names_each_study_once():
    # the key is the study's one name: the report shows it as its linked author-year citation, so no citation column
    t = ev.study_characteristics(STUDIES, DESIGNS)
    assert [c for c in t.columns if c in ("study_id", "citation", "key", "study")] == ["study_id"]


def test_evidence_map_counts_distinct_studies_for_claimed_outcomes_only():
    m = ev.evidence_map(FINDINGS, STUDIES, OUTCOMES, DESIGNS, CLAIMS)
    assert list(m.index) == ["Scars", "Pores", "Cost"]  # outcomes.csv order; Unclaimed left out
    assert list(m.columns) == ["systematic review", "RCT", "case series", "narrative review"]
    assert m.loc["Scars"].tolist() == [1, 1, 1, 0]
    assert m.loc["Pores"].tolist() == [0, 0, 1, 1]
    assert m.loc["Cost"].tolist() == [0, 0, 0, 0]


def test_combination_share_counts_classes_and_share_alone():
    s = ev.combination_share(FINDINGS, STUDIES, OUTCOMES, CLAIMS)
    assert s.loc["Scars", ["microneedling alone", "microneedling combined", "mixed", "studies", "alone %"]].tolist() == [1, 1, 1, 3, 33]
    assert s.loc["Pores", "alone %"] == 0
    assert pd.isna(s.loc["Cost", "alone %"])  # no study: no share, not 0%


def test_outcome_profile_counts_trials_and_systematic_reviews(profile: pd.DataFrame):
    assert profile.loc["Scars", ["claims", "studies", "randomised trials", "systematic reviews"]].tolist() == [2, 3, 1, 1]
    assert profile.loc["Scars", "best design"] == "systematic review"
    assert profile.loc["Pores", "best design"] == "case series"  # narrative review ranks below case series
    assert profile.loc["Cost", "best design"] == "none"


def test_thin_outcomes_lists_outcomes_without_trial_or_systematic_review(profile: pd.DataFrame):
    assert ev.thin_outcomes(profile).index.tolist() == ["Pores", "Cost"]


def test_combination_only_needs_a_combined_study_and_no_study_alone(profile: pd.DataFrame):
    assert ev.combination_only(profile).index.tolist() == ["Pores"]


def test_evidence_summary_sentences_come_from_the_data(profile: pd.DataFrame):
    lines = ev.evidence_summary(profile).splitlines()
    assert lines == [
        "- 1 of the 3 claimed outcomes have at least one randomised trial: Scars.",
        "- 2 of the 3 claimed outcomes have no randomised trial and no systematic review behind them: Pores; Cost.",
        "- 1 claimed outcome has no study at all: Cost.",
        "- 1 claimed outcome was studied only in combination with another treatment, never alone: Pores.",
    ]


def test_evidence_map_heatmap_returns_a_figure():
    fig = ev.evidence_map_heatmap(ev.evidence_map(FINDINGS, STUDIES, OUTCOMES, DESIGNS, CLAIMS))
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_ylabel() == "claimed outcome"
