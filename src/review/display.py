"""Tables and charts as a reviewer reads them: human column names, no index column, "NR" for not reported, alt text.

:func:`table_html` renders any DataFrame as a plain, deterministic HTML table
(no random ids, no pandas two-row headers). :func:`review.theme.setup_notebook`
installs it as the notebook's HTML view of every DataFrame, so notebooks show
package functions' frames as they are and still look like a published review.
Column names are translated once, here: :data:`COLUMN_LABELS`, then a generic
rule (``n_enrolled`` -> ``Enrolled (n)``, ``cebm_level`` -> ``CEBM level``).
Figures are shown as PNG with alt text (:func:`alt_text`) in the output's
metadata, which the report's page template writes into the ``<img>`` tag.
"""

from __future__ import annotations

import functools
import html
import math
import numbers
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: what a missing value reads as
NOT_REPORTED = "NR"

#: column names whose human form is not the generic one
COLUMN_LABELS = {
    "claim_id": "Claim",
    "source_id": "Article",
    "study_id": "Study",
    "outcome_id": "Outcome ID",
    "label": "Outcome",
    "key": "Study",
    "ci_low": "95% CI low",
    "ci_high": "95% CI high",
    "effect_type": "Effect measure",
    "funding_or_coi": "Funding / conflicts",
    "cited_work": "Cited by the article",
    "fitzpatrick": "Fitzpatrick skin types",
    "follow_up": "Follow-up",
    "n_studies": "Studies (n)",
    "n_enrolled": "Enrolled (n)",
    "n_analysed": "Analysed (n)",
    "n_found": "Found (n)",
    "i2": "I²",
    "tau2": "τ²",
    "rob": "Risk of bias",
}
#: words written in capitals (abbreviations) wherever they occur in a column name
ABBREVIATIONS = {"id": "ID", "ci": "CI", "cebm": "CEBM", "grade": "GRADE", "rob": "risk of bias", "sof": "SoF", "md": "MD", "smd": "SMD", "rr": "RR", "or": "OR", "coi": "conflicts"}


def column_label(name: object) -> str:
    """The human form of a column name: ``claim_id`` -> ``Claim``, ``n_enrolled`` -> ``Enrolled (n)``, ``cebm_level`` -> ``CEBM level``."""
    text = " / ".join(str(p) for p in name if str(p)) if isinstance(name, tuple) else str(name)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    if "_" not in text and text[:1].isupper():
        return text  # already written for people
    words = [w for w in text.split("_") if w]
    if len(words) > 1 and words[0] == "n":
        return column_label("_".join(words[1:])) + " (n)"
    out = " ".join(ABBREVIATIONS.get(w.lower(), w) for w in words)
    return out[:1].upper() + out[1:]


def cell_text(value: object) -> str:
    """A cell as text: missing -> NR, whole floats without ``.0``, other floats to at most 3 decimals."""
    if value is None or value is pd.NA or value is pd.NaT:
        return NOT_REPORTED
    if isinstance(value, float) and math.isnan(value):
        return NOT_REPORTED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if x.is_integer() and abs(x) < 1e15:
            return str(int(x))
        return f"{x:.3f}".rstrip("0").rstrip(".") if abs(x) >= 0.001 else f"{x:.2g}"
    text = str(value)
    return text if text.strip() else ""


def reviewer_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a meaningful index turned into leading columns and a default 0, 1, 2 … index dropped."""
    if isinstance(frame.index, pd.RangeIndex) or (frame.index.name is None and frame.index.equals(pd.RangeIndex(len(frame)))):
        return frame.reset_index(drop=True)
    names = [n if n is not None else "" for n in frame.index.names]
    return frame.rename_axis(names).reset_index()


def table_html(frame: pd.DataFrame, caption: str | None = None) -> str:
    """A DataFrame as a reviewer's HTML table: one header row of human names, no index, NR for missing.

    Every cell carries its column's name (``data-label``), so on a phone each
    row can be shown as a labelled card. The output depends only on the frame.
    """
    shown = reviewer_frame(frame)
    labels = [column_label(c) for c in shown.columns]
    head = "".join(f'<th scope="col">{html.escape(label)}</th>' for label in labels)
    rows = []
    for values in shown.itertuples(index=False, name=None):
        cells = "".join(
            f'<td data-label="{html.escape(label, quote=True)}">{html.escape(cell_text(v))}</td>' for label, v in zip(labels, values)
        )
        rows.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="review-table">{cap}<thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>"


def install_formatter(shell: object) -> None:
    """Make ``shell`` (IPython) show every DataFrame through :func:`table_html`, and every figure with its alt text."""
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters  # type: ignore[attr-defined]
    formatters["text/html"].for_type(pd.DataFrame, table_html)
    formatters["image/png"].for_type(Figure, figure_png)


def describe(fig: "Figure", text: str) -> "Figure":
    """Give a figure the alt text a reader of the report hears or sees instead of it; returns the figure."""
    fig.alt_text = text  # type: ignore[attr-defined]
    return fig


def alt_text(fig: "Figure") -> str:
    """What a chart shows, in words: its own alt text if given, else its title and axes (``Chart: T. Across: X. Down: Y.``)."""
    given = getattr(fig, "alt_text", "")
    if given:
        return str(given)
    parts = []
    figure_title = fig.get_suptitle()  # a chart's title (theme.figure_title): said with its first labelled axes
    for ax in fig.axes:
        title = ax.get_title() or ax.get_title("left")
        if not title and figure_title and (ax.get_xlabel() or ax.get_ylabel()):
            title, figure_title = figure_title, ""
        if not title and not ax.get_xlabel() and not ax.get_ylabel():
            continue  # a colour bar or legend axis
        bits = [f"Chart: {title}." if title else "Chart."]
        if ax.get_xlabel():
            bits.append(f"Across: {ax.get_xlabel()}.")
        if ax.get_ylabel():
            bits.append(f"Down: {ax.get_ylabel()}.")
        parts.append(" ".join(bits))
    if figure_title:  # no axes is labelled
        parts.insert(0, f"Chart: {figure_title}.")
    return " ".join(parts) or "Chart."


def agg_canvas(fig: "Figure"):  # noqa: ANN201 - a matplotlib FigureCanvasAgg
    """The figure's Agg canvas, attached if it has none: its renderer is kept, so text is measured once per size.

    A figure made with ``Figure()`` has a bare canvas, on which every layout
    and every drawing makes a new renderer and measures every text again
    (matplotlib caches text metrics per renderer).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)


