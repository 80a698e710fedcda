"""Risk-of-bias tables and robvis-style plots, for any tool defined as data.

A tool (RoB 2, ROBINS-I V2, the JBI case-series checklist) is its rows in
``data/frameworks/rob_domains.csv`` (domains and their order) and
``rob_judgements.csv`` (judgements, from least to most serious, each with a
colour role from :data:`review.theme.ROB_COLOURS`). :func:`rob_tool` reads
those rows into one :class:`RobTool`; one traffic-light function and one
summary function draw any tool from it, so a new tool is new rows, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .errors import Problem, WorkbookError, quote_value
from .theme import ROB_COLOURS, apply_theme, figure_title

DOMAINS_CSV = "data/frameworks/rob_domains.csv"
JUDGEMENTS_CSV = "data/frameworks/rob_judgements.csv"
ROB_CSV = "data/risk_of_bias.csv"


@dataclass(frozen=True)
class RobTool:
    """One risk-of-bias tool: its domains in order, its judgements in order, and how each judgement is drawn."""

    name: str
    domains: tuple[str, ...]
    labels: dict[str, str]
    judgements: tuple[str, ...]
    colours: dict[str, str]
    symbols: dict[str, str]


def judgement_symbol(judgement: str) -> str:
    """The letter(s) drawn in a judgement's circle: ``low`` -> ``L``, ``some concerns`` -> ``SC``."""
    words = judgement.split()
    return words[0][:1].upper() if len(words) == 1 else "".join(w[:1].upper() for w in words)


def _line(frame: pd.DataFrame, index: object) -> int:
    """Line in the CSV file of a frame row read in file order (header is line 1)."""
    return int(frame.index.get_loc(index)) + 2


def check_tool(tool: str, domains: pd.DataFrame, judgements: pd.DataFrame) -> None:
    """Raise :class:`WorkbookError` unless ``tool`` has domains and judgements, naming the tools that do."""
    known = sorted(set(domains["tool"]) & set(judgements["tool"]))
    if tool not in known:
        message = f"unknown risk-of-bias tool {quote_value(tool)}; allowed: {', '.join(known)} (add its rows to {DOMAINS_CSV} and {JUDGEMENTS_CSV})"
        raise WorkbookError([Problem(DOMAINS_CSV, 0, "tool", message)])


def _colours(judgements: pd.DataFrame) -> dict[str, str]:
    problems = [
        Problem(JUDGEMENTS_CSV, _line(judgements, i), "colour_role", f"unknown colour role {quote_value(role)} for {quote_value(j)}; allowed: {', '.join(ROB_COLOURS)}")
        for i, j, role in zip(judgements.index, judgements["judgement"], judgements["colour_role"])
        if role not in ROB_COLOURS
    ]
    if problems:
        raise WorkbookError(problems)
    return {j: ROB_COLOURS[role] for j, role in zip(judgements["judgement"], judgements["colour_role"])}


def rob_tool(domains: pd.DataFrame, judgements: pd.DataFrame, tool: str) -> RobTool:
    """Read one tool's domains (by ``order``) and judgements (in file order) from the framework tables."""
    check_tool(tool, domains, judgements)
    d = domains[domains["tool"] == tool].sort_values("order", kind="stable")
    j = judgements[judgements["tool"] == tool]
    return RobTool(
        name=tool,
        domains=tuple(d["domain"]),
        labels=dict(zip(d["domain"], d["label"])),
        judgements=tuple(j["judgement"]),
        colours=_colours(j),
        symbols={x: judgement_symbol(x) for x in j["judgement"]},
    )


def check_calls(rob: pd.DataFrame, spec: RobTool) -> None:
    """Raise :class:`WorkbookError` for any call of ``spec``'s tool with a domain or judgement the tool lacks."""
    rows = rob[rob["tool"] == spec.name]
    problems = [
        Problem(ROB_CSV, _line(rob, i), "domain", f"{quote_value(d)} is not a {spec.name} domain; allowed: {', '.join(spec.domains)}")
        for i, d in zip(rows.index, rows["domain"])
        if d not in spec.domains
    ] + [
        Problem(ROB_CSV, _line(rob, i), "judgement", f"{quote_value(j)} is not a {spec.name} judgement; allowed: {', '.join(spec.judgements)}")
        for i, j in zip(rows.index, rows["judgement"])
        if j not in spec.judgements
    ]
    if problems:
        raise WorkbookError(problems)


def rob_table(rob: pd.DataFrame, tool: str, domains: pd.DataFrame | None = None) -> pd.DataFrame:
    """Judgements of one tool, one row per study (sorted) and one column per domain.

    Columns follow the tool's ``order`` when ``domains`` is given, else the
    order domains first appear in ``rob``. A domain not assessed is empty.
    """
    rows = rob[rob["tool"] == tool]
    if domains is not None:
        order = domains[domains["tool"] == tool].sort_values("order", kind="stable")["domain"].tolist()
    else:
        order = list(dict.fromkeys(rows["domain"]))
    table = rows.pivot(index="study_id", columns="domain", values="judgement")
    table = table.reindex(index=sorted(table.index), columns=order).fillna("")
    table.columns.name = "domain"
    return table


