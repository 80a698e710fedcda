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
import re
from urllib.parse import quote

import pandas as pd
from pybtex.backends.html import Backend as HtmlBackend
from pybtex.backends.plaintext import Backend as TextBackend
from pybtex.bibtex.utils import split_name_list
from pybtex.database import Entry, InvalidNameString, Person
from pybtex.richtext import BaseText, HRef, Text
from pybtex.style import FormattedEntry
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.template import FieldIsMissing, field, first_of, node, optional, sentence, tag, words

from .bib import Bib
from .cache import code_digest, combine, read_json, write_json
from .errors import Problem, quote_value
from .tables import column_letter

#: Vancouver style: list this many authors, then "et al."
MAX_AUTHORS = 6
NO_YEAR = "n.d."
NO_TITLE = "[title not recorded]"
DOI_URL = "https://doi.org/"
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/"
#: fields used as addresses, never decoded as LaTeX (``%22`` in a URL is not a comment)
LINK_FIELDS = ("doi", "pmid", "pmcid", "url", "canonical_url", "source_url")
#: fields the reference template shows as text
SHOWN_TEXT = ("title", "journal", "howpublished", "organization", "volume", "number", "pages", "year")
#: an unescaped ``%``, which LaTeX (and pybtex) would read as the start of a comment
_BARE_PERCENT = re.compile(r"(?<!\\)%")
#: a LaTeX command that survives decoding, e.g. ``\emph`` (pybtex and latexcodec know accents and symbols, not markup)
_COMMAND = re.compile(r"\\[A-Za-z]+")


def _fields(key: str, bib: Bib) -> dict[str, str]:
    if key not in bib.entries:
        raise KeyError(f"{key!r} is not an entry in references.bib; add it there, or fix the study_id")
    return bib.entries[key]


def authors(value: str) -> list[Person]:
    """Parse a BibTeX author field with pybtex's name rules, as BibTeX itself reads it.

    ``and`` separates people, each written ``Surname, Given`` or ``Given Surname``;
    braces protect a corporate name (``{US Food and Drug Administration}``);
    a final ``and others`` is kept as pybtex's ``others`` person (et al.).
    A name pybtex cannot parse (too many commas) is kept whole, as written;
    :func:`reference_notes` reports it.
    """
    people = []
    for name in split_name_list(value):
        try:
            people.append(Person(name))
        except InvalidNameString:
            people.append(Person("{" + name + "}"))
    return people


def _is_others(person: Person) -> bool:
    """pybtex's ``and others``: more authors, not named."""
    return person.last_names == ["others"] and not (person.first_names or person.middle_names or person.prelast_names)


def _named(persons: list[Person]) -> tuple[list[Person], bool]:
    """The named authors, and whether the list ends in ``and others``."""
    named = [p for p in persons if not _is_others(p)]
    return named, len(named) < len(persons)


def _as_latex_text(value: str) -> str:
    """A field's text as LaTeX, with a bare ``%`` escaped: ``5% minoxidil`` is a percentage, not a comment."""
    return _BARE_PERCENT.sub(r"\\%", value)


def to_entry(key: str, bib: Bib) -> Entry:
    """The bib entry ``key`` as a pybtex Entry, authors parsed into :class:`Person` objects."""
    raw = _fields(key, bib)
    persons = {"author": authors(_as_latex_text(raw["author"]))} if raw.get("author") else {}
    fields = {k: (v if k in LINK_FIELDS else _as_latex_text(v)) for k, v in raw.items() if k != "author" and v}
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
    persons, others = _named(entry.persons.get("author", []))
    if not persons:
        raise FieldIsMissing("author", entry)
    names = [_vancouver(p) for p in persons[:MAX_AUTHORS]]
    if len(persons) > MAX_AUTHORS or others:
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


def _formatted(key: str, bib: Bib, suffix: str | None = None) -> Text:
    """The full reference; its year carries the same a/b suffix as the entry's in-text citation."""
    entry = to_entry(key, bib)
    suffix = _suffixes(bib).get(key, "") if suffix is None else suffix
    if suffix:
        year = entry.fields.get("year", "")
        entry.fields["year"] = f"{year}{suffix}" if year else f"{NO_YEAR}-{suffix}"
    return _style().format_entry(key, entry).text


#: formatted references per bibliography (by its digest), for this process
_FORMATTED: dict[tuple[str, str], dict[str, list[str]]] = {}


