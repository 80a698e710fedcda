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
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock

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


@dataclass(frozen=True)
class Bib:
    """The parsed bibliography: entry fields by key, and the line each entry starts on (1-based)."""

    entries: dict[str, dict[str, str]]
    types: dict[str, str]
    lines: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    #: keys of entries that could not be parsed (each reported once, as a problem)
    failed: tuple[str, ...] = ()
    #: False when the file itself could not be read: then nothing can be checked against it
    readable: bool = True
    #: SHA-256 of the file's text, and the folder where formatted references may be cached
    digest: str = ""
    cache: Path | None = None

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
        library = bibtexparser.parse_string(text)
    finally:
        logger.setLevel(previous)
    entries: dict[str, dict[str, str]] = {}
    types: dict[str, str] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    failed: list[str] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
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
            fields = {f.key.lower(): _strip_braces(str(f.value)) for f in block.fields}
            entries[block.key] = fields
            types[block.key] = block.entry_type.lower()
            lines[block.key] = line
            problems.extend(_check_entry(block.key, fields, line, where))
    return Bib(entries, types, lines, problems, tuple(failed), digest=sha256_bytes(text.encode("utf-8")))


def read_bib(root: Path) -> Bib:
    """Read and check ``references.bib`` under ``root``; formatted references are cached in ``build/cache``."""
    text, problems = read_text(root / BIB_PATH, BIB_PATH)
    if text is None:
        return Bib({}, {}, {}, problems, readable=False)
    return replace(parse_bib(text), cache=cache_dir(root))
