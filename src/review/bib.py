"""Read ``references.bib`` with bibtexparser v2 and check every entry.

Entries are kept with their raw field strings (LaTeX and all): decoding is
left to the citation formatter, which only decodes what it displays.
bibtexparser collects the blocks it cannot parse; each one is reported with
its line number, never dropped.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import bibtexparser
from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

from .cache import cache_dir, sha256_bytes
from .errors import Problem, quote_value
from .schema import BIB_PATH
from .tables import read_text

DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
PMID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
PMCID_RE = re.compile(r"^PMC[0-9]+$")
KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.:\-]*$")
URL_RE = re.compile(r"^https?://\S+$")
IDENTIFIERS = ("doi", "pmid", "url")
#: fields holding people: their protecting braces mark a corporate name, so only the delimiters are removed
PERSON_FIELDS = ("author", "editor")
#: BibTeX's predefined month macros (``month = jan``)
MONTHS = dict(zip("jan feb mar apr may jun jul aug sep oct nov dec".split(), "January February March April May June July August September October November December".split()))
#: BibLaTeX fields and the BibTeX fields they stand for (``date = {2020-05-01}`` gives the year 2020)
BIBLATEX_ALIASES = {"journaltitle": "journal", "date": "year"}
BIBLATEX_DATE_RE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?(/.*)?$")
#: identifier fields are links, not text: LaTeX escapes in them (``10.5555/x\_y``) stand for the bare character
LATEX_ESCAPE_RE = re.compile(r"\\([_%&#$~])")
#: bibliographic fields the reference template does not show: an entry relying on one is reported as rendered incompletely
NOT_SHOWN = ("booktitle", "editor", "publisher", "institution", "school", "edition", "chapter", "series", "eprint")


@dataclass(frozen=True)
class Bib:
    """The parsed bibliography: entry fields by key, and the line each entry starts on (1-based)."""

    entries: dict[str, dict[str, str]]
    types: dict[str, str]
    lines: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    #: what a formatted reference will not show as written (an undefined macro, a field the template leaves out)
    notes: list[Problem] = field(default_factory=list)
    #: keys of entries that could not be parsed (each reported once, as a problem)
    failed: tuple[str, ...] = ()
    #: False when the file itself could not be read: then nothing can be checked against it
    readable: bool = True
    #: SHA-256 of the file's text, and the folder where formatted references may be cached
    digest: str = ""
    cache: Path | None = None
    #: the line each field of each entry starts on, and the file's path in messages
    field_lines: dict[str, dict[str, int]] = field(default_factory=dict)
    where: str = BIB_PATH

    def field_line(self, key: str, name: str) -> int:
        """The line field ``name`` of entry ``key`` starts on (the entry's line when unknown)."""
        return self.field_lines.get(key, {}).get(name, self.lines.get(key, 0))

    @property
    def untitled(self) -> list[str]:
        """Keys of entries whose title was not read on any page (allowed, but shown as such)."""
        return sorted(k for k, f in self.entries.items() if not f.get("title"))

    @property
    def keys(self) -> list[str]:
        return sorted(self.entries)


def _matching_close(text: str) -> int:
    """Index of the brace that closes the one at position 0, or -1."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and (i == 0 or text[i - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return i
    return -1


def _strip_braces(value: str) -> str:
    """Remove the field's delimiting braces (and a second protecting pair), never braces inside the value.

    ``{{US Food and Drug Administration}}`` -> ``US Food and Drug Administration``;
    ``{\\"U}ber {RCT}`` is left as it is: its first brace closes before the end.
    """
    v = value.strip()
    while len(v) >= 2 and v[0] == "{" and _matching_close(v) == len(v) - 1:
        v = v[1:-1].strip()
    return v


def _split_concatenation(value: str) -> list[str] | None:
    """The parts of a ``#``-joined BibTeX value (``"Part one: " # macro``), or None if it is a single part."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{" and (i == 0 or value[i - 1] != "\\"):
            depth += 1
        elif ch == "}" and (i == 0 or value[i - 1] != "\\"):
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(value[start:i].strip())
            start = i + 1
    return parts + [value[start:].strip()] if parts else None


def _part(part: str, macros: dict[str, str], missing: list[str]) -> str:
    """One part of a BibTeX value: ``{text}``, ``"text"``, a number, or a macro name (``@string`` or a month)."""
    if part.startswith("{") and _matching_close(part) == len(part) - 1:
        return part[1:-1]
    if len(part) >= 2 and part[0] == part[-1] == '"':
        return part[1:-1]
    if part.isdigit():
        return part
    name = part.lower()
    if name in macros:
        return macros[name]
    if name in MONTHS:
        return MONTHS[name]
    missing.append(part)
    return part


def field_value(raw: str, macros: dict[str, str], missing: list[str], person: bool = False) -> str:
    """A field's text as BibTeX would read it: delimiters removed, ``#`` parts joined, macros replaced.

    Names of undefined macros are appended to ``missing`` (and kept as written).
    A person field keeps the braces that protect a corporate name
    (``{{US Food and Drug Administration}}`` -> ``{US Food and Drug Administration}``);
    other fields lose a protecting pair too (``{{Title}}`` -> ``Title``).
    """
    raw = raw.strip()
    parts = _split_concatenation(raw)
    value = "".join(_part(p, macros, missing) for p in parts) if parts else _part(raw, macros, missing)
    return value.strip() if person else _strip_braces(value)


def _biblatex(fields: dict[str, str], key: str, line: int, where: str) -> list[Problem]:
    """Give BibLaTeX's ``journaltitle`` and ``date`` their BibTeX meaning; note what cannot be."""
    notes: list[Problem] = []
    journal = fields.get("journaltitle")
    if journal and not fields.get("journal"):
        fields["journal"] = journal
    date = fields.get("date", "")
    if date:
        m = BIBLATEX_DATE_RE.match(date)
        if not m:
            notes.append(Problem(where, line, key, f"field date {quote_value(date)} is not a BibLaTeX date (YYYY, YYYY-MM or YYYY-MM-DD); the reference shows no year"))
        elif not fields.get("year"):
            fields["year"] = m.group(1)
        elif fields["year"] != m.group(1):
            notes.append(Problem(where, line, key, f"fields year ({fields['year']}) and date ({date}) disagree; the reference shows the year"))
    return notes


def _check_entry(key: str, fields: dict[str, str], line: int, where: str) -> list[Problem]:
    out: list[Problem] = []
    if not KEY_RE.match(key):
        out.append(Problem(where, line, key, "key is not of the form FirstAuthorYear (letters, digits, _ . : -, starting with a letter)"))
    if not any(fields.get(f) for f in IDENTIFIERS):
        out.append(Problem(where, line, key, "entry has no identifier; add a doi, a pmid, or a url (for documents with neither)"))
    doi = fields.get("doi", "")
    if doi and not DOI_RE.match(doi):
        out.append(Problem(where, line, key, f"doi {quote_value(doi)} is malformed; write the bare DOI, e.g. 10.4103/0974-2077.53096"))
    pmid = fields.get("pmid", "")
    if pmid and not PMID_RE.match(pmid):
        out.append(Problem(where, line, key, f"pmid {quote_value(pmid)} is malformed; a PMID is 1-9 digits"))
    pmcid = fields.get("pmcid", "")
    if pmcid and not PMCID_RE.match(pmcid):
        out.append(Problem(where, line, key, f"pmcid {quote_value(pmcid)} is malformed; write it as PMC followed by digits"))
    for name in ("url", "canonical_url"):
        url = fields.get(name, "")
        if url and not URL_RE.match(url):
            out.append(Problem(where, line, key, f"{name} {quote_value(url)} is not an http(s) address"))
    src = fields.get("source_url", "")
    if not src:
        out.append(Problem(where, line, key, "entry has no source_url; record the page(s) its fields were read from"))
    elif any(not URL_RE.match(u.strip()) for u in src.split(" | ")):
        out.append(Problem(where, line, key, "source_url must be http(s) addresses separated by ' | '"))
    return out


def parse_bib(text: str, where: str = BIB_PATH) -> Bib:
    """Parse BibTeX ``text``; every failed block, duplicate key and missing identifier is a problem."""
    logger = logging.getLogger("bibtexparser")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)  # we report failed blocks ourselves, with their lines
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])  # values as written: macros and braces are ours to resolve
    finally:
        logger.setLevel(previous)
    entries: dict[str, dict[str, str]] = {}
    types: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    notes: list[Problem] = []
    failed: list[str] = []
    field_lines: dict[str, dict[str, int]] = {}
    macros: dict[str, str] = {}
    for string in library.strings:  # in file order: a macro may use those defined before it
        macros[string.key.lower()] = field_value(string.value, macros, [])
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            key = entry.key if entry is not None else "(unknown key)"
            dupes = ", ".join(sorted(block.duplicate_keys))
            problems.append(Problem(where, line, key, f"field {dupes} is given more than once; keep one (BibTeX would silently use one of them)"))
            failed.append(key)
        elif isinstance(block, DuplicateBlockKeyBlock):
            problems.append(
                Problem(where, line, block.key, f"duplicate key; first defined on line {lines.get(block.key, '?')}; give each entry its own key (add a/b)")
            )
        elif isinstance(block, ParsingFailedBlock):
            head = block.raw.strip().splitlines()[0] if block.raw.strip() else ""
            m = re.match(r"@\w+\s*\{\s*([^,\s]+)", head)
            key = m.group(1) if m else "(unknown key)"
            problems.append(
                Problem(where, line, key, f"entry cannot be parsed (check for unbalanced braces, a missing comma or '='): {quote_value(head)}")
            )
            failed.append(key)
        elif isinstance(block, Entry):
            fields: dict[str, str] = {}
            for f in block.fields:
                name, missing = f.key.lower(), []
                field_lines.setdefault(block.key, {})[name] = (f.start_line or 0) + 1
                fields[name] = field_value(str(f.value), macros, missing, person=name in PERSON_FIELDS)
                if name in IDENTIFIERS + ("pmcid", "canonical_url"):
                    fields[name] = LATEX_ESCAPE_RE.sub(r"\1", fields[name])
                for m in missing:
                    notes.append(Problem(where, (f.start_line or 0) + 1, block.key, f"field {name}: macro {quote_value(m)} is not defined by any @string; it is shown as the bare word"))
            notes.extend(_biblatex(fields, block.key, line, where))
            for name in NOT_SHOWN:
                if fields.get(name):
                    notes.append(Problem(where, line, block.key, f"field {name} is not shown in the formatted reference; put what readers need in title, journal or howpublished"))
            entries[block.key] = fields
            types[block.key] = block.entry_type.lower()
            lines[block.key] = line
            problems.extend(_check_entry(block.key, fields, line, where))
    return Bib(entries, types, lines, problems, notes, tuple(failed), digest=sha256_bytes(text.encode("utf-8")), field_lines=field_lines, where=where)


def read_bib(root: Path) -> Bib:
    """Read and check ``references.bib`` under ``root``; formatted references are cached in ``build/cache``."""
    text, problems = read_text(root / BIB_PATH, BIB_PATH)
    if text is None:
        return Bib({}, {}, {}, problems, readable=False)
    return replace(parse_bib(text), cache=cache_dir(root))