def _all_formatted(bib: Bib, make: bool = True) -> dict[str, list[str]] | None:
    """Short citation, full text and full HTML of every entry, cached on disk by the bib's digest and the code.

    Formatting decodes LaTeX in every name and title, about 1 ms an entry; a
    5,000-entry bibliography is formatted once and then read back in
    milliseconds, by every notebook and the reference page. None when the bib
    has no cache folder (a bib parsed from a string): entries are then
    formatted one at a time, on demand. With ``make`` false, None too when
    they have not been formatted yet.
    """
    if bib.cache is None or not bib.digest:
        return None
    memo = (bib.digest, str(bib.cache))
    if memo in _FORMATTED:
        return _FORMATTED[memo]
    path = bib.cache / f"references-{combine({'bib': bib.digest, 'code': code_digest()})[:24]}.json"
    data = read_json(path)
    if not isinstance(data, dict) or set(data) != set(bib.entries):
        if not make:
            return None
        data = {}
        labels, suffixes = _labels(bib)
        for k in sorted(bib.entries):
            text = _formatted(k, bib, suffixes.get(k, ""))
            data[k] = [labels[k], text.render(TextBackend()), text.render(SafeHtmlBackend())]
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
    """In-text citation: ``Majid 2009``, ``Kang and Lu 2022``, ``Alam et al. 2014``; a short title when no author.

    Works that would read alike (same authors as cited, same year) are told
    apart by a letter after the year, ``Alster and Li 2020a`` and ``2020b``,
    as :func:`citation_labels` assigns them over the whole bibliography.

    >>> short_citation("Majid2009", wb.bib)  # doctest: +SKIP
    'Majid 2009'
    """
    cached = _cached(key, bib, 0)
    return cached if cached is not None else _labels(bib)[0][key]


def citation_labels(bib: Bib) -> dict[str, str]:
    """Every entry's in-text citation, by key, with same-author same-year works lettered a, b, c... after the year.

    Entries whose citation would read the same get letters in the order of
    their titles, as APA (7th ed., 9.47) and Harvard order them in the
    reference list: alphabetically, ignoring a leading "A", "An" or "The"
    and case; then by key, so the letters never depend on the file's order.
    An undated pair reads ``n.d.-a``, ``n.d.-b``.

    >>> citation_labels(wb.bib)["Alster2020b"]  # doctest: +SKIP
    'Alster and Li 2020b'
    """
    data = _all_formatted(bib, make=False)  # the labels alone take a tenth of the time of formatting every reference
    if data is not None:
        return {k: data[k][0] for k in sorted(bib.entries)}
    return dict(_labels(bib)[0])


#: leading articles a title is not sorted by (APA 9.47: "ignore A, An and The")
_LEADING_ARTICLE = re.compile(r"^(a|an|the)\s+", re.I)
#: labels of bibliographies without a cache folder (parsed from a string), for this process: id -> (bib, labels, suffixes)
_LABELS: dict[int, tuple[Bib, dict[str, str], dict[str, str]]] = {}


def _title_order(key: str, bib: Bib) -> tuple[bool, str, str]:
    title = _latex(_as_latex_text(bib.entries[key].get("title", ""))).strip().casefold()
    title = _LEADING_ARTICLE.sub("", re.sub(r"^[^\w]+", "", title))
    return (not title, title, key)


def _letter(n: int) -> str:
    """a, b, ... z, aa, ab, ... for the n-th (0-based) work of a group: a spreadsheet's column names, in lower case."""
    return column_letter(n).lower()


def _labels(bib: Bib) -> tuple[dict[str, str], dict[str, str]]:
    """In-text citations of every entry, and the letter each lettered entry got (key -> 'a')."""
    memo = _LABELS.get(id(bib))
    if memo is not None and memo[0] is bib:
        return memo[1], memo[2]
    base = {k: _short_citation(k, bib) for k in sorted(bib.entries)}
    groups: dict[str, list[str]] = {}
    for k, label in base.items():
        groups.setdefault(label, []).append(k)
    labels, suffixes = dict(base), {}
    for label, keys in groups.items():
        if len(keys) < 2:
            continue
        for n, k in enumerate(sorted(keys, key=lambda k: _title_order(k, bib))):
            suffixes[k] = _letter(n)
            labels[k] = f"{label}-{suffixes[k]}" if label.endswith(NO_YEAR) else f"{label}{suffixes[k]}"
    if bib.cache is None or not bib.digest:
        if len(_LABELS) > 32:
            _LABELS.clear()
        _LABELS[id(bib)] = (bib, labels, suffixes)
    return labels, suffixes


