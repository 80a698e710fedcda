"""A read-only workbook (a shared drive, a CI checkout) can be validated, graded and reported.

Its cache goes to the user's cache folder (or ``--cache DIR``), its outputs to
``--out``; nothing under the workbook is written. Permissions must really
bite: root may write anywhere, so as root the workbook is a read-only bind
mount (writes fail with EROFS, as on a read-only share); otherwise its files
are made read-only with chmod.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import copy_workbook, snapshot


def _tree_mode(path: Path, writable: bool) -> None:
    for p in [path, *path.rglob("*")]:
        mode = p.stat().st_mode
        p.chmod(mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _mount_read_only(src: Path, dest: Path) -> bool:
    dest.mkdir()
    if subprocess.run(["mount", "--bind", str(src), str(dest)], capture_output=True).returncode != 0:
        return False
    if subprocess.run(["mount", "-o", "remount,bind,ro", str(dest)], capture_output=True).returncode != 0:
        subprocess.run(["umount", str(dest)], capture_output=True)
        return False
    return True


@pytest.fixture()
def readonly(tmp_path: Path):
    """A copy of the workbook (one notebook is enough to build and cache a report) that cannot be written."""
    src = copy_workbook(tmp_path / "wb-src")
    for nb in (src / "notebooks").glob("*.ipynb"):
        if not nb.name.startswith("00-"):
            nb.unlink()
    if os.geteuid() != 0:
        _tree_mode(src, writable=False)
        yield src
        _tree_mode(src, writable=True)
        return
    if not shutil.which("mount") or not _mount_read_only(src, tmp_path / "wb"):
        pytest.skip("running as root and cannot mount read-only: file permissions cannot be made to bite")
    try:
        yield tmp_path / "wb"
    finally:
        subprocess.run(["umount", str(tmp_path / "wb")], check=True)


def review(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed command with a fresh home folder (the user's cache folder is under it)."""
    home.mkdir(exist_ok=True)
    script = Path(sys.executable).with_name("review")
    cmd = ([str(script)] if script.exists() else [sys.executable, "-m", "review.cli"]) + args
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEW_") and k not in ("XDG_CACHE_HOME",)}
    env["HOME"] = str(home)
    # kernels talk over Unix sockets in the Jupyter runtime folder, whose path may not exceed 107 bytes:
    # pytest's temporary folders are too deep for that, so the runtime folder gets a short path of its own
    with tempfile.TemporaryDirectory(prefix="rt-", dir="/tmp") as runtime:
        env["JUPYTER_RUNTIME_DIR"] = runtime
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def test_read_only_workbook_is_validated_graded_and_reported(readonly: Path, tmp_path: Path):
    home, out = tmp_path / "home", tmp_path / "out"
    before = snapshot(readonly)
    checked = review(["validate", "--root", str(readonly)], home)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    graded = review(["grade", "--root", str(readonly), "--out", str(out / "grades")], home)
    assert graded.returncode == 0, graded.stderr
    assert (out / "grades" / "grades.csv").is_file()
    reported = review(["report", "--root", str(readonly), "--out", str(out / "reports")], home)
    assert reported.returncode == 0, reported.stderr[-3000:]
    assert (out / "reports" / "index.html").is_file()
    assert snapshot(readonly) == before and not (readonly / "build").exists()
    cached = [p for p in (home / ".cache").rglob("*") if p.is_file()]
    assert cached, "the cache went to the user's cache folder"


def test_cache_option_puts_the_cache_where_asked(readonly: Path, tmp_path: Path):
    home, out, cache = tmp_path / "home", tmp_path / "out", tmp_path / "cache"
    graded = review(["grade", "--root", str(readonly), "--out", str(out / "grades"), "--cache", str(cache)], home)
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert any(cache.glob("references-*.json"))  # formatted references, cached where asked
    assert not (home / ".cache" / "review").exists()


def test_grading_into_the_read_only_workbook_is_one_message(readonly: Path, tmp_path: Path):
    graded = review(["grade", "--root", str(readonly)], tmp_path / "home")
    assert graded.returncode == 1
    lines = [ln for ln in graded.stderr.splitlines() if not ln.startswith("Matplotlib is building the font cache")]
    assert len(lines) == 1 and "Traceback" not in graded.stderr, graded.stderr
    assert lines[0].startswith("review grade: cannot ") and str(readonly / "build") in lines[0], lines[0]
    assert "choose a folder you can write with --out DIR" in lines[0]
