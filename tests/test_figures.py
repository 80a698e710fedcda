"""Summary charts: each returns a titled, labelled figure built from the data given."""

from __future__ import annotations

import pandas as pd

from review import figures, verdicts

VERDICTS = pd.DataFrame(
    {
        "claim_id": ["S0-01", "S1-01", "S1-02", "S0-02"],
        "source_id": ["S0", "S1", "S1", "S0"],
        "outcome_id": ["pores", "pores", "pores", "cost"],
        "verdict": ["partly supported", "overstated", "supported", "unsupported"],
    }
)
OUTCOMES = pd.DataFrame({"outcome_id": ["pores", "cost"], "label": ["Pores", "Cost"]})
SOURCES = pd.DataFrame({"source_id": ["S0", "S1"]})
GRADES = pd.DataFrame({"outcome_id": ["pores", "cost"], "label": ["Pores", "Cost"], "certainty": ["low", "not graded"]})


def test_verdict_matrix_takes_the_worst_verdict_per_cell():
    m = verdicts.verdict_matrix(VERDICTS, OUTCOMES, SOURCES)
    assert list(m.index) == ["Pores", "Cost"]
    assert m.loc["Pores"].tolist() == ["partly supported", "overstated"]
    assert m.loc["Cost"].tolist() == ["unsupported", ""]


def test_popularity_counts_articles_and_maps_certainty():
    p = verdicts.popularity(VERDICTS, GRADES)
    assert p[["outcome_id", "articles", "claims", "level", "worst verdict"]].values.tolist() == [
        ["pores", 2, 3, 2, "overstated"],
        ["cost", 1, 1, 0, "unsupported"],
    ]


def test_summary_charts_are_titled_and_labelled():
    sof = pd.DataFrame({"outcome_id": ["pores", "cost"], "outcome": ["Pores", "Cost"], "certainty": ["low", "not graded"]})
    charts = [
        figures.evidence_strength(sof, VERDICTS),
        figures.popularity_vs_evidence(verdicts.popularity(VERDICTS, GRADES)),
        figures.verdict_matrix_heatmap(verdicts.verdict_matrix(VERDICTS, OUTCOMES, SOURCES)),
    ]
    for fig in charts:
        ax = fig.axes[0]
        assert ax.get_title(loc="left")
        assert ax.get_xlabel()
        assert ax.get_legend() is not None
