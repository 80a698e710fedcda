"""Everything grading produces for one workbook, computed once, written by ``review grade``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .citations import short_citation
from .facets import direct_studies, facet_table
from .grading import OutcomeGrade, grade_all, grades_frame, study_levels
from .meta import pool_all
from .outdir import GRADE_MARKER, check_grade_folder, csv_bytes, write_together
from .quantities import quantity_checks
from .signoffs import apply_signoffs
from .sof import summary_of_findings
from .verdicts import citation_fidelity, judge_claims, number_checks
from .workbook import Workbook, load_workbook


@dataclass(frozen=True)
class Results:
    grades: list[OutcomeGrade]
    grades_table: pd.DataFrame
    verdicts: pd.DataFrame
    fidelity: pd.DataFrame
    quantities: pd.DataFrame
    levels: pd.DataFrame
    sof: pd.DataFrame  #: the Summary of Findings, one row per outcome (review.sof.SOF_COLUMNS)
    pooled: pd.DataFrame  #: one row per pooled set (review.meta.POOLED_COLUMNS), methods from workbook.toml [meta]
    facets: pd.DataFrame


def compute(wb: Workbook) -> Results:
    """Grade every outcome and judge every claim of a loaded workbook."""
    scales = wb.scales
    pooled = pool_all(wb.findings, wb.settings.tau2_method, wb.settings.hksj)
    grades = grade_all(wb.outcomes, wb.findings, wb.studies, wb.designs, wb.risk_of_bias, wb.rob_judgements, wb.judgements, scales,
                       pooled=pooled, devices=wb.devices, review_scopes=wb.review_scopes)
    grades = apply_signoffs(grades, wb.certainty_signoffs)  # verdicts use the reviewer's final certainty
    quantities = quantity_checks(wb.claims, wb.findings, wb.studies, wb.searches, wb.citations)
    bib = wb.bib
    verdicts = judge_claims(
        wb.claims,
        wb.outcomes,
        grades,
        wb.claim_verdicts,
        facets=wb.claim_facets,
        quantities=quantities,
        citations=wb.citations,
        check_verdicts=wb.check_verdicts,
        contrasts=direct_studies(wb.findings, wb.studies, wb.designs, wb.devices),
        cite=lambda key: short_citation(key, bib),
        scales=scales,
    )
    return Results(
        grades=grades,
        grades_table=grades_frame(grades, wb.outcomes, scales),
        verdicts=verdicts,
        fidelity=citation_fidelity(wb.citations, wb.claims, wb.studies, grades, verdicts, wb.check_verdicts, scales),
        quantities=number_checks(quantities, verdicts, wb.check_verdicts),
        levels=study_levels(wb.studies, wb.designs, wb.review_scopes),
        sof=summary_of_findings(grades, wb.outcomes, wb.findings, pooled, scales, wb.settings.treatment_name, cite=lambda key: short_citation(key, bib)),
        pooled=pooled,
        facets=facet_table(wb.claims, wb.claim_facets, wb.facet_cues, quantities),
    )


def write_grades(root: Path, out: Path) -> list[Path]:
    """Write grades.csv, verdicts.csv, the citation and number checks and pooled.csv to ``out``; refuses a broken workbook."""
    out = check_grade_folder(out, root)  # before any work: never overwrite files grade did not write
    results = compute(load_workbook(root))
    files = {
        "grades.csv": results.grades_table,
        "verdicts.csv": results.verdicts,
        "citation_checks.csv": results.fidelity,
        "quantity_checks.csv": results.quantities,
        "pooled.csv": results.pooled,
        "claim_facets.csv": results.facets,
        "summary_of_findings.csv": results.sof,
    }
    paths = [out / name for name in files]
    marker = "Written by `review grade`; a later run may replace its CSV files.\n".encode("utf-8")
    # all or nothing: a full disk or a second run at the same time never leaves a mix of old and new files
    write_together({out / GRADE_MARKER: marker} | {out / name: csv_bytes(frame) for name, frame in files.items()})
    return paths
