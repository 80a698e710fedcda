"""Building the reviewers' reports: complete, self-contained, escaped, and never half-written."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, copy_workbook

from review.bib import read_bib
from review.build import ReportError, build_reports

MAX_PAGE_BYTES = 5 * 1024 * 1024
INJECTED = "<script>alert('x')</script> {{ not a template }}"


NO_ARCHIVE = "no-archive"  # quotes are edited below, so they are not checked against the articles


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The real workbook's reports, with one claim quote carrying HTML and template syntax."""
    root = copy_workbook(tmp_path_factory.mktemp("report") / "wb", NO_ARCHIVE)
    path = root / "data" / "claims.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    target = next(r for r in rows if r["claim_id"] == "S0-25")  # one of the claims the index lists
    target["quote"] = INJECTED + " " + target["quote"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    build_reports(root, root / "reports")
    return root / "reports"


def test_report_has_index_references_and_a_page_per_notebook(built: Path):
    names = sorted(p.name for p in built.iterdir())
    notebooks = sorted(p.with_suffix(".html").name for p in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert names == sorted([".review-report", "index.html", "references.html", "claims.html", "articles.html", *notebooks])  # the marker lets a later build replace the folder


def test_pages_are_self_contained_small_and_show_no_code(built: Path):
    for page in built.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert page.stat().st_size < MAX_PAGE_BYTES, page.name
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", text), page.name
        assert not re.search(r'class="[^"]*jp-CodeCell(?![^"]*jp-mod-noInput)', text), page.name  # every code cell hides its input


def test_index_states_commit_data_and_verdicts(built: Path):
    index = (built / "index.html").read_text(encoding="utf-8")
    assert re.search(r"Built from commit [0-9a-f]{12}(\+changes)?|Built from commit unknown", index)
    assert re.search(r"data [0-9a-f]{12}", index)
    for verdict in ("supported", "partly supported", "overstated", "unsupported", "contradicted", "not testable"):
        assert re.search(rf'<td class="verdict"><span class="badge" style="--c: #[0-9A-F]{{6}}">{verdict}</span></td>', index)


def test_article_text_is_escaped_everywhere(built: Path):
    for page in built.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script>alert('x')</script>" not in text, page.name
    index = (built / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; {{ not a template }}" in index
    verdicts = (built / "04-judge-claims.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in verdicts


def test_study_keys_link_to_references_with_doi_and_pubmed(built: Path):
    verdicts = (built / "04-judge-claims.html").read_text(encoding="utf-8")
    assert '<a href="references.html#Majid2009" class="ref">Majid 2009</a>' in verdicts
    refs = (built / "references.html").read_text(encoding="utf-8")
    entry = re.search(r'<li id="Majid2009">.*?</li>', refs, re.S).group(0)
    assert 'href="https://doi.org/10.4103/0974-2077.53096"' in entry
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/20300368/"' in entry


def visible_text(page: str) -> str:
    """What a reader sees: the page without scripts, styles and tags, entities decoded."""
    import html

    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)))


def test_pages_show_no_bib_keys_pandas_index_or_default_alt_text(built: Path):
    keys = set(read_bib(built.parent).entries)
    for page in sorted(built.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        seen = visible_text(text)
        assert not re.findall(r"\b(PMID\d{6,}\w*|DOI_\w+|\w+_undated)\b", seen), page.name
        if page.name != "references.html":  # a reference may quote a registry number that is also a key (NCT02646917)
            assert not keys & set(re.findall(r"[A-Za-z][A-Za-z0-9_.:\-]*", seen)) - {"S0", "S1", "S2", "S3", "S4"}, page.name
        assert not re.search(r"(?s)<tbody>\s*<tr>\s*<th>\s*0\s*</th>", text), page.name
        assert "No description has been provided" not in text, page.name


def test_failing_notebook_leaves_previous_reports_intact(tmp_path: Path):
    root = copy_workbook(tmp_path / "wb", NO_ARCHIVE)
    for nb in (root / "notebooks").glob("*.ipynb"):
        if nb.name != "00-overview.ipynb":
            nb.unlink()
    broken = nbformat.v4.new_notebook()
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    broken.cells = [nbformat.v4.new_markdown_cell("# Broken"), nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(broken, root / "notebooks" / "01-break-build.ipynb")
    out = root / "reports"
    out.mkdir()
    (out / "index.html").write_text("previous good report", encoding="utf-8")
    with pytest.raises(ReportError, match=r"notebooks/01-break-build\.ipynb: cell 2 failed: .*ZeroDivisionError"):
        build_reports(root, out)
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert (out / "index.html").read_text(encoding="utf-8") == "previous good report"
    assert [p.name for p in root.iterdir() if p.name.startswith(".reports")] == []


def test_each_claim_entry_carries_claim_review_json_ld(built: Path):
    import json

    page = (built / "claims.html").read_text(encoding="utf-8")
    ids = re.findall(r'<article class="claim" id="([^"]+)">', page)
    docs = [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)]
    claims = (built.parent / "data" / "claims.csv").read_text(encoding="utf-8")
    assert len(ids) == len(docs) == len(claims.strip().splitlines()) - 1
    for doc in docs:
        assert doc["@type"] == "ClaimReview" and doc["@context"] == "https://schema.org"
        assert doc["claimReviewed"] and doc["itemReviewed"]["@type"] == "Claim"
        assert doc["reviewRating"]["alternateName"] in page
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc["datePublished"]) and doc["author"]["@type"] == "Organization"


def test_index_is_a_front_page_with_no_hard_coded_counts(built: Path):
    index = (built / "index.html").read_text(encoding="utf-8")
    assert "Methods</h2>" in index and "Limitations</h2>" in index
    assert re.search(r"Literature last searched \d{4}-\d{2}-\d{2}; data and report as of \d{4}-\d{2}-\d{2}", index)
    assert 'href="claims.html"' in index and 'href="articles.html#article-S2"' in index
    assert "1. 1." not in visible_text(index) and not re.search(r":\s*</span>", index)
    assert re.search(r'<img src="data:image/png;base64,[^"]+" alt="Scatter chart of \d+ claimed outcomes', index)


def test_templates_hard_code_no_count_or_treatment():
    from review.build.export import TEMPLATES

    for template in sorted(TEMPLATES.rglob("*.j2")):
        text = template.read_text(encoding="utf-8").lower()
        assert "microneedl" not in text, template.name
        assert not re.search(r"\b(two|three|four|five|six|seven|eight|nine|ten|\d+) (articles|claims|outcomes|studies)\b", text), template.name


def test_same_author_same_year_citations_agree_on_every_page(built: Path):
    from review.citations import citation_labels

    labels = citation_labels(read_bib(built.parent))
    assert (labels["Alster2020a"], labels["Alster2020b"]) == ("Alster and Li 2020a", "Alster and Li 2020b")
    for page in sorted(built.glob("*.html")):
        seen = visible_text(page.read_text(encoding="utf-8"))
        assert not re.search(r"Alster and Li 2020(?![ab])", seen), page.name
    refs = (built / "references.html").read_text(encoding="utf-8")
    for key, letter in (("Alster2020a", "a"), ("Alster2020b", "b")):
        entry = visible_text(re.search(rf'<li id="{key}">.*?</li>', refs, re.S).group(0))
        assert f"Alster and Li 2020{letter}" in entry and f"(2020{letter})" in entry, entry
    claims = (built / "claims.html").read_text(encoding="utf-8")
    assert '<a href="references.html#Alster2020a" class="ref">Alster and Li 2020a</a>' in claims


@pytest.mark.parametrize("marks", [("Intervention class", "Fitzpatrick"), ("PMID", "DOI")], ids=["studies", "references"])
def test_studies_and_reference_tables_name_each_study_once(built: Path, marks: tuple[str, str]):
    from review.citations import citation_labels

    labels = citation_labels(read_bib(built.parent))
    page = (built / "02-map-evidence.html").read_text(encoding="utf-8")
    table = next(t for t in re.findall(r"(?s)<table\b.*?</table>", page) if all(m in t for m in marks))
    rows = re.findall(r"(?s)<tr>.*?</tr>", table.split("<tbody>", 1)[1])
    assert len(rows) > 50
    for row in rows:
        key = re.search(r'href="references.html#([^"]+)"', row).group(1)  # the study, linked to its reference
        assert visible_text(row).count(labels[key]) == 1, row[:300]


def test_pages_name_articles_by_title_never_by_source_id(built: Path):
    ids = {line.split(",", 1)[0] for line in (built.parent / "data" / "sources.csv").read_text(encoding="utf-8").splitlines()[1:]}
    for page in sorted(built.glob("*.html")):
        words = set(re.findall(r"(?<![\w-])[A-Za-z][\w.:-]*", visible_text(page.read_text(encoding="utf-8"))))  # S2-13 is a claim id, one word
        assert not ids & words, (page.name, sorted(ids & words))
    assert "The Awesome Benefits of Microneedling" in visible_text((built / "01-catalogue-claims.html").read_text(encoding="utf-8"))


def test_pages_name_no_data_files_outside_notes_for_researchers(built: Path):
    from test_committed_outputs import paths_for_reviewers

    for page in sorted(built.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        paragraphs = re.findall(r"(?s)<(p|td|li|pre|caption|h\d)\b[^>]*>(.*?)</\1>", text)
        assert paragraphs, page.name
        found = [p for _, body in paragraphs for p in paths_for_reviewers(visible_text(body))]
        assert not found, (page.name, found[:5])


def test_reasons_end_in_one_full_stop_on_the_built_pages(built: Path):
    """A reason from the data already ends in a full stop; the index's list added a second one (“claim..”)."""
    from review.build.markup import sentence

    assert sentence("evidence points the other way.") == "Evidence points the other way."
    assert sentence("too little for a plain assertion") == "Too little for a plain assertion."
    assert sentence("  ") == ""
    for page in ("index.html", "claims.html", "articles.html", "references.html"):
        text = (built / page).read_text(encoding="utf-8")
        assert not re.search(r"(?<!\.)\.\.</(li|p)>", text), page


def test_every_page_links_back_to_the_index_by_the_review_title(built: Path):
    from review.settings import load_settings

    back = f'<a href="index.html">&larr; {html.escape(load_settings(REPO).review_title)}</a>'
    for page in sorted(built.glob("*.html")):
        if page.name != "index.html":
            assert back in page.read_text(encoding="utf-8"), page.name
