"""A synthetic workbook N times larger than the real one, for benchmarks and scale tests.

``review synth --scale N --out DIR`` writes a complete workbook (data tables,
frameworks copied from this workbook, ``references.bib``, article texts and
the notebooks) that passes validation. At N=100 it holds about 500 articles,
7,000 claims, 4,000 studies, 10,000 findings and a 5,000-entry bibliography
whose author names carry LaTeX accents.

Nothing in it is real: every DOI uses the 10.5555 test prefix, every URL is
on example.org, every title starts with "Synthetic", and every bib entry has
``note = {SYNTHETIC}``, so a synthetic row can never be mistaken for evidence.
The output depends only on N and the seed.
"""

from __future__ import annotations

import csv
import io
import math
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import rob2, schema
from .tables import read_table

#: per unit of scale: articles, claims, studies, findings, bib entries
PER_SCALE = {"sources": 5, "claims": 70, "studies": 40, "findings": 100, "bib": 50}
#: outcomes grow more slowly than claims: 36 per 10 units of scale
OUTCOMES_PER_10 = 36

SURNAMES = (
    "M{\\\"u}ller", "Garc{\\'\\i}a", "{\\c{C}}elik", "Nguy{\\~{e}}n", "S{\\o}rensen", "Dvo{\\v{r}}{\\'a}k",
    "Lef{\\`e}vre", "{\\O}stergaard", "Jim{\\'e}nez", "Kowalczyk", "Sch{\\\"o}n", "Ib{\\'a}{\\~n}ez",
    "Smith", "Patel", "Kim", "Okafor", "Rossi", "Tanaka", "Haddad", "Novak",
)
GIVEN = ("J{\\\"o}rg", "Ana", "Fran{\\c{c}}ois", "Mei", "S{\\o}ren", "Ren{\\'e}e", "Priya", "Olu", "Luc{\\'\\i}a", "Tom")
ASCII_SURNAMES = (
    "Muller", "Garcia", "Celik", "Nguyen", "Sorensen", "Dvorak", "Lefevre", "Ostergaard", "Jimenez", "Kowalczyk",
    "Schon", "Ibanez", "Smith", "Patel", "Kim", "Okafor", "Rossi", "Tanaka", "Haddad", "Novak",
)
TOPICS = (
    "collagen induction", "atrophic scars", "fine lines", "enlarged pores", "striae distensae",
    "androgenetic alopecia", "melasma", "skin laxity", "hyperpigmentation", "photoageing",
)
#: what the synthetic studies compared (one per study), and the time points of some of their effects
COMPARISONS = (
    "microneedling alone vs no treatment",
    "microneedling + topical vs topical alone",
    "microneedling alone vs laser",
)
TIMEPOINTS = ("", "", "3 months", "6 months")
VERBS = ("reduces", "improves", "softens", "visibly diminishes", "may help with", "can treat", "eliminates")
URL = "https://example.org/synthetic"


@dataclass(frozen=True)
class Sizes:
    sources: int
    outcomes: int
    claims: int
    studies: int
    findings: int
    bib: int


def sizes(scale: int) -> Sizes:
    """How many rows each table gets at ``scale`` (1 is about the size of the real workbook)."""
    if scale < 1:
        raise ValueError("scale must be a whole number >= 1")
    n = {k: v * scale for k, v in PER_SCALE.items()}
    return Sizes(n["sources"], OUTCOMES_PER_10 * math.ceil(scale / 10), n["claims"], n["studies"], n["findings"], n["bib"])


