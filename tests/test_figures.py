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
    sof = pd.DataFrame({"outcome_id": ["pores", "cost"], "label": ["Pores", "Cost"], "certainty": ["low", "not graded"]})
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


def test_small_matrices_are_drawn_whole():
    m = pd.DataFrame([[1, 0], [2, 3]], index=["a", "b"], columns=["S0", "S1"])
    pd.testing.assert_frame_equal(figures.top_counts(m, "outcomes", "articles"), m)


def test_large_matrices_keep_the_biggest_rows_and_columns_and_sum_the_rest():
    m = pd.DataFrame(
        [[5, 0, 1, 0], [0, 0, 1, 1], [9, 9, 0, 0], [0, 1, 0, 0]],
        index=["a", "b", "c", "d"],
        columns=["S0", "S1", "S2", "S3"],
    )
    top = figures.top_counts(m, "outcomes", "articles", max_rows=3, max_cols=3)
    # columns: S0 (14) and S1 (10) kept in their order, S2 + S3 summed; rows: a and c kept, b + d summed
    assert list(top.columns) == ["S0", "S1", "2 other articles"]
    assert list(top.index) == ["a", "c", "2 other outcomes"]
    assert top.loc["2 other outcomes"].tolist() == [0, 1, 2]
    assert int(top.to_numpy().sum()) == int(m.to_numpy().sum())  # nothing is lost, only grouped


def test_charts_of_hundreds_of_outcomes_show_at_most_the_row_limit():
    n = figures.MAX_ROWS * 3
    ids = [f"o{i:03d}" for i in range(n)]
    verdict_rows = pd.DataFrame({
        "claim_id": [f"c{i}" for i in range(n)], "source_id": ["S0"] * n, "outcome_id": ids, "verdict": ["overstated"] * n,
    })
    sof = pd.DataFrame({"outcome_id": ids, "outcome": ids, "certainty": ["low"] * n})
    ax = figures.evidence_strength(sof, verdict_rows).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == figures.MAX_ROWS
    assert labels[-1] == f"{n - figures.MAX_ROWS + 1} other outcomes"


def test_dollar_signs_in_data_labels_are_drawn_as_text_not_maths():
    """Two amounts in a label ('Cost $100 to $700') must not become mathtext ('Cost 100to700')."""
    import io

    table = pd.DataFrame({"supported": [2, 1]}, index=pd.Index(["Cost $100 to $700", "Pores"], name="outcome"))
    fig = figures.stacked_counts(table, title="Claims costing $100 to $700", xlabel="outcome")
    buf = io.StringIO()
    fig.savefig(buf, format="svg")  # text stays text in the house SVG settings
    svg = buf.getvalue()
    # plain text is one <text> element; mathtext would be drawn glyph by glyph (one <tspan> each), dollars dropped
    assert ">Cost $100 to $700</text>" in svg
    assert ">Claims costing $100 to $700</text>" in svg
