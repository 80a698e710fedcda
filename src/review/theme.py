"""One look for every figure: a seaborn theme and a colour-blind-safe palette, defined once.

The palette is Okabe & Ito's eight colours (distinguishable with the common
colour-vision deficiencies). Semantic colours (verdicts, certainty, risk of
bias) are picked from it here, so every chart says "supported" in one colour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib as mpl
import pandas as pd

from .palette import OKABE_ITO

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PALETTE = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple", "yellow", "black")]

#: sequential map for counts (light to dark blue)
COUNT_CMAP = "Blues"

#: risk-of-bias roles (from data/frameworks/rob_judgements.csv colour_role) to colours, as robvis uses
ROB_COLOURS = {
    "low": OKABE_ITO["green"],
    "some": OKABE_ITO["yellow"],
    "high": OKABE_ITO["vermillion"],
    "critical": "#7F2704",
    "none": "#D9D9D9",
}


def apply_theme() -> None:
    """Set the seaborn theme and matplotlib settings that make figures repeatable byte for byte."""
    import seaborn as sns  # here, not at the top: grading and the reports' text pages need no seaborn

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font="DejaVu Sans")
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "figure.autolayout": False,
            "svg.hashsalt": "review",  # fixed ids in SVG output
            "svg.fonttype": "none",
            "path.simplify": True,
            "axes.titleweight": "bold",
            "axes.titlesize": 13,
            "axes.titlelocation": "left",
            "figure.titlesize": 13,  # a chart's title is the figure's (figure_title), as bold and large as an axes title
            "figure.titleweight": "bold",
            "text.parse_math": False,  # labels come from data: "$100 to $700" is money, not mathtext
        }
    )


#: where a chart's title starts: this far (inches) from the figure's left edge
TITLE_INSET = 0.05
#: characters of a bold 13 pt DejaVu Sans title that fit in an inch, counted on the widest letters a title uses
TITLE_CHARS_PER_INCH = 8


def figure_title(fig: "Figure", title: str) -> None:
    """Title a chart over the whole figure, from its left edge, rather than over the plot area only.

    An axes title starts where the plot area does, to the right of long row
    labels (outcome names, study citations), and on five of the report's
    charts it ran past the figure's right edge. Matplotlib's constrained
    layout makes room for this title above everything else.
    """
    import textwrap

    # a long title (a synthetic or a many-study forest plot's) is wrapped to the figure's width, not run past its edge
    per_line = max(20, int((fig.get_figwidth() - 2 * TITLE_INSET) * TITLE_CHARS_PER_INCH))
    fig.suptitle(textwrap.fill(title, per_line, break_long_words=False), x=TITLE_INSET / fig.get_figwidth(), ha="left")


def apply_display() -> None:
    """Pandas display settings for notebooks: show whole quotes, no truncated columns."""
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_rows", 20_000)  # whole tables: report pages paginate them (templates/tables.js)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)


def setup_notebook() -> None:
    """Theme and display settings in one call, for a notebook's first cell.

    Tables then show as reviewers read them (:mod:`review.display`): human
    column names, no index column, "NR" for not reported.

    Also switches IPython to the inline backend, so a returned Figure shows as a
    PNG even before anything has imported pyplot.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")
        from .display import install_formatter

        install_formatter(shell)
    apply_theme()
    apply_display()
