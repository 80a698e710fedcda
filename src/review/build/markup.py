"""What a reviewer's HTML page adds to an exported notebook: author-year links to references, sortable tables.

The page is processed in one pass over its tags and text, not re-parsed into
a tree (BeautifulSoup took seconds on a 5 MB page): script, style and comment
blocks are copied untouched, tags are copied (a few gain an attribute), and
text is copied as it is, still escaped, with each bib key replaced by a link
reading its author-year citation (``Majid2009`` -> ``Majid 2009``). Keys
are made of letters, digits and ``_ . : -`` only, so no text from an article
is ever unescaped or re-emitted differently.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

#: tables with more rows than this get a filter box, sortable columns and pages
LONG_TABLE_ROWS = 12
LINKABLE = ("td", "li", "p")
NO_ALT = "Chart without a description"  # only for images that reach the page without alt text
FOCUSABLE = ("jp-Cell-inputWrapper", "jp-OutputArea-output")  # keyboard focus, as nbconvert sets it

RAW = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->)", re.S | re.I)
TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
TABLE = re.compile(r"(<table\b)((?:[^>\"']|\"[^\"]*\"|'[^']*')*>)(.*?</table\s*>)", re.S | re.I)
#: a word that could be a bib key: letters, digits, ``_ . : -``, not inside a longer word
TOKEN = re.compile(r"(?<![A-Za-z0-9_.\-])[A-Za-z][A-Za-z0-9_.:\-]*")


def sentence(text: object) -> str:
    """``text`` as a sentence: capital first letter, one full stop (none added after ``.``, ``!`` or ``?``)."""
    text = str(text or "").strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def find_keys(text: str, keys: frozenset[str]) -> list[tuple[int, int, str]]:
    """Where bib keys occur in ``text`` as whole words: (start, end, key).

    Each word is looked up in the set of keys (trailing ``.``/``:``/``-`` of a
    sentence dropped), so the cost does not grow with the number of keys.
    """
    found = []
    for m in TOKEN.finditer(text):
        word = m.group(0)
        while word and word not in keys and word[-1] in ".:-":
            word = word[:-1]
        if word in keys:
            found.append((m.start(), m.start() + len(word), word))
    return found


def _linked(text: str, labels: Mapping[str, str], keys: frozenset[str], target: str) -> tuple[str, int]:
    spans = find_keys(text, keys)
    if not spans:
        return text, 0
    out, last = [], 0
    for start, end, key in spans:
        out += [text[last:start], f'<a href="{target}#{key}" class="ref">{html.escape(labels[key])}</a>']
        last = end
    out.append(text[last:])
    return "".join(out), len(spans)


def mark_long_tables(page: str) -> tuple[str, int]:
    """Tag tables with more than LONG_TABLE_ROWS body rows so the page script makes them sortable, filterable and paged."""
    count = 0

    def mark(m: re.Match[str]) -> str:
        nonlocal count
        body = m.group(3)
        start = body.lower().find("<tbody")
        rows = len(re.findall(r"<tr\b", body[start:] if start >= 0 else body, re.I))
        if rows <= LONG_TABLE_ROWS or "data-sortable" in m.group(2):
            return m.group(0)
        count += 1
        return f'{m.group(1)} data-sortable="true"{m.group(2)}{body}'

    return TABLE.sub(mark, page), count


def _tag(m: re.Match[str]) -> str:
    """A tag, with alt text added to images that lack it and keyboard focus to input and output areas."""
    closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
    if closing:
        return m.group(0)
    if name == "img" and not re.search(r"\balt\s*=", attrs, re.I):
        return f'<img alt="{NO_ALT}"{attrs}>'
    if name == "div" and any(c in attrs for c in FOCUSABLE) and "tabindex" not in attrs:
        cls = re.search(r"""class\s*=\s*["']([^"']*)["']""", attrs)
        if cls and set(cls.group(1).split()) & set(FOCUSABLE):
            return f'<div tabindex="0"{attrs}>'
    return m.group(0)


def enhance(page: str, labels: Mapping[str, str], target: str = "references.html") -> str:
    """Replace bib keys by linked author-year citations (``labels``: key -> citation) and mark long tables.

    Keys are replaced in table cells, list items and paragraphs, never inside links.
    """
    page, _ = mark_long_tables(page)
    keyset = frozenset(labels)
    depth = {"a": 0, "linkable": 0}
    out: list[str] = []
    for i, part in enumerate(RAW.split(page)):
        if i % 2:  # a script, style or comment block
            out.append(part)
            continue
        pos = 0
        for m in TAG.finditer(part):
            text = part[pos : m.start()]
            out.append(_linked(text, labels, keyset, target)[0] if keyset and depth["linkable"] and not depth["a"] else text)
            name = m.group(2).lower()
            slot = "a" if name == "a" else "linkable" if name in LINKABLE else None
            if slot and not m.group(3).rstrip().endswith("/"):
                depth[slot] = max(0, depth[slot] + (-1 if m.group(1) else 1))
            out.append(_tag(m))
            pos = m.end()
        tail = part[pos:]
        out.append(_linked(tail, labels, keyset, target)[0] if keyset and depth["linkable"] and not depth["a"] else tail)
    return "".join(out)
