"""The build's own pages, made from the graded workbook rather than a notebook.

The index (the review's front page), one entry per claim (claims.html), one
scorecard per article (articles.html), the reference list, and what changed
since an earlier version (whatsnew.html). Every value is escaped by the
templates; bib keys in running text become linked author-year citations
through :func:`review.build.markup.enhance`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from ..bib import Bib
from ..changes import Changes, changes_since
from ..errors import WorkbookError
from ..results import Results, compute
from ..verdicts import furthest_from_evidence, verdict_counts
from ..workbook import Workbook
from .entries import ClaimEntry, claim_entries, claim_pages, claim_review, data_date, last_search_date, scorecards, verdict_scale
from .export import asset, render
from .markup import enhance
from .notebooks import Page


@dataclass(frozen=True)
class Site:
    """What every page of the build shows: the review's title and organisation, the footer, the dates."""

    title: str
    organisation: str
    treatment: str
    footer: str
    data_date: str
    last_search: str


def site_info(root: Path, wb: Workbook, footer: str) -> Site:
    s = wb.settings
    return Site(s.review_title, s.organisation, s.treatment_name, footer, data_date(root, wb), last_search_date(wb))


def badges(colours: Mapping[str, str]) -> Callable[[str], Markup]:
    """A verdict as a badge in the verdict's colour (the verdict scale's), the word always written out."""

    def badge(verdict: str) -> Markup:
        return Markup(f'<span class="badge" style="--c: {colours.get(verdict, "#999999")}">{html.escape(verdict)}</span>')

    return badge


def linker(where: Mapping[str, str]) -> Callable[[str], str]:
    """The link to a claim's entry, ``page#claim_id``, from the page each entry is on (:func:`claim_pages`)."""

    def claim_href(claim_id: str) -> str:
        return f"{where.get(claim_id, 'claims.html')}#{claim_id}"

    return claim_href


def _page(template: str, site: Site, labels: dict[str, str], wb: Workbook, claim_href: Callable[[str], str], **context: object) -> str:
    colours = wb.scales.verdict_colours
    return enhance(render(template, site=site, badge=badges(colours), colours=colours, claim_href=claim_href, **context), labels)


