"""Verbatim quotes: is a claim's quote in its article, and if not, where does it stop matching?

A quote copied from a web page or a PDF differs from the archived text in
ways nobody can see: composed or decomposed accents (NFC/NFD), typographic
quotes and apostrophes, a zero-width space, a soft hyphen, a no-break space,
a Unicode minus. Both sides are normalised the same way before comparing, so
those never refuse a quote; any visible difference still does. When a quote
is not found, :func:`mismatch` says how much of it matched and names the first
character that differs, so the reviewer can fix it without diffing by eye.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import describe_char

#: characters that look the same as an ASCII one in running text: compared as that character
LOOKALIKES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2212": "-", "\u2010": "-", "\u2011": "-",
    }
)
#: characters with no width: dropped (zero-width space/joiners, word joiner, byte-order mark, soft hyphen)
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"\s+")
#: how much of a long matching prefix a message shows (its end, where the difference is)
SHOWN = 40


def normalise_quote(text: str) -> str:
    """NFC, look-alike quotes and minus signs as ASCII, invisible characters dropped, whitespace collapsed.

    >>> normalise_quote("the clinic\\u2019s\\u200b  \\u201cresults\\u201d")
    'the clinic\\'s "results"'
    """
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE).translate(LOOKALIKES)
    return _SPACES.sub(" ", text).strip()


def find_quote(quote: str, normalised_text: str) -> bool:
    """Whether ``quote`` occurs in an article text already passed through :func:`normalise_quote`."""
    return normalise_quote(quote) in normalised_text


def mismatch(quote: str, normalised_text: str) -> str:
    """Where a quote stops matching its (normalised) article: the matching prefix and the first differing character.

    The longest prefix of the quote that occurs anywhere in the article is found
    by bisection (a prefix of a matching prefix matches too), so this costs a
    few substring searches, not a diff.
    """
    q = normalise_quote(quote)
    lo, hi = 0, len(q)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if q[:mid] in normalised_text:
            lo = mid
        else:
            hi = mid - 1
    if lo == 0:
        return f"not even its first character, {describe_char(q[0])}, occurs in the article" if q else "the quote is empty"
    if lo == len(q):
        return "the whole quote matches"
    prefix = q[:lo]
    shown = prefix if len(prefix) <= SHOWN else "..." + prefix[-(SHOWN - 3) :]
    at = normalised_text.find(prefix) + lo
    theirs = describe_char(normalised_text[at]) if at < len(normalised_text) else "nothing (the article ends there)"
    return f"the first {lo} characters match the article ({shown!r}), then the quote has {describe_char(q[lo])} where the article has {theirs}"
