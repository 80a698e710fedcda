"""Find a workbook, read every table, check them together, and load them.

``check_workbook`` never raises for bad data: it returns every problem.
``load_workbook`` raises :class:`~review.errors.WorkbookError` listing them,
so a notebook's first cell fails with the same message ``review validate``
prints, instead of drawing a chart from broken data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import schema
from .bib import Bib, read_bib
from .citations import reference_notes
from .errors import Problem, WorkbookError, quote_value
from .facets import check_facets, facet_notes
from .quotes import find_quote, mismatch, normalise_quote
from .rob2 import check_overall
from .scales import Scales, check_scales, scales_from
from .settings import CONFIG_FILE, Settings, load_settings
from .signoffs import check_signoffs
from .suggest import Suggester
from .tables import RawTable, check_text, number_problem, read_table, split_list, to_frame


def find_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The workbook folder: ``root`` if given, else ``$REVIEW_ROOT``, else this repository.

    The repository is found from the package's own location, never from the
    working directory (nbval runs each notebook in its own folder).
    """
    if root is None:
        root = os.environ.get("REVIEW_ROOT") or None
    if root is None:
        here = Path(__file__).resolve()
        for parent in here.parents:
            if (parent / CONFIG_FILE).exists():
                return parent
        raise WorkbookError([Problem(CONFIG_FILE, 0, "", "no workbook found; pass --root DIR or set REVIEW_ROOT")])
    path = Path(root).resolve()
    if not path.is_dir():
        raise WorkbookError([Problem(str(root), 0, "", "workbook folder does not exist")])
    return path


def archive_dir(root: Path) -> Path:
    """Folder holding the full article texts: ``$REVIEW_ARCHIVE`` or ``archive`` in workbook.toml."""
    env = os.environ.get("REVIEW_ARCHIVE")
    if env:
        return Path(env).resolve()
    return (root / load_settings(root).archive).resolve()


def normalise_ws(text: str) -> str:
    """Collapse runs of whitespace to one space, so a quote matches across line breaks."""
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Checked:
    """Everything read from a workbook, checked: raw tables, the bib, problems and notes."""

    root: Path
    tables: dict[str, RawTable]
    bib: Bib
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _vocab_for(spec: schema.TableSpec, tables: dict[str, RawTable]) -> dict[str, tuple[str, ...]]:
    """Allowed values for enum columns whose vocabulary is another table's data."""
    vocab: dict[str, tuple[str, ...]] = {}
    for col in spec.columns:
        if col.kind in ("enum", "enum_list") and col.ref:
            table, column = col.ref.split(".")
            if table in tables and tables[table].complete:
                vocab[col.name] = tuple(sorted(set(tables[table].values(column)) - {""}))
    return vocab


def _ref_problems(table: RawTable, tables: dict[str, RawTable], bib: Bib) -> list[Problem]:
    out: list[Problem] = []
    for col in table.spec.columns:
        if not col.ref or col.kind in ("enum", "enum_list"):
            continue
        target, target_col = col.ref.split(".")
        if target == "bib":
            if not bib.readable:
                continue
            known = set(bib.entries) | set(bib.failed)  # a broken entry is reported once, where it is
            what = f"any key in {schema.BIB_PATH}"
        else:
            if target not in tables or not tables[target].complete:
                continue
            known = set(tables[target].values(target_col))
            what = f"any {target_col} listed in {tables[target].spec.path}"
        suggester: Suggester | None = None  # indexed once per column, only when a value is unknown
        for row, line in zip(table.rows, table.lines):
            value = row.get(col.name, "")
            if value and value.strip() == value and value not in known:
                suggester = suggester or Suggester(known)
                near = suggester.suggest(value)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                out.append(Problem(table.spec.path, line, col.name, f"unknown value {quote_value(value)}; allowed: {what}{hint}"))
    return out


def _int(row: dict[str, str], col: str) -> int | None:
    """The cell as a whole number, or None when it is not one (its own problem is reported where it is)."""
    v = row.get(col, "")
    return int(v) if v and number_problem(v, whole=True) is None else None


def _float(row: dict[str, str], col: str) -> float | None:
    """The cell as a number, or None: ``1_5`` or a Unicode minus is no number, so no rule compares it."""
    v = row.get(col, "")
    return float(v) if v and number_problem(v, whole=False) is None else None


