"""How reviewers read an article's name: its title, shortened where space is short, never its source id.

``source_id`` (``S0``, ``S1``...) keys an article in the data and in claim ids
(``S2-13``); a reviewer knows the article by its title. Tables show the title
as it is; charts and dense tables show :func:`article_names`, the title
without a trailing remark in brackets and cut at a word to
:data:`SHORT_NAME_CHARS` characters. Names never collide: two articles whose
short names would read alike keep their id in brackets after the name.

All functions are pure: the sources table in, names out.
"""

from __future__ import annotations

import re
import textwrap

import pandas as pd

#: an article's name in a chart or a dense table is at most this long
SHORT_NAME_CHARS = 45
#: a trailing remark in brackets, e.g. "(untitled post dated 15 Apr)": the curator's note, not the title
_REMARK = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


def short_title(title: str, limit: int = SHORT_NAME_CHARS) -> str:
    """The title without a trailing bracketed remark, cut at a word to at most ``limit`` characters (``…`` marks a cut).

    >>> short_title("Five excellent benefits of micro-needling (untitled post dated 15 Apr)")
    'Five excellent benefits of micro-needling'
    """
    text = " ".join(str(title or "").split())
    text = _REMARK.sub("", text) or text
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def article_names(sources: pd.DataFrame, limit: int = SHORT_NAME_CHARS) -> dict[str, str]:
    """Each article's short name by source_id, in source_id order; names that would collide keep their id: ``Microneedling (S3)``.

    An article without a title is named by its id (``article S3``).
    """
    given = sources["title"] if "title" in sources else pd.Series("", index=sources.index)
    titles = {str(sid): str(t) if pd.notna(t) else "" for sid, t in zip(sources["source_id"], given)}
    names = {sid: short_title(titles[sid], limit) or f"article {sid}" for sid in sorted(titles)}
    seen: dict[str, int] = {}
    for name in names.values():
        seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    return {sid: f"{name} ({sid})" if seen[name.casefold()] > 1 else name for sid, name in names.items()}


def name_articles(frame: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``source_id`` column replaced, in place, by an ``article`` column of short names."""
    if "source_id" not in frame:
        return frame
    names = article_names(sources)
    out = frame.copy()
    out.insert(list(out.columns).index("source_id"), "article", out["source_id"].map(lambda s: names.get(str(s), str(s))))
    return out.drop(columns="source_id")


def wrap_name(name: str, width: int, max_lines: int = 3) -> str:
    """``name`` on at most ``max_lines`` lines of about ``width`` characters (words kept whole; ``…`` if cut)."""
    return "\n".join(textwrap.wrap(name, width=max(width, 1), max_lines=max_lines, placeholder=" …", break_long_words=False)) or name