def render_claims(
    wb: Workbook, res: Results, site: Site, labels: dict[str, str], entries: list[ClaimEntry], where: Mapping[str, str],
) -> dict[str, str]:
    """The claim entries (id = claim id), each with its ClaimReview JSON-LD, and an offline search, by file name.

    All on claims.html while ``where`` says so; else one page per article, and
    claims.html lists every claim in brief (quote, article, outcome, verdict)
    with a link to its entry, so the search and the browser's find still see
    every claim there.
    """
    urls = dict(zip(wb.sources["source_id"], wb.sources["url"])) if "url" in wb.sources else {}
    for e in entries:
        review = claim_review(e, site.organisation or site.title, site.data_date, article_url=str(urls.get(e.source_id, "") or ""))
        # "</" cannot end the script early: JSON allows "<\/"
        e.jsonld = json.dumps(review, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    common = {"scale": verdict_scale(wb), "search_js": Markup(asset("search.js")), "total": len(entries)}
    href = linker(where)
    if all(where[e.claim_id] == "claims.html" for e in entries):
        return {"claims.html": _page("claims.html.j2", site, labels, wb, href, entries=entries, brief=False, article=None, **common)}
    by_page: dict[str, list[ClaimEntry]] = {}
    for e in entries:
        by_page.setdefault(where[e.claim_id], []).append(e)
    files = {"claims.html": _page("claims.html.j2", site, labels, wb, href, entries=entries, brief=True, article=None, **common)}
    for name, group in by_page.items():
        files[name] = _page("claims.html.j2", site, labels, wb, href, entries=group, brief=False, article=group[0], **common)
    return files


def render_articles(wb: Workbook, res: Results, site: Site, labels: dict[str, str], claim_href: Callable[[str], str]) -> str:
    """One scorecard per article."""
    return _page("articles.html.j2", site, labels, wb, claim_href, cards=scorecards(wb, res))


def front_page(wb: Workbook, res: Results) -> dict[str, object]:
    """What the index says: what was reviewed, how, the verdict counts, the claims furthest from their evidence."""
    top = furthest_from_evidence(res.verdicts, wb.claims, scales=wb.scales)
    outcomes = wb.outcomes.set_index("outcome_id")
    titles = dict(zip(wb.sources["source_id"], wb.sources["title"]))
    treatment = wb.settings.treatment_name
    top_rows = []
    for r in top.to_dict("records"):
        oid = wb.claims.set_index("claim_id").loc[r["claim_id"], "outcome_id"]
        subject = str(outcomes.loc[oid, "subject"]) if oid in outcomes.index and "subject" in outcomes else ""
        about = "" if not subject or subject.lower() == treatment.lower() else f"about {subject}, not {treatment}"
        top_rows.append(r | {"article": titles.get(r["source_id"], r["source_id"]), "outcome": str(outcomes.loc[oid, "label"]) if oid in outcomes.index else oid, "about": about})
    with_rob = int(wb.risk_of_bias["study_id"].nunique())
    return {
        "articles": len(wb.sources),
        "claims": len(wb.claims),
        "outcomes": int(wb.claims["outcome_id"].nunique()),
        "studies": len(wb.studies),
        "with_rob": with_rob,
        "searches": len(wb.searches),
        "rob_tools": list(wb.rob_tools["tool"]),
        "verdicts": verdict_counts(res.verdicts, wb.scales).to_dict("records"),
        "top": top_rows,
        "sources": wb.sources.sort_values("source_id", kind="stable")[["source_id", "title", "kind"]].to_dict("records"),
        "weak": int(res.grades_table.loc[res.grades_table["outcome_id"].isin(set(wb.claims["outcome_id"])), "certainty"].isin(["very low", "no evidence", "not graded"]).sum()),
        "rob_from_abstracts": bool(wb.risk_of_bias["reason"].str.contains("abstract", case=False).any()),
    }


def render_index(
    wb: Workbook, pages: list[Page], site: Site, summary: dict[str, object], chart: tuple[str, str] | None, labels: dict[str, str], whatsnew: bool,
    claim_href: Callable[[str], str],
) -> str:
    """The review's front page: title, organisation, dates, methods, limitations, verdicts, links (all text escaped)."""
    return _page("index.html.j2", site, labels, wb, claim_href, pages=pages, summary=summary, chart=chart, scale=None, whatsnew=whatsnew)


def popularity_chart(wb: Workbook, res: Results) -> tuple[str, str]:
    """The popularity-against-evidence chart as a base64 PNG and its alt text."""
    import base64

    from ..display import alt_text, figure_png
    from ..figures import popularity_vs_evidence
    from ..verdicts import popularity

    fig = popularity_vs_evidence(popularity(res.verdicts, res.grades_table, wb.scales), scales=wb.scales)
    png, _ = figure_png(fig)
    return base64.b64encode(png).decode("ascii"), alt_text(fig)


def render_whatsnew(changes: Changes, wb: Workbook, site: Site, labels: dict[str, str], claim_href: Callable[[str], str]) -> str:
    """What changed since an earlier version: claims, verdicts and certainties, studies."""
    return _page("whatsnew.html.j2", site, labels, wb, claim_href, ch=changes)


def site_pages(
    root: Path, wb: Workbook, pages: list[Page], labels: dict[str, str], footer: str, compare: str | None, required: bool,
    say: Callable[[str], None], chart: tuple[str, str] | None = None, claims_per_page: int | None = None,
) -> dict[str, str]:
    """The build's own pages by file name: index, claims, articles, references and What's new (against ``compare``).

    Needs no executed notebook (``pages`` are known from the notebooks'
    markdown), so the build makes these while the kernels run. A What's new
    page that cannot be made is left out with a message, unless ``required``
    (the revision was asked for by name). The index shows ``chart`` (PNG as
    base64, alt text), or else draws the popularity-against-evidence chart.
    Above ``claims_per_page`` claims (default: workbook.toml's ``[report]
    claims_per_page``) the entries go on one page per article.
    """
    res = compute(wb)
    site = site_info(root, wb, footer)
    entries = claim_entries(wb, res)
    where = claim_pages(entries, claims_per_page or wb.settings.claims_per_page)
    href = linker(where)
    files = {
        **render_claims(wb, res, site, labels, entries, where),
        "articles.html": render_articles(wb, res, site, labels, href),
        "references.html": render_references(wb.bib, sorted(wb.bib.entries), site),
    }
    if compare:
        say(f"comparing with {compare} for the What's new page")
        try:
            files["whatsnew.html"] = render_whatsnew(changes_since(root, compare), wb, site, labels, href)
        except WorkbookError as exc:
            if required:
                raise  # asked for by name: say why it cannot be done
            say(f"no What's new page: {exc}")
    files["index.html"] = render_index(wb, pages, site, front_page(wb, res), chart or popularity_chart(wb, res), labels, whatsnew="whatsnew.html" in files, claim_href=href)
    return files


def render_references(bib: Bib, keys: list[str], site: Site) -> str:
    """One page listing every reference, anchored by bib key, with DOI and PubMed links."""
    from ..citations import full_reference_html, short_citation

    items = [(k, short_citation(k, bib), full_reference_html(k, bib)) for k in sorted(keys)]
    return render("references.html.j2", items=items, footer=site.footer, site=site)