def _suffixes(bib: Bib) -> dict[str, str]:
    return _labels(bib)[1]


def _short_citation(key: str, bib: Bib) -> str:
    entry = to_entry(key, bib)
    year = _latex(entry.fields["year"]) if entry.fields.get("year") else NO_YEAR
    persons, others = _named(entry.persons.get("author", []))
    if not persons:
        return f"{_short_title(entry)} {year}"
    first = _surname(persons[0]).render(TextBackend())
    if len(persons) == 1 and not others:
        who = first
    elif len(persons) == 2 and not others:
        who = f"{first} and {_surname(persons[1]).render(TextBackend())}"
    else:
        who = f"{first} et al."
    return f"{who} {year}"


#: words of the title an author-less entry is cited by
SHORT_TITLE_WORDS = 5


def _short_title(entry: Entry) -> str:
    """What an entry without authors is cited by: its organisation, or the first words of its title.

    Never the bib key (``PMID35426044``, ``Salem_undated`` mean nothing to a
    reader): failing a title, the journal, then the PubMed or DOI number.
    """
    f = entry.fields
    if f.get("organization"):
        return _latex(f["organization"])
    title = _latex(f.get("title", "")).strip()
    if title:
        head = re.split(r"\s*[:(.;?]\s*|\s+[-–—]\s+", title)[0] or title
        words = head.split()
        short = " ".join(words[:SHORT_TITLE_WORDS])
        return f"“{short}{'…' if len(words) > SHORT_TITLE_WORDS else ''}”"
    if f.get("journal"):
        return f"{_latex(f['journal'])} article"
    if f.get("pmid"):
        return f"PubMed record {f['pmid']}"
    host = re.match(r"https?://(?:www\.)?([^/:]+)", f.get("url", ""))
    if host:
        return host.group(1)
    if f.get("doi"):
        return f"doi:{f['doi']}"
    return "Untitled reference"


def full_reference(key: str, bib: Bib) -> str:
    """The full reference as plain Unicode text: authors (year). title. journal volume(number):pages. links."""
    cached = _cached(key, bib, 1)
    return cached if cached is not None else _formatted(key, bib).render(TextBackend())


def full_reference_html(key: str, bib: Bib) -> str:
    """The full reference as an HTML fragment: text escaped, DOI, PubMed and URL as links."""
    cached = _cached(key, bib, 2)
    return cached if cached is not None else _formatted(key, bib).render(SafeHtmlBackend())


def reference_notes(bib: Bib) -> list[Problem]:
    """What the formatted references cannot show as written: ``references.bib:LINE: KEY: field ...: what is lost``.

    A LaTeX command pybtex does not decode (``\\emph``) would appear as a bare
    command; a name with too many commas is shown whole, as one name.
    Only fields that could be lost (a backslash, three commas in the authors)
    are parsed, so this stays fast on a large bibliography.
    """
    notes: list[Problem] = []
    for key in sorted(bib.entries):
        fields = bib.entries[key]
        author = fields.get("author", "")
        for name in split_name_list(author) if author.count(",") > 2 else ():  # pybtex refuses only names with 3+ commas
            try:
                Person(name)
            except InvalidNameString as exc:
                notes.append(Problem(bib.where, bib.field_line(key, "author"), key, f"field author: name {quote_value(name)} cannot be parsed ({exc}); it is shown as written, as one name"))
        for field_name in SHOWN_TEXT:
            value = fields.get(field_name, "")
            if _COMMAND.search(value):
                shown = _latex(_as_latex_text(value))
                lost = _COMMAND.search(shown)
                if lost:
                    notes.append(Problem(bib.where, bib.field_line(key, field_name), key, f"field {field_name}: LaTeX command {lost.group(0)} cannot be shown; the reference reads {quote_value(shown)}"))
    return notes


#: the study is one column, its key, which the report shows as the linked author-year citation (a citation
#: column beside it read "Majid 2009" twice); :func:`short_citation` gives it where text needs it
REFERENCE_COLUMNS = ["key", "reference", "doi", "pmid", "url"]


def reference_list(keys: list[str] | pd.Series, bib: Bib) -> pd.DataFrame:
    """One row per distinct key, sorted by key: the full text reference and identifiers."""
    rows = [
        {
            "key": k,
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
