"""Every scale the workbook grades on, read once from ``data/frameworks/``.

* ``certainty.csv``: the GRADE certainty levels (high ⊕⊕⊕⊕ ... very low ⊕◯◯◯)
  with their meaning, plus the two states that are not levels (not graded,
  no evidence);
* ``verdicts.csv``: the verdict scale in its one order, best to worst supported,
  untested verdicts last, each with its chart colour;
* ``grade_domains.csv`` and ``grade_steps.csv``: the GRADE domains (down or up)
  and the judgements each may take, with the levels each judgement moves;
* ``grade_thresholds.csv``: the numbers the GRADE rules use.

:class:`Scales` holds them; :func:`scales_from` builds it from a workbook's
frames (``wb.scales``) and :func:`default_scales` from this repository's
workbook, for code called without a workbook. Nothing else in the package
spells out a scale: adding a verdict is one row in ``verdicts.csv``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import schema
from .errors import Problem, WorkbookError, quote_value
from .palette import OKABE_ITO
from .tables import RawTable, read_table, to_frame

NO_EVIDENCE = "no evidence"
NOT_GRADED = "not graded"
#: the thresholds the GRADE rules need, by name in grade_thresholds.csv
THRESHOLD_NAMES = (
    "ois_participants",
    "ois_events",
    "small_body_participants",
    "large_effect_rr",
    "very_large_effect_rr",
    "small_study_participants",
    "consistent_share",
)
SCALE_TABLES = (schema.CERTAINTY_SCALE, schema.VERDICT_SCALE, schema.GRADE_DOMAIN_TABLE, schema.GRADE_STEPS, schema.GRADE_THRESHOLDS)


@dataclass(frozen=True)
class Scales:
    """The certainty scale, the verdict scale, the GRADE domains and steps, and the thresholds."""

    levels: tuple[str, ...]  # certainty levels, lowest first: index + 1 = GRADE level
    symbols: Mapping[str, str]
    meanings: Mapping[str, str]
    implications: Mapping[str, str]
    statements: Mapping[str, str]  # certainty (and state) -> Summary of Findings sentence template
    distance: Mapping[str, int]  # certainty (and state) -> distance from high certainty
    verdicts: tuple[str, ...]  # the one order: best to worst supported, untested last
    tested: frozenset[str]
    verdict_colours: Mapping[str, str]  # verdict -> hex colour
    verdict_meanings: Mapping[str, str]
    domains: tuple[str, ...]
    down_domains: tuple[str, ...]
    up_domains: tuple[str, ...]
    domain_labels: Mapping[str, str]
    steps: Mapping[str, int]  # judgement -> levels moved
    down_judgements: tuple[str, ...]
    up_judgements: tuple[str, ...]
    thresholds: Mapping[str, float]
    #: verdict -> its schema.org ClaimReview ``ratingValue`` (tested verdicts only); 5 best, 1 worst
    verdict_ratings: Mapping[str, int] = field(default_factory=dict)

    def claimreview_rating(self, verdict: str) -> dict[str, object]:
        """A verdict as a schema.org ClaimReview ``reviewRating``: its name, and its number on the scale when it has one.

        >>> default_scales().claimreview_rating("misleading")  # doctest: +SKIP
        {'@type': 'Rating', 'alternateName': 'misleading', 'ratingValue': 2, 'bestRating': 5, 'worstRating': 1}
        """
        rating: dict[str, object] = {"@type": "Rating", "alternateName": verdict}
        if verdict in self.verdict_ratings:
            values = self.verdict_ratings.values()
            rating |= {"ratingValue": self.verdict_ratings[verdict], "bestRating": max(values), "worstRating": min(values)}
        return rating

    def level(self, certainty: str) -> int:
        """GRADE level 1..4 of a certainty, 0 for a state that is not a level (not graded, no evidence)."""
        return self.levels.index(certainty) + 1 if certainty in self.levels else 0

    def certainty_at(self, level: int) -> str:
        """The certainty at GRADE level ``level``, clipped to the scale."""
        return self.levels[min(len(self.levels), max(1, level)) - 1]

    def rated(self, certainty: str) -> str:
        """``⊕⊕◯◯ low``: a certainty with its symbols (a state without symbols as it is)."""
        sym = self.symbols.get(certainty, "")
        return f"{sym} {certainty}" if sym else certainty

    def severity(self, verdict: str) -> int:
        """How bad a verdict is, for "worst verdict": untested 0, then 1, 2, ... along the scale."""
        if verdict not in self.tested:
            return 0
        return [v for v in self.verdicts if v in self.tested].index(verdict) + 1

    def worst(self, verdicts: "pd.Series | list[str]") -> str:
        """The worst of some verdicts, on the one scale order."""
        return max(verdicts, key=self.severity)

    def mark(self, judgement: str) -> str:
        """A judgement as its step: ``−1``, ``+2``; empty for no change."""
        n = self.steps[judgement]
        return "" if n == 0 else f"+{n}" if n > 0 else f"\u2212{-n}"


def scales_from(frames: Mapping[str, pd.DataFrame]) -> Scales:
    """Build :class:`Scales` from checked framework frames (a workbook's ``frames``)."""
    cert = frames["certainty_scale"]
    graded = cert[cert["level"].notna()].sort_values("level", kind="stable")
    verdicts = frames["verdict_scale"]
    domains = frames["grade_domains"]
    steps = frames["grade_steps"]
    thresholds = frames["grade_thresholds"]
    return Scales(
        levels=tuple(graded["certainty"]),
        symbols={c: s for c, s in zip(cert["certainty"], cert["symbols"]) if s},
        meanings=dict(zip(cert["certainty"], cert["meaning"])),
        implications=dict(zip(cert["certainty"], cert["implication"])),
        statements=dict(zip(cert["certainty"], cert["statement"])),
        distance={c: int(d) for c, d in zip(cert["certainty"], cert["distance"])},
        verdicts=tuple(verdicts["verdict"]),
        tested=frozenset(verdicts.loc[verdicts["tested"] == "yes", "verdict"]),
        verdict_colours={v: OKABE_ITO[c] for v, c in zip(verdicts["verdict"], verdicts["colour"])},
        verdict_meanings=dict(zip(verdicts["verdict"], verdicts["meaning"])),
        verdict_ratings={v: int(r) for v, r in zip(verdicts["verdict"], verdicts["claimreview_rating"]) if pd.notna(r)},
        domains=tuple(domains["domain"]),
        down_domains=tuple(domains.loc[domains["direction"] == "down", "domain"]),
        up_domains=tuple(domains.loc[domains["direction"] == "up", "domain"]),
        domain_labels=dict(zip(domains["domain"], domains["label"])),
        steps={j: int(s) for j, s in zip(steps["judgement"], steps["steps"])},
        down_judgements=tuple(steps.loc[steps["direction"] == "down", "judgement"]),
        up_judgements=tuple(steps.loc[steps["direction"] == "up", "judgement"]),
        thresholds={n: float(v) for n, v in zip(thresholds["name"], thresholds["value"])},
    )


def check_scales(tables: Mapping[str, RawTable]) -> list[Problem]:
    """Rules across the scale tables: four certainty levels 1-4 and both states; every threshold the rules need."""
    out: list[Problem] = []
    cert = tables.get("certainty_scale")
    if cert and cert.complete:
        path = cert.spec.path
        levels = sorted(int(r["level"]) for r in cert.rows if r["level"].isdigit())
        if levels != [1, 2, 3, 4]:
            out.append(Problem(path, 0, "level", f"levels are {levels}; GRADE has exactly four, 1 (very low) to 4 (high), one row each"))
        names = {r["certainty"]: r for r in cert.rows}
        for state in (NOT_GRADED, NO_EVIDENCE):
            if state not in names:
                out.append(Problem(path, 0, "certainty", f"the state {quote_value(state)} is missing; add its row with an empty level"))
            elif names[state]["level"]:
                out.append(Problem(path, cert.lines[cert.rows.index(names[state])], "level", f"{quote_value(state)} is not a GRADE level; leave level empty"))
        for row, line in zip(cert.rows, cert.lines):
            if row["level"] and not row["symbols"]:
                out.append(Problem(path, line, "symbols", f"certainty {quote_value(row['certainty'])} has no symbols; give them, e.g. ⊕⊕◯◯"))
    th = tables.get("grade_thresholds")
    if th and th.complete:
        have = set(th.values("name"))
        for name in THRESHOLD_NAMES:
            if name not in have:
                out.append(Problem(th.spec.path, 0, "name", f"threshold {quote_value(name)} is missing; the GRADE rules need: {', '.join(THRESHOLD_NAMES)}"))
    st = tables.get("grade_steps")
    if st and st.complete:
        for row, line in zip(st.rows, st.lines):
            n = float(row["steps"]) if row["steps"] else 0.0
            if n != int(n) or (row["direction"] == "down" and n > 0) or (row["direction"] == "up" and n < 0):
                out.append(Problem(st.spec.path, line, "steps", f"{row['steps']} does not fit direction {row['direction']}; a whole number, <= 0 down, >= 0 up"))
    vs = tables.get("verdict_scale")
    if vs and vs.complete and "yes" not in vs.values("tested"):
        out.append(Problem(vs.spec.path, 0, "tested", "no verdict is on the scale of support; at least one needs tested = yes"))
    if vs and vs.complete:
        last = None
        for row, line in zip(vs.rows, vs.lines):
            rating, name = row.get("claimreview_rating", ""), quote_value(row["verdict"])
            if row["tested"] == "yes" and not rating.isdigit():
                out.append(Problem(vs.spec.path, line, "claimreview_rating", f"verdict {name} is on the scale but has no ClaimReview rating; give a whole number, 5 best to 1 worst"))
            elif row["tested"] == "no" and rating:
                out.append(Problem(vs.spec.path, line, "claimreview_rating", f"verdict {name} is off the scale (tested = no), so it has no ClaimReview rating; leave it empty"))
            elif rating.isdigit():
                if last is not None and int(rating) > last[0]:
                    out.append(Problem(vs.spec.path, line, "claimreview_rating", f"verdict {name} is rated {rating}, above the better verdict {quote_value(last[1])} ({last[0]}); ratings must not rise down the scale"))
                last = (int(rating), row["verdict"])
    return out


def load_scales(root: Path) -> Scales:
    """Read and check only the scale tables of the workbook at ``root``."""
    tables = {spec.name: read_table(root, spec) for spec in SCALE_TABLES}
    problems = [p for t in tables.values() for p in t.problems] + check_scales(tables)
    if problems:
        raise WorkbookError(problems)
    return scales_from({name: to_frame(t) for name, t in tables.items()})


@functools.lru_cache(maxsize=1)
def default_scales() -> Scales:
    """The scales of the workbook found by :func:`review.workbook.find_root` (this repository, or ``$REVIEW_ROOT``).

    For functions called without a workbook's scales; code that has a workbook passes ``wb.scales``.
    """
    from .workbook import find_root

    return load_scales(find_root())


def certainty_table(scales: Scales) -> pd.DataFrame:
    """The certainty levels for a reader, highest first: symbols, what each means, what it implies."""
    rows = [
        {"certainty": c, "symbols": scales.symbols.get(c, ""), "what it means": scales.meanings[c], "what further research would do": scales.implications[c]}
        for c in reversed(scales.levels)
    ]
    return pd.DataFrame(rows)


def verdict_table(scales: Scales) -> pd.DataFrame:
    """The verdict scale for a reader, in its one order, with what each verdict means."""
    return pd.DataFrame(
        {
            "verdict": list(scales.verdicts),
            "what it means": [scales.verdict_meanings[v] for v in scales.verdicts],
            "ClaimReview rating": [str(scales.verdict_ratings.get(v, "")) for v in scales.verdicts],
        }
    )
