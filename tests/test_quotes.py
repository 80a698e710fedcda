"""Verbatim quotes: differences nobody can see are forgiven on both sides; a real difference is pointed at."""

from __future__ import annotations

import unicodedata

import pytest

from review.quotes import find_quote, mismatch, normalise_quote

ARTICLE = "The clinic\u2019s \u201cresults\u201d are caf\u00e9-grade:\nscars fell by \u22121.5 points after three sessions."


@pytest.mark.parametrize(
    "quote",
    [
        "The clinic's \"results\" are",  # straight quotes against typographic ones
        unicodedata.normalize("NFD", "are caf\u00e9-grade: scars"),  # decomposed accent
        "are caf\u00e9-grade:   scars fell",  # whitespace and a line break
        "scars fell\u200b by -1.5 points",  # zero-width space, ASCII minus for U+2212
        "three\u00a0sessions.",  # no-break space
        "three ses\u00adsions.",  # soft hyphen left by a PDF export
    ],
)
def test_find_quote_accepts_invisible_differences(quote: str):
    assert find_quote(quote, normalise_quote(ARTICLE))


@pytest.mark.parametrize("quote", ["scars fell by 2 points", "The clinics results", "cafe-grade"])
def test_find_quote_refuses_visible_differences(quote: str):
    assert not find_quote(quote, normalise_quote(ARTICLE))


def test_mismatch_shows_the_matching_prefix_and_the_first_different_character():
    text = normalise_quote(ARTICLE)
    assert mismatch("scars fell by \u22121.7 points", text) == (
        "the first 17 characters match the article ('scars fell by -1.'), "
        "then the quote has '7' (U+0037 DIGIT SEVEN) where the article has '5' (U+0035 DIGIT FIVE)"
    )


def test_mismatch_names_an_invisible_character_the_article_lacks():
    text = normalise_quote("microneedling in 12 weeks")
    assert mismatch("microneedling in 1\u20092 weeks", text) == (
        "the first 18 characters match the article ('microneedling in 1'), "
        "then the quote has ' ' (U+0020 SPACE) where the article has '2' (U+0032 DIGIT TWO)"
    )


def test_mismatch_when_even_the_first_character_is_absent():
    assert mismatch("\u00dfx", normalise_quote("abc")) == "not even its first character, '\u00df' (U+00DF LATIN SMALL LETTER SHARP S), occurs in the article"


def test_mismatch_shortens_a_long_prefix_to_its_end():
    text = normalise_quote("a" * 100 + "b")
    shown = "..." + "a" * 37  # the last 40 characters of the match, where the difference is
    assert mismatch("a" * 100 + "c", text).startswith(f"the first 100 characters match the article ('{shown}'), then the quote has 'c'")
