"""Reading references.bib with bibtexparser v2: failed blocks, duplicate keys, identifiers."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.bib import parse_bib, read_bib

REPO = Path(__file__).resolve().parents[1]
GOOD = """@article{Majid2009,
  author = {Majid, Imran},
  title = {Microneedling therapy in atrophic facial scars},
  year = {2009},
  doi = {10.4103/0974-2077.53096},
  pmid = {20300368},
  source_url = {https://pubmed.ncbi.nlm.nih.gov/20300368/}
}
"""


def test_real_bib_loads_with_no_failed_blocks():
    bib = read_bib(REPO)
    assert bib.problems == []
    assert len(bib.entries) >= 90
    assert bib.entries["Majid2009"]["pmid"] == "20300368"
    assert all(any(f.get(k) for k in ("doi", "pmid", "url")) for f in bib.entries.values())
    assert all(f.get("source_url") for f in bib.entries.values())


def test_parse_bib_accepts_entry_and_records_its_line():
    bib = parse_bib("\n\n" + GOOD)
    assert bib.problems == []
    assert bib.lines == {"Majid2009": 3}
    assert bib.entries["Majid2009"]["doi"] == "10.4103/0974-2077.53096"


def test_parse_bib_reports_broken_entry_with_line_and_keeps_the_rest():
    broken = "@article{Broken2020,\n  title = {unbalanced {brace},\n  year = {2020}\n}\n\n"
    bib = parse_bib(broken + GOOD.replace("Majid2009", "Other2010"))
    assert [(p.line, p.field) for p in bib.problems] == [(1, "Broken2020")]
    assert "entry cannot be parsed" in bib.problems[0].message
    assert "Other2010" in bib.entries


def test_parse_bib_reports_duplicate_key():
    bib = parse_bib(GOOD + "\n" + GOOD)
    assert [str(p) for p in bib.problems] == [
        "references.bib:10: Majid2009: duplicate key; first defined on line 1; give each entry its own key (add a/b)"
    ]


def test_parse_bib_reports_entry_without_identifier():
    text = "@article{Nobody2020,\n  title = {T},\n  source_url = {https://example.org/x}\n}\n"
    assert [str(p) for p in parse_bib(text).problems] == [
        "references.bib:1: Nobody2020: entry has no identifier; add a doi, a pmid, or a url (for documents with neither)"
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doi", "https://doi.org/10.1/x", "doi 'https://doi.org/10.1/x' is malformed; write the bare DOI, e.g. 10.4103/0974-2077.53096"),
        ("pmid", "PMID 123", "pmid 'PMID 123' is malformed; a PMID is 1-9 digits"),
        ("pmcid", "2840919", "pmcid '2840919' is malformed; write it as PMC followed by digits"),
        ("canonical_url", "pubmed 20300368", "canonical_url 'pubmed 20300368' is not an http(s) address"),
    ],
)
def test_parse_bib_rejects_malformed_identifiers(field: str, value: str, message: str):
    if field in ("pmcid", "canonical_url"):
        text = GOOD.replace("  source_url", f"  {field} = {{{value}}},\n  source_url")
    else:
        old = {"doi": "doi = {10.4103/0974-2077.53096}", "pmid": "pmid = {20300368}"}[field]
        text = GOOD.replace(old, f"{field} = {{{value}}}")
    assert [p.message for p in parse_bib(text).problems] == [message]


def test_parse_bib_requires_source_url():
    text = GOOD.replace("  source_url = {https://pubmed.ncbi.nlm.nih.gov/20300368/}\n", "")
    text = text.replace("pmid = {20300368},", "pmid = {20300368}")
    assert [p.message for p in parse_bib(text).problems] == [
        "entry has no source_url; record the page(s) its fields were read from"
    ]


def test_parse_bib_keeps_inner_braces_and_strips_protecting_pair():
    text = GOOD.replace("title = {Microneedling therapy in atrophic facial scars}", 'title = {{\\"U}ber {RCT}}').replace(
        "author = {Majid, Imran}", "author = {{US Food and Drug Administration}}"
    )
    bib = parse_bib(text)
    assert bib.problems == []
    assert bib.entries["Majid2009"]["title"] == '{\\"U}ber {RCT}'
    assert bib.entries["Majid2009"]["author"] == "{US Food and Drug Administration}"  # the braces make it one corporate name


def test_parse_bib_accepts_canonical_url_beside_the_copy_read():
    text = GOOD.replace("  source_url", "  canonical_url = {https://doi.org/10.4103/0974-2077.53096},\n  source_url")
    bib = parse_bib(text)
    assert bib.problems == []
    assert bib.entries["Majid2009"]["canonical_url"] == "https://doi.org/10.4103/0974-2077.53096"


def test_parse_bib_reports_a_duplicated_field_as_such():
    text = GOOD.replace("  year = {2009},\n", "  year = {2009},\n  year = {2010},\n")
    assert [str(p) for p in parse_bib(text).problems] == [
        "references.bib:1: Majid2009: field year is given more than once; keep one (BibTeX would silently use one of them)"
    ]


def test_parse_bib_resolves_macros_concatenation_and_biblatex_fields():
    text = '@string{jcas = "J Cutan Aesthet Surg"}\n' + GOOD.replace("year = {2009}", 'date = {2009-03}, journaltitle = "Part " # jcas # { 2}')
    fields = parse_bib(text).entries["Majid2009"]
    assert (fields["year"], fields["journal"]) == ("2009", "Part J Cutan Aesthet Surg 2")


def test_parse_bib_keeps_latex_out_of_identifiers():
    bib = parse_bib(GOOD.replace("10.4103/0974-2077.53096", "10.4103/0974\\_2077.53096"))
    assert bib.entries["Majid2009"]["doi"] == "10.4103/0974_2077.53096"


@pytest.mark.parametrize(
    ("edit", "note"),
    [
        (("title = {", "title = nomacro # {"), "references.bib:3: Majid2009: field title: macro 'nomacro' is not defined by any @string; it is shown as the bare word"),
        (("year = {2009}", "date = {spring 2009}"), "references.bib:1: Majid2009: field date 'spring 2009' is not a BibLaTeX date (YYYY, YYYY-MM or YYYY-MM-DD); the reference shows no year"),
        (("year = {2009}", "year = {2009}, date = {2010-01-01}"), "references.bib:1: Majid2009: fields year (2009) and date (2010-01-01) disagree; the reference shows the year"),
        (("year = {2009}", "year = {2009}, booktitle = {Proc X}"), "references.bib:1: Majid2009: field booktitle is not shown in the formatted reference; put what readers need in title, journal or howpublished"),
    ],
)
def test_parse_bib_notes_what_a_reference_cannot_show(edit: tuple[str, str], note: str):
    bib = parse_bib(GOOD.replace(*edit))
    assert bib.problems == []
    assert [str(p) for p in bib.notes] == [note]
