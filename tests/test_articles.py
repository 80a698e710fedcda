"""Article names as reviewers read them: short titles, never source ids, never two alike."""

from __future__ import annotations

import pandas as pd
import pytest

from review import articles as ar


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Five excellent benefits of micro-needling (untitled post dated 15 Apr)", "Five excellent benefits of micro-needling"),
        ("Microneedling", "Microneedling"),
        ("  The   Awesome Benefits of Microneedling ", "The Awesome Benefits of Microneedling"),
        ("Why microneedling is the single best thing you can do for your skin this year", "Why microneedling is the single best thing…"),
        ("(only a remark)", "(only a remark)"),
    ],
)
def test_short_title_drops_a_trailing_remark_and_cuts_at_a_word(title: str, expected: str):
    assert ar.short_title(title) == expected
    assert len(ar.short_title(title)) <= ar.SHORT_NAME_CHARS


def test_article_names_are_short_titles_in_source_order():
    sources = pd.DataFrame({"source_id": ["S1", "S0"], "title": ["Second (blog)", "First"]})
    assert ar.article_names(sources) == {"S0": "First", "S1": "Second"}


def test_article_names_never_collide_and_name_an_untitled_article():
    sources = pd.DataFrame({"source_id": ["S0", "S1", "S2", "S3"], "title": ["Microneedling", "microneedling (magazine)", "Other", ""]})
    names = ar.article_names(sources)
    assert names == {"S0": "Microneedling (S0)", "S1": "microneedling (S1)", "S2": "Other", "S3": "article S3"}
    assert len(set(names.values())) == len(names)


def test_name_articles_puts_the_name_where_the_id_was():
    sources = pd.DataFrame({"source_id": ["S0", "S1"], "title": ["First", "Second"]})
    frame = pd.DataFrame({"claim_id": ["S1-01", "S0-01"], "source_id": ["S1", "S0"], "quote": ["q", "r"]})
    out = ar.name_articles(frame, sources)
    assert list(out.columns) == ["claim_id", "article", "quote"]
    assert out["article"].tolist() == ["Second", "First"]
    assert "source_id" in frame  # the input is left as it was


def test_wrap_name_keeps_words_whole_on_at_most_the_lines_given():
    assert ar.wrap_name("The Awesome Benefits of Microneedling", 24, 2) == "The Awesome Benefits of\nMicroneedling"
    wrapped = ar.wrap_name("one two three four five six seven eight", 10, 2)
    assert wrapped.count("\n") == 1 and wrapped.endswith("…")
