"""Figures for the notebooks and reports. Each function returns a Figure; saving is separate.

Figures are built with :class:`matplotlib.figure.Figure` directly, not through
pyplot, so nothing is shown twice in a notebook and no global figure state
leaks between cells: a cell shows the figure it returns, once.
"""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .theme import COUNT_CMAP, apply_theme


def claim_matrix_heatmap(matrix: pd.DataFrame, title: str = "Which article claims what") -> Figure:
    """Heatmap of claims per outcome (rows) and article (columns); numbers in the cells."""
    apply_theme()
    height = max(3.0, 0.32 * len(matrix) + 1.4)
    fig = Figure(figsize=(7.5, height), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(
        matrix,
        ax=ax,
        cmap=COUNT_CMAP,
        annot=True,
        fmt="d",
        cbar_kws={"label": "claims"},
        linewidths=0.5,
        linecolor="white",
        mask=matrix == 0,
    )
    ax.set_title(title)
    ax.set_xlabel("article (source_id)")
    ax.set_ylabel("claimed outcome")
    ax.tick_params(axis="x", rotation=0)
    return fig


def stacked_counts(table: pd.DataFrame, title: str, xlabel: str, ylabel: str = "claims") -> Figure:
    """Horizontal stacked bars of a crosstab (rows are bars, columns are stacked segments)."""
    apply_theme()
    fig = Figure(figsize=(7.5, max(2.5, 0.4 * len(table) + 1.2)), layout="constrained")
    ax = fig.subplots()
    table.plot(kind="barh", stacked=True, ax=ax, width=0.75)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(ylabel)
    ax.set_ylabel(xlabel)
    ax.legend(title=table.columns.name, frameon=False, loc="lower right")
    return fig


def save_figure(fig: Figure, path: str, fmt: str = "png") -> None:
    """Write ``fig`` with fixed metadata so the same figure gives the same bytes."""
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    fig.savefig(path, format=fmt, metadata=metadata, bbox_inches="tight")


#: GRADE judgements to a 0-3 scale for the domain heatmap (upgrades shown as negative)
JUDGEMENT_SCORE = {"not serious": 0, "none": 0, "serious": 1, "very serious": 2, "upgrade one level": -1, "upgrade two levels": -2}


def domain_heatmap(grades_table: pd.DataFrame, domains: tuple[str, ...], title: str = "Why each outcome lost (or gained) certainty") -> Figure:
    """Outcomes (rows) by GRADE domain (columns): blank not serious, amber serious, red very serious, green upgraded."""
    from matplotlib.colors import ListedColormap

    from .theme import OKABE_ITO

    graded = grades_table[grades_table["risk_of_bias"].fillna("") != ""].set_index("label")
    scores = graded[list(domains)].apply(lambda col: col.map(JUDGEMENT_SCORE)).astype(float)
    scores.columns = [d.replace("_", " ") for d in domains]
    apply_theme()
    fig = Figure(figsize=(8.5, max(3.0, 0.3 * len(scores) + 1.8)), layout="constrained")
    ax = fig.subplots()
    cmap = ListedColormap([OKABE_ITO["green"], "#B7E4C7", "#F7F7F7", OKABE_ITO["orange"], OKABE_ITO["vermillion"]])
    sns.heatmap(scores, ax=ax, cmap=cmap, vmin=-2.5, vmax=2.5, cbar=False, linewidths=0.5, linecolor="white",
                annot=graded[list(domains)].replace({"not serious": "", "none": ""}).map(lambda v: {"serious": "−1", "very serious": "−2", "upgrade one level": "+1", "upgrade two levels": "+2"}.get(v, "")).values,
                fmt="")
    ax.set_title(title)
    ax.set_xlabel("GRADE domain")
    ax.set_ylabel("")
    ax.tick_params(axis="x", rotation=30)
    return fig
