"""The evidence behind the claims: who was studied, with which designs, for which outcomes.

Pure functions over the workbook's frames (``wb.studies``, ``wb.findings``,
``wb.outcomes``, ``wb.designs``, ``wb.claims``) and the bibliography, with rows
in a fixed order. Only outcomes that some article claims are mapped: the
question is what stands behind each claim. A study counts once per outcome,
however many findings it reports for it.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from .figures import count_heatmap, top_counts
from .schema import INTERVENTION_CLASSES
from .theme import apply_theme, figure_title

#: the study is named once, by its key: the report shows each key as its linked author-year citation (``Majid 2009``)
CHARACTERISTICS = [
    "study_id",
    "design",
    "intervention_class",
    "n_enrolled",
    "n_analysed",
    "population",
    "fitzpatrick",
    "intervention",
    "comparator",
    "sessions",
    "follow_up",
]
ALONE, COMBINED = "microneedling alone", "microneedling combined"


def design_order(designs: pd.DataFrame) -> list[str]:
    """Designs in the order of ``data/frameworks/designs.csv``: strongest evidence first."""
    return designs["design"].tolist()


def trial_designs(designs: pd.DataFrame) -> list[str]:
    """Randomised designs (RCT, split-body RCT), as ``designs.csv`` marks them."""
    return designs.loc[designs["randomised"] == "yes", "design"].tolist()


def systematic_review_designs(designs: pd.DataFrame) -> list[str]:
    """Reviews at CEBM level 1 (systematic reviews, with or without meta-analysis); narrative reviews are not."""
    is_review = (designs["randomised"] == "review") & (designs["cebm_level"] == 1)
    return designs.loc[is_review.fillna(False).astype(bool), "design"].tolist()


def study_characteristics(studies: pd.DataFrame, designs: pd.DataFrame) -> pd.DataFrame:
    """One row per study, ordered by design (as in designs.csv), then study_id.

    The study is one column, its bib key, which the report turns into the
    linked author-year citation; a second citation column would show it twice.
    """
    out = studies
    rank = pd.Categorical(out["design"], categories=design_order(designs), ordered=True)
    out = out.assign(_rank=rank).sort_values(["_rank", "study_id"], kind="stable")
    return out[CHARACTERISTICS].reset_index(drop=True)


def claimed_outcomes(outcomes: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Outcomes at least one claim is about, in the order of outcomes.csv."""
    return outcomes[outcomes["outcome_id"].isin(set(claims["outcome_id"]))].reset_index(drop=True)


