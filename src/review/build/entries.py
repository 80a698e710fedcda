"""One entry per claim and one scorecard per article, with schema.org ClaimReview, from the graded workbook.

Everything here is computed from :func:`review.results.compute` (verdicts,
certainty, reasons, citation and number checks) and the workbook's tables; no
verdict is re-derived. Bib keys stay keys in the values returned; the page
templates and :func:`review.build.markup.enhance` turn them into linked
author-year citations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..gitinfo import last_commit_date
from ..results import Results
from ..verdicts import furthest_from_evidence
from ..workbook import Workbook
from .markup import sentence

#: ClaimReview's numeric rating: 1 (worst, contradicted) to 5 (best, supported); an untested verdict has none
BEST_RATING, WORST_RATING = 5, 1


@dataclass(frozen=True)
class VerdictLevel:
    verdict: str
    meaning: str
    rating: int | None


def verdict_scale(wb: Workbook) -> list[VerdictLevel]:
    """The verdict scale (data/frameworks/verdicts.csv), best supported first, with meanings and ClaimReview ratings.

    The rating is the scale's ``claimreview_rating`` column; where a workbook
    has no such column it follows the scale's order among the tested verdicts
    (5 for the first, down to 1); an untested verdict gets none.
    """
    scales = wb.scales
    table = wb.frames["verdict_scale"]
    if "claimreview_rating" in table:
        ratings = {v: (int(float(r)) if pd.notna(r) and str(r).strip() else None) for v, r in zip(table["verdict"], table["claimreview_rating"])}
    else:
        tested = [v for v in scales.verdicts if v in scales.tested]
        ratings = {v: max(WORST_RATING, BEST_RATING - i) for i, v in enumerate(tested)}
    return [VerdictLevel(v, scales.verdict_meanings.get(v, ""), ratings.get(v)) for v in scales.verdicts]


def data_date(root: Path, wb: Workbook) -> str:
    """The date the review's data stands at: the last commit's date, else the last search date (never today)."""
    return last_commit_date(root) or last_search_date(wb)


def last_search_date(wb: Workbook) -> str:
    """The most recent date in the search log (data/searches.csv), or an empty string."""
    dates = [str(d) for d in wb.searches["date_searched"].dropna() if str(d)]
    return max(dates) if dates else ""


@dataclass
class ClaimEntry:
    """What one claim's entry shows."""

    claim_id: str
    quote: str
    source_id: str
    article: str
    article_kind: str
    outcome: str
    verdict: str
    meaning: str
    rating: int | None
    certainty: str
    symbols: str
    evidence: str
    keys: list[str]
    reason: str
    cited: list[dict[str, str]] = field(default_factory=list)
    numbers: list[dict[str, str]] = field(default_factory=list)
    jsonld: str = ""


def _cited(row: dict[str, object]) -> dict[str, str]:
    """A citation check as the pages show it; ``support`` says what the citation check did to the verdict.

    The check's ``citation check`` is the best verdict the citation allows
    (data/frameworks/check_verdicts.csv), "no limit" when it bears the claim.
    """
    out = {k: str(row.get(k, "") or "") for k in ("claim_id", "article cites", "identified as", "departures", "reason")}
    check = str(row.get("citation check", "") or row.get("support", "") or "")
    out["support"] = "sets no limit on the verdict" if check == "no limit" else f"limits the verdict to {check} at best" if check else ""
    return out


def _evidence_sentence(grade: dict[str, object] | None, outcome: str) -> str:
    """One or two sentences: how much evidence there is for the outcome, and which way it points."""
    if not grade or not grade.get("studies"):
        return f"No study of {outcome.lower()} was found; the search is logged in the review's search table."
    n, people = int(grade["studies"]), grade.get("participants")
    who = f" with {int(people)} participants" if pd.notna(people) and people else ""
    direction = str(grade.get("direction") or "").strip()
    points = f"; taken together they point to {direction}" if direction and direction not in ("not reported",) else ""
    return f"{n} stud{'y' if n == 1 else 'ies'} of {outcome.lower()}{who}{points}, with {grade.get('certainty')} certainty (GRADE)."


def claim_entries(wb: Workbook, res: Results) -> list[ClaimEntry]:
    """One entry per claim, in claim order, from the computed verdicts, grades and checks."""
    scale = {lvl.verdict: lvl for lvl in verdict_scale(wb)}
    symbols = wb.scales.symbols  # wb.scales builds the scales on each access: once here
    claims = wb.claims.set_index("claim_id")
    sources = wb.sources.set_index("source_id")
    outcomes = wb.outcomes.set_index("outcome_id")["label"]
    grades = res.grades_table.set_index("outcome_id").to_dict("index")
    fidelity = res.fidelity.groupby("claim_id")
    numbers = res.quantities.groupby("claim_id")
    out = []
    for v in res.verdicts.sort_values("claim_id", kind="stable").to_dict("records"):
        cid = v["claim_id"]
        claim, source = claims.loc[cid], sources.loc[v["source_id"]]
        outcome = str(outcomes.get(v["outcome_id"], v["outcome_id"]))
        level = scale.get(v["verdict"])
        keys = [k for k in str(v.get("key_studies") or "").split(";") if k]
        cited = fidelity.get_group(cid).to_dict("records") if cid in fidelity.groups else []
        checks = numbers.get_group(cid).to_dict("records") if cid in numbers.groups else []
        out.append(ClaimEntry(
            claim_id=cid, quote=str(claim["quote"]), source_id=str(v["source_id"]), article=str(source["title"]), article_kind=str(source["kind"]),
            outcome=outcome, verdict=str(v["verdict"]), meaning=level.meaning if level else "", rating=level.rating if level else None,
            certainty=str(v["certainty"]), symbols=symbols.get(str(v["certainty"]), ""),
            evidence=_evidence_sentence(grades.get(v["outcome_id"]), outcome), keys=keys, reason=sentence(v["reason"]),
            cited=[_cited(r) for r in cited],
            numbers=[{k: str(r.get(k, "") or "") for k in ("claimed", "reported", "check", "source")} for r in checks],
        ))
    return out


