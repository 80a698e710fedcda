"""Start a blank review of another treatment (``review new DIR --treatment "LED light therapy masks"``).

A new review is a folder with everything a workbook needs and no judgements
yet: ``workbook.toml`` naming the treatment, an empty article archive,
``data/`` with every table's header (the tables are declared once, in
:mod:`review.schema`) and the appraisal frameworks (study designs,
risk-of-bias tools and whatever else ``data/frameworks/`` holds), an empty
``references.bib`` and the notebooks without outputs. It validates, grades and
builds a report at once; pages say what is missing ("no claims yet: add an
article with review intake").

The frameworks and notebooks are copied from a template workbook: by default
the one this package belongs to (this repository, for an editable install),
or ``--from DIR``. They are copied, not kept twice: there is one home for
each, the template's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from . import schema
from .errors import Problem, WorkbookError
from .settings import CONFIG_FILE, parse_settings

#: the new review's article archive, inside it (``archive`` in workbook.toml)
ARCHIVE = "articles"
FRAMEWORKS = "data/frameworks"


def _toml_string(value: str) -> str:
    """A TOML basic string (json's escaping is valid TOML for these characters)."""
    return json.dumps(value, ensure_ascii=False)


def settings_text(treatment: str, organisation: str = "", title: str = "") -> str:
    """The new review's workbook.toml, commented like the template's."""
    lines = [
        "# Workbook settings (checked by `review validate`). Paths are relative to this file's folder.",
        "# archive: the folder holding the full texts of the articles under review",
        "# (review intake --accept copies each new article's text there).",
        f"archive = {_toml_string(ARCHIVE)}",
        "# what the review is about and who publishes it; pages and notebooks take names from here",
        f"treatment = {_toml_string(treatment)}",
    ]
    if title:
        lines.append(f"title = {_toml_string(title)}")
    lines += [
        f"organisation = {_toml_string(organisation)}",
        "",
        "[meta]",
        "# between-study variance: REML (RevMan since 2025), DL (DerSimonian-Laird) or PM (Paule-Mandel)",
        'tau2 = "REML"',
        '# Hartung-Knapp-Sidik-Jonkman interval: "modified" is never narrower than the Wald interval',
        'hksj = "modified"',
    ]
    return "\n".join(lines) + "\n"


def clear_outputs(notebook: dict) -> dict:
    """A notebook's JSON with every output and execution count removed (sources kept as they are)."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return notebook


def template_root() -> Path:
    """The workbook this package belongs to (its repository), the default template of ``review new``."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / CONFIG_FILE).exists() and (parent / FRAMEWORKS).is_dir() and (parent / "notebooks").is_dir():
            return parent
    raise WorkbookError([Problem("--from", 0, "", "no template workbook found beside the installed package; pass --from DIR (a workbook with data/frameworks/ and notebooks/)")])


def new_review(dest: Path, treatment: str, organisation: str = "", title: str = "", template: Path | None = None) -> Path:
    """Write a blank review into ``dest`` (missing or empty); return it."""
    if not treatment.strip():
        raise WorkbookError([Problem("--treatment", 0, "", "name the treatment under review, e.g. --treatment \"LED light therapy masks\"")])
    template = (template or template_root()).resolve()
    for need in (FRAMEWORKS, "notebooks"):
        if not (template / need).is_dir():
            raise WorkbookError([Problem(str(template), 0, "--from", f"is not a workbook: it has no {need}/")])
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise WorkbookError([Problem(str(dest), 0, "", "already exists and is not empty; choose a new folder")])
    text = settings_text(treatment.strip(), organisation.strip(), title.strip())
    parse_settings(text)  # a name that cannot be written as TOML stops here, before anything is written

    dest.mkdir(parents=True, exist_ok=True)
    (dest / CONFIG_FILE).write_text(text, encoding="utf-8")
    (dest / ARCHIVE).mkdir()
    shutil.copytree(template / FRAMEWORKS, dest / FRAMEWORKS, ignore=shutil.ignore_patterns(".*"))
    for spec in schema.TABLES:
        path = dest / spec.path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(",".join(spec.column_names) + "\n", encoding="utf-8")
    (dest / schema.BIB_PATH).write_text("", encoding="utf-8")
    (dest / "notebooks").mkdir()
    for nb in sorted((template / "notebooks").glob("*.ipynb")):
        data = clear_outputs(json.loads(nb.read_text(encoding="utf-8")))
        (dest / "notebooks" / nb.name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (dest / ".gitignore").write_text("build/\nreports/\n", encoding="utf-8")
    return dest