def _row_rules(tables: dict[str, RawTable]) -> list[Problem]:
    """Rules that relate cells of one row, or a row to framework data."""
    out: list[Problem] = []
    st = tables.get("studies")
    if st:
        for row, line in zip(st.rows, st.lines):
            ne, na = _int(row, "n_enrolled"), _int(row, "n_analysed")
            if ne is not None and na is not None and na > ne:
                out.append(Problem(st.spec.path, line, "n_analysed", f"n_analysed ({na}) is larger than n_enrolled ({ne})"))
            lo, hi = _int(row, "sessions_min"), _int(row, "sessions_max")
            if lo is not None and hi is not None and lo > hi:
                out.append(Problem(st.spec.path, line, "sessions_min", f"sessions_min ({lo}) is larger than sessions_max ({hi})"))
    fi = tables.get("findings")
    if fi:
        for row, line in zip(fi.rows, fi.lines):
            eff, lo, hi = _float(row, "effect"), _float(row, "ci_low"), _float(row, "ci_high")
            if (lo is not None or hi is not None) and eff is None:
                out.append(Problem(fi.spec.path, line, "effect", "a confidence interval is given without the effect it belongs to"))
            if eff is not None and not row.get("effect_type"):
                out.append(Problem(fi.spec.path, line, "effect_type", f"effect is given but effect_type is empty; allowed: {', '.join(schema.EFFECT_TYPES)}"))
            if (lo is None) != (hi is None):
                out.append(Problem(fi.spec.path, line, "ci_low" if lo is None else "ci_high", "give both ends of the confidence interval, or neither"))
            if eff is not None and lo is not None and hi is not None and not (lo <= eff <= hi):
                out.append(Problem(fi.spec.path, line, "effect", f"effect {eff:g} lies outside its confidence interval {lo:g} to {hi:g}"))
            if lo is not None and hi is not None and hi <= lo:
                out.append(Problem(fi.spec.path, line, "ci_high", f"confidence interval {lo:g} to {hi:g} has no width, so the study's sampling variance would be zero and it cannot be weighted in a meta-analysis; give the interval as reported (ci_high above ci_low), or leave both ends empty"))
            if row.get("effect_type") in schema.RATIO_EFFECT_TYPES and any(x is not None and x <= 0 for x in (eff, lo)):
                field = "effect" if eff is not None and eff <= 0 else "ci_low"
                out.append(Problem(fi.spec.path, line, field, f"{row['effect_type']} is a ratio, pooled on the log scale: effect and interval must be above 0"))
            ev, tot = _int(row, "events"), _int(row, "total")
            if (ev is None) != (tot is None):
                out.append(Problem(fi.spec.path, line, "events" if ev is None else "total", "give events and total together, or neither"))
            if ev is not None and tot is not None and ev > tot:
                out.append(Problem(fi.spec.path, line, "events", f"events ({ev}) is larger than total ({tot})"))
    ju, gd, gs = tables.get("judgements"), tables.get("grade_domains"), tables.get("grade_steps")
    if ju and gd and gs and gd.complete and gs.complete:
        direction = {r["domain"]: r["direction"] for r in gd.rows}
        fits: dict[str, list[str]] = {}
        for r in gs.rows:
            fits.setdefault(r["direction"], []).append(r["judgement"])
        for row, line in zip(ju.rows, ju.lines):
            domain, judgement = row.get("domain", ""), row.get("judgement", "")
            allowed = fits.get(direction.get(domain, ""), [])
            if domain in direction and judgement in set(gs.values("judgement")) and judgement not in allowed:
                out.append(Problem(ju.spec.path, line, "judgement", f"{quote_value(judgement)} does not fit domain {domain}; allowed: {', '.join(allowed)}"))
    rob = tables.get("risk_of_bias")
    if rob and rob.readable:
        out.extend(check_overall(rob.rows, rob.lines, rob.spec.path))
    dz = tables.get("designs")
    if st and dz and dz.complete:
        level_one = {r["design"] for r in dz.rows if r["cebm_level"] == "1"}
        scopes = ", ".join(sorted(set(tables["review_scopes"].values("scope")))) if "review_scopes" in tables else ""
        for row, line in zip(st.rows, st.lines):
            if row.get("design") in level_one and not row.get("reviews"):
                out.append(Problem(st.spec.path, line, "reviews", f"a {row['design']} needs what it reviews (its CEBM level depends on it); allowed: {scopes}"))
            elif row.get("reviews") and row.get("design") in set(dz.values("design")) - level_one:
                out.append(Problem(st.spec.path, line, "reviews", f"only a systematic review records what it reviews; leave it empty for a {row['design']}"))
    frameworks = ("rob_tools", "rob_domains", "rob_judgements", "designs")
    if rob and all(name in tables and tables[name].complete for name in frameworks):
        domains: dict[str, list[str]] = {}
        for r in tables["rob_domains"].rows:
            domains.setdefault(r["tool"], []).append(r["domain"])
        judgements: dict[str, list[str]] = {}
        for r in tables["rob_judgements"].rows:
            judgements.setdefault(r["tool"], []).append(r["judgement"])
        applies = {r["tool"]: split_list(r["applies_to"]) for r in tables["rob_tools"].rows}
        known_designs = set(tables["designs"].values("design"))
        # a study whose design is unknown is reported once, in studies.csv, not again for each of its calls
        designs = {r["study_id"]: r["design"] for r in st.rows if r["design"] in known_designs} if st else {}
        for row, line in zip(rob.rows, rob.lines):
            tool = row.get("tool", "")
            if tool not in domains:
                continue
            if row.get("domain") and row["domain"] not in domains[tool]:
                out.append(Problem(rob.spec.path, line, "domain", f"{quote_value(row['domain'])} is not a {tool} domain; allowed: {', '.join(domains[tool])}"))
            if row.get("judgement") and row["judgement"] not in judgements.get(tool, []):
                out.append(Problem(rob.spec.path, line, "judgement", f"{quote_value(row['judgement'])} is not a {tool} judgement; allowed: {', '.join(judgements.get(tool, []))}"))
            design = designs.get(row.get("study_id", ""))
            if design and tool in applies and design not in applies[tool]:
                out.append(Problem(rob.spec.path, line, "tool", f"{tool} is for {', '.join(applies[tool])}, but {row['study_id']} is a {design}"))
    return out