def _csv(path: Path, header: list[str], rows: list[dict[str, object]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buf.getvalue(), encoding="utf-8")


#: the framework tables a synthetic workbook copies from its template
FRAMEWORKS = tuple(t for t in schema.TABLES if t.path.startswith("data/frameworks/"))


def _frameworks(template: Path) -> dict[str, list[dict[str, str]]]:
    """The appraisal frameworks (designs, risk-of-bias tools) of the template workbook."""
    out = {}
    for spec in FRAMEWORKS:
        table = read_table(template, spec, {})
        if table.problems:
            raise ValueError(f"template framework {spec.path} has problems: {table.problems[0]}")
        out[spec.name] = table.rows
    return out


def write_synthetic(out: Path, scale: int, template: Path, seed: int = 2026) -> Sizes:
    """Write a synthetic workbook ``scale`` times larger than the real one into ``out`` (which must not exist)."""
    size = sizes(scale)
    if out.exists():
        raise FileExistsError(f"{out} already exists; choose a new folder")
    rng = random.Random(seed)
    fw = _frameworks(template)
    (out / "data" / "frameworks").mkdir(parents=True)
    for spec in FRAMEWORKS:
        shutil.copy2(template / spec.path, out / spec.path)
    shutil.copytree(template / "notebooks", out / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (out / "workbook.toml").write_text('archive = "articles"\n', encoding="utf-8")

    # outcomes: every category, mostly graded efficacy outcomes
    categories = ["efficacy"] * 6 + ["mechanism", "safety", "cost", "procedure", "regulatory"]
    outcomes = []
    for i in range(size.outcomes):
        cat = categories[i % len(categories)]
        topic = TOPICS[i % len(TOPICS)]
        outcomes.append({
            "outcome_id": f"o{i:04d}", "label": f"Synthetic {topic} {i}", "category": cat,
            "subject": "microneedling" if i % 9 else "other procedure",
            "description": f"Synthetic outcome {i} ({cat}): {topic}.",
        })
    _csv(out / schema.OUTCOMES.path, schema.OUTCOMES.column_names, outcomes)

    # bibliography and studies
    designs = [r["design"] for r in fw["designs"]]
    human = [d for d in designs if d in ("RCT", "split-body RCT", "case series", "cohort", "non-randomised controlled", "case report")]
    entries, keys = [], []
    for i in range(size.bib):
        j = rng.randrange(len(SURNAMES))
        year = 1995 + i % 31
        key = f"{ASCII_SURNAMES[j]}{year}x{i}"
        keys.append(key)
        authors = " and ".join(
            f"{SURNAMES[(j + k * 7) % len(SURNAMES)]}, {GIVEN[(i + k) % len(GIVEN)]}" for k in range(1 + i % 4)
        )
        topic = TOPICS[i % len(TOPICS)]
        entries.append(
            f"@article{{{key},\n  author = {{{authors}}},\n"
            f"  title = {{Synthetic study {i} of microneedling for {topic}: a {{RCT}}-style report}},\n"
            f"  journal = {{J Synthetic Dermatol}},\n  year = {{{year}}},\n  volume = {{{1 + i % 40}}},\n"
            f"  pages = {{{1 + i % 300}--{5 + i % 300}}},\n  doi = {{10.5555/synthetic.{i}}},\n"
            f"  pmid = {{{90000000 + i}}},\n  note = {{SYNTHETIC}},\n  source_url = {{{URL}/bib/{i}}}\n}}\n"
        )
    (out / schema.BIB_PATH).write_text("% SYNTHETIC bibliography (review synth); nothing here is real.\n\n" + "\n".join(entries), encoding="utf-8")

    level_one = {r["design"] for r in fw["designs"] if r["cebm_level"] == "1"}
    scopes = [r["scope"] for r in fw["review_scopes"]]
    devices = [r["device"] for r in fw["devices"]]
    studies = []
    for i in range(size.studies):
        design = rng.choice(human) if rng.random() < 0.85 else rng.choice(designs)
        enrolled = rng.randint(8, 400)
        lo = rng.randint(1, 4)
        studies.append({
            "study_id": keys[i], "design": design, "design_detail": "synthetic",
            "reviews": scopes[i % len(scopes)] if design in level_one else "",
            "intervention_class": rng.choice(schema.INTERVENTION_CLASSES[:3]),
            "device": devices[i % len(devices)] if i % 10 == 0 else devices[0],
            "n_studies": rng.randint(3, 40) if "review" in design else "",
            "n_enrolled": enrolled, "n_analysed": enrolled - rng.randint(0, enrolled // 10),
            "population": f"Synthetic adults with {TOPICS[i % len(TOPICS)]}", "fitzpatrick": "",
            "intervention": "Microneedling (synthetic)", "comparator": "", "sessions": "",
            "sessions_min": lo, "sessions_max": lo + rng.randint(0, 3), "follow_up": "", "funding_or_coi": "",
            "adverse_events": "", "source_url": f"{URL}/study/{i}",
        })
    _csv(out / schema.STUDIES.path, schema.STUDIES.column_names, studies)

    # findings: unique (study, outcome) pairs; effects always inside their interval
    graded = [o["outcome_id"] for o in outcomes if o["category"] not in ("cost", "procedure", "regulatory")]
    pairs: set[tuple[str, str]] = set()
    findings = []
    while len(findings) < size.findings:
        j = rng.randrange(size.studies)
        sid = keys[j]
        oid = graded[min(int(rng.paretovariate(1.2)) - 1, len(graded) - 1)] if rng.random() < 0.5 else rng.choice(graded)
        if (sid, oid) in pairs:
            continue
        pairs.add((sid, oid))
        row: dict[str, object] = {
            "study_id": sid, "outcome_id": oid, "direction": rng.choices(schema.DIRECTIONS, weights=(70, 15, 5, 5, 5))[0],
            "measure": "synthetic scale", "result": "Synthetic result.", "events": "", "total": "",
            "effect": "", "ci_low": "", "ci_high": "", "effect_type": "",
            "comparison": COMPARISONS[j % len(COMPARISONS)], "timepoint": "",
            "source_url": f"{URL}/finding/{len(findings)}",
        }
        if rng.random() < 0.4:
            eff = round(rng.gauss(0.5, 0.6), 2)
            half = round(abs(rng.gauss(0.4, 0.2)) + 0.05, 2)
            row.update(effect=eff, ci_low=round(eff - half, 2), ci_high=round(eff + half, 2), effect_type=rng.choice(("MD", "SMD")), timepoint=TIMEPOINTS[len(findings) % len(TIMEPOINTS)])
        elif rng.random() < 0.3:
            total = rng.randint(10, 200)
            row.update(events=rng.randint(0, total), total=total)
        findings.append(row)
    findings.sort(key=lambda r: (str(r["study_id"]), str(r["outcome_id"])))
    _csv(out / schema.FINDINGS.path, schema.FINDINGS.column_names, findings)

    # risk of bias: every domain of the tool that applies to each study's design
    tool_for = {d: t["tool"] for t in fw["rob_tools"] for d in t["applies_to"].split(";")}
    domains: dict[str, list[str]] = {}
    for r in fw["rob_domains"]:
        domains.setdefault(r["tool"], []).append(r["domain"])
    judgements: dict[str, list[str]] = {}
    for r in fw["rob_judgements"]:
        judgements.setdefault(r["tool"], []).append(r["judgement"])
    rob = []
    for s in studies:
        tool = tool_for.get(str(s["design"]))
        if tool:
            first = len(rob)
            for d in domains[tool]:
                rob.append({"study_id": s["study_id"], "tool": tool, "domain": d, "judgement": rng.choice(judgements[tool]), "reason": "synthetic call"})
            if tool == rob2.TOOL:  # RoB 2's overall follows its algorithm (the random draw above keeps the sequence)
                calls = rob[first:]
                calls[-1]["judgement"] = rob2.rob2_overall(str(r["judgement"]) for r in calls[:-1])
    _csv(out / schema.RISK_OF_BIAS.path, schema.RISK_OF_BIAS.column_names, rob)

    searches = [
        {"outcome_id": o["outcome_id"], "query": f"synthetic query {o['outcome_id']}", "database": "synthetic",
         "date_searched": "2026-01-01", "n_found": rng.randint(0, 50),
         "result": "evidence found" if o["outcome_id"] in {p[1] for p in pairs} else "no evidence found", "notes": ""}
        for o in outcomes
    ]
    _csv(out / schema.SEARCHES.path, schema.SEARCHES.column_names, searches)

    # articles and their claims: each quote is a sentence of its article
    sources, claims = [], []
    per_source: dict[str, list[str]] = {}
    for i in range(size.sources):
        sid = f"S{i:04d}"
        sources.append({"source_id": sid, "title": f"Synthetic article {i}", "kind": rng.choice(("clinic blog", "magazine", "blog")), "words": 0, "text_file": f"{sid}.txt"})
        per_source[sid] = [f"Synthetic article {i} about microneedling."]
    claim_types = {"efficacy": "benefit", "mechanism": "mechanism", "safety": "safety", "cost": "cost", "procedure": "procedure", "regulatory": "regulatory"}
    popular = [o for o in outcomes]
    for i in range(size.claims):
        src = sources[i % size.sources]["source_id"]
        o = popular[min(int(rng.paretovariate(0.9)) - 1, len(popular) - 1)] if rng.random() < 0.6 else rng.choice(popular)
        topic = o["label"].removeprefix("Synthetic ")
        quote = f"Claim {i}: microneedling {rng.choice(VERBS)} {topic}."
        per_source[src].append(quote)
        claims.append({
            "claim_id": f"{src}-{i:05d}", "source_id": src, "quote": quote, "statement": f"Microneedling affects {topic} (synthetic claim {i}).",
            "outcome_id": o["outcome_id"], "claim_type": claim_types[o["category"]], "wording": rng.choice(schema.WORDINGS),
            "quantity": "", "cited_work": "",
        })
    for s in sources:
        text = " ".join(per_source[s["source_id"]])
        s["words"] = len(text.split())
        (out / "articles").mkdir(exist_ok=True)
        (out / "articles" / s["text_file"]).write_text(text + "\n", encoding="utf-8")
    _csv(out / schema.SOURCES.path, schema.SOURCES.column_names, sources)
    _csv(out / schema.CLAIMS.path, schema.CLAIMS.column_names, claims)

    ungraded = {o["outcome_id"] for o in outcomes if o["category"] in ("cost", "procedure", "regulatory")}
    verdicts = [
        {"claim_id": c["claim_id"], "verdict": rng.choice([r["verdict"] for r in fw["verdict_scale"]]), "reason": "synthetic reviewer verdict", "reviewer": "synth"}
        for c in claims if c["outcome_id"] in ungraded and rng.random() < 0.5
    ]
    _csv(out / schema.CLAIM_VERDICTS.path, schema.CLAIM_VERDICTS.column_names, verdicts)
    _csv(out / schema.CLAIM_FACETS.path, schema.CLAIM_FACETS.column_names, [])  # no reviewer facets: a validation note says so
    _csv(out / schema.CERTAINTY_SIGNOFFS.path, schema.CERTAINTY_SIGNOFFS.column_names, [])
    cited = [c for c in claims if rng.random() < 0.01]
    _csv(out / schema.CITATIONS.path, schema.CITATIONS.column_names, [
        {"claim_id": c["claim_id"], "study_id": keys[rng.randrange(size.studies)], "support": rng.choice(schema.FIDELITY_SUPPORT[:3]),
         "departures": "none", "reason": "synthetic fidelity check"} for c in cited
    ])
    overridden = rng.sample(graded, k=max(1, len(graded) // 50))
    _csv(out / schema.JUDGEMENTS.path, schema.JUDGEMENTS.column_names, [
        {"outcome_id": oid, "domain": "publication_bias", "judgement": "serious", "reason": "synthetic override", "reviewer": "synth"}
        for oid in sorted(overridden)
    ])
    return size
