"""Exported pages cached by notebook, reused while the notebook, the code and every input it read are unchanged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import nbformat

from .. import cache
from ..workbook import ALL_INPUTS, archive_dir
from .notebooks import Page


@dataclass(frozen=True)
class PageBuild:
    """One notebook's exported page (footer still a token), whether it came from the cache, and the chart it gives the index."""

    page: Page
    html: str
    cached: bool
    front_chart: tuple[str, str] | None = None


def data_files(root: Path) -> list[Path]:
    """Every input a report is built from: data tables and the bibliography."""
    files = sorted(p for p in (root / "data").rglob("*.csv") if p.is_file())
    bib = root / "references.bib"
    return files + ([bib] if bib.exists() else [])


def notebook_digest(path: Path) -> str:
    """Digest of what a notebook *does*: its cells' types and sources and its kernel, not its stored outputs."""
    nb = nbformat.read(path, as_version=4)
    cells = [(c.cell_type, c.source, c.get("metadata", {}).get("tags", [])) for c in nb.cells]  # tags too: one gives the index its chart
    return cache.sha256_bytes(json.dumps([path.name, cells, nb.metadata.get("kernelspec", {})]).encode())


def input_digests(root: Path, names: Iterable[str]) -> dict[str, str]:
    """Current digest of each traced input: a workbook-relative file, or ``*`` for every data file and article."""
    out: dict[str, str] = {}
    for name in sorted(set(names)):
        if name == ALL_INPUTS:
            files = data_files(root)
            archive = archive_dir(root)
            parts = cache.digest_files(files, root)
            if archive.is_dir():
                parts.update({f"archive/{k}": v for k, v in cache.digest_files([p for p in archive.iterdir() if p.is_file()], archive).items()})
            out[name] = cache.combine(parts)
        else:
            p = root / name
            out[name] = cache.sha256_bytes(p.read_bytes()) if p.is_file() else "missing"
    return out


def pages_dir(root: Path) -> Path:
    """Where exported pages are cached: one file per notebook version, ``<notebook stem>-<key>.json``."""
    return cache.cache_dir(root) / "pages"


def stored_versions(folder: Path, notebook: Path) -> list[Path]:
    """Every cached page of ``notebook`` in ``folder``, whatever its key."""
    return sorted(folder.glob(f"{notebook.stem}-*.json"))


def never_cached(root: Path, notebooks: Iterable[Path]) -> list[Path]:
    """The notebooks with no cached page of any version: these will execute, whatever their inputs.

    Read from file names only, before the workbook is loaded, so the build can
    start their kernels at once.
    """
    folder = pages_dir(root)
    return [nb for nb in notebooks if not stored_versions(folder, nb)]


class PageCache:
    """Exported pages by notebook, keyed on the notebook, the code, and the inputs the notebook used last time."""

    def __init__(self, root: Path, labels: Mapping[str, str]):
        self.root = root
        self.dir = pages_dir(root)
        self.base = cache.combine({
            "code": cache.code_digest([root / "requirements.lock", root / "pyproject.toml"]),
            "config": cache.sha256_bytes((root / "workbook.toml").read_bytes()) if (root / "workbook.toml").is_file() else "",
            "citations": cache.sha256_bytes(json.dumps(sorted(labels.items())).encode()),  # pages cite every bib key they mention
        })

    def _path(self, notebook: Path) -> Path:
        return self.dir / f"{notebook.stem}-{cache.combine({'base': self.base, 'nb': notebook_digest(notebook)})[:24]}.json"

    def get(self, notebook: Path) -> PageBuild | None:
        """The cached page, if every input it used still has the digest it had; None otherwise."""
        record = cache.read_json(self._path(notebook))
        if not isinstance(record, dict) or not isinstance(record.get("inputs"), dict):
            return None
        if input_digests(self.root, record["inputs"]) != record["inputs"]:
            return None
        chart = record.get("front_chart")
        return PageBuild(Page(**record["page"]), record["html"], True, tuple(chart) if isinstance(chart, list) and len(chart) == 2 else None)

    def put(self, notebook: Path, build: PageBuild, used: Iterable[str]) -> None:
        record = {"page": build.page.__dict__, "html": build.html, "front_chart": build.front_chart, "inputs": input_digests(self.root, used)}
        path = self._path(notebook)
        for old in stored_versions(self.dir, notebook):  # one entry per notebook version is enough
            if old != path:
                old.unlink(missing_ok=True)
        cache.write_json(path, record)


class SiteCache:
    """The build's own pages (index, claims, articles, references, What's new), kept by everything they are made from.

    The key covers what :class:`PageCache` keys on (code, settings, citations),
    every data file, the bibliography and the archived articles, and the
    ``parts`` the build adds: the notebooks' titles, the date the data stands
    at, and the revision What's new compares with. Pages are stored with the
    footer as a token, as notebook pages are.
    """

    def __init__(self, pages: PageCache, parts: Mapping[str, str]):
        inputs = input_digests(pages.root, [ALL_INPUTS])[ALL_INPUTS]
        key = cache.combine({"base": pages.base, "inputs": inputs, **parts})
        self.path = cache.cache_dir(pages.root) / "site" / f"site-{key[:24]}.json"

    def get(self) -> dict[str, str] | None:
        record = cache.read_json(self.path)
        if not isinstance(record, dict) or "index.html" not in record or not all(isinstance(v, str) for v in record.values()):
            return None
        return record

    def put(self, files: Mapping[str, str]) -> None:
        for old in self.path.parent.glob("site-*.json"):  # the latest version is enough
            if old != self.path:
                old.unlink(missing_ok=True)
        cache.write_json(self.path, dict(files))
