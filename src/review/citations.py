"""Citations from ``references.bib``: short in-text forms and full references, as text and HTML.

Entries are turned into :class:`pybtex.database.Entry` objects and formatted
with one author-year template, a small subclass of pybtex's ``unsrt`` style
used for every entry type, rendered by pybtex's text and HTML backends.
LaTeX in the fields (``{\\"u}``, ``70\\%``) is decoded to Unicode by pybtex
(latexcodec). Fields that were never read stay missing and are shown as such:
``n.d.`` for no year, ``[title not recorded]`` for no title.

All functions are pure: the bibliography in, strings or a DataFrame out.
"""

from __future__ import annotations

import functools
import html
from urllib.parse import quote

import pandas as pd
from pybtex.backends.html import Backend as HtmlBackend
from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.bibtex.utils import split_name_list
from pybtex.database import Entry, Person
from pybtex.richtext import BaseText, HRef, Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.template import FieldIsMissing, field, first_of, node, optional, sentence, tag, words

from .bib import Bib
from .cache import code_digest, combine, read_json, write_json

#: Vancouver style: list this many authors, then "et al."
MAX_AUTHORS = 6
NO_YEAR = "n.d."
NO_TITLE = "[title not recorded]"
DOI_URL = "https://doi.org/"
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/"


def _fields(key: str, bib: Bib) -> dict[str, str]:
    if key not in bib.entries:
        raise KeyError(f"{key!r} is not an entry in references.bib; add it there, or fix the study_id")
    return bib.entries[key]


def authors(value: str) -> list[Person]:
    """Parse a BibTeX author field written ``Surname, Given and Surname, Given``.

    A name without a comma means the field is a corporate author whose
    protecting braces were stripped on reading (``US Food and Drug
    Administration``): it is kept whole, as one name, not split at "and".
    """
    names = split_name_list(value)
    if any("," not in n for n in names):
        return [Person("{" + value + "}")]
    return [Person(n) for n in names]


def to_entry(key: str, bib: Bib) -> Entry:
    """The bib entry ``key`` as a pybtex Entry, authors parsed into :class:`Person` objects."""
    raw = _fields(key, bib)
    persons = {"author": authors(raw["author"])} if raw.get("author") else {}
    fields = {k: v for k, v in raw.items() if k != "author" and v}
    entry = Entry(bib.types.get(key, "misc"), fields=fields, persons=persons)
    entry.key = key
    return entry


def _latex(value: str) -> str:
    """LaTeX field text decoded to plain Unicode."""
    return Text.from_latex(value).render(TextBackend())


def _surname(person: Person) -> Text:
    return Text.from_latex(" ".join(person.prelast_names + person.last_names))


def _initials(person: Person) -> str:
    """Vancouver initials: ``Dennis P.`` -> ``DP``, ``Ching-Chi`` -> ``CC``; ``EVA`` (already initials) stays."""
    out = ""
    for name in person.first_names + person.middle_names:
        plain = _latex(name).replace(".", "")
        if plain.isupper():
            out += plain.replace("-", "")
        else:
            out += "".join(part[:1].upper() for part in plain.split("-") if part)
    return out


def _vancouver(person: Person) -> Text:
    initials = _initials(person)
    return Text(_surname(person), " ", initials) if initials else _surname(person)


@node
def vancouver_authors(children: list[object], context: dict[str, object]) -> Text:
    """Authors as ``Alam M, Han S, ... et al.`` (first six, Vancouver style)."""
    entry = context["entry"]
    assert isinstance(entry, Entry)
    persons = entry.persons.get("author", [])
    if not persons:
        raise FieldIsMissing("author", entry)
    names = [_vancouver(p) for p in persons[:MAX_AUTHORS]]
    if len(persons) > MAX_AUTHORS:
        names.append(Text("et al."))
    return Text(", ").join(names)


@node
def locator(children: list[object], context: dict[str, object]) -> Text:
    """``volume(number):pages``, with whichever parts are recorded."""
    f = context["entry"].fields  # type: ignore[attr-defined]
    head = f.get("volume", "") + (f"({f['number']})" if f.get("number") else "")
    pages = f.get("pages", "")
    return Text.from_latex(f"{head}:{pages}" if head and pages else head or pages)


@node
def web_links(children: list[object], context: dict[str, object]) -> Text:
    """Links to the DOI, PubMed record, canonical page and URL, in that order; the URL only if it is http(s).

    ``canonical_url`` is the publisher, PubMed or PMC page of an entry whose
    fields were read on a copy (``source_url`` keeps the copy); it is shown
    unless the DOI or PubMed link already leads there.
    """
    f = context["entry"].fields  # type: ignore[attr-defined]
    links: dict[str, str] = {}  # target -> label, in display order
    if f.get("doi"):
        links[DOI_URL + quote(f["doi"], safe="/:;()")] = f"doi:{f['doi']}"
    if f.get("pmid"):
        links[f"{PUBMED_URL}{quote(f['pmid'], safe='')}/"] = f"PMID: {f['pmid']}"
    canonical = f.get("canonical_url", "")
    if canonical.startswith(("https://", "http://")):
        links.setdefault(canonical, canonical)
    parts: list[BaseText] = [HRef(target, label) for target, label in links.items()]
    url = f.get("url", "")
    if url.startswith(("https://", "http://")):
        if url not in links:  # not already linked as the canonical page
            parts.append(HRef(url, url))
    elif url:
        parts.append(Text(url))
    return Text(". ").join(parts)