def _quote_problems(root: Path, tables: dict[str, RawTable], notes: list[str], articles: Mapping[str, str]) -> list[Problem]:
    """Every claim quote must occur in its article, when the article archive is at hand."""
    claims, sources = tables.get("claims"), tables.get("sources")
    if not claims or not sources or not sources.readable or not sources.rows:
        return []
    archive = archive_dir(root)
    if not archive.is_dir() and not articles:
        notes.append("article archive folder not found, so claim quotes were not checked against the articles (set archive in workbook.toml or REVIEW_ARCHIVE)")
        return []
    texts: dict[str, str | None] = {}
    out: list[Problem] = []
    for row, line in zip(sources.rows, sources.lines):
        name = row.get("text_file", "")
        path = (archive / name).resolve()
        texts[row.get("source_id", "")] = None
        if name and not path.is_relative_to(archive):
            # never read (and certify quotes against) a file elsewhere on the machine
            out.append(Problem(sources.spec.path, line, "text_file", f"{name!r} leads outside the article archive folder {archive}; give the name of a file inside it"))
        elif name in articles:
            texts[row["source_id"]] = normalise_quote(articles[name])
        elif name and path.is_file():
            texts[row["source_id"]] = normalise_quote(path.read_text(encoding="utf-8", errors="replace"))
        else:
            out.append(Problem(sources.spec.path, line, "text_file", f"article file {quote_value(name)} not found in the archive folder"))
    for row, line in zip(claims.rows, claims.lines):
        text = texts.get(row.get("source_id", ""))
        quote = row.get("quote", "")
        if text and quote.strip() and not find_quote(quote, text):
            out.append(
                Problem(claims.spec.path, line, "quote", f"quote {quote_value(normalise_ws(quote))} does not occur in article {row['source_id']}; quotes must be verbatim: {mismatch(quote, text)}")
            )
    return out