def outcome_studies(findings: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Distinct (outcome, study) pairs with the study's design and intervention class."""
    pairs = findings[["outcome_id", "study_id"]].drop_duplicates()
    return pairs.merge(studies[["study_id", "design", "intervention_class"]], on="study_id", how="left")


def _by_outcome(pairs: pd.DataFrame, column: str, columns: list[str], rows: pd.DataFrame) -> pd.DataFrame:
    """Distinct studies per claimed outcome (rows, by label) and ``column`` value (columns, in ``columns`` order)."""
    counts = pd.crosstab(pairs["outcome_id"], pairs[column])
    counts = counts.reindex(index=rows["outcome_id"], columns=columns, fill_value=0).astype(int)
    counts.index = pd.Index(rows["label"], name="outcome")
    return counts


def evidence_map(
    findings: pd.DataFrame, studies: pd.DataFrame, outcomes: pd.DataFrame, designs: pd.DataFrame, claims: pd.DataFrame
) -> pd.DataFrame:
    """Number of distinct studies per claimed outcome (rows, outcomes.csv order) and design (columns, designs.csv order).

    Every claimed outcome and every design has a row or column, so an empty
    cell is a gap in the evidence, not a missing row.
    """
    matrix = _by_outcome(outcome_studies(findings, studies), "design", design_order(designs), claimed_outcomes(outcomes, claims))
    matrix.columns.name = "design"
    return matrix


def combination_share(findings: pd.DataFrame, studies: pd.DataFrame, outcomes: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """Distinct studies per claimed outcome by intervention class, with the share testing microneedling alone.

    ``alone %`` is empty for an outcome with no study. A low share means the
    evidence is mostly for microneedling combined with something else (PRP,
    peels, drugs), which says little about microneedling by itself.
    """
    table = _by_outcome(outcome_studies(findings, studies), "intervention_class", list(INTERVENTION_CLASSES), claimed_outcomes(outcomes, claims))
    table.columns.name = "intervention"
    total = table.sum(axis=1)
    share = (100 * table[ALONE] / total.where(total > 0)).round()
    return table.assign(studies=total, **{"alone %": share.astype("Int64")})


def outcome_profile(
    findings: pd.DataFrame, studies: pd.DataFrame, outcomes: pd.DataFrame, designs: pd.DataFrame, claims: pd.DataFrame
) -> pd.DataFrame:
    """Per claimed outcome: claims, studies, randomised trials, systematic reviews, alone vs combined, best design."""
    rows = claimed_outcomes(outcomes, claims)
    pairs = outcome_studies(findings, studies)
    by_design = _by_outcome(pairs, "design", design_order(designs), rows)
    by_class = _by_outcome(pairs, "intervention_class", list(INTERVENTION_CLASSES), rows)
    best = by_design.apply(lambda r: next((d for d, n in r.items() if n > 0), "none"), axis=1)
    out = pd.DataFrame(
        {
            "outcome_id": rows["outcome_id"].tolist(),
            "category": rows["category"].tolist(),
            "claims": claims["outcome_id"].value_counts().reindex(rows["outcome_id"]).tolist(),
            "studies": by_design.sum(axis=1).tolist(),
            "randomised trials": by_design[trial_designs(designs)].sum(axis=1).tolist(),
            "systematic reviews": by_design[systematic_review_designs(designs)].sum(axis=1).tolist(),
            ALONE: by_class[ALONE].tolist(),
            COMBINED: by_class[COMBINED].tolist(),
            "best design": best.tolist(),
        },
        index=by_design.index,
    )
    return out


def thin_outcomes(profile: pd.DataFrame) -> pd.DataFrame:
    """Claimed outcomes with no randomised trial and no systematic review behind them (from :func:`outcome_profile`)."""
    thin = (profile["randomised trials"] == 0) & (profile["systematic reviews"] == 0)
    return profile.loc[thin, ["outcome_id", "category", "claims", "studies", "best design"]]


def combination_only(profile: pd.DataFrame) -> pd.DataFrame:
    """Claimed outcomes studied with microneedling combined with something else, but never with microneedling alone.

    Reviews classed ``mixed`` do not count as evidence for microneedling alone:
    they pool both kinds of study.
    """
    only = (profile[COMBINED] > 0) & (profile[ALONE] == 0)
    return profile.loc[only, ["outcome_id", "studies", COMBINED, "best design"]]


def _names(labels: pd.Index) -> str:
    return "; ".join(labels) if len(labels) else "none"


def evidence_summary(profile: pd.DataFrame) -> str:
    """Plain-language sentences, one per line, on where the evidence for the claims is thin."""
    n = len(profile)
    thin = thin_outcomes(profile)
    empty = profile[profile["studies"] == 0]
    combo = combination_only(profile)
    trials = profile[profile["randomised trials"] > 0]
    return "\n".join(
        [
            f"- {len(trials)} of the {n} claimed outcomes have at least one randomised trial: {_names(trials.index)}.",
            f"- {len(thin)} of the {n} claimed outcomes have no randomised trial and no systematic review behind them: {_names(thin.index)}.",
            f"- {len(empty)} claimed outcome{'s have' if len(empty) != 1 else ' has'} no study at all: {_names(empty.index)}.",
            f"- {len(combo)} claimed outcome{'s were' if len(combo) != 1 else ' was'} studied only in combination with another "
            f"treatment, never alone: {_names(combo.index)}.",
        ]
    )


def evidence_map_heatmap(matrix: pd.DataFrame, title: str = "Which designs stand behind each claimed outcome") -> Figure:
    """Heatmap of distinct studies per claimed outcome (rows) and design (columns); empty cell: no study."""
    matrix = top_counts(matrix, "outcomes", "designs")
    apply_theme()
    fig = Figure(figsize=(9.5, max(3.5, 0.3 * len(matrix) + 3.0)), layout="constrained")
    ax = fig.subplots()
    count_heatmap(ax, matrix, "studies", vmin=0)  # vmin 0: a single study is visibly shaded, not white like an empty cell
    ax.grid(False)  # the theme's grid would show through the empty (masked) cells
    figure_title(fig, title)
    ax.set_xlabel("study design (strongest on the left)")
    ax.set_ylabel("claimed outcome")
    ax.tick_params(axis="x", labelrotation=40)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return fig
