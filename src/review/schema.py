"""The workbook's tables, declared as data.

Each table is a :class:`TableSpec`: its file, its key and its columns with the
kind of value each holds. One generic checker (:mod:`review.tables`) reads
these declarations, so adding a column or a vocabulary value is an edit here,
not new checking code. Vocabularies that belong to an appraisal framework
(study designs, risk-of-bias tools, domains and judgements) are not here: they
are data in ``data/frameworks/`` and are checked against what that data says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .palette import OKABE_ITO


@dataclass(frozen=True)
class Column:
    """One column of a table.

    kind is one of: ``id`` (a key: letters, digits, ``_ . : -``), ``text``,
    ``int`` (whole number >= 0), ``float``, ``enum`` (one of ``allowed``),
    ``enum_list`` (``;``-separated values from ``allowed``), ``date``
    (YYYY-MM-DD), ``url`` (one or more http(s) addresses separated by `` | ``).
    ``ref`` names the table and column whose values this one must match,
    e.g. ``"outcomes.outcome_id"``; it is checked once every table is read.
    """

    name: str
    kind: str = "text"
    required: bool = True
    nonempty: bool = False
    allowed: tuple[str, ...] = ()
    ref: str | None = None
    max_len: int = 2000
    doc: str = ""


@dataclass(frozen=True)
class TableSpec:
    name: str
    path: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    min_rows: int = 1
    doc: str = ""
    #: what a reviewer calls the table (``Articles`` for data/sources.csv); pages name tables, never files
    label: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: tables whose rows make this one required: header-only is fine in a new review, an error once these have rows
    needed_by: tuple[str, ...] = ()
    #: the file may be missing (read as a header-only table), e.g. a table added after workbooks were made
    optional: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


OUTCOME_CATEGORIES = ("efficacy", "mechanism", "safety", "cost", "procedure", "regulatory")
#: an outcome's subject: the treatment under review (its name in workbook.toml; "microneedling" when none is set)
#: or another procedure an article brings in
OTHER_PROCEDURE = "other procedure"
OUTCOME_SUBJECTS = ("microneedling", OTHER_PROCEDURE)
CLAIM_TYPES = ("benefit", "mechanism", "safety", "caution", "cost", "procedure", "regulatory", "opinion")
WORDINGS = ("hedged", "plain", "absolute")
INTERVENTION_CLASSES = (
    "microneedling alone",
    "microneedling combined",
    "mixed",
    "other procedure",
    "not applicable",
)
DIRECTIONS = ("benefit", "no difference", "harm", "mixed", "not reported")
EFFECT_TYPES = ("MD", "SMD", "RR", "OR", "HR", "RD", "mean change")
#: ratio measures: above zero, pooled on the log scale
RATIO_EFFECT_TYPES = ("RR", "OR", "HR")
SEARCH_RESULTS = ("evidence found", "no evidence found", "not applicable")
FIDELITY_SUPPORT = ("supports as stated", "partly supports", "does not support", "not found")
FIDELITY_DEPARTURES = (
    "different population or indication",
    "combination credited to microneedling",
    "in vitro or animal presented as clinical",
    "misquoted number",
    "uncontrolled design presented as proof",
    "source not identifiable",
    "none",
)

#: what treatment a claim credits (data/claim_facets.csv ``device``)
FACET_DEVICES = ("microneedling", "microneedling combined", "home device", "other procedure")
#: what the studies comparing microneedling with a claim's comparator found
COMPARATIVE_RESULTS = ("favours microneedling", "no difference", "favours comparator", "mixed")
FACET_KINDS = ("comparison", "mechanism", "time frame")
#: the checks whose answers limit a claim's verdict (data/frameworks/check_verdicts.csv)
CHECK_KINDS = ("citation", "departure", "number")
NUMBER_CHECKS = ("consistent", "within range", "misquoted", "outside range", "no source", "not applicable")
CERTAINTY_LEVELS = ("high", "moderate", "low", "very low")

_URL = Column("source_url", "url", nonempty=True, doc="page(s) every field was read from, separated by ' | '")

SOURCES = TableSpec(
    "sources",
    "data/sources.csv",
    ("source_id",),
    (
        Column("source_id", "id", nonempty=True),
        Column("title", nonempty=True),
        Column("kind", nonempty=True, doc="clinic blog, magazine, ..."),
        Column("words", "int", nonempty=True),
        Column("text_file", nonempty=True, doc="file name in the article archive folder"),
    ),
    min_rows=0,
    needed_by=("claims",),
    label="Articles",
    doc="The articles under review. Their full texts stay in the archive folder outside the repository.",
)

OUTCOMES = TableSpec(
    "outcomes",
    "data/outcomes.csv",
    ("outcome_id",),
    (
        Column("outcome_id", "id", nonempty=True),
        Column("label", nonempty=True),
        Column("category", "enum", nonempty=True, allowed=OUTCOME_CATEGORIES),
        Column("subject", "enum", nonempty=True, allowed=OUTCOME_SUBJECTS, doc="the procedure the claim is about"),
        Column("description", nonempty=True),
    ),
    min_rows=0,
    needed_by=("claims", "findings", "searches", "outcome_terms"),
    label="Outcomes",
    doc="What a claim is about: the benefit, mechanism, risk, cost, procedure detail or regulatory fact.",
)

OUTCOME_TERMS = TableSpec(
    "outcome_terms",
    "data/outcome_terms.csv",
    ("term",),
    (
        Column("outcome_id", "id", nonempty=True, ref="outcomes.outcome_id"),
        Column(
            "term",
            nonempty=True,
            max_len=100,
            doc="a word or phrase that names the outcome (matched case-insensitively, plural allowed); "
            "'acne+scar' matches a sentence holding both words",
        ),
    ),
    min_rows=0,
    optional=True,
    label="Outcome terms",
    doc="The outcome vocabulary `review intake` suggests outcomes from: the words and synonyms that name each outcome.",
)

CLAIMS = TableSpec(
    "claims",
    "data/claims.csv",
    ("claim_id",),
    (
        Column("claim_id", "id", nonempty=True),
        Column("source_id", "id", nonempty=True, ref="sources.source_id"),
        Column("quote", nonempty=True, max_len=400, doc="verbatim from the article"),
        Column("statement", nonempty=True),
        Column("outcome_id", "id", nonempty=True, ref="outcomes.outcome_id"),
        Column("claim_type", "enum", nonempty=True, allowed=CLAIM_TYPES),
        Column("wording", "enum", nonempty=True, allowed=WORDINGS),
        Column("quantity"),
        Column("cited_work"),
    ),
    min_rows=0,
    needed_by=("citations", "claim_verdicts"),
    label="Claims",
    doc="Every claim the articles make, one row per claim per article.",
)

STUDIES = TableSpec(
    "studies",
    "data/studies.csv",
    ("study_id",),
    (
        Column("study_id", "id", nonempty=True, ref="bib.key"),
        Column("design", "enum", nonempty=True, ref="designs.design"),
        Column("reviews", "enum", ref="review_scopes.scope", doc="for a systematic review: the designs it reviews (sets its CEBM level)"),
        Column("design_detail"),
        Column("intervention_class", "enum", nonempty=True, allowed=INTERVENTION_CLASSES),
        Column("device", "enum", nonempty=True, ref="devices.device", doc="the device tested, as the pages read name it"),
        Column("n_studies", "int"),
        Column("n_enrolled", "int"),
        Column("n_analysed", "int"),
        Column("population"),
        Column("fitzpatrick"),
        Column("intervention"),
        Column("comparator"),
        Column("sessions"),
        Column("sessions_min", "int"),
        Column("sessions_max", "int"),
        Column("follow_up"),
        Column("funding_or_coi"),
        Column("adverse_events"),
        _URL,
    ),
    min_rows=0,
    needed_by=("findings", "risk_of_bias"),
    label="Studies",
    doc="One row per study, review or regulatory document, under the same id as its reference.",
)

FINDINGS = TableSpec(
    "findings",
    "data/findings.csv",
    ("study_id", "outcome_id"),
    (
        Column("study_id", "id", nonempty=True, ref="studies.study_id"),
        Column("outcome_id", "id", nonempty=True, ref="outcomes.outcome_id"),
        Column("direction", "enum", nonempty=True, allowed=DIRECTIONS),
        Column("measure"),
        Column("result", nonempty=True),
        Column("events", "int"),
        Column("total", "int"),
        Column("effect", "float"),
        Column("ci_low", "float"),
        Column("ci_high", "float"),
        Column("effect_type", "enum", allowed=EFFECT_TYPES),
        Column(
            "comparison", nonempty=True, max_len=200,
            doc="what was compared with what, e.g. 'microneedling + minoxidil vs minoxidil alone' or "
            "'microneedling alone, after vs before'; effects are pooled only within one comparison",
        ),
        Column("timepoint", max_len=100, doc="when the recorded result was measured, where the study reports several time points; empty otherwise"),
        _URL,
    ),
    min_rows=0,
    needed_by=("studies",),
    label="Findings",
    doc="One row per study and outcome: what the study found, as the source states it.",
)

RISK_OF_BIAS = TableSpec(
    "risk_of_bias",
    "data/risk_of_bias.csv",
    ("study_id", "tool", "domain"),
    (
        Column("study_id", "id", nonempty=True, ref="studies.study_id"),
        Column("tool", "enum", nonempty=True, ref="rob_tools.tool"),
        Column("domain", "id", nonempty=True),
        Column("judgement", "enum", nonempty=True),
        Column("reason", nonempty=True),
    ),
    min_rows=0,
    needed_by=("studies",),
    label="Risk-of-bias calls",
    doc="Risk-of-bias calls per study and domain, with the tool's own domains and judgements.",
)

SEARCHES = TableSpec(
    "searches",
    "data/searches.csv",
    ("outcome_id",),
    (
        Column("outcome_id", "id", nonempty=True, ref="outcomes.outcome_id"),
        Column("query", nonempty=True),
        Column("database", nonempty=True),
        Column("date_searched", "date", nonempty=True),
        Column("n_found", "int"),
        Column("result", "enum", nonempty=True, allowed=SEARCH_RESULTS),
        Column("notes"),
    ),
    min_rows=0,
    needed_by=("findings",),
    label="Search log",
    doc="The search log: one row per outcome, including outcomes for which nothing was found.",
)

JUDGEMENTS = TableSpec(
    "judgements",
    "data/judgements.csv",
    ("outcome_id", "domain"),
    (
        Column("outcome_id", "id", nonempty=True, ref="outcomes.outcome_id"),
        Column("domain", "enum", nonempty=True, ref="grade_domains.domain"),
        Column("judgement", "enum", nonempty=True, ref="grade_steps.judgement"),
        Column("reason", nonempty=True),
        Column("reviewer"),
    ),
    min_rows=0,
    label="GRADE overrides",
    doc="Reviewer overrides of the GRADE rules, each with a written reason.",
)

CITATIONS = TableSpec(
    "citations",
    "data/citations.csv",
    ("claim_id",),
    (
        Column("claim_id", "id", nonempty=True, ref="claims.claim_id"),
        Column("study_id", "id", ref="studies.study_id", doc="the work the article cites, if identifiable"),
        Column("support", "enum", nonempty=True, allowed=FIDELITY_SUPPORT),
        Column("departures", "enum_list", nonempty=True, allowed=FIDELITY_DEPARTURES),
        Column("reason", nonempty=True),
    ),
    min_rows=0,
    label="Citation checks",
    doc="Citation fidelity: does the work an article cites support the claim as the article states it?",
)

CLAIM_VERDICTS = TableSpec(
    "claim_verdicts",
    "data/claim_verdicts.csv",
    ("claim_id",),
    (
        Column("claim_id", "id", nonempty=True, ref="claims.claim_id"),
        Column("verdict", "enum", nonempty=True, ref="verdict_scale.verdict"),
        Column("reason", nonempty=True),
        Column("reviewer"),
    ),
    min_rows=0,
    label="Reviewer verdicts",
    doc="Reviewer verdicts for claims the rules cannot judge (regulatory facts, costs, procedure details), or overrides, each with a reason.",
)

CLAIM_FACETS = TableSpec(
    "claim_facets",
    "data/claim_facets.csv",
    ("claim_id",),
    (
        Column("claim_id", "id", nonempty=True, ref="claims.claim_id"),
        Column("device", "enum", nonempty=True, allowed=FACET_DEVICES, doc="the treatment the claim credits"),
        Column("comparator", doc="what the claim compares microneedling with; empty if it compares nothing"),
        Column("comparative_studies", "enum_list", ref="studies.study_id", doc="studies that compare microneedling with that comparator (';'-separated)"),
        Column("comparative_result", "enum", allowed=COMPARATIVE_RESULTS, doc="what those studies found"),
        Column("population", doc="a population narrower than the outcome's (darker skin, surgical scars)"),
        Column("body_site", doc="a body site the claim names"),
        Column("time_frame", doc="a time frame the claim names"),
        Column("mechanism", doc="the causal pathway the claim asserts"),
        Column("reason", nonempty=True),
    ),
    min_rows=0,
    optional=True,
    label="Claim facets",
    doc="What each claim asserts beyond its outcome (comparison, population, body site, device, time frame, mechanism), decided by a reviewer with a reason.",
)

CERTAINTY_SIGNOFFS = TableSpec(
    "certainty_signoffs",
    "data/certainty_signoffs.csv",
    ("outcome_id",),
    (
        Column("outcome_id", "id", nonempty=True, ref="outcomes.outcome_id"),
        Column("certainty", "enum", nonempty=True, allowed=CERTAINTY_LEVELS, doc="the reviewer's final certainty"),
        Column("note", nonempty=True, doc="the GRADE footnote: what the evidence is, why this certainty, and where a review in the workbook concluded differently, why"),
        Column("sources", nonempty=True, doc="space-separated bib keys whose recorded pages hold the numbers the note uses"),
    ),
    min_rows=0,
    optional=True,
    label="Certainty sign-offs",
    doc="A reviewer's sign-off on each graded outcome: the final certainty and its GRADE footnote.",
)

FACET_CUES = TableSpec(
    "facet_cues",
    "data/frameworks/facet_cues.csv",
    ("facet", "cue"),
    (
        Column("facet", "enum", nonempty=True, allowed=FACET_KINDS),
        Column("cue", nonempty=True, doc="lower-case words whose presence in a quote suggests the facet"),
        Column("note", nonempty=True),
    ),
    doc="Words that suggest a claim compares, asserts a mechanism or names a time frame; checked against data/claim_facets.csv.",
)

CHECK_VERDICTS = TableSpec(
    "check_verdicts",
    "data/frameworks/check_verdicts.csv",
    ("check", "answer"),
    (
        Column("check", "enum", nonempty=True, allowed=CHECK_KINDS),
        Column("answer", nonempty=True),
        Column("verdict", "enum", ref="verdict_scale.verdict", doc="the most favourable verdict a claim with this answer can get; empty: no limit"),
        Column("meaning", nonempty=True),
    ),
    doc="How the citation check and the number check feed the verdict: each answer's limit on the verdict scale.",
)

DESIGNS = TableSpec(
    "designs",
    "data/frameworks/designs.csv",
    ("design",),
    (
        Column("design", nonempty=True),
        Column("randomised", "enum", nonempty=True, allowed=("yes", "no", "review")),
        Column("controlled", "enum", nonempty=True, allowed=("yes", "no", "review"), doc="yes: the design compares with a control group"),
        Column("human", "enum", nonempty=True, allowed=("yes", "no")),
        Column("cebm_level", "int"),
        Column("grade_start", "enum", nonempty=True, allowed=("high", "low", "review", "indirect", "not graded")),
        Column("description", nonempty=True),
    ),
    doc="Study designs: the vocabulary of studies.design, with their Oxford CEBM 2011 level and GRADE starting point.",
)

ROB_TOOLS = TableSpec(
    "rob_tools",
    "data/frameworks/rob_tools.csv",
    ("tool",),
    (
        Column("tool", nonempty=True),
        Column("version", nonempty=True),
        Column("applies_to", "enum_list", nonempty=True, ref="designs.design"),
        _URL,
    ),
)

ROB_DOMAINS = TableSpec(
    "rob_domains",
    "data/frameworks/rob_domains.csv",
    ("tool", "domain"),
    (
        Column("tool", nonempty=True, ref="rob_tools.tool"),
        Column("domain", "id", nonempty=True),
        Column("label", nonempty=True),
        Column("order", "int", nonempty=True),
    ),
)

ROB_JUDGEMENTS = TableSpec(
    "rob_judgements",
    "data/frameworks/rob_judgements.csv",
    ("tool", "judgement"),
    (
        Column("tool", nonempty=True, ref="rob_tools.tool"),
        Column("judgement", nonempty=True),
        Column("severity", "int", doc="how serious a concern for GRADE's risk of bias: 0 low, 1 concern (incl. no information), 2 high, 3 critical; empty: not applicable"),
        Column("colour_role", "enum", nonempty=True, allowed=("low", "some", "high", "critical", "none")),
    ),
)

CERTAINTY_SCALE = TableSpec(
    "certainty_scale",
    "data/frameworks/certainty.csv",
    ("certainty",),
    (
        Column("certainty", nonempty=True),
        Column("level", "int", doc="GRADE level 1 (very low) to 4 (high); empty for the two states that are not levels"),
        Column("symbols", doc="the level in GRADE's symbols, e.g. ⊕⊕◯◯"),
        Column("meaning", nonempty=True),
        Column("implication", nonempty=True),
        Column("statement", nonempty=True, doc="the Summary of Findings sentence at this certainty (GRADE informative statements): {treatment}, {effect}, {outcome}, ..."),
        Column("distance", "int", nonempty=True, doc="how far below high certainty, when ranking claims by their distance from the evidence"),
        Column("source_url", "url"),
    ),
    doc="The GRADE certainty levels (and the two states 'not graded', 'no evidence'): symbols and meaning.",
)

VERDICT_SCALE = TableSpec(
    "verdict_scale",
    "data/frameworks/verdicts.csv",
    ("verdict",),
    (
        Column("verdict", nonempty=True),
        Column("tested", "enum", nonempty=True, allowed=("yes", "no"), doc="no: outside the scale of support (an opinion, an untestable detail)"),
        Column("colour", "enum", nonempty=True, allowed=tuple(OKABE_ITO)),
        Column("meaning", nonempty=True),
        Column("claimreview_rating", "int", doc="schema.org ClaimReview reviewRating.ratingValue, 1 (worst) to 5 (best); empty for a verdict off the scale"),
    ),
    doc="The verdict scale, in its one order: best to worst supported (file order), untested verdicts last.",
)

GRADE_DOMAIN_TABLE = TableSpec(
    "grade_domains",
    "data/frameworks/grade_domains.csv",
    ("domain",),
    (
        Column("domain", "id", nonempty=True),
        Column("label", nonempty=True),
        Column("direction", "enum", nonempty=True, allowed=("down", "up")),
        Column("description", nonempty=True),
    ),
    doc="The GRADE domains, in order: five that may rate certainty down, three that may rate it up.",
)

GRADE_STEPS = TableSpec(
    "grade_steps",
    "data/frameworks/grade_steps.csv",
    ("judgement",),
    (
        Column("direction", "enum", nonempty=True, allowed=("down", "up")),
        Column("judgement", nonempty=True),
        Column("steps", "float", nonempty=True, doc="levels the judgement moves certainty: 0, -1, -2 down; 0, 1, 2 up"),
    ),
    doc="What a GRADE domain may be judged, and how many levels each judgement moves the certainty.",
)

GRADE_THRESHOLDS = TableSpec(
    "grade_thresholds",
    "data/frameworks/grade_thresholds.csv",
    ("name",),
    (
        Column("name", "id", nonempty=True),
        Column("value", "float", nonempty=True),
        Column("description", nonempty=True),
        Column("source_url", "url"),
    ),
    doc="Numbers the GRADE rules use: optimal information sizes, large-effect cut-offs, workbook conventions.",
)

DEVICES = TableSpec(
    "devices",
    "data/frameworks/devices.csv",
    ("device",),
    (
        Column("device", nonempty=True),
        Column("plain", "enum", nonempty=True, allowed=("yes", "no", "unknown", "not applicable"), doc="yes: plain (mechanical) microneedling; no: another device, indirect for claims about microneedling"),
        Column("description", nonempty=True),
    ),
    doc="The devices studies test: the vocabulary of studies.device, and whether each is plain microneedling.",
)

REVIEW_SCOPES = TableSpec(
    "review_scopes",
    "data/frameworks/review_scopes.csv",
    ("scope",),
    (
        Column("scope", nonempty=True),
        Column("cebm_level", "int", nonempty=True),
        Column("description", nonempty=True),
    ),
    doc="What a systematic review reviews (studies.reviews), and the Oxford CEBM 2011 level that gives it.",
)

#: every table, in the order they are read (a table's refs point to earlier ones or the bib)
TABLES: tuple[TableSpec, ...] = (
    CERTAINTY_SCALE,
    VERDICT_SCALE,
    GRADE_DOMAIN_TABLE,
    GRADE_STEPS,
    GRADE_THRESHOLDS,
    DEVICES,
    REVIEW_SCOPES,
    DESIGNS,
    ROB_TOOLS,
    ROB_DOMAINS,
    ROB_JUDGEMENTS,
    FACET_CUES,
    CHECK_VERDICTS,
    SOURCES,
    OUTCOMES,
    OUTCOME_TERMS,
    CERTAINTY_SIGNOFFS,
    CLAIMS,
    STUDIES,
    CLAIM_FACETS,
    FINDINGS,
    RISK_OF_BIAS,
    SEARCHES,
    JUDGEMENTS,
    CLAIM_VERDICTS,
    CITATIONS,
)

BIB_PATH = "references.bib"


def spec(name: str) -> TableSpec:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(f"no table named {name!r}; tables: {', '.join(t.name for t in TABLES)}")


TABLE_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}