def _coverage_notes(tables: dict[str, RawTable], bib: Bib) -> tuple[list[Problem], list[str]]:
    """Every claimed outcome has findings or a logged empty search; every bib entry is used."""
    problems: list[Problem] = []
    notes: list[str] = []
    claims, findings, searches, studies = (tables.get(n) for n in ("claims", "findings", "searches", "studies"))
    if claims and findings and searches and findings.complete and searches.complete and tables["outcomes"].complete:
        with_findings = set(findings.values("outcome_id"))
        logged = set(searches.values("outcome_id"))
        known = set(tables["outcomes"].values("outcome_id")) if "outcomes" in tables else set()
        for row, line in zip(claims.rows, claims.lines):
            oid = row.get("outcome_id", "")
            if oid in known and oid not in with_findings and oid not in logged:
                problems.append(
                    Problem(claims.spec.path, line, "outcome_id", f"outcome {quote_value(oid)} has no findings and no row in {searches.spec.path}; log the search, even if it found nothing")
                )
    if bib.untitled:
        notes.append(f"{len(bib.untitled)} bib entr{'y has' if len(bib.untitled) == 1 else 'ies have'} no title (not read on any page): {', '.join(bib.untitled)}")
    if studies and studies.readable and bib.entries:
        used = set(studies.values("study_id"))
        unused = sorted(set(bib.entries) - used)
        if unused:
            notes.append(f"{len(unused)} bib entr{'y is' if len(unused) == 1 else 'ies are'} not used in {studies.spec.path}: {', '.join(unused)}")
    return problems, notes


def _facet_notes(tables: dict[str, RawTable]) -> list[str]:
    """Claims without a facet row (and what their cue words suggest), once the tables involved are complete."""
    names = ("claims", "claim_facets", "facet_cues")
    if not all(n in tables and tables[n].readable and not tables[n].skipped for n in names) or not tables["claims"].rows:
        return []
    claims, facets, cues = (to_frame(tables[n]) for n in names)
    return facet_notes(claims, facets, cues)


def subject_vocab(root: Path) -> dict[str, tuple[str, ...]]:
    """Allowed ``outcomes.subject``: the treatment named in workbook.toml, or another procedure.

    Without a treatment (or with broken settings, reported elsewhere) the schema's default applies.
    """
    try:
        treatment = load_settings(root).treatment
    except WorkbookError:
        treatment = ""
    return {"subject": (treatment, schema.OTHER_PROCEDURE)} if treatment else {}


def _needed_problems(tables: dict[str, RawTable]) -> list[Problem]:
    """A header-only table is fine in a new review, but not once a table that needs it has rows."""
    out: list[Problem] = []
    for table in tables.values():
        if not table.readable or table.rows or table.skipped:
            continue
        users = [tables[n].spec.path for n in table.spec.needed_by if n in tables and tables[n].rows]
        if users:
            out.append(Problem(table.spec.path, 0, "", f"has a header but no rows; at least 1 row(s) needed, because {', '.join(users)} {'has' if len(users) == 1 else 'have'} rows"))
    return out


def check_workbook(root: Path, overlay: Mapping[str, str] | None = None, articles: Mapping[str, str] | None = None) -> Checked:
    """Read every table and the bib under ``root`` and check them, alone and together.

    ``overlay`` maps a table's path (``data/claims.csv``) to the text to check in place of the file,
    and ``articles`` an article file name to its text when it is not in the archive yet: ``review
    intake --accept`` checks the workbook as it would be after the write, before writing anything.
    """
    tables: dict[str, RawTable] = {}
    bib = read_bib(root)
    problems: list[Problem] = list(bib.problems)
    overlay = overlay or {}
    subjects = subject_vocab(root)
    for spec in schema.TABLES:
        vocab = _vocab_for(spec, tables) | (subjects if spec is schema.OUTCOMES else {})
        if spec.path in overlay:
            table = check_text(spec, overlay[spec.path], spec.path, vocab)
        elif spec.optional and not (root / spec.path).exists():
            table = RawTable(spec, [], [], [])
        else:
            table = read_table(root, spec, vocab)
        tables[spec.name] = table
        problems.extend(table.problems)
    problems.extend(_needed_problems(tables))
    for table in tables.values():
        if table.readable:
            problems.extend(_ref_problems(table, tables, bib))
    problems.extend(_row_rules(tables))
    problems.extend(check_scales(tables))
    notes: list[str] = [str(p) for p in bib.notes + reference_notes(bib)]
    try:
        load_settings(root)
    except WorkbookError as exc:  # listed with the rest; without settings the archive is unknown, so quotes wait
        problems.extend(exc.problems)
    else:
        problems.extend(_quote_problems(root, tables, notes, articles or {}))
    cov_problems, cov_notes = _coverage_notes(tables, bib)
    problems.extend(cov_problems)
    notes.extend(cov_notes)
    so_problems, so_notes = check_signoffs(tables, bib)
    problems.extend(so_problems)
    if tables.get("claim_facets") and tables["claim_facets"].readable:
        problems.extend(check_facets(tables["claim_facets"]))
    notes.extend(so_notes + _facet_notes(tables))
    return Checked(root, tables, bib, sorted(set(problems)), notes)