def article_page_names(source_ids: Sequence[str]) -> dict[str, str]:
    """The file of each article's claim entries, ``claims-<id>.html``, when the entries are split by article.

    An id's characters other than letters, digits, ``_`` and ``-`` become ``_``
    (``:`` would read as a URL scheme); ids that then coincide get ``-2``,
    ``-3`` ... in source order, so no two articles share a page.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for sid in source_ids:
        if sid in names:
            continue
        stem = "claims-" + re.sub(r"[^A-Za-z0-9_-]", "_", sid)
        name, n = f"{stem}.html", 1
        while name in taken:
            n += 1
            name = f"{stem}-{n}.html"
        taken.add(name)
        names[sid] = name
    return names


def claim_pages(entries: Sequence[ClaimEntry], limit: int) -> dict[str, str]:
    """The page holding each claim's full entry, by claim id.

    Every entry is on claims.html while there are at most ``limit`` claims
    (workbook.toml's ``[report] claims_per_page``; at 7,000 claims one page of
    entries reached 12 MB);
    above that each is on its article's page (:func:`article_page_names`),
    and claims.html lists every claim in brief with a link to its entry.
    """
    if len(entries) <= limit:
        return {e.claim_id: "claims.html" for e in entries}
    pages = article_page_names([e.source_id for e in entries])
    return {e.claim_id: pages[e.source_id] for e in entries}


def claim_review(entry: ClaimEntry, organisation: str, date: str, page_url: str = "", article_url: str = "") -> dict[str, object]:
    """schema.org ClaimReview for one claim entry (https://schema.org/ClaimReview)."""
    rating: dict[str, object] = {"@type": "Rating", "alternateName": entry.verdict}
    if entry.rating is not None:
        rating |= {"ratingValue": entry.rating, "bestRating": BEST_RATING, "worstRating": WORST_RATING}
    appearance: dict[str, object] = {"@type": "CreativeWork", "headline": entry.article}
    if article_url:
        appearance["url"] = article_url
    review: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": entry.quote,
        "itemReviewed": {"@type": "Claim", "appearance": appearance},
        "reviewRating": rating,
        "author": {"@type": "Organization", "name": organisation},
        "datePublished": date,
    }
    if page_url:
        review["url"] = page_url
    return review


@dataclass
class Scorecard:
    """One article: what it is, how its claims fared, its worst claims and the citations it makes."""

    source_id: str
    title: str
    kind: str
    url: str
    tally: list[tuple[str, int]]
    total: int
    worst: list[dict[str, object]]
    cited: list[dict[str, str]]


def scorecards(wb: Workbook, res: Results, worst: int = 3) -> list[Scorecard]:
    """One scorecard per article, in source order."""
    order = [lvl.verdict for lvl in verdict_scale(wb)]
    scales = wb.scales  # built on each access: once here
    tested = [v for v in order if v in scales.tested]
    borne_out = scales.severity(tested[min(1, len(tested) - 1)])  # the two best verdicts are not "furthest from the evidence"
    quotes = wb.claims.set_index("claim_id")["quote"]
    out = []
    for s in wb.sources.sort_values("source_id", kind="stable").to_dict("records"):
        sid = s["source_id"]
        mine = res.verdicts[res.verdicts["source_id"] == sid]
        counts = mine["verdict"].value_counts()
        tally = [(v, int(counts.get(v, 0))) for v in order]
        ranked = furthest_from_evidence(mine, wb.claims[wb.claims["source_id"] == sid], n=worst, scales=scales)
        ranked = ranked[ranked["verdict"].map(scales.severity) > borne_out]
        cited = res.fidelity[res.fidelity["source_id"] == sid]
        out.append(Scorecard(
            source_id=sid, title=str(s["title"]), kind=str(s["kind"]), url=str(s.get("url", "") or ""),
            tally=tally, total=int(len(mine)),
            worst=[{"claim_id": r["claim_id"], "quote": quotes[r["claim_id"]], "verdict": r["verdict"], "certainty": r["certainty"]} for r in ranked.to_dict("records")],
            cited=[_cited(r) for r in cited.to_dict("records")],
        ))
    return out
