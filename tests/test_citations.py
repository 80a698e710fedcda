"""Citation formatting: a real entry from references.bib, and small inline entries for the edge cases."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from review import citations as ct
from review.bib import Bib, parse_bib, read_bib

REPO = Path(__file__).resolve().parents[1]

INLINE = parse_bib(
    r"""
@article{Mueller2020,
  author = {M{\"u}ller, J{\"u}rgen and Kang, Li},
  title = {{\"U}ber needling: 70\% better?},
  journal = {J Derm},
  year = {2020},
  pages = {1-9},
  doi = {10.1000/abc.1}
}
@article{Kang2022,
  author = {Kang, Li and Lu, Wei},
  title = {Two authors},
  journal = {J Derm},
  year = {2022}
}
@article{Three2021,
  author = {Alam, Murad and Han, Sandra and West, Dennis P.},
  title = {Three authors},
  year = {2021}
}
@misc{NoAuthor2019,
  title = {A page with no author},
  url = {https://example.org/page}
}
@misc{Bare,
  pmid = {123}
}
@article{Copy2014,
  author = {Brady, S},
  title = {Read on a copy},
  year = {2014},
  pmid = {25125935},
  canonical_url = {https://publisher.example/doi/abs/10.1/x}
}
@article{CopyPubMed2014,
  author = {Brady, S},
  title = {Read on a copy},
  year = {2014},
  pmid = {25125935},
  canonical_url = {https://pubmed.ncbi.nlm.nih.gov/25125935/}
}
@misc{Agency,
  author = {{US Food and Drug Administration}},
  title = {Guidance},
  year = {2020}
}
@article{Evil2020,
  author = {Doe, Jane},
  title = {<script>alert("x")</script> \& friends},
  year = {2020},
  journal = {J <b>},
  url = {https://example.org/?a=1&b="2"}
}
"""
)


@pytest.fixture(scope="module")
def real() -> Bib:
    return read_bib(REPO)


def test_short_citation_of_a_real_entry(real: Bib):
    assert ct.short_citation("Majid2009", real) == "Majid 2009"


def test_full_reference_of_a_real_entry(real: Bib):
    ref = ct.full_reference("Majid2009", real)
    assert ref == (
        "Majid I (2009). Microneedling therapy in atrophic facial scars: an objective assessment. "
        "J Cutan Aesthet Surg 2(1):26-30. doi:10.4103/0974-2077.53096. PMID: 20300368."
    )


def test_full_reference_html_links_doi_and_pubmed(real: Bib):
    html = ct.full_reference_html("Majid2009", real)
    assert '<a href="https://doi.org/10.4103/0974-2077.53096">doi:10.4103/0974-2077.53096</a>' in html
    assert '<a href="https://pubmed.ncbi.nlm.nih.gov/20300368/">PMID: 20300368</a>' in html
    assert "<em>J Cutan Aesthet Surg</em> 2(1):26-30" in html


@pytest.mark.parametrize(
    "key, expected",
    [
        ("Mueller2020", "Müller and Kang 2020"),
        ("Kang2022", "Kang and Lu 2022"),
        ("Three2021", "Alam et al. 2021"),
        ("NoAuthor2019", "“A page with no author” n.d."),
        ("Agency", "US Food and Drug Administration 2020"),
    ],
)
def test_short_citation_forms(key: str, expected: str):
    assert ct.short_citation(key, INLINE) == expected


@pytest.mark.parametrize(
    "entry, expected",
    [
        ("@article{PMID1, title = {Percutaneous collagen induction: an effective treatment}, year = {2014}}", "“Percutaneous collagen induction” 2014"),
        ("@article{PMID1, title = {A single-center trial to evaluate the efficacy of four needles}}", "“A single-center trial to evaluate…” n.d."),
        ("@article{PMID1, journal = {Am J Clin Dermatol}, year = {2019}}", "Am J Clin Dermatol article 2019"),
        ("@article{PMID1, pmid = {35426044}}", "PubMed record 35426044 n.d."),
        ("@misc{PMID1, url = {https://www.example.org/page}}", "example.org n.d."),
        ("@misc{PMID1}", "Untitled reference n.d."),
    ],
)
def test_short_citation_without_authors_is_a_readable_short_title_never_the_key(entry: str, expected: str):
    assert ct.short_citation("PMID1", parse_bib(entry)) == expected


def test_short_citation_without_year_says_nd():
    bib = parse_bib("@article{X, author = {Lu, Wei}, title = {T}}")
    assert ct.short_citation("X", bib) == "Lu n.d."


def test_latex_accents_are_decoded_to_unicode():
    ref = ct.full_reference("Mueller2020", INLINE)
    assert ref.startswith("Müller J, Kang L (2020). Über needling: 70% better? J Derm 1-9.")
    assert "{" not in ref and "\\" not in ref


def test_missing_author_title_and_year_are_shown_as_missing():
    assert ct.full_reference("Bare", INLINE) == "(n.d.). [title not recorded]. PMID: 123."
    assert ct.full_reference("NoAuthor2019", INLINE) == "(n.d.). A page with no author. https://example.org/page."


def test_vancouver_lists_six_authors_then_et_al(real: Bib):
    ref = ct.full_reference("Alam2014", real)
    assert ref.startswith("Alam M, Han S, Pongprutthipan M, Disphanurat W, Kakar R, Nodzenski M, et al. (2014).")
    assert ct.full_reference("Three2021", INLINE).startswith("Alam M, Han S, West DP (2021).")


def test_corporate_author_is_not_split_at_and():
    assert ct.full_reference("Agency", INLINE).startswith("US Food and Drug Administration (2020). Guidance.")


def test_html_escapes_markup_in_fields_and_links():
    html = ct.full_reference_html("Evil2020", INLINE)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(" in html
    assert "&amp; friends" in html
    assert 'href="https://example.org/?a=1&amp;b=&quot;2&quot;"' in html


def test_text_keeps_markup_characters_as_text():
    assert "<script>" in ct.full_reference("Evil2020", INLINE)


def test_formatting_is_deterministic(real: Bib):
    assert ct.full_reference_html("Alam2014", real) == ct.full_reference_html("Alam2014", real)


def test_unknown_key_raises_a_clear_error():
    with pytest.raises(KeyError, match="'Nope2000' is not an entry in references.bib"):
        ct.short_citation("Nope2000", INLINE)


def test_reference_list_is_sorted_and_deduplicated():
    refs = ct.reference_list(["Kang2022", "Bare", "Kang2022", "Mueller2020"], INLINE)
    assert list(refs.columns) == ["key", "reference", "doi", "pmid", "url"]  # the report shows the key as its citation
    assert refs["key"].tolist() == ["Bare", "Kang2022", "Mueller2020"]
    assert refs.set_index("key").loc["Mueller2020", "doi"] == "10.1000/abc.1"
    assert refs.set_index("key").loc["Bare", "pmid"] == "123"


def test_canonical_url_is_linked_once_after_doi_and_pubmed():
    html = ct.full_reference_html("Copy2014", INLINE)
    assert html.count('href="https://publisher.example/doi/abs/10.1/x"') == 1
    assert html.index("PMID: 25125935") < html.index('href="https://publisher.example/')
    assert ct.full_reference("Copy2014", INLINE).endswith("PMID: 25125935. https://publisher.example/doi/abs/10.1/x.")


def test_canonical_url_already_given_by_pubmed_is_not_repeated():
    html = ct.full_reference_html("CopyPubMed2014", INLINE)
    assert html.count("pubmed.ncbi.nlm.nih.gov/25125935/") == 1


# ---------------------------------------------------------------- exports from Zotero, JabRef and BibLaTeX

EXPORTS = parse_bib(
    r"""
@string{jcas = "J Cutan Aesthet Surg"}
@article{Others2020,
  author = {Smith, John and Roe, Richard and others},
  title = {Three or more},
  year = {2020},
  doi = {10.1000/a}
}
@article{Plain2021,
  author = {John Smith and Jane Doe},
  title = {Given names first},
  year = {2021},
  doi = {10.1000/b}
}
@article{Percent2019,
  author = {Lu, Wei},
  title = {Efficacy of 5% minoxidil with microneedling},
  year = {2019},
  doi = {10.1000/c}
}
@article{Biblatex2022,
  author = {Lu, Wei},
  title = {A BibLaTeX export},
  journaltitle = {Dermatol Surg},
  date = {2022-05-01},
  doi = {10.1000/d}
}
@article{Concat2018,
  author = {Lu, Wei},
  title = "Part one: " # {the needle},
  journal = jcas,
  year = {2018},
  doi = {10.5555/x\_y}
}
"""
)


@pytest.mark.parametrize(
    "key, citation, reference_start",
    [
        ("Others2020", "Smith et al. 2020", "Smith J, Roe R, et al. (2020). Three or more."),
        ("Plain2021", "Smith and Doe 2021", "Smith J, Doe J (2021). Given names first."),
        ("Percent2019", "Lu 2019", "Lu W (2019). Efficacy of 5% minoxidil with microneedling."),
        ("Biblatex2022", "Lu 2022", "Lu W (2022). A BibLaTeX export. Dermatol Surg."),
        ("Concat2018", "Lu 2018", "Lu W (2018). Part one: the needle. J Cutan Aesthet Surg."),
    ],
)
def test_exported_entries_render_as_written(key: str, citation: str, reference_start: str):
    assert [p for p in EXPORTS.problems if "source_url" not in p.message] == []  # sources are beside the point here
    assert EXPORTS.notes == []
    assert ct.short_citation(key, EXPORTS) == citation
    assert ct.full_reference(key, EXPORTS).startswith(reference_start)


def test_latex_escaped_doi_gives_a_working_link():
    html = ct.full_reference_html("Concat2018", EXPORTS)
    assert '<a href="https://doi.org/10.5555/x_y">doi:10.5555/x_y</a>' in html


def test_one_named_author_and_others_is_et_al():
    bib = parse_bib("@article{X, author = {Smith, John and others}, title = {T}, year = {2020}, doi = {10.1/x}}")
    assert ct.short_citation("X", bib) == "Smith et al. 2020"


def test_reference_notes_name_what_cannot_be_shown():
    bib = parse_bib(
        "@article{X,\n  author = {Lu, Wei},\n  title = {An \\emph{in vivo} study},\n  year = {2020},\n  doi = {10.1/x}\n}\n"
        "@article{Y,\n  author = {Lu, Wei, Jr, Extra},\n  title = {T},\n  year = {2020},\n  doi = {10.1/y}\n}\n"
    )
    assert [str(p) for p in ct.reference_notes(bib)] == [
        "references.bib:3: X: field title: LaTeX command \\emph cannot be shown; the reference reads 'An \\\\emph in vivo study'",
        "references.bib:8: Y: field author: name 'Lu, Wei, Jr, Extra' cannot be parsed (Too many commas in 'Lu, Wei, Jr, Extra'); it is shown as written, as one name",
    ]


def test_real_bibliography_renders_without_notes(real: Bib):
    assert ct.reference_notes(real) == []


# ---------------------------------------------------------------- same authors, same year: 2020a, 2020b

SAME_YEAR = r"""
@article{Li2020x,
  author = {Alster, Tina S. and Li, Monica},
  title = {The striae study},
  year = {2020}
}
@article{Li2020y,
  author = {Alster, TS and Li, MK},
  title = {Scars, a large prospective study},
  year = {2020}
}
@article{Li2021,
  author = {Alster, Tina S. and Li, Monica},
  title = {Another year},
  year = {2021}
}
@article{Other2020,
  author = {Alster, Tina S. and Graham, Paul},
  title = {Other co-author},
  year = {2020}
}
@misc{PageA,
  author = {{US Food and Drug Administration}},
  title = {Microneedling devices}
}
@misc{PageB,
  author = {{US Food and Drug Administration}},
  title = {21 CFR 878.4430}
}
"""


def test_same_authors_same_year_are_lettered_by_title_not_by_key():
    bib = parse_bib(SAME_YEAR)
    # "Scars..." comes before "striae" (a leading "The" is ignored, case is ignored), though its key sorts after
    assert ct.short_citation("Li2020y", bib) == "Alster and Li 2020a"
    assert ct.short_citation("Li2020x", bib) == "Alster and Li 2020b"


def test_works_that_already_read_differently_get_no_letter():
    bib = parse_bib(SAME_YEAR)
    assert ct.short_citation("Li2021", bib) == "Alster and Li 2021"
    assert ct.short_citation("Other2020", bib) == "Alster and Graham 2020"


def test_undated_works_of_one_author_read_nd_a_and_nd_b():
    bib = parse_bib(SAME_YEAR)
    assert ct.short_citation("PageB", bib) == "US Food and Drug Administration n.d.-a"
    assert ct.short_citation("PageA", bib) == "US Food and Drug Administration n.d.-b"


def test_full_reference_year_carries_the_citation_letter():
    bib = parse_bib(SAME_YEAR)
    assert ct.full_reference("Li2020y", bib).startswith("Alster TS, Li MK (2020a). Scars, a large prospective study.")
    assert "(2020b)" in ct.full_reference_html("Li2020x", bib)
    assert ct.full_reference("PageA", bib).startswith("US Food and Drug Administration (n.d.-b).")
    assert "(2021)" in ct.full_reference("Li2021", bib)


def test_lettering_does_not_depend_on_the_order_of_entries_in_the_file():
    entries = ["@" + e for e in SAME_YEAR.split("@") if e.strip()]
    forward, backward = parse_bib("\n".join(entries)), parse_bib("\n".join(reversed(entries)))
    assert ct.citation_labels(forward) == ct.citation_labels(backward)


def test_real_alster_and_li_papers_read_2020a_and_2020b_everywhere(real: Bib):
    labels = ct.citation_labels(real)
    # Microneedling of Scars (Plast Reconstr Surg) before Microneedling Treatment of Striae (Dermatol Surg), by title
    assert labels["Alster2020a"] == ct.short_citation("Alster2020a", real) == "Alster and Li 2020a"
    assert labels["Alster2020b"] == ct.short_citation("Alster2020b", real) == "Alster and Li 2020b"
    assert "(2020a). Microneedling of Scars" in ct.full_reference("Alster2020a", real)
    refs = ct.reference_list(["Alster2020b", "Alster2020a"], real).set_index("key")
    assert "(2020b)" in refs.loc["Alster2020b", "reference"]


def test_no_two_references_of_the_real_workbook_read_alike(real: Bib):
    labels = ct.citation_labels(real)
    assert len(set(labels.values())) == len(labels)


def test_cached_and_uncached_labels_agree(real: Bib):
    text = (REPO / "references.bib").read_text(encoding="utf-8")
    assert ct.citation_labels(parse_bib(text)) == ct.citation_labels(real)


def test_reviewers_notes_name_lettered_works_with_their_letter(real: Bib):
    # a note written by hand ("Alster and Li 2020") must read as the tables do ("Alster and Li 2020a")
    labels = ct.citation_labels(real)
    lettered = {base for k, label in labels.items() if (base := ct._short_citation(k, real)) != label}  # citations before lettering
    assert "Alster and Li 2020" in lettered
    for path in sorted((REPO / "data").glob("*.csv")):
        text = path.read_text(encoding="utf-8")
        for base in lettered:
            assert not re.search(re.escape(base) + r"(?![a-z]|-[a-z])", text), (path.name, base)


def test_labels_read_before_and_after_every_reference_is_formatted_agree(tmp_path: Path):
    # citation_labels gives the labels without formatting every reference (a tenth of the time); they must be the
    # ones the kernels read back from the formatted references' cache, or pages and charts would disagree
    shutil.copy(REPO / "references.bib", tmp_path / "references.bib")
    bib = read_bib(tmp_path)
    before = ct.citation_labels(bib)
    assert not list(bib.cache.glob("references-*.json"))  # nothing formatted yet
    ct.warm_cache(bib)
    assert list(bib.cache.glob("references-*.json"))
    ct._FORMATTED.clear()  # as in a kernel, another process: the formatted references are read from the cache
    fresh = read_bib(tmp_path)
    assert ct.citation_labels(fresh) == before
    assert {k: ct.short_citation(k, fresh) for k in before} == before