#: Stands for "every data file and article" when a caller used something derived from the whole workbook.
ALL_INPUTS = "*"
_input_listeners: list[Callable[[str], None]] = []


def on_input_used(listener: Callable[[str], None]) -> None:
    """Call ``listener`` with the workbook-relative path of every input a caller uses from now on.

    A table counts as used when it is read from a :class:`Workbook`, the
    bibliography when ``wb.bib`` is read, and everything (:data:`ALL_INPUTS`)
    when the validation notes are. Whoever needs to know (the page cache, from
    inside a notebook's kernel) subscribes; the workbook does not know who listens.
    """
    _input_listeners.append(listener)


def _used(relpath: str) -> None:
    for listener in _input_listeners:
        listener(relpath)


class _ObservedFrames(Mapping[str, pd.DataFrame]):
    """The workbook's tables by name; reading one tells the listeners (:func:`on_input_used`) its file was used."""

    def __init__(self, frames: dict[str, pd.DataFrame]):
        self._frames = frames

    def __getitem__(self, name: str) -> pd.DataFrame:
        frame = self._frames[name]
        _used(schema.TABLE_BY_NAME[name].path)
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)


@dataclass(frozen=True)
class Workbook:
    """A checked workbook: one DataFrame per table (``wb.claims``, ``wb.frames["claims"]``), and the bibliography."""

    root: Path
    frames: Mapping[str, pd.DataFrame]
    bibliography: Bib
    validation_notes: tuple[str, ...] = ()
    settings: Settings = Settings()

    def __getattr__(self, name: str) -> pd.DataFrame:
        frames = object.__getattribute__(self, "frames")
        if name in frames:
            return frames[name]
        raise AttributeError(name)

    @property
    def scales(self) -> Scales:
        """The workbook's scales (certainty, verdicts, GRADE domains and steps, thresholds), from data/frameworks/."""
        return scales_from(self.frames)

    @property
    def bib(self) -> Bib:
        _used(schema.BIB_PATH)
        return self.bibliography

    @property
    def notes(self) -> tuple[str, ...]:
        _used(ALL_INPUTS)  # notes come from the whole workbook
        return self.validation_notes


def load_workbook(root: str | os.PathLike[str] | None = None) -> Workbook:
    """Check and load a workbook; raise :class:`WorkbookError` listing every problem if it is broken."""
    path = find_root(root)
    checked = check_workbook(path)
    if checked.problems:
        raise WorkbookError(checked.problems)
    frames = {name: to_frame(t) for name, t in checked.tables.items()}
    return Workbook(path, _ObservedFrames(frames), checked.bib, tuple(checked.notes), load_settings(path))


def table_counts(wb: Workbook) -> pd.DataFrame:
    """Rows per data table (frameworks left out), and the number of references, each table by the name reviewers know it by.

    Reviewers read the pages, not the files: a table is named by its ``label``
    (``Articles``), never by its path (``data/sources.csv``).
    """
    from .schema import TABLES

    rows = [
        {"table": t.label or t.name, "rows": len(wb.frames[t.name]), "holds": t.doc}
        for t in TABLES
        if not t.path.startswith("data/frameworks/")
    ]
    rows.append({"table": "References", "rows": len(wb.bib.entries), "holds": "One reference per study, review or regulatory document."})
    return pd.DataFrame(rows).set_index("table")