def rob_summary(rob: pd.DataFrame, domains: pd.DataFrame, judgements: pd.DataFrame, tool: str) -> pd.DataFrame:
    """Percentage of assessed studies per judgement (columns, tool order) in each domain (rows, tool order)."""
    spec = rob_tool(domains, judgements, tool)
    check_calls(rob, spec)
    rows = rob[rob["tool"] == tool]
    counts = pd.crosstab(rows["domain"], rows["judgement"]).reindex(index=list(spec.domains), columns=list(spec.judgements), fill_value=0)
    totals = counts.sum(axis=1)
    share = 100 * counts.div(totals.where(totals > 0), axis=0)
    share = share.fillna(0.0)
    share.index.name, share.columns.name = "domain", "judgement"
    return share


def _text_colour(fill: str) -> str:
    """Black on light fills, white on dark ones (relative luminance)."""
    r, g, b = to_rgb(fill)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else "black"


def _legend_handles(spec: RobTool) -> list[Line2D]:
    return [
        Line2D([], [], linestyle="none", marker="o", markersize=10, markerfacecolor=spec.colours[j], markeredgecolor="#555555", label=f"{spec.symbols[j]}  {j}")
        for j in spec.judgements
    ]


def _domain_key(spec: RobTool) -> str:
    return "\n".join(f"{d}: {spec.labels[d]}" for d in spec.domains)


def traffic_light(rob: pd.DataFrame, domains: pd.DataFrame, judgements: pd.DataFrame, tool: str) -> Figure:
    """robvis-style traffic light: a coloured, lettered circle per study (row) and domain (column)."""
    spec = rob_tool(domains, judgements, tool)
    check_calls(rob, spec)
    from .display import study_label
    from .figures import first_rows

    table, note = first_rows(rob_table(rob, tool, domains), "studies; the summary below covers all")
    apply_theme()
    n_rows, n_cols = table.shape
    fig = Figure(figsize=(3.4 + 0.65 * n_cols, 1.6 + 0.3 * n_rows + 0.2 * n_cols), layout="constrained")
    ax = fig.subplots()
    if not n_rows:
        from .figures import nothing_yet

        nothing_yet(ax, f"studies assessed with {tool}")
        return fig
    cells = [(x, y, j) for y, row in enumerate(table.itertuples(index=False)) for x, j in enumerate(row) if j]
    for j in spec.judgements:  # one collection per judgement: hundreds of single-point scatters draw slowly
        xy = [(x, y) for x, y, jj in cells if jj == j]
        if xy:
            ax.scatter(*zip(*xy), s=300, color=spec.colours[j], edgecolors="#555555", linewidths=0.5, zorder=2)
    for x, y, j in cells:
        label = ax.text(x, y, spec.symbols[j], ha="center", va="center", fontsize=7, fontweight="bold", color=_text_colour(spec.colours[j]), zorder=3)
        label.set_in_layout(False)  # inside the axes: the layout need not measure each letter
    ax.set_xlim(-0.6, n_cols - 0.4)
    ax.set_ylim(n_rows - 0.5, -0.5)
    ax.set_xticks(range(n_cols), list(table.columns))
    ax.set_yticks(range(n_rows), [study_label(k) for k in table.index])
    ax.xaxis.tick_top()
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    ax.tick_params(length=0)
    ax.set_xlabel(_domain_key(spec), loc="left", fontsize=9)
    figure_title(fig, f"{tool}: risk of bias by study and domain{note}")
    ax.legend(handles=_legend_handles(spec), title="judgement", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def summary_plot(rob: pd.DataFrame, domains: pd.DataFrame, judgements: pd.DataFrame, tool: str) -> Figure:
    """robvis-style summary: per domain, a 100% bar split by the share of studies given each judgement."""
    spec = rob_tool(domains, judgements, tool)
    share = rob_summary(rob, domains, judgements, tool)
    n_studies = rob.loc[rob["tool"] == tool, "study_id"].nunique()
    apply_theme()
    fig = Figure(figsize=(9.0, 1.8 + 0.42 * len(share)), layout="constrained")
    ax = fig.subplots()
    labels = [f"{d}  {spec.labels[d]}" for d in share.index]
    left = pd.Series(0.0, index=share.index)
    for j in spec.judgements:
        ax.barh(labels, share[j], left=left, color=spec.colours[j], edgecolor="white", linewidth=0.5, height=0.7, label=j)
        left = left + share[j]
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of the {n_studies} studies assessed with {tool}")
    ax.grid(False, axis="y")
    figure_title(fig, f"{tool}: judgements per domain")
    ax.legend(title="judgement", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig
