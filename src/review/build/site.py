"""The build's own pages, made from the graded workbook rather than a notebook: the index and the references."""

from __future__ import annotations

from ..bib import Bib
from ..results import compute
from ..verdicts import furthest_from_evidence, verdict_counts
from ..workbook import Workbook
from .export import render
from .notebooks import Page


def executive_summary(wb: Workbook) -> dict[str, object]:
    """What the index page says: what was reviewed, verdict counts, the most overstated claims."""
    res = compute(wb)
    top = furthest_from_evidence(res.verdicts, wb.claims, scales=wb.scales)
    return {
        "articles": len(wb.sources),
        "claims": len(wb.claims),
        "outcomes": int(wb.claims["outcome_id"].nunique()),
        "studies": len(wb.studies),
        "verdicts": verdict_counts(res.verdicts, wb.scales).to_dict("records"),
        "top": top.to_dict("records"),
        "certainty": [(wb.scales.rated(c), wb.scales.implications[c]) for c in reversed(wb.scales.levels)],
    }


def render_index(pages: list[Page], commit: str, data_id: str, summary: dict[str, object] | None = None) -> str:
    """The report's front page: executive summary and a link to every page (all text escaped)."""
    return render("index.html.j2", pages=pages, commit=commit, data_id=data_id, summary=summary)


def render_references(bib: Bib, keys: list[str], footer: str) -> str:
    """One page listing every reference, anchored by bib key, with DOI and PubMed links."""
    from ..citations import full_reference_html, short_citation

    items = [(k, short_citation(k, bib), full_reference_html(k, bib)) for k in sorted(keys)]
    return render("references.html.j2", items=items, footer=footer)
