"""The package works installed as a wheel, not only from the source tree: templates are package data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, copy_workbook, write_notebook


def test_report_builds_from_a_wheel_install(tmp_path: Path):
    wheels, site = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO)], check=True, timeout=300, cwd=tmp_path)
    (wheel,) = wheels.glob("review-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300)
    root = copy_workbook(tmp_path / "wb", "no-archive-here")
    shutil.rmtree(root / "notebooks")
    (root / "notebooks").mkdir()
    write_notebook(root / "notebooks" / "01-count-claims.ipynb", ["import review\nreview.__file__", "len(review.load_workbook().claims)"], "Claims")
    env = {**{k: v for k, v in os.environ.items() if k not in ("REVIEW_ROOT", "REVIEW_ARCHIVE")}, "PYTHONPATH": str(site)}
    code = "import sys, review.cli; print(review.cli.__file__, file=sys.stderr); sys.exit(review.cli.main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, "report", "--root", str(root)], capture_output=True, text=True, env=env, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0].startswith(str(site)), "the wheel's copy ran, not the source tree"
    page = (root / "reports" / "01-count-claims.html").read_text(encoding="utf-8")
    assert str(site) in page  # the kernel imported the installed copy too
    assert (root / "reports" / "index.html").is_file() and (root / "reports" / "references.html").is_file()
    assert "review-nav" in page  # the reviewer template (templates/reviewer/) was found in the wheel
