"""Figures for the notebooks and reports. Each function returns a Figure; saving is separate.

Figures are built with :class:`matplotlib.figure.Figure` directly, not through
pyplot, so nothing is shown twice in a notebook and no global figure state
leaks between cells: a cell shows the figure it returns, once.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .scales import Scales, default_scales
from .display import describe, lay_out
from .theme import COUNT_CMAP, apply_theme, figure_title

#: A chart shows at most this many rows (outcomes, studies) and columns (articles, designs).
#: Beyond that, counts of the rest are summed into one "N other ..." row or column, or the
#: chart says which part it shows; every value stays in the table beside the chart.
MAX_ROWS = 40
MAX_COLS = 30
#: cells above which numbers are no longer written into a heatmap
MAX_ANNOTATED = 1500


def _top(totals: pd.Series, keep: int) -> list[object]:
    """The ``keep`` labels with the largest totals, in their original order (ties: first come first)."""
    chosen = set(totals.sort_values(ascending=False, kind="stable").index[:keep])
    return [label for label in totals.index if label in chosen]


def top_counts(matrix: pd.DataFrame, row_unit: str, col_unit: str, max_rows: int = MAX_ROWS, max_cols: int = MAX_COLS) -> pd.DataFrame:
    """Keep the rows and columns with the largest totals; sum the rest into one ``N other <unit>`` row/column.

    A matrix within the limits is returned unchanged, so small workbooks draw exactly as before.
    """
    out = matrix
    if out.shape[1] > max_cols:
        keep = _top(out.sum(axis=0), max_cols - 1)
        rest = [c for c in out.columns if c not in set(keep)]
        out = out[keep].copy()
        out[f"{len(rest)} other {col_unit}"] = matrix[rest].sum(axis=1)
    if out.shape[0] > max_rows:
        keep = _top(out.sum(axis=1), max_rows - 1)
        rest = [r for r in out.index if r not in set(keep)]
        other = out.loc[rest].sum(axis=0).rename(f"{len(rest)} other {row_unit}")
        out = pd.concat([out.loc[keep], other.to_frame().T])
        out.index.name = matrix.index.name
    return out


def first_rows(frame: pd.DataFrame, unit: str, max_rows: int = MAX_ROWS) -> tuple[pd.DataFrame, str]:
    """The first ``max_rows`` rows, and a note for the chart title when rows were left out ('' otherwise)."""
    if len(frame) <= max_rows:
        return frame, ""
    return frame.iloc[:max_rows], f" (first {max_rows} of {len(frame):,} {unit}; all are in the table)"


#: what a chart shows where its data has no rows yet (a new review); the page's notice says what to add
NOTHING_YET = "nothing to show yet"


def nothing_yet(ax, unit: str) -> None:
    """Say on ``ax`` that there is nothing to draw yet, instead of failing on an empty table."""
    ax.text(0.5, 0.5, f"{NOTHING_YET}: no {unit}", ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def empty_figure(title: str, unit: str) -> Figure:
    """A small figure with ``title`` that says there is nothing to draw yet (no ``unit``)."""
    apply_theme()
    fig = Figure(figsize=(7.5, 2.0), layout="constrained")
    ax = fig.subplots()
    nothing_yet(ax, unit)
    figure_title(fig, title)
    return fig


def heatmap(ax, data: pd.DataFrame, **kwargs: object) -> None:
    """``sns.heatmap`` with every row and column named, all names horizontal (a chart may turn the column names after).

    Seaborn names the cells itself only after measuring every label, on a
    renderer of its own, to see whether they overlap and should be turned
    (about 0.15 s a chart, and it may leave every other row unnamed). Here it
    draws the cells and the labels are set directly, at the cells' centres.
    """
    sns.heatmap(data, ax=ax, xticklabels=False, yticklabels=False, **kwargs)
    ax.set_xticks([i + 0.5 for i in range(data.shape[1])], [str(c) for c in data.columns])
    ax.set_yticks([i + 0.5 for i in range(data.shape[0])], [str(r) for r in data.index], rotation=0, va="center")


def count_heatmap(ax, matrix: pd.DataFrame, unit: str, vmin: float | None = None) -> None:
    """Draw a counts matrix on ``ax``: numbers in the cells, zero cells left empty, colour bar labelled ``unit``."""
    if matrix.empty:
        return nothing_yet(ax, unit)
    heatmap(
        ax,
        matrix,
        cmap=COUNT_CMAP,
        vmin=vmin,
        annot=matrix.size <= MAX_ANNOTATED,
        fmt="d",
        cbar_kws={"label": unit, "ticks": MaxNLocator(integer=True)},
        linewidths=0.5,
        linecolor="white",
        mask=matrix == 0,
    )


#: article names under a chart: this font size, at most this many lines of this many characters, turned on
#: their side; each column at least this wide (inches), so two names never touch
NAME_FONTSIZE, NAME_LINES, NAME_CHARS, MIN_COLUMN_INCHES = 9, 2, 24, 0.42


def article_axis(fig: Figure, ax, articles: list[str]) -> None:
    """Name the articles under ``ax``'s columns (its tick labels) readably: wrapped, on their side, never overlapping.

    ``articles`` are the columns' names, one per column (from
    :func:`review.articles.article_names`): every column is named, none
    skipped. Each is wrapped to NAME_LINES lines and turned 90°, so its width
    is a line or two of text whatever its length; when the columns are
    narrower than that the figure is widened until every column is
    MIN_COLUMN_INCHES wide.
    """
    from .articles import wrap_name

    names = [wrap_name(str(a), NAME_CHARS, NAME_LINES) for a in articles]
    if not names:
        return
    ticks = [i + 0.5 for i in range(len(names))]  # a heatmap's cell centres
    ax.set_xticks(ticks, names, rotation=90, fontsize=NAME_FONTSIZE, ha="center", va="top", multialignment="left")
    lay_out(fig)  # no drawing: the picture drawn later at this size reuses the text measured here
    width = ax.get_window_extent().width / fig.dpi
    if width < MIN_COLUMN_INCHES * len(names):
        w, h = fig.get_size_inches()
        fig.set_size_inches(w + MIN_COLUMN_INCHES * len(names) - width, h)


def claim_matrix_heatmap(matrix: pd.DataFrame, title: str = "Which article claims what") -> Figure:
    """Heatmap of claims per outcome (rows) and article (columns); numbers in the cells."""
    matrix = top_counts(matrix, "outcomes", "articles")
    apply_theme()
    height = max(3.0, 0.32 * len(matrix) + 1.4)
    fig = Figure(figsize=(7.5, height), layout="constrained")
    ax = fig.subplots()
    count_heatmap(ax, matrix, "claims")
    figure_title(fig, title)
    ax.set_xlabel("article")
    ax.set_ylabel("claimed outcome")
    if not matrix.empty:
        article_axis(fig, ax, list(matrix.columns))
    return fig


def stacked_counts(table: pd.DataFrame, title: str, xlabel: str, ylabel: str = "claims") -> Figure:
    """Horizontal stacked bars of a crosstab (rows are bars, columns are stacked segments)."""
    apply_theme()
    fig = Figure(figsize=(7.5, max(2.5, 0.4 * len(table) + 1.2)), layout="constrained")
    ax = fig.subplots()
    if table.empty or not table.to_numpy().any():
        nothing_yet(ax, ylabel)
        figure_title(fig, title)
        return fig
    table.plot(kind="barh", stacked=True, ax=ax, width=0.75)
    ax.invert_yaxis()
    figure_title(fig, title)
    ax.set_xlabel(ylabel)
    ax.set_ylabel(xlabel)
    ax.legend(title=table.columns.name, frameon=False, loc="lower right")
    return fig


def save_figure(fig: Figure, path: str, fmt: str = "png") -> None:
    """Write ``fig`` with fixed metadata so the same figure gives the same bytes."""
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    fig.savefig(path, format=fmt, metadata=metadata, bbox_inches="tight")


def domain_heatmap(grades_table: pd.DataFrame, scales: Scales | None = None, title: str = "Why each outcome lost (or gained) certainty") -> Figure:
    """Outcomes (rows) by GRADE domain (columns): blank no change, amber −1, red −2, green upgraded (+1, +2)."""
    from matplotlib.colors import ListedColormap

    from .theme import OKABE_ITO

    scales = scales or default_scales()
    domains = list(scales.domains)
    graded, note = first_rows(grades_table[grades_table["risk_of_bias"].fillna("") != ""].set_index("label"), "graded outcomes")
    if graded.empty:
        return empty_figure(title, "graded outcomes")
    title += note
    # downgrades positive (amber, red), upgrades negative (greens)
    scores = graded[domains].apply(lambda col: col.map(lambda j: -scales.steps[j])).astype(float)
    scores.columns = [scales.domain_labels[d] for d in domains]
    apply_theme()
    fig = Figure(figsize=(8.5, max(3.0, 0.3 * len(scores) + 1.8)), layout="constrained")
    ax = fig.subplots()
    cmap = ListedColormap([OKABE_ITO["green"], "#B7E4C7", "#F7F7F7", OKABE_ITO["orange"], OKABE_ITO["vermillion"]])
    heatmap(ax, scores, cmap=cmap, vmin=-2.5, vmax=2.5, cbar=False, linewidths=0.5, linecolor="white",
            annot=graded[domains].map(scales.mark).values, fmt="")
    figure_title(fig, title)
    ax.set_xlabel("GRADE domain")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=30)
    return fig


def _verdict_legend(ax, scales: Scales) -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=scales.verdict_colours[v], label=v) for v in scales.verdicts], frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1))


def evidence_strength(sof: pd.DataFrame, verdicts: pd.DataFrame, title: str = "Evidence behind each claimed outcome, best supported first", scales: Scales | None = None) -> Figure:
    """One bar per claimed outcome (ordered as the Summary of Findings): claims stacked by verdict, certainty on the right."""
    if sof.empty:
        return empty_figure(title, "claimed outcomes")
    scales = scales or default_scales()
    apply_theme()
    counts = pd.crosstab(verdicts["outcome_id"], verdicts["verdict"]).reindex(index=list(sof["outcome_id"]), columns=list(scales.verdicts), fill_value=0)
    sof = sof.set_index("outcome_id", drop=False)
    if len(counts) > MAX_ROWS:  # the most-claimed outcomes, in Summary of Findings order; the rest as one bar
        keep = _top(counts.sum(axis=1), MAX_ROWS - 1)
        rest = [o for o in counts.index if o not in set(keep)]
        label = f"{len(rest)} other outcomes"
        counts = pd.concat([counts.loc[keep], counts.loc[rest].sum().rename(label).to_frame().T])
        sof = pd.concat([sof.loc[keep], pd.DataFrame({"outcome_id": [label], "label": [label], "certainty": ["various"]}, index=[label])])
    fig = Figure(figsize=(9, 0.32 * len(counts) + 1.6), layout="constrained")
    ax = fig.subplots()
    left = pd.Series(0, index=counts.index)
    ys = range(len(counts))
    for verdict, colour in scales.verdict_colours.items():
        ax.barh(list(ys), counts[verdict], left=left, color=colour, label=verdict, height=0.75)
        left = left + counts[verdict]
    for y, (total, cert) in enumerate(zip(left, sof["certainty"])):
        ax.text(total + 0.2, y, cert, va="center", fontsize=9)
    ax.set_yticks(list(ys), list(sof["label"]))
    ax.invert_yaxis()
    ax.set_xlim(0, left.max() + 3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # claims are counted: no tick at 2.5
    ax.set_xlabel("claims (bar) and certainty of the evidence (label)")
    figure_title(fig, title)
    _verdict_legend(ax, scales)
    return fig


#: outcomes that share a cell of the popularity chart sit on a small grid at most this far apart (data units),
#: and never further than CELL_REACH from the cell's centre, so they stay clear of the next cell
CELL_STEP, CELL_REACH = 0.34, 0.45


def cell_spread(position: pd.Series, count: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Offsets (x, y) that lay out the points sharing a cell on a grid around its centre, in reading order.

    ``position`` is each point's place among the ``count`` points of its cell.
    A cell of n points gets ceil(sqrt(n)) columns; one point stays at the
    centre. On a diagonal line, as before, six points at one spot overlapped
    and hid each other's numbers.
    """
    import math

    cols = count.map(lambda n: math.ceil(math.sqrt(max(int(n), 1))))
    rows = (count / cols).map(math.ceil).clip(lower=1)
    step_x = (2 * CELL_REACH / cols).clip(upper=CELL_STEP)
    step_y = (2 * CELL_REACH / rows).clip(upper=CELL_STEP)  # a level is taller than an article is wide: the same step suits both
    row, col = position // cols, position % cols
    return (col - (cols - 1) / 2) * step_x, ((rows - 1) / 2 - row) * step_y


