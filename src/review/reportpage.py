"""What a reviewer's HTML page adds to an exported notebook: links to references, sortable tables.

Post-processing works on the parsed page (BeautifulSoup), never on raw
strings, so text that came from articles stays escaped.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, NavigableString

#: tables with more rows than this get a filter box and sortable columns
LONG_TABLE_ROWS = 12
LINKABLE = ("td", "li", "p")


def key_pattern(keys: list[str]) -> re.Pattern[str]:
    """A regex matching any bib key as a whole token (longest first, so Aust2008a beats Aust2008)."""
    alternatives = "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_.\-])({alternatives})(?![A-Za-z0-9_\-])")


def link_keys(soup: BeautifulSoup, pattern: re.Pattern[str], target: str = "references.html") -> int:
    """Wrap every bib key in table cells, list items and paragraphs in a link to its reference; return the count."""
    count = 0
    for node in list(soup.find_all(string=pattern)):
        if not isinstance(node, NavigableString) or node.find_parent("a") or not node.find_parent(LINKABLE):
            continue
        text = str(node)
        pieces: list[object] = []
        last = 0
        for m in pattern.finditer(text):
            pieces.append(text[last : m.start()])
            a = soup.new_tag("a", href=f"{target}#{m.group(1)}")
            a["class"] = "ref"
            a.string = m.group(1)
            pieces.append(a)
            last = m.end()
            count += 1
        pieces.append(text[last:])
        for piece in pieces:
            node.insert_before(piece if not isinstance(piece, str) else NavigableString(piece))
        node.extract()
    return count


def mark_long_tables(soup: BeautifulSoup) -> int:
    """Tag long tables so the page script makes them sortable and filterable; return how many."""
    n = 0
    for table in soup.find_all("table"):
        body = table.find("tbody") or table
        if len(body.find_all("tr", recursive=False)) > LONG_TABLE_ROWS:
            table["data-sortable"] = "true"
            n += 1
    return n


def enhance(page: str, keys: list[str], target: str = "references.html") -> str:
    """Link bib keys to the reference list and mark long tables, in an exported page."""
    soup = BeautifulSoup(page, "html.parser")
    if keys:
        link_keys(soup, key_pattern(keys), target)
    mark_long_tables(soup)
    return str(soup)
