"""Propose the candidate claims of a new article (``review intake ARTICLE``).

An article (plain text, Markdown or HTML) is turned into text, cut into
blocks (headings, paragraphs, list items) and sentences, and every sentence
or list item that names an outcome or carries a claim cue becomes a
candidate: the verbatim quote with a suggested outcome, claim type, wording
strength, quantity and cited work. The reviewer keeps, edits or drops each
row, marks it ``accept = yes`` and runs ``review intake --accept``
(:mod:`review.accept`).

Nothing here knows the articles of any review. What the suggestions are made
from is data, easy to extend:

* the outcome vocabulary, ``data/outcome_terms.csv`` in the workbook (terms and
  synonyms per outcome; the outcome's category in ``data/outcomes.csv`` gives
  the claim type);
* cue words, ``vocab/intake_cues.csv`` in this package (hedges, absolutes,
  negations, caution and opinion phrases, citation phrases, list lead-ins,
  units and number words).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pysbd

from . import schema
from .errors import Problem, WorkbookError
from .tables import check_text, read_table

#: columns of the candidates CSV, in order
CANDIDATE_COLUMNS = ("quote", "outcome_id", "claim_type", "wording", "quantity", "cited_work", "statement", "confidence", "accept")
#: at most this many candidates (one per outcome) from one sentence
MAX_OUTCOMES_PER_SENTENCE = 3
#: a line of at most this many words without closing punctuation is a heading (outside lists)
HEADING_WORDS = 12
#: a list item of at most this many words is one claim as it stands ("Hair loss (also called alopecia)")
SHORT_ITEM_WORDS = 8
#: a label before a colon that opens a list item ("Improved Skin Texture and Tone: ...") has at most this many words
LABEL_WORDS = 8
#: sentences shorter than this (in words) are not claims unless they are list items
MIN_SENTENCE_WORDS = 3
#: a line ending in a colon with at most this many words titles a list ("Benefits of micro-needling:"), it claims nothing
LEAD_TITLE_WORDS = 5
#: an absolute cue with a negation among the words just before it is not absolute ("not known to work with 100%")
NEGATION_WINDOW = 5

_BULLET = re.compile(r"^\s*(?:[•*\-–·▪◦]|\d{1,2}[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")


# ----------------------------------------------------------------------------- reading articles


def article_text(path: Path) -> str:
    """The article as plain text: HTML and Markdown are converted, text is read as it is.

    The text returned is what claim quotes are checked against, so it is what
    goes into the archive (see :mod:`review.accept`).
    """
    raw = path.read_bytes().decode("utf-8-sig", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return html_to_text(raw)
    if suffix in (".md", ".markdown"):
        return markdown_to_text(raw)
    return raw


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, headings and paragraphs on lines of their own, list items bulleted."""
    from inscriptis import get_text

    text = get_text(html)
    lines = [ln.rstrip() for ln in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def markdown_to_text(markdown: str) -> str:
    """Markdown rendered to HTML (mistune), then to text: emphasis marks and link syntax are gone."""
    import mistune

    return html_to_text(str(mistune.html(markdown)))


# ----------------------------------------------------------------------------- vocabularies as data


@dataclass(frozen=True)
class Cues:
    """The cue words of :file:`vocab/intake_cues.csv`, by kind: ``{kind: [(cue, value), ...]}``."""

    by_kind: dict[str, list[tuple[str, str]]]

    def of(self, kind: str) -> list[tuple[str, str]]:
        return self.by_kind.get(kind, [])

    def mapping(self, kind: str) -> dict[str, str]:
        return {cue: value for cue, value in self.of(kind)}


CUES_FILE = "vocab/intake_cues.csv"


def load_cues() -> Cues:
    """The package's cue words (hedges, absolutes, negations, caution and opinion phrases, citations, units)."""
    text = resources.files("review").joinpath(CUES_FILE).read_text(encoding="utf-8")
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        by_kind.setdefault(row["kind"], []).append((row["cue"].lower(), row["value"]))
    return Cues(by_kind)


@dataclass(frozen=True)
class Vocabulary:
    """What the workbook knows: outcome terms, each outcome's category and label."""

    terms: list[tuple[str, str]]  # (term, outcome_id)
    category: dict[str, str]
    label: dict[str, str]
    treatment: str = ""


def load_vocabulary(root: Path) -> Vocabulary:
    """Outcome terms, categories and labels from the workbook at ``root`` (its tables checked one by one)."""
    from .settings import load_settings
    from .workbook import subject_vocab

    outcomes = read_table(root, schema.OUTCOMES, subject_vocab(root))
    path = root / schema.OUTCOME_TERMS.path
    terms = read_table(root, schema.OUTCOME_TERMS) if path.exists() else check_text(schema.OUTCOME_TERMS, "outcome_id,term\n", str(path))
    problems = outcomes.problems + [p for p in terms.problems if "no rows" not in p.message]
    if problems:
        raise WorkbookError(problems)
    category = {r["outcome_id"]: r["category"] for r in outcomes.rows}
    label = {r["outcome_id"]: r["label"] for r in outcomes.rows}
    known = [(r["term"], r["outcome_id"]) for r in terms.rows if r["outcome_id"] in category]
    return Vocabulary(known, category, label, load_settings(root).treatment)


# ----------------------------------------------------------------------------- blocks and sentences


@dataclass(frozen=True)
class Segment:
    """A piece of the article that may be a claim: a sentence, or a whole short list item."""

    text: str
    kind: str  # "sentence" | "item"
    lead: str = ""  # for a list item: the sentence that introduced the list
    heading: str = ""  # the heading the piece sits under


def _words(text: str) -> int:
    return len(text.split())


def _is_heading(line: str) -> bool:
    line = line.strip()
    return bool(line) and _words(line) <= HEADING_WORDS and not re.search(r"[.!:;,]$", line)


def blocks(text: str) -> list[tuple[str, str]]:
    """The article as ``(kind, text)`` blocks in order: ``heading``, ``para`` or ``item`` (a list item)."""
    out: list[tuple[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            joined = " ".join(p.strip() for p in para)
            out.append(("heading" if len(para) == 1 and _is_heading(joined) else "para", joined))
            para.clear()

    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            flush()
            continue
        if _BULLET.match(line):
            flush()
            item = _BULLET.sub("", line, count=1).strip()
            # a lone numbered line followed by a paragraph is a numbered heading ("1. Anti-ageing")
            neighbours = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
            lone = not any(_BULLET.match(n) for n in neighbours)
            if lone and _NUMBERED.match(line) and _is_heading(item):
                out.append(("heading", item))
            else:
                out.append(("item", item))
            continue
        if out and out[-1][0] == "item" and not para and line.startswith((" ", "\t")):
            out[-1] = ("item", out[-1][1] + " " + line.strip())  # continuation of a list item
            continue
        para.append(line)
    flush()
    return out


_SEGMENTER: pysbd.Segmenter | None = None


def sentences(text: str) -> list[str]:
    """Sentences of one block, verbatim (pysbd, rule-based, nothing downloaded)."""
    global _SEGMENTER
    if _SEGMENTER is None:
        _SEGMENTER = pysbd.Segmenter(language="en", clean=False)
    return [s.strip() for s in _SEGMENTER.segment(text) if s.strip()]


def segments(text: str) -> list[Segment]:
    """Every sentence and short list item of the article, with the list lead-in and heading it sits under."""
    out: list[Segment] = []
    heading = lead = ""
    for kind, body in blocks(text):
        if kind == "heading":
            heading, lead = body, ""
            continue
        if kind == "para":
            sents = sentences(body)
            out.extend(Segment(s, "sentence", heading=heading) for s in sents)
            lead = sents[-1] if sents and sents[-1].endswith(":") else ""
            continue
        label = re.match(r"^([^.:!?]{1,80}):\s+(\S.*)$", body)
        if label and _words(label.group(1)) <= LABEL_WORDS:
            body = label.group(2)  # "Scar Reduction: Microneedling can ..." -> the sentences after the label
        sents = sentences(body)
        if len(sents) == 1 and _words(body) <= SHORT_ITEM_WORDS:
            out.append(Segment(body.rstrip("."), "item", lead=lead, heading=heading))
            continue
        if len(sents) > 1 and _words(sents[0]) <= SHORT_ITEM_WORDS - 1:
            sents = sents[1:]  # "Shrinking pores. Last, but ..." -> the first sentence is the item's title
        out.extend(Segment(s, "sentence", lead=lead, heading=heading) for s in sents)
    return out


# ----------------------------------------------------------------------------- suggestions


def _norm(text: str) -> str:
    """Lower case, one kind of apostrophe and dash, hyphens as spaces: 'Micro-needling’s' -> "micro needling's"."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", text.replace("-", " "))


def _find(term: str, text: str) -> list[tuple[int, int]]:
    """Spans where ``term`` occurs in normalised ``text`` as whole words (a plural -s/-es allowed)."""
    t = re.escape(_norm(term))
    tail = r"(?:s|es)?\b" if term[-1:].isalnum() else ""
    head = r"\b" if term[:1].isalnum() else ""
    return [m.span() for m in re.finditer(head + t + tail, text)]


def _outcome_matches(text: str, vocab: Vocabulary) -> list[tuple[str, int, int]]:
    """Outcomes named in ``text``: (outcome, position of first mention, words in its longest term),
    after dropping terms inside longer ones."""
    norm = _norm(text)
    spans: list[tuple[int, int, str]] = []
    compound: list[tuple[int, str, list[tuple[int, int]]]] = []
    for term, oid in vocab.terms:
        if "+" in term:
            parts = [_find(p.strip(), norm) for p in term.split("+")]
            if all(parts):
                compound.append((min(p[0][0] for p in parts), oid, [s for p in parts for s in p]))
            continue
        spans.extend((a, b, oid) for a, b in _find(term, norm))
    consumed = {s for _, _, parts in compound for s in parts}
    kept = [
        (a, b, oid)
        for a, b, oid in spans
        if (a, b) not in consumed and not any(a2 <= a and b <= b2 and (b2 - a2) > (b - a) for a2, b2, _ in spans)
    ]
    first: dict[str, int] = {}
    longest: dict[str, int] = {}
    for a, b, oid in kept:
        first[oid] = min(first.get(oid, a), a)
        longest[oid] = max(longest.get(oid, 0), len(norm[a:b].split()))
    for a, oid, parts in compound:
        first[oid] = min(first.get(oid, a), a)
        longest[oid] = max(longest.get(oid, 0), len(parts))
    return sorted(((oid, pos, longest[oid]) for oid, pos in first.items()), key=lambda m: m[1])


def rank_outcomes(text: str, vocab: Vocabulary) -> list[str]:
    """Outcomes a sentence names, the likely subject of the claim first.

    An effect (efficacy, safety, cost, procedure, regulatory) ranks before a
    mechanism: in "reduces wrinkles by stimulating collagen" the claim is about
    wrinkles, collagen is the means. Then an outcome named by a longer term
    ("darker skin") before one named by a single word ("effective"), then
    earlier mentions first.
    """
    found = _outcome_matches(text, vocab)
    return [oid for oid, _, _ in sorted(found, key=lambda m: (vocab.category.get(m[0]) == "mechanism", -m[2], m[1]))]


def _has(cue: str, norm: str) -> list[tuple[int, int]]:
    return _find(cue, norm)


def _strip_idioms(norm: str, cues: Cues) -> str:
    """Blank out figures of speech ("last, but most certainly not least") so their words are not taken as cues."""
    for idiom, _ in cues.of("idiom"):
        norm = norm.replace(_norm(idiom), " ")
    return norm


def suggest_wording(text: str, cues: Cues) -> str:
    """hedged / plain / absolute, from cue words: an absolute cue wins over a hedge, unless a negation precedes it."""
    norm = _strip_idioms(_norm(text), cues)
    negations = [c for c, _ in cues.of("negation")]
    level = "plain"
    for cue, value in cues.of("wording"):
        for a, _ in _has(cue, norm):
            if value == "absolute":
                before = norm[:a].split()[-NEGATION_WINDOW:]
                if any(n == w or (n.startswith("n'") and w.endswith(n)) for n in negations for w in before):
                    continue
                return "absolute"
            level = "hedged"
    return level


def suggest_claim_type(text: str, outcome: str, vocab: Vocabulary, cues: Cues) -> str:
    """Caution and opinion phrases first; otherwise the claim type that goes with the outcome's category."""
    norm = _norm(text)
    for kind in ("caution", "opinion"):
        if any(_has(cue, norm) for cue, value in cues.of("claim_type") if value == kind):
            return kind
    return cues.mapping("category").get(vocab.category.get(outcome, ""), "benefit" if outcome else "")


def suggest_quantity(text: str, cues: Cues) -> str:
    """The first number the claim states, with its unit: '100%', '5-15 years', '4-6 sessions', '4x'."""
    numbers = cues.mapping("number")
    units = cues.mapping("unit")
    num = r"(\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, numbers), key=len, reverse=True)) + ")"
    unit = "|".join(sorted(map(re.escape, units), key=len, reverse=True))
    pattern = re.compile(rf"\b{num}(?:\s*(?:-|–|to)\s*{num})?\s*({unit})(?![a-z])", re.I)
    for m in pattern.finditer(text):
        lo, hi, u = m.group(1).lower(), (m.group(2) or "").lower(), m.group(3).lower()
        lo, hi = numbers.get(lo, lo), numbers.get(hi, hi)
        if lo.endswith("x"):  # "twice" already carries its unit
            return lo
        value = f"{lo}-{hi}" if hi else lo
        u = units.get(u, u)
        return f"{value}{u}" if u in ("%", "x") else f"{value} {u}"
    return ""


def suggest_cited_work(text: str, cues: Cues) -> str:
    """What the sentence cites, from a citation phrase to the end of its clause ('' when nothing)."""
    low = text.lower().replace("’", "'")
    for cue, _ in sorted(cues.of("cited_work"), key=lambda cv: -len(cv[0])):
        i = low.find(cue)
        if i >= 0 and (i == 0 or not low[i - 1].isalnum()):
            clause = re.split(r"[,;.:]\s|\s(?:that|showed|shows|found|finds)\s", text[i:] + " ", maxsplit=1)[0].strip()
            return " ".join(clause.split()[:14])
    return ""


def _statement(outcome: str, claim_type: str, vocab: Vocabulary) -> str:
    """A first restatement for the reviewer to rewrite: what the claim is about."""
    subject = vocab.treatment or "The treatment"
    subject = subject[:1].upper() + subject[1:]
    about = vocab.label.get(outcome, "(outcome to choose)")
    return f"{subject}: {about.lower()} ({claim_type or 'claim'}); restate in neutral words"


@dataclass
class Candidate:
    quote: str
    outcome_id: str = ""
    claim_type: str = ""
    wording: str = "plain"
    quantity: str = ""
    cited_work: str = ""
    statement: str = ""
    confidence: float = 0.0
    accept: str = ""
    reasons: list[str] = field(default_factory=list)

    def row(self) -> dict[str, str]:
        return {c: (f"{self.confidence:.2f}" if c == "confidence" else str(getattr(self, c))) for c in CANDIDATE_COLUMNS}


def _lead_kind(lead: str, heading: str, cues: Cues) -> str:
    """'benefit' or 'caution' when a list's lead-in (or heading) says what its items are, else ''."""
    for text in (lead, heading):
        norm = _norm(text)
        for cue, value in cues.of("list_lead"):
            if text and _has(cue, norm):
                return value
    return ""


def propose(text: str, vocab: Vocabulary, cues: Cues | None = None) -> list[Candidate]:
    """The candidate claims of an article's text, in the order they appear."""
    cues = cues or load_cues()
    out: list[Candidate] = []
    lead_outcomes: dict[str, list[str]] = {}
    for seg in segments(text):
        outcomes = rank_outcomes(seg.text, vocab)
        if seg.kind == "sentence" and seg.text.endswith(":"):
            lead_outcomes[seg.text] = outcomes
        wording = suggest_wording(seg.text, cues)
        confidence = 0.0
        claim_type_override = ""
        if seg.kind == "item":
            lead = _lead_kind(seg.lead, seg.heading, cues)
            if lead == "caution" and seg.lead:
                # things to avoid: each item is a caution about what the lead-in is about
                outcomes = lead_outcomes.get(seg.lead, []) or outcomes
                claim_type_override = "caution"
                confidence = 0.7
            elif lead or outcomes:
                confidence = 0.8 if outcomes else 0.4
            else:
                continue
        else:
            if _words(seg.text) < MIN_SENTENCE_WORDS or (seg.text.endswith(":") and _words(seg.text) <= LEAD_TITLE_WORDS):
                continue  # too short to claim anything, or a list's title ("Benefits of X:")
            cue_hit = wording != "plain" or suggest_cited_work(seg.text, cues) or suggest_quantity(seg.text, cues)
            if not outcomes and not cue_hit:
                continue
            confidence = (0.5 if outcomes else 0.2) + (0.2 if wording != "plain" else 0.0)
            if vocab.treatment and _has(vocab.treatment, _norm(seg.text)):
                confidence += 0.2
        quantity = suggest_quantity(seg.text, cues) or (suggest_quantity(seg.lead, cues) if claim_type_override else "")
        cited = suggest_cited_work(seg.text, cues)
        for rank, oid in enumerate((outcomes or [""])[:MAX_OUTCOMES_PER_SENTENCE]):
            ctype = claim_type_override or suggest_claim_type(seg.text, oid, vocab, cues)
            out.append(
                Candidate(
                    quote=" ".join(seg.text.split()),
                    outcome_id=oid,
                    claim_type=ctype,
                    wording=wording,
                    quantity=quantity,
                    cited_work=cited,
                    statement=_statement(oid, ctype, vocab),
                    confidence=round(min(confidence, 0.95) - 0.2 * rank, 2),
                )
            )
    return out


def candidates_csv(cands: list[Candidate]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(CANDIDATE_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(c.row() for c in cands)
    return buf.getvalue()


# ----------------------------------------------------------------------------- the command


@dataclass(frozen=True)
class IntakeFiles:
    candidates: Path
    source: Path
    text: Path
    count: int


def source_row_path(candidates: Path) -> Path:
    """Beside ``build/intake/S5.csv``: ``S5.source.csv``, the article's row for data/sources.csv."""
    return candidates.with_name(candidates.stem + ".source.csv")


def text_path(candidates: Path) -> Path:
    """Beside ``build/intake/S5.csv``: ``S5.txt``, the article as text, which quotes are checked against."""
    return candidates.with_name(candidates.stem + ".txt")


def _title(text: str) -> str:
    for _kind, body in blocks(text):
        return body[:200]
    return "untitled"


def intake(article: Path, root: Path, source_id: str, out: Path | None = None, title: str | None = None, kind: str | None = None) -> IntakeFiles:
    """Propose the claims of ``article`` and write the candidates CSV, the source row and the text beside it.

    Never writes into ``data/``: the reviewer edits the candidates and runs ``review intake --accept``.
    """
    if not article.is_file():
        raise WorkbookError([Problem(str(article), 0, "", "article file not found")])
    from .tables import ID_RE

    if not ID_RE.match(source_id):
        raise WorkbookError([Problem(str(article), 0, "--source-id", f"{source_id!r} is not a valid id (letters, digits, _ . : -), e.g. S5")])
    out = out or root / "build" / "intake" / f"{source_id}.csv"
    if out.resolve().is_relative_to((root / "data").resolve()):
        raise WorkbookError([Problem(str(out), 0, "--out", "intake never writes into data/; choose another file, e.g. build/intake/ID.csv")])
    text = article_text(article)
    cands = propose(text, load_vocabulary(root))
    out.parent.mkdir(parents=True, exist_ok=True)
    text_file = article.stem + ".txt"
    source = {
        "source_id": source_id,
        "title": " ".join((title or _title(text)).split()),
        "kind": kind or "web article",
        "words": str(_words(text)),
        "text_file": text_file,
    }
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=schema.SOURCES.column_names, lineterminator="\n")
    writer.writeheader()
    writer.writerow(source)
    files = IntakeFiles(out, source_row_path(out), text_path(out), len(cands))
    files.text.write_text(text, encoding="utf-8")
    files.source.write_text(buf.getvalue(), encoding="utf-8")
    out.write_text(candidates_csv(cands), encoding="utf-8")
    return files


# ----------------------------------------------------------------------------- measuring suggestions against a catalogue


@dataclass(frozen=True)
class Score:
    """How candidates compare with catalogued claims (the gold standard)."""

    claims: int
    candidates: int
    found: int
    outcome_right: int
    wording_right: int
    useful_candidates: int

    @property
    def recall(self) -> float:
        return self.found / self.claims if self.claims else 0.0

    @property
    def precision(self) -> float:
        return self.useful_candidates / self.candidates if self.candidates else 0.0

    @property
    def outcome_accuracy(self) -> float:
        return self.outcome_right / self.found if self.found else 0.0

    @property
    def wording_accuracy(self) -> float:
        return self.wording_right / self.found if self.found else 0.0

    @property
    def per_claim(self) -> float:
        return self.candidates / self.claims if self.claims else 0.0


def matches(candidate_quote: str, claim_quote: str) -> bool:
    """A candidate finds a claim when one quote holds the other (whitespace and case aside).

    Catalogued quotes are often part of a sentence ("the skin becomes firmer and more
    elastic") and sometimes two sentences; a candidate is one sentence or list item.
    """
    a, b = _norm(candidate_quote).strip(" ."), _norm(claim_quote).strip(" .")
    return bool(a and b) and (b in a or a in b)


def score(cands: list[Candidate], claims: list[dict[str, str]]) -> Score:
    """Compare one article's candidates with its catalogued claims.

    A claim is found when a candidate's quote holds its quote or lies within it;
    its outcome is right when one of those candidates suggests the catalogued
    outcome, and its wording is judged on that candidate (else the first match).
    A candidate is useful when it finds at least one claim.
    """
    found = outcome_right = wording_right = 0
    useful: set[int] = set()
    for claim in claims:
        hits = [i for i, c in enumerate(cands) if matches(c.quote, claim["quote"])]
        if not hits:
            continue
        found += 1
        useful.update(hits)
        right = [i for i in hits if cands[i].outcome_id == claim["outcome_id"]]
        outcome_right += bool(right)
        wording_right += cands[(right or hits)[0]].wording == claim["wording"]
    return Score(len(claims), len(cands), found, outcome_right, wording_right, len(useful))


def add_scores(scores: list[Score]) -> Score:
    return Score(*(sum(getattr(s, f) for s in scores) for f in ("claims", "candidates", "found", "outcome_right", "wording_right", "useful_candidates")))


def evaluate(root: Path) -> dict[str, Score]:
    """Score intake on every catalogued article of the workbook at ``root`` (its claims are the gold standard).

    Reads the articles from the archive; writes nothing. Used by ``make bench``.
    """
    from .workbook import archive_dir

    vocab, cues = load_vocabulary(root), load_cues()
    claims = read_table(root, schema.CLAIMS).rows
    archive = archive_dir(root)
    out: dict[str, Score] = {}
    for src in read_table(root, schema.SOURCES).rows:
        cands = propose(article_text(archive / src["text_file"]), vocab, cues)
        out[src["source_id"]] = score(cands, [c for c in claims if c["source_id"] == src["source_id"]])
    return out