class ReviewStyle(UnsrtStyle):
    """pybtex's unsrt style with one author-year template for every entry type, tolerant of missing fields.

    ``Majid I (2009). Microneedling therapy in ... J Cutan Aesthet Surg 2(1):26-30. doi:... PMID: ...``
    """

    def get_reference_template(self, e: Entry) -> object:
        creator = first_of[optional[vancouver_authors], optional[field("organization")]]
        year = first_of[optional[field("year")], NO_YEAR]
        return toplevel[
            sentence[words[creator, words(sep="")["(", year, ")"]]],
            sentence[first_of[optional[field("title")], NO_TITLE]],
            optional[sentence[words[tag("em")[field("journal")], locator]]],
            optional[sentence[field("howpublished")]],
            optional[sentence[web_links]],
        ]

    def format_entry(self, label: str, entry: Entry, bib_data: object = None) -> FormattedEntry:
        context = {"entry": entry, "style": self, "bib_data": bib_data}
        return FormattedEntry(entry.key, self.get_reference_template(entry).format_data(context), label)


class SafeHtmlBackend(HtmlBackend):
    """pybtex's HTML backend with link targets escaped, and LaTeX brace groups left unwrapped."""

    symbols = {**HtmlBackend.symbols, "newblock": " "}

    def format_protected(self, text: str) -> str:
        return text

    @staticmethod
    def format_href(url: str, text: str, external: bool = False) -> str:
        return f'<a href="{html.escape(url, quote=True)}">{text}</a>' if text else ""


@functools.cache
def _style() -> ReviewStyle:
    """One style instance: creating one looks up pybtex's plugins, which costs more than formatting an entry."""
    return ReviewStyle()


def _formatted(key: str, bib: Bib) -> Text:
    return _style().format_entry(key, to_entry(key, bib)).text


#: formatted references per bibliography (by its digest), for this process
_FORMATTED: dict[tuple[str, str], dict[str, list[str]]] = {}


def _all_formatted(bib: Bib) -> dict[str, list[str]] | None:
    """Short citation, full text and full HTML of every entry, cached on disk by the bib's digest and the code.

    Formatting decodes LaTeX in every name and title, about 1 ms an entry; a
    5,000-entry bibliography is formatted once and then read back in
    milliseconds, by every notebook and the reference page. None when the bib
    has no cache folder (a bib parsed from a string): entries are then
    formatted one at a time, on demand.
    """
    if bib.cache is None or not bib.digest:
        return None
    memo = (bib.digest, str(bib.cache))
    if memo in _FORMATTED:
        return _FORMATTED[memo]
    path = bib.cache / f"references-{combine({'bib': bib.digest, 'code': code_digest()})[:24]}.json"
    data = read_json(path)
    if not isinstance(data, dict) or set(data) != set(bib.entries):
        data = {}
        for k in sorted(bib.entries):
            text = _formatted(k, bib)
            data[k] = [_short_citation(k, bib), text.render(TextBackend()), text.render(SafeHtmlBackend())]
        try:
            write_json(path, data)
        except OSError:
            pass  # a read-only workbook still works, only slower
    _FORMATTED[memo] = data
    return data


def _cached(key: str, bib: Bib, index: int) -> str | None:
    _fields(key, bib)  # an unknown key is an error, cached or not
    data = _all_formatted(bib)
    return data[key][index] if data is not None else None


def short_citation(key: str, bib: Bib) -> str:
    """In-text citation: ``Majid 2009``, ``Kang and Lu 2022``, ``Alam et al. 2014``; the key when no author.

    >>> short_citation("Majid2009", wb.bib)  # doctest: +SKIP
    'Majid 2009'
    """
    cached = _cached(key, bib, 0)
    return cached if cached is not None else _short_citation(key, bib)


def _short_citation(key: str, bib: Bib) -> str:
    entry = to_entry(key, bib)
    year = _latex(entry.fields["year"]) if entry.fields.get("year") else NO_YEAR
    persons = entry.persons.get("author", [])
    if not persons:
        return key  # the bib key is the study's id everywhere, so it is the fallback citation
    first = _surname(persons[0]).render(TextBackend())
    if len(persons) == 1:
        who = first
    elif len(persons) == 2:
        who = f"{first} and {_surname(persons[1]).render(TextBackend())}"
    else:
        who = f"{first} et al."
    return f"{who} {year}"


def full_reference(key: str, bib: Bib) -> str:
    """The full reference as plain Unicode text: authors (year). title. journal volume(number):pages. links."""
    cached = _cached(key, bib, 1)
    return cached if cached is not None else _formatted(key, bib).render(TextBackend())


def full_reference_html(key: str, bib: Bib) -> str:
    """The full reference as an HTML fragment: text escaped, DOI, PubMed and URL as links."""
    cached = _cached(key, bib, 2)
    return cached if cached is not None else _formatted(key, bib).render(SafeHtmlBackend())


REFERENCE_COLUMNS = ["key", "citation", "reference", "doi", "pmid", "url"]


def reference_list(keys: list[str] | pd.Series, bib: Bib) -> pd.DataFrame:
    """One row per distinct key, sorted by key: short citation, full text reference and identifiers."""
    rows = [
        {
            "key": k,
            "citation": short_citation(k, bib),
            "reference": full_reference(k, bib),
            "doi": _fields(k, bib).get("doi", ""),
            "pmid": _fields(k, bib).get("pmid", ""),
            "url": _fields(k, bib).get("url", ""),
        }
        for k in sorted(set(keys))
    ]
    return pd.DataFrame(rows, columns=REFERENCE_COLUMNS)


def warm_cache(bib: Bib) -> None:
    """Format every reference now (or read them from the cache), so later calls are look-ups."""
    _all_formatted(bib)
