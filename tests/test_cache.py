"""The report cache: a page is reused only while everything it was built from is unchanged.

Each test builds a copy of the real workbook with two tiny notebooks (one reads
the claims, one the bibliography), so a build costs two short kernel runs.
"""

from __future__ import annotations

import csv
import json
import shutil
import os
from pathlib import Path

import nbformat
import pytest
from conftest import copy_workbook, write_notebook

from review import cache, citations
from review.bib import read_bib
from review.build import build_reports

CLAIMS_NB = [
    "import review\nwb = review.load_workbook()",
    "print('first claim:', wb.claims.sort_values('claim_id')['statement'].iloc[0])",
]
BIB_NB = [
    "import review\nwb = review.load_workbook()",
    "print('Majid2009 title:', wb.bib.entries['Majid2009']['title'])",
]
DIRECT_NB = [  # reads a data file itself, not through the Workbook
    "import review, pathlib\nwb = review.load_workbook()",
    "print(len((wb.root / 'data' / 'sources.csv').read_text(encoding='utf-8').splitlines()), 'lines in sources.csv')",
]


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    wb = copy_workbook(tmp_path / "wb")
    shutil.rmtree(wb / "notebooks")
    (wb / "notebooks").mkdir()
    write_notebook(wb / "notebooks" / "01-read-claims.ipynb", CLAIMS_NB, "Claims")
    write_notebook(wb / "notebooks" / "02-read-bib.ipynb", BIB_NB, "Bibliography")
    return wb


def build(root: Path) -> dict[str, list[str]]:
    """Build, and say which notebooks were executed and which were served from the cache."""
    build_reports(root, root / "reports")
    log = json.loads((cache.cache_dir(root) / "last-build.json").read_text(encoding="utf-8"))
    return {k: log[k] for k in ("executed", "cached")}


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def page(root: Path, name: str) -> str:
    return (root / "reports" / name).read_text(encoding="utf-8")


def test_unchanged_workbook_is_served_from_the_cache(root: Path):
    assert build(root)["executed"] == ["01-read-claims.ipynb", "02-read-bib.ipynb"]
    before = page(root, "01-read-claims.html")
    assert build(root) == {"executed": [], "cached": ["01-read-claims.ipynb", "02-read-bib.ipynb"]}
    assert page(root, "01-read-claims.html") == before


def test_a_data_file_change_re_executes_only_the_notebooks_that_read_it(root: Path):
    build(root)
    replace_in(root / "data" / "claims.csv", "increases collagen and elastin production", "raises collagen and elastin output")
    assert build(root) == {"executed": ["01-read-claims.ipynb"], "cached": ["02-read-bib.ipynb"]}
    assert "raises collagen and elastin output" in page(root, "01-read-claims.html")  # never the stale page


def test_a_bib_change_re_executes_the_notebooks_that_read_the_bib(root: Path):
    build(root)
    replace_in(root / "references.bib", "an objective assessment", "an objective assessment (edited)")
    assert build(root) == {"executed": ["02-read-bib.ipynb"], "cached": ["01-read-claims.ipynb"]}
    assert "an objective assessment (edited)" in page(root, "02-read-bib.html")


def test_a_notebook_edit_re_executes_that_notebook(root: Path):
    build(root)
    write_notebook(root / "notebooks" / "02-read-bib.ipynb", BIB_NB + ["print('added cell')"], "Bibliography")
    assert build(root) == {"executed": ["02-read-bib.ipynb"], "cached": ["01-read-claims.ipynb"]}
    assert "added cell" in page(root, "02-read-bib.html")


def test_outputs_saved_in_a_notebook_do_not_invalidate_it(root: Path):
    build(root)
    path = root / "notebooks" / "01-read-claims.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="old output\n")]
    nbformat.write(nb, path)
    assert build(root)["executed"] == []


def test_a_package_code_change_re_executes_every_notebook(root: Path, tmp_path: Path, monkeypatch):
    code = tmp_path / "package"
    shutil.copytree(cache.PACKAGE, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", code)
    build(root)
    assert build(root)["executed"] == []
    with (code / "grading.py").open("a", encoding="utf-8") as fh:
        fh.write("\n# a change to the grading rules\n")
    assert build(root)["executed"] == ["01-read-claims.ipynb", "02-read-bib.ipynb"]


def test_a_file_a_notebook_opens_directly_is_tracked_too(root: Path):
    write_notebook(root / "notebooks" / "03-read-directly.ipynb", DIRECT_NB, "Direct")
    build(root)
    with (root / "data" / "sources.csv").open("a", encoding="utf-8") as fh:
        fh.write("S9,Extra article,blog,10,000_a73a72a54fc287ad.txt\n")
    result = build(root)
    assert result["executed"] == ["03-read-directly.ipynb"]
    assert "7 lines in sources.csv" in page(root, "03-read-directly.html")


def test_formatted_references_are_cached_by_the_bib_content(root: Path):
    bib = read_bib(root)
    first = citations.full_reference("Majid2009", bib)
    files = list(cache.cache_dir(root).glob("references-*.json"))
    assert len(files) == 1
    replace_in(root / "references.bib", "an objective assessment", "an objective assessment (edited)")
    edited = read_bib(root)
    assert "(edited)" in citations.full_reference("Majid2009", edited)
    assert "(edited)" not in first
    assert len(list(cache.cache_dir(root).glob("references-*.json"))) == 2


def test_cache_dir_is_in_the_workbook_when_it_can_be_written(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    assert cache.cache_dir(tmp_path) == tmp_path / "build" / "cache"
    assert not (tmp_path / "build").exists()  # deciding never creates anything (validate writes nothing)


def test_cache_dir_moves_to_the_user_cache_folder_when_the_workbook_is_read_only(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    workbook = tmp_path / "wb"
    workbook.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == workbook else real_access(p, mode))
    other = cache.cache_dir(workbook)
    assert other.parent == tmp_path / "xdg" / "review"


def test_cache_option_overrides(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "mine"))
    assert cache.cache_dir(tmp_path / "wb") == tmp_path / "mine"


def test_the_builds_own_pages_follow_a_data_edit_that_no_notebook_reads(root: Path):
    build(root)
    before = page(root, "claims.html")
    with (root / "data" / "sources.csv").open(encoding="utf-8", newline="") as fh:
        title = next(csv.DictReader(fh))["title"]
    replace_in(root / "data" / "sources.csv", title, "A retitled article")
    assert build(root) == {"executed": [], "cached": ["01-read-claims.ipynb", "02-read-bib.ipynb"]}
    assert "A retitled article" in page(root, "claims.html") and "A retitled article" in page(root, "articles.html")
    assert page(root, "claims.html") != before
