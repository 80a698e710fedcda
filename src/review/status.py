"""What a workbook holds so far, in sentences for the notebooks: names and counts come from the data.

A notebook never hard-codes the treatment or how many articles there are: it
shows :func:`introduction` (the review's title, its treatment and counts,
from ``workbook.toml`` and the tables) and :func:`notice` (what is still
missing, and the command that adds it), so the same notebooks serve any
review, a new and empty one included.
"""

from __future__ import annotations

from IPython.display import Markdown

from .workbook import Workbook

#: what each page says when a table it needs has no rows yet, and how to fill it (one home for these sentences).
#: Only a new review's pages show them; the files and commands they name are marked as the researchers' part.
MISSING: dict[str, str] = {
    "outcomes": "**No outcomes yet:** the review has not listed what the claims are about. *For researchers:* list the "
    "outcomes in `data/outcomes.csv`, and the words that name each outcome in `data/outcome_terms.csv` "
    "(`review intake` suggests outcomes from them).",
    "claims": "**No claims yet:** no article has been added to the review. *For researchers:* add an article with "
    "`review intake ARTICLE --source-id S0`, check the candidate claims it proposes, then "
    "`review intake --accept build/intake/S0.csv`.",
    "studies": "**No studies yet:** no study has been recorded for the claimed outcomes. *For researchers:* add the "
    "studies found, with their findings and risk-of-bias calls (README.md: How to add a study), and log every "
    "search in `data/searches.csv`.",
}


def _plural(n: int, word: str, words: str = "") -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def missing(wb: Workbook, *tables: str) -> list[str]:
    """The messages of :data:`MISSING` for those of ``tables`` that have no rows, in the order given."""
    return [MISSING[t] for t in tables if len(wb.frames[t]) == 0]


def notice(wb: Workbook, *tables: str) -> Markdown | None:
    """What this page cannot show yet and how to add it; None (no output) when every table has rows."""
    lines = missing(wb, *tables)
    return Markdown("\n\n".join(lines)) if lines else None


def introduction(wb: Workbook) -> Markdown:
    """The review in two sentences: its title and treatment, and how many articles, claims and studies it holds."""
    s = wb.settings
    articles, claims, studies = len(wb.sources), len(wb.claims), len(wb.studies)
    outcomes = wb.claims["outcome_id"].nunique()
    text = (
        f"## {s.review_title}\n\n"
        f"This review takes every health claim that {_plural(articles, 'marketing article')} "
        f"{'makes' if articles == 1 else 'make'} for **{s.treatment_name}** "
        f"({_plural(claims, 'claim')} about {_plural(outcomes, 'outcome')}) and sets each against "
        f"{_plural(studies, 'study', 'studies')} from the published literature."
    )
    if s.organisation:
        text += f" Published by {s.organisation}."
    rest = missing(wb, "outcomes", "claims", "studies")
    return Markdown("\n\n".join([text, *rest]))
