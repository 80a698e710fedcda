"""Claim entries, article scorecards and ClaimReview, from the graded real workbook."""

from __future__ import annotations

import json

import pytest

import review
from review import results
from review.build.entries import claim_entries, claim_review, scorecards, verdict_scale


@pytest.fixture(scope="module")
def graded():
    wb = review.load_workbook()
    return wb, results.compute(wb)


def test_verdict_scale_rates_tested_verdicts_from_5_down_and_leaves_not_testable_unrated(graded):
    wb, _ = graded
    scale = {lvl.verdict: lvl for lvl in verdict_scale(wb)}
    assert scale["supported"].rating == 5 and scale["contradicted"].rating == 1
    assert scale["not testable"].rating is None
    assert all(lvl.meaning for lvl in scale.values())


def test_one_entry_per_claim_with_the_computed_verdict(graded):
    wb, res = graded
    entries = {e.claim_id: e for e in claim_entries(wb, res)}
    assert sorted(entries) == sorted(wb.claims["claim_id"])
    computed = res.verdicts.set_index("claim_id")
    for cid, e in entries.items():
        assert e.verdict == computed.loc[cid, "verdict"] and e.certainty == computed.loc[cid, "certainty"]
    e = entries["S2-13"]
    assert e.numbers and e.numbers[0]["claimed"] == "100%"
    assert e.cited and e.cited[0]["identified as"] == "Majid2009"
    assert e.article == wb.sources.set_index("source_id").loc["S2", "title"]


def test_claim_review_has_the_required_properties(graded):
    wb, res = graded
    entry = next(e for e in claim_entries(wb, res) if e.verdict == "overstated")
    assert entry.symbols in ("⊕⊕⊕⊕", "⊕⊕⊕◯", "⊕⊕◯◯", "⊕◯◯◯", "")
    doc = json.loads(json.dumps(claim_review(entry, "Org", "2026-01-02", article_url="https://example.org/a")))
    assert doc["@context"] == "https://schema.org" and doc["@type"] == "ClaimReview"
    assert doc["claimReviewed"] == entry.quote
    assert doc["itemReviewed"] == {"@type": "Claim", "appearance": {"@type": "CreativeWork", "headline": entry.article, "url": "https://example.org/a"}}
    assert doc["reviewRating"] == {"@type": "Rating", "alternateName": "overstated", "ratingValue": 3, "bestRating": 5, "worstRating": 1}
    assert doc["author"] == {"@type": "Organization", "name": "Org"} and doc["datePublished"] == "2026-01-02"


def test_scorecards_tally_every_claim_of_each_article(graded):
    wb, res = graded
    cards = scorecards(wb, res)
    assert [c.source_id for c in cards] == sorted(wb.sources["source_id"])
    for c in cards:
        assert sum(n for _, n in c.tally) == c.total == int((wb.claims["source_id"] == c.source_id).sum())
    s2 = next(c for c in cards if c.source_id == "S2")
    assert any(r["identified as"] == "Majid2009" for r in s2.cited)


def test_article_pages_are_safe_file_names_one_per_article():
    from review.build.entries import article_page_names

    names = article_page_names(["S1", "a:b", "a.b", "S1", "a_b"])
    assert names == {"S1": "claims-S1.html", "a:b": "claims-a_b.html", "a.b": "claims-a_b-2.html", "a_b": "claims-a_b-3.html"}


def test_entries_stay_on_one_page_up_to_the_limit_then_go_by_article(graded):
    from review.build.entries import claim_pages

    wb, res = graded
    entries = claim_entries(wb, res)
    assert set(claim_pages(entries, limit=len(entries)).values()) == {"claims.html"}
    split = claim_pages(entries, limit=len(entries) - 1)
    for e in entries:
        assert split[e.claim_id] == f"claims-{e.source_id}.html"


def test_a_split_build_keeps_every_claim_searchable_on_claims_html_and_links_each_to_its_entry(graded):
    """Above the limit each article's entries get a page; claims.html lists every claim with a link to its entry."""
    import re

    from review.build.site import site_pages

    wb, _ = graded
    files = site_pages(review.workbook.find_root(), wb, [], {}, "footer", None, False, lambda _: None, ("", ""), claims_per_page=50)
    ids = sorted(wb.claims["claim_id"])
    articles = sorted(wb.sources["source_id"])
    assert sorted(n for n in files if n.startswith("claims-")) == sorted(f"claims-{s}.html" for s in articles)
    listing = files["claims.html"]
    assert sorted(re.findall(r'<article class="claim brief" id="([^"]+)"', listing)) == ids
    assert "application/ld+json" not in listing  # the ClaimReview is on the entry itself
    entry_ids = []
    for sid in articles:
        page = files[f"claims-{sid}.html"]
        mine = sorted(wb.claims.loc[wb.claims["source_id"] == sid, "claim_id"])
        assert sorted(re.findall(r'<article class="claim" id="([^"]+)"', page)) == mine
        assert page.count('type="application/ld+json"') == len(mine)
        entry_ids += mine
    assert sorted(entry_ids) == ids
    links = re.findall(r'href="(claims[^"#]*\.html)#([^"]+)"', listing + files["articles.html"] + files["index.html"])
    assert {cid for _, cid in links} >= set(ids)
    for name, cid in links:
        assert name != "claims.html" and f'id="{cid}"' in files[name], (name, cid)