def popularity_vs_evidence(pop: pd.DataFrame, title: str = "Most repeated claims against the strength of their evidence", scales: Scales | None = None) -> Figure:
    """Each claimed outcome placed by how many articles repeat it (x) and how certain its evidence is (y)."""
    if pop.empty:
        return empty_figure(title, "claimed outcomes")
    scales = scales or default_scales()
    apply_theme()
    fig = Figure(figsize=(9, 6), layout="constrained")
    ax = fig.subplots()
    # within a cell, the most claimed first: the numbered points then read 1, 2, 3 ... left to right, top to bottom
    ranked = pop.sort_values(["articles", "claims", "outcome_id"], ascending=[False, False, True], kind="stable")
    place = ranked.groupby(["articles", "level"]).cumcount().reindex(pop.index)
    dx, dy = cell_spread(place, pop.groupby(["articles", "level"])["outcome_id"].transform("size"))
    x, y = pop["articles"] + dx, pop["level"] + dy
    ax.axhspan(-0.5, 1.5, xmin=0.5, color=OKABE_ITO_LIGHT, zorder=0)
    ax.text(pop["articles"].max() + 1.5, -0.45, "most repeated,\nleast supported", ha="right", va="bottom", fontsize=9, style="italic")
    ax.scatter(x, y, s=60 + 25 * pop["claims"], c=[scales.verdict_colours[v] for v in pop["worst verdict"]], edgecolor="black", linewidth=0.5, zorder=2)
    # number the claims repeated by at least three articles (at most the 15 most repeated) and name them in a key
    # beside the chart: numbers sit on their own dots, so no two labels can collide; the rest are in the table
    labelled = list(ranked[ranked["articles"] >= 3].index[:15])
    for n, i in enumerate(labelled, 1):
        ax.annotate(str(n), (x[i], y[i]), ha="center", va="center", fontsize=7, fontweight="bold", zorder=3)
    if labelled:
        key = "\n".join(f"{n}  {pop.loc[i, 'label']}" for n, i in enumerate(labelled, 1))
        ax.text(1.02, 0.42, key, transform=ax.transAxes, va="top", ha="left", fontsize=8, linespacing=1.4)
    ax.set_yticks(range(len(scales.levels) + 1), ["no evidence /\nnot graded", *scales.levels])
    if pop["articles"].max() <= 12:
        ax.set_xticks(range(1, int(pop["articles"].max()) + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    ax.set_xlim(0.5, pop["articles"].max() + 1.6)
    ax.set_ylim(-0.6, len(scales.levels) + 0.5)
    ax.set_xlabel("articles repeating the claim")
    ax.set_ylabel("certainty of the evidence")
    figure_title(fig, title)
    _verdict_legend(ax, scales)
    named = "; ".join(
        f"{n} {pop.loc[i, 'label']}: {pop.loc[i, 'articles']} articles, certainty {pop.loc[i, 'certainty'] if isinstance(pop.loc[i, 'certainty'], str) else 'not graded'}, worst verdict {pop.loc[i, 'worst verdict']}"
        for n, i in enumerate(labelled, 1)
    )
    return describe(
        fig,
        f"Scatter chart of {len(pop)} claimed outcomes: across, how many articles repeat the claim; up, the certainty of its "
        f"evidence, from none to high; colour, the worst verdict among its claims. Numbered, the most repeated: {named}.",
    )


OKABE_ITO_LIGHT = "#FBE3D6"


def verdict_matrix_heatmap(matrix: pd.DataFrame, title: str = "Worst verdict per claimed outcome and article", scales: Scales | None = None) -> Figure:
    """Outcome by article, each cell coloured by the worst verdict among that article's claims."""
    from matplotlib.colors import ListedColormap

    if matrix.empty:
        return empty_figure(title, "claims")
    scales = scales or default_scales()
    apply_theme()
    names = list(scales.verdicts)
    filled = matrix.ne("") & matrix.notna()
    if matrix.shape[0] > MAX_ROWS or matrix.shape[1] > MAX_COLS:
        rows = _top(filled.sum(axis=1), MAX_ROWS)
        cols = _top(filled.sum(axis=0), MAX_COLS)
        title += f" ({len(rows)} of {matrix.shape[0]:,} outcomes and {len(cols)} of {matrix.shape[1]:,} articles with most claims)"
        matrix = matrix.loc[rows, cols]
    codes = matrix.apply(lambda col: col.map(lambda v: names.index(v) if v else float("nan"))).astype(float)
    fig = Figure(figsize=(8.5, 0.3 * len(matrix) + 1.6), layout="constrained")
    ax = fig.subplots()
    heatmap(ax, codes, cmap=ListedColormap([scales.verdict_colours[n] for n in names]), vmin=-0.5, vmax=len(names) - 0.5, cbar=False, linewidths=0.5, linecolor="white")
    figure_title(fig, title)
    ax.set_xlabel("article")
    ax.set_ylabel("")
    _verdict_legend(ax, scales)
    article_axis(fig, ax, list(matrix.columns))
    return fig
