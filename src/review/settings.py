"""The review's settings, read from ``workbook.toml`` and checked.

One place says what a workbook is about (its treatment, title and
organisation), where its articles are kept, and which meta-analysis methods
it uses, so no notebook or template hard-codes a name. Every problem (a
syntax error, an unknown key, a value of the wrong kind) is reported as
``workbook.toml:LINE: key: what is allowed``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem, UsageError, WorkbookError

CONFIG_FILE = "workbook.toml"

#: between-study variance estimators that can be chosen (REML is RevMan's default since 2025)
TAU2_METHODS = ("REML", "DL", "PM")
#: how the Hartung-Knapp-Sidik-Jonkman interval is used: "modified" never lets it be narrower than the Wald interval
HKSJ_VARIANTS = ("modified", "standard")

#: key -> (type, default, help); a table's keys are written "table.key"
KEYS: dict[str, tuple[type, object, str]] = {
    "archive": (str, "../shared/seeds", "folder holding the full texts of the articles, relative to workbook.toml"),
    "treatment": (str, "", "the treatment under review, as it reads in a sentence (e.g. \"microneedling\")"),
    "title": (str, "", "the review's title (default: \"<Treatment>: marketing claims against the evidence\")"),
    "organisation": (str, "", "who publishes the review (named on the front page and in ClaimReview)"),
    "meta.tau2": (str, "REML", f"between-study variance estimator: one of {', '.join(TAU2_METHODS)}"),
    "meta.hksj": (str, "modified", f"Hartung-Knapp-Sidik-Jonkman interval: one of {', '.join(HKSJ_VARIANTS)}"),
    "report.claims_per_page": (int, 2000, "a whole number >= 1: above this many claims, claims.html lists every claim in brief and each article's entries get their own page"),
}
CHOICES = {"meta.tau2": TAU2_METHODS, "meta.hksj": HKSJ_VARIANTS}


@dataclass(frozen=True)
class Settings:
    """A workbook's settings, every value checked."""

    archive: str = "../shared/seeds"
    treatment: str = ""
    title: str = ""
    organisation: str = ""
    tau2_method: str = "REML"
    hksj: str = "modified"
    claims_per_page: int = 2000

    @property
    def treatment_name(self) -> str:
        """The treatment for running text, or a neutral phrase when none is set."""
        return self.treatment or "the treatment"

    @property
    def review_title(self) -> str:
        if self.title:
            return self.title
        name = self.treatment or "Treatment"
        return f"{name[:1].upper()}{name[1:]}: marketing claims against the evidence"


def _line_of(text: str, key: str) -> int:
    """Best-effort line number of ``key`` in the TOML text (0 when not found)."""
    leaf = key.split(".")[-1]
    for i, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*{re.escape(leaf)}\s*=", line):
            return i
    return 0


def parse_settings(text: str, where: str = CONFIG_FILE) -> Settings:
    """Settings from the text of a workbook.toml; raise WorkbookError naming line and key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else 0
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        if not m and "end of document" in msg:  # an unclosed quote or bracket runs to the end of the file
            line = max(1, len(text.splitlines()))
            msg = msg.replace("(at end of document)", "at the end of the file (a quote or bracket opened earlier is never closed)")
        raise WorkbookError([Problem(where, line, "", f"not valid TOML: {msg}; see https://toml.io (strings need double quotes)")]) from None
    flat: dict[str, object] = {}
    problems: list[Problem] = []
    for key, value in raw.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                flat[f"{key}.{sub}"] = v
        else:
            flat[key] = value
    for key, value in flat.items():
        if key not in KEYS:
            allowed = ", ".join(KEYS)
            problems.append(Problem(where, _line_of(text, key), key, f"unknown setting; allowed: {allowed}"))
            continue
        kind, _, help_text = KEYS[key]
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value < 1):  # TOML true is no number
            problems.append(Problem(where, _line_of(text, key), key, f"must be {'a string' if kind is str else 'a whole number >= 1'}: {help_text}"))
        elif key in CHOICES and value not in CHOICES[key]:
            problems.append(Problem(where, _line_of(text, key), key, f"value {value!r} is not allowed; allowed: {', '.join(CHOICES[key])}"))
    if problems:
        raise WorkbookError(problems)

    def get(key: str) -> str:
        return str(flat.get(key, KEYS[key][1]))

    return Settings(
        archive=get("archive"),
        treatment=get("treatment"),
        title=get("title"),
        organisation=get("organisation"),
        tau2_method=get("meta.tau2"),
        hksj=get("meta.hksj"),
        claims_per_page=int(get("report.claims_per_page")),
    )


def load_settings(root: Path) -> Settings:
    """The settings of the workbook at ``root`` (defaults when it has no workbook.toml)."""
    path = root / CONFIG_FILE
    if not path.exists():
        return Settings()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkbookError([Problem(CONFIG_FILE, 0, "", f"cannot be read: {exc}")]) from None
    return parse_settings(text)


#: environment variable: how many notebooks a report build runs at once
JOBS_ENV = "REVIEW_JOBS"


def jobs_setting(default: int | None = None) -> int:
    """Notebooks run at once: ``$REVIEW_JOBS`` if set, else ``default`` (one per core).

    Anything but a whole number >= 1 is a :class:`UsageError` naming the value,
    raised before any notebook runs.
    """
    raw = os.environ.get(JOBS_ENV, "")
    if not raw.strip():
        return max(1, default or os.cpu_count() or 1)
    if not (raw.strip().isascii() and raw.strip().isdigit()) or int(raw) < 1:
        raise UsageError(f"{JOBS_ENV}={raw!r} is not allowed: set it to a whole number of notebooks to run at once (1 or more), or unset it")
    return int(raw)
