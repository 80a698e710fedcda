"""Summary charts: each returns a titled, labelled figure built from the data given."""

from __future__ import annotations

import pandas as pd
import pytest

from review import figures, verdicts
from review.display import alt_text, figure_png

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
        assert fig.get_suptitle()  # over the whole figure, from its left edge (theme.figure_title)
        assert ax.get_xlabel()
        assert ax.get_legend() is not None


def test_chart_titles_stay_inside_the_picture_beside_long_row_labels():
    """An axes title started right of the row labels and ran past the figure's edge; the figure's title does not."""
    from review.display import agg_canvas

    long = "An outcome with a very long name indeed, as outcome names can be"
    outcomes = pd.DataFrame({"outcome_id": ["pores", "cost"], "label": [long, "Cost"]})
    fig = figures.verdict_matrix_heatmap(verdicts.verdict_matrix(VERDICTS, outcomes, SOURCES))
    canvas = agg_canvas(fig)
    canvas.draw()
    title = fig.get_suptitle()
    assert title and "Chart: " + title in alt_text(fig)
    box = fig._suptitle.get_window_extent(canvas.get_renderer())
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width
    # a title longer than the figure is wide (a forest plot's, at scale, ran 2.3 inches past the edge) is wrapped
    long = "Synthetic collagen induction 0: microneedling + topical vs topical alone (MD) (40 most precise of 75 studies)"
    fig = figures.evidence_strength(pd.DataFrame({"outcome_id": ["pores", "cost"], "label": ["Pores", "Cost"], "certainty": ["low", "not graded"]}), VERDICTS, title=long)
    canvas = agg_canvas(fig)
    canvas.draw()
    assert fig.get_suptitle().replace("\n", " ") == long and "\n" in fig.get_suptitle()
    assert fig._suptitle.get_window_extent(canvas.get_renderer()).x1 <= fig.bbox.width


def test_a_chart_drawn_once_is_the_picture_savefig_gives():
    """figure_png cuts the tight box out of one drawing: same size and, but for sub-pixel shifts, the same pixels."""
    import io

    import numpy as np
    from PIL import Image

    fig = figures.evidence_strength(pd.DataFrame({"outcome_id": ["pores", "cost"], "label": ["Pores", "Cost"], "certainty": ["low", "not graded"]}), VERDICTS)
    png, meta = figure_png(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    ours, theirs = (np.asarray(Image.open(io.BytesIO(b)).convert("RGB"), dtype=float) for b in (png, buf.getvalue()))
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).mean() < 3  # 1.7: text edges differ by a fraction of a pixel; one pixel off is 5 to 7
    assert meta["alt"].startswith("Chart: ")


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


def _tick_label_boxes(fig, ax):
    """The drawn extents of the x tick labels, and of the whole figure, in pixels."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()], fig.bbox


def _assert_names_fit(fig, names: list[str]):
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert [s.replace("\n", " ") for s in shown] == names  # the article names, whole, never ids
    boxes, page = _tick_label_boxes(fig, ax)
    for a, b in zip(boxes, boxes[1:]):
        assert a.x1 <= b.x0, (a, b)  # neighbouring names never touch
    for box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1  # nor run off the figure's sides


LONG_NAMES = [
    "Five excellent benefits of micro-needling",
    "Microneedling Effects on the Skin",
    "The Awesome Benefits of Microneedling",
    "Microneedling",
    "5 Skin Care Benefits of Micro-Needling",
]


def test_article_matrices_name_articles_by_title_not_id():
    sources = pd.DataFrame({"source_id": ["S0", "S1"], "title": ["First article", "Second article (blog)"]})
    assert list(verdicts.verdict_matrix(VERDICTS, OUTCOMES, sources).columns) == ["First article", "Second article"]


@pytest.mark.parametrize("n", [2, 5, 30])
def test_article_names_under_charts_neither_collide_nor_overflow(n: int):
    names = [LONG_NAMES[i % 5] + (f" {i}" if i >= 5 else "") for i in range(n)]
    counts = pd.DataFrame([[(r + c) % 3 for c in range(n)] for r in range(8)], index=[f"outcome number {r} with a long label" for r in range(8)], columns=names)
    _assert_names_fit(figures.claim_matrix_heatmap(counts), names)
    cells = counts.map(lambda x: ["", "supported", "overstated"][x])
    _assert_names_fit(figures.verdict_matrix_heatmap(cells), names)


def test_outcomes_sharing_a_cell_of_the_popularity_chart_sit_apart_in_reading_order():
    """Six outcomes at one spot lay on a diagonal and hid each other's numbers; now they sit on a grid."""
    import itertools

    for n in (1, 2, 6, 9, 30):
        dx, dy = figures.cell_spread(pd.Series(range(n)), pd.Series([n] * n))
        points = list(zip(dx, dy))
        assert all(abs(x) <= figures.CELL_REACH and abs(y) <= figures.CELL_REACH for x, y in points)  # clear of the next cell
        gaps = [max(abs(a[0] - b[0]), abs(a[1] - b[1])) for a, b in itertools.combinations(points, 2)]
        assert not gaps or min(gaps) >= 2 * figures.CELL_REACH / 6 - 1e-9  # 30 points: a 6 x 5 grid
    dx, dy = figures.cell_spread(pd.Series(range(6)), pd.Series([6] * 6))
    assert list(dx[:3]) == sorted(dx[:3]) and dy[0] > dy[3]  # first row left to right, then the row below
    one = figures.cell_spread(pd.Series([0]), pd.Series([1]))
    assert (float(one[0][0]), float(one[1][0])) == (0.0, 0.0)  # alone in its cell: at the centre


def test_a_chart_with_something_beyond_its_edge_is_drawn_whole():
    """Cutting from one drawing would lose what lies past the figure's edge; such a chart goes through savefig."""
    import io

    import numpy as np
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.text(1.5, 0.5, "a note well past the right edge", transform=ax.transAxes)
    with pytest.warns(UserWarning, match="constrained_layout not applied"):  # no room can be made for it
        png, _ = figure_png(fig)
    picture = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert picture.shape[1] > fig.bbox.width + 50  # widened to show the note, as savefig does
    assert (picture[:, int(fig.bbox.width) + 20:] < 128).any()  # and the note is drawn there, not blank padding
    inside = Figure(figsize=(3, 2), layout="constrained")
    inside.subplots().plot([0, 1], [0, 1])
    assert Image.open(io.BytesIO(figure_png(inside)[0])).width <= inside.bbox.width + 20  # the tight box plus padding


@pytest.mark.parametrize("rows", [1, figures.MAX_ROWS])
def test_heatmaps_name_every_row_level_and_every_column(rows: int):
    # seaborn's own labelling may skip every other row of a tall matrix, and leaves a lone row's name on its side
    m = pd.DataFrame({"S0": range(1, rows + 1), "S1": [0] * rows}, index=[f"outcome number {i}" for i in range(rows)])
    ax = figures.claim_matrix_heatmap(m).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(m.index)
    assert [t.get_rotation() for t in ax.get_yticklabels()] == [0.0] * rows
    assert list(ax.get_yticks()) == [i + 0.5 for i in range(rows)]  # at the cells' centres
    assert [t.get_text() for t in ax.get_xticklabels()] == ["S0", "S1"]