def lay_out(fig: "Figure"):  # noqa: ANN201 - a matplotlib FigureCanvasAgg
    """Lay the figure out on its Agg canvas without drawing it (its layout engine, if any); return the canvas.

    Positions and text sizes are then known, and a drawing at the same size
    reuses the text measured here.
    """
    canvas = agg_canvas(fig)
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    return canvas


def figure_png(fig: "Figure") -> tuple[bytes, dict[str, str]]:
    """A figure as PNG bytes with its alt text as output metadata (IPython's (data, metadata) form).

    The picture is what ``savefig(bbox_inches="tight")`` gives (the figure's
    tight box plus ``savefig.pad_inches``, the padding in the figure's
    colour), drawn once: savefig lays the figure out and measures its text on
    one renderer, then draws it on another and measures every text again. Here
    the figure is laid out and drawn on its own Agg canvas and the tight box is
    cut from that picture, on whole pixels where savefig shifts the drawing by
    a fraction of one. A figure with something beyond its edge goes through
    savefig, which widens the canvas to show it.
    """
    import io

    import matplotlib as mpl
    import numpy as np
    from matplotlib.colors import to_rgba
    from PIL import Image

    canvas = lay_out(fig)  # whether anything lies beyond the edge is known before any drawing
    engine = fig.get_layout_engine()
    dpi = fig.dpi
    tight = fig.get_tightbbox(canvas.get_renderer())
    width_in, height_in = fig.get_size_inches()
    buf = io.BytesIO()
    if tight.x0 < 0 or tight.y0 < 0 or tight.x1 > width_in or tight.y1 > height_in:
        fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue(), {"alt": alt_text(fig)}
    if engine is None:
        canvas.draw()
    else:
        fig.set_layout_engine("none")  # laid out above: drawn as laid out, as savefig does
        try:
            canvas.draw()
        finally:
            fig.set_layout_engine(engine)
    box = tight.padded(mpl.rcParams["savefig.pad_inches"])
    drawn = np.asarray(canvas.buffer_rgba())
    rows, cols = drawn.shape[:2]
    width, height = int(box.width * dpi), int(box.height * dpi)  # as savefig sizes its canvas
    # savefig puts the box's bottom-left corner at the picture's; pixel rows count from the top
    left, top = round(box.x0 * dpi), round(rows - box.y0 * dpi - height)
    picture = np.empty((height, width, 4), dtype=np.uint8)
    picture[:] = [round(255 * c) for c in to_rgba(fig.get_facecolor())]  # the padding beyond the figure's edge
    c0, r0, c1, r1 = max(0, left), max(0, top), min(cols, left + width), min(rows, top + height)
    picture[r0 - top:r1 - top, c0 - left:c1 - left] = drawn[r0:r1, c0:c1]
    Image.fromarray(picture).save(buf, format="png", dpi=(dpi, dpi))
    return buf.getvalue(), {"alt": alt_text(fig)}


@functools.cache
def _citations(root: str) -> dict[str, str]:
    from .bib import read_bib
    from .citations import short_citation

    bib = read_bib(Path(root))
    return {k: short_citation(k, bib) for k in bib.entries}


def study_label(key: str) -> str:
    """How a chart names a study: its author-year citation (``Majid 2009``) from the workbook's references.bib.

    Charts take study ids (bib keys) from the data; this turns each into what a
    reader knows it by. An id that is not a bib key is shown as it is.
    """
    from .workbook import find_root

    try:
        labels = _citations(str(find_root()))
    except Exception:  # noqa: BLE001 - a label must never break a chart; the id is still correct
        return key
    return labels.get(key, key)
