"""Build-speed and scale benchmark: ``make bench``.

Prints a readable table and, as its last line, the same figures as one JSON
object. Everything runs on copies in a temporary folder; the repository's own
build/, reports/ and cache are not touched.

Measured on the real workbook:
  floor          the same number of bare kernel runs as there are notebooks, each only importing
                 pandas and seaborn, run the way the build runs notebooks (in parallel, one per core)
  clean build    `review report` with an empty cache, and its ratio to the floor (floor and build timed in
                 alternation, --repeat times; medians compared); also the CPU seconds each uses, which
                 a busy machine moves far less than the wall time
  no change      `review report` again with nothing changed
  one file       `review report` after editing data/claims.csv (and which notebooks re-ran)
  make test      the test suite (`python -m pytest`), without the environment setup
Measured on a synthetic workbook ``--scale`` times larger (`review synth`):
  bib load (cold, warm), validation, grading, full report (and its ratio to our clean build),
  peak memory of the report build (the build process and its kernels together), largest page.
Measured on its own:
  did you mean   suggestions for 2,000 stale ids among 20,000 claim ids, indexed (review.suggest) and,
                 for comparison, difflib over every id (timed on 20 of them and scaled up)

Intake quality (`review intake`), on the workbook's own articles with data/claims.csv as the gold standard:
  recall (catalogued claims a candidate holds or lies within), candidates per claim, precision (candidates
  that find a claim), suggested outcome right, suggested wording right; per article and in total.

Options: --scale N (default 100), --repeat N (floor/clean-build pairs, default 7), --skip-tests, --skip-scale, --intake-only (intake and did-you-mean figures only).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WORKBOOK_FILES = ("data", "references.bib", "workbook.toml", "notebooks", "requirements.lock", "pyproject.toml")

TARGETS = {  # figure: (limit, what the issue asks)
    "clean_build_ratio": (1.5, "clean build at most 1.5x the floor"),
    "no_change_rebuild_s": (3.0, "no-change rebuild under 3 s"),
    "scale_bib_load_warm_s": (1.5, "bib load under 1.5 s warm"),
    "scale_validation_s": (2.0, "validation under 2 s"),
    "scale_grading_s": (1.0, "grading under 1 s"),
    "scale_report_ratio": (3.0, "full report under 3x our clean build"),
    "scale_peak_memory_gb": (1.5, "peak memory under 1.5 GB"),
    "scale_largest_page_mb": (10.0, "no page over 10 MB"),
    "did_you_mean_s": (5.0, "did you mean: 2,000 stale ids among 20,000 under 5 s"),
    "intake_candidates_per_claim": (2.5, "intake: at most 2.5 candidates per catalogued claim"),
}
TARGETS_MIN = {  # figure: (floor, what the issue asks)
    "intake_recall": (0.90, "intake: recall of catalogued claims at least 90%"),
    "intake_outcome_right": (0.70, "intake: suggested outcome right at least 70%"),
    "intake_wording_right": (0.70, "intake: suggested wording right at least 70%"),
}


def copy_workbook(dest: Path) -> Path:
    dest.mkdir(parents=True)
    for name in WORKBOOK_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    from review.workbook import archive_dir

    (dest / "workbook.toml").write_text(f'archive = "{archive_dir(REPO).as_posix()}"\n', encoding="utf-8")
    return dest


class PeakMemory:
    """Peak resident memory of a process and all its children (kernels), sampled every 50 ms."""

    def __init__(self, pid: int):
        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, cpu: list[float] | None = None) -> tuple[float, int]:
    """Run a command to completion; return its wall time and the peak memory of its process tree.

    ``cpu``, if given, receives the CPU seconds (user + system) of the command
    and every process it waited for (its kernels): on a shared machine these
    move far less from run to run than wall time.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    mem = PeakMemory(proc.pid)
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - start
    peak = mem.stop()
    if cpu is not None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-3000:]}")
    return elapsed, peak


FLOOR_SCRIPT = """
import sys
from pathlib import Path
from review.build import execute, parallel
paths = [Path(p) for p in sys.argv[2:]]
parallel(lambda p: execute(p, Path(sys.argv[1])), paths)
"""


def floor(work: Path, n: int, cpu: list[float] | None = None) -> float:
    """Wall time of ``n`` bare kernel runs importing pandas and seaborn, in parallel as the build runs them."""
    paths = []
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("import pandas\nimport seaborn")]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = work / f"floor-{i}.ipynb"
        nbformat.write(nb, path)
        paths.append(str(path))
    elapsed, _ = run([sys.executable, "-c", FLOOR_SCRIPT, str(work), *paths], cpu=cpu)
    return elapsed


def last_build(root: Path) -> dict[str, list[str]]:
    return json.loads((root / "build" / "cache" / "last-build.json").read_text(encoding="utf-8"))


#: one-file edits: a table every notebook reads, and one only the evidence-map notebook reads
EDITS = (
    ("data/claims.csv", "increases collagen and elastin production", "increases collagen and elastin production (edited)"),
    ("data/frameworks/rob_tools.csv", "2019 (Sterne", "2019 (edited; Sterne"),
)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"benchmark edit: {old!r} not found in {rel}")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def real_workbook(work: Path, figures: dict[str, object], rows: list[tuple[str, str]], skip_tests: bool, repeat: int = 7) -> None:
    from review.build import notebook_paths

    root = copy_workbook(work / "real")
    review = [str(BIN / "review"), "report", "--root", str(root)]
    n = len(notebook_paths(root))
    run(review)  # warm-up: first kernel start and imports after install are slower than any later run
    # floor and clean build alternate, `repeat` times, and the medians are compared: a machine that is busy
    # for a moment then slows one of each pair, not only the build or only the floor. On a shared 2-core
    # machine one pair's ratio ranged 1.16-1.99 within a run, and the median of 3 pairs moved between 1.28
    # and 1.57 from run to run; 7 pairs take about 2.5 minutes
    floors, cleans, floor_cpu, clean_cpu = [], [], [], []
    for _ in range(repeat):
        floors.append(floor(work, n, floor_cpu))
        shutil.rmtree(root / "build")
        cleans.append(run(review, cpu=clean_cpu)[0])
    figures["floor_s"] = round(statistics.median(floors), 2)
    clean = statistics.median(cleans)
    figures["clean_build_s"] = round(clean, 2)
    figures["clean_build_ratio"] = round(clean / figures["floor_s"], 2)
    each = ", ".join(f"{c / f:.2f}" for f, c in zip(floors, cleans))
    # the CPU both use, the build's own process and its kernels together: no target, but a change to the build shows
    # here when a busy machine hides it in the wall times
    figures["floor_cpu_s"] = round(statistics.median(floor_cpu), 2)
    figures["clean_build_cpu_s"] = round(statistics.median(clean_cpu), 2)
    figures["clean_build_cpu_ratio"] = round(figures["clean_build_cpu_s"] / figures["floor_cpu_s"], 2)
    rows += [
        (f"floor: {n} bare kernels (import pandas, seaborn)", f"{figures['floor_s']:.2f} s (median of {repeat})"),
        (f"clean build: {n} notebooks + index + references", f"{clean:.2f} s = {figures['clean_build_ratio']:.2f} x floor (median of {repeat}; each pair: {each})"),
        ("  CPU used (process and kernels)", f"build {figures['clean_build_cpu_s']:.1f} s, floor {figures['floor_cpu_s']:.1f} s = {figures['clean_build_cpu_ratio']:.2f} x (median of {repeat})"),
    ]
    nochange, _ = run(review)
    figures["no_change_rebuild_s"] = round(nochange, 2)
    rows.append(("rebuild, nothing changed", f"{nochange:.2f} s (re-executed: {', '.join(last_build(root)['executed']) or 'none'})"))
    for rel, old, new in EDITS:
        edit(root, rel, old, new)
        onefile, _ = run(review)
        name = Path(rel).stem
        figures[f"one_file_rebuild_{name}_s"] = round(onefile, 2)
        figures[f"one_file_reexecuted_{name}"] = last_build(root)["executed"]
        rows.append((f"rebuild after editing {rel}", f"{onefile:.2f} s (re-executed: {', '.join(last_build(root)['executed'])})"))
    if not skip_tests:
        tests, _ = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=REPO)
        figures["make_test_s"] = round(tests, 1)
        rows.append(("make test (python -m pytest, no setup)", f"{tests:.1f} s"))


def scale_workbook(work: Path, scale: int, figures: dict[str, object], rows: list[tuple[str, str]]) -> None:
    root = work / f"synth{scale}"
    run([str(BIN / "review"), "synth", "--scale", str(scale), "--out", str(root), "--root", str(REPO)])
    from review import citations
    from review.bib import read_bib
    from review.results import compute
    from review.workbook import check_workbook, load_workbook

    def timed(fn):  # noqa: ANN001, ANN202
        start = time.perf_counter()
        value = fn()
        return time.perf_counter() - start, value

    def bib_load():  # noqa: ANN202
        citations._FORMATTED.clear()  # this process's memo: measure the file read, parse and cache read
        bib = read_bib(root)
        citations.warm_cache(bib)
        return bib

    cold, bib = timed(bib_load)
    warm, _ = timed(bib_load)
    validation, checked = timed(lambda: check_workbook(root))
    assert not checked.problems, checked.problems[:5]
    wb = load_workbook(root)
    grading, _ = timed(lambda: compute(wb))
    report, peak = run([str(BIN / "review"), "report", "--root", str(root)])
    pages = {p.name: p.stat().st_size for p in (root / "reports").glob("*.html")}
    sizes = {k: len(checked.tables[k].rows) for k in ("claims", "studies", "findings", "sources", "outcomes")}
    figures.update({
        "scale": scale,
        "scale_rows": {**sizes, "bib_entries": len(bib.entries)},
        "scale_bib_load_cold_s": round(cold, 2),
        "scale_bib_load_warm_s": round(warm, 2),
        "scale_validation_s": round(validation, 2),
        "scale_grading_s": round(grading, 2),
        "scale_report_s": round(report, 1),
        "scale_report_ratio": round(report / figures["clean_build_s"], 2) if figures.get("clean_build_s") else None,
        "scale_peak_memory_gb": round(peak / 2**30, 2),
        "scale_largest_page_mb": round(max(pages.values()) / 2**20, 2),
    })
    rows += [
        (f"synthetic x{scale}", ", ".join(f"{v:,} {k}" for k, v in figures["scale_rows"].items())),
        ("  bib load (parse + formatted references)", f"{cold:.2f} s cold, {warm:.2f} s warm"),
        ("  validation", f"{validation:.2f} s"),
        ("  grading (every outcome and claim)", f"{grading:.2f} s"),
        ("  full report, clean", f"{report:.1f} s" + (f" = {figures['scale_report_ratio']:.2f} x our clean build" if figures["scale_report_ratio"] else "")),
        ("  peak memory (build + kernels)", f"{figures['scale_peak_memory_gb']:.2f} GB"),
        ("  largest page", f"{figures['scale_largest_page_mb']:.2f} MB ({max(pages, key=pages.get)})"),
    ]


def intake_quality(figures: dict[str, object], rows: list[tuple[str, str]]) -> None:
    """How well `review intake` proposes the claims already catalogued for the workbook's articles."""
    from review.intake import add_scores, evaluate

    start = time.perf_counter()
    scores = evaluate(REPO)
    seconds = time.perf_counter() - start
    total = add_scores(list(scores.values()))
    rows.append((f"intake on the {len(scores)} articles", f"{total.claims} catalogued claims, {total.candidates} candidates, {seconds:.1f} s"))
    for sid, s in scores.items():
        rows.append((f"  {sid}", f"recall {s.recall:.0%}, {s.per_claim:.2f} per claim, outcome {s.outcome_accuracy:.0%}, wording {s.wording_accuracy:.0%}"))
    rows.append(("  recall", f"{total.recall:.1%} ({total.found} of {total.claims})"))
    rows.append(("  candidates per claim", f"{total.per_claim:.2f} (precision {total.precision:.0%}: {total.useful_candidates} of {total.candidates} find a claim)"))
    rows.append(("  suggested outcome right", f"{total.outcome_accuracy:.1%} ({total.outcome_right} of {total.found} found)"))
    rows.append(("  suggested wording right", f"{total.wording_accuracy:.1%} ({total.wording_right} of {total.found} found)"))
    figures.update({
        "intake_recall": round(total.recall, 3),
        "intake_candidates_per_claim": round(total.per_claim, 2),
        "intake_precision": round(total.precision, 3),
        "intake_outcome_right": round(total.outcome_accuracy, 3),
        "intake_wording_right": round(total.wording_accuracy, 3),
    })


def did_you_mean(figures: dict[str, object], rows: list[tuple[str, str]]) -> None:
    """2,000 stale ids (one typing error each) among 20,000 claim ids shaped like the synthetic workbook's."""
    import difflib
    import random

    from review.suggest import Suggester

    rng = random.Random(2026)
    known = [f"S{a}-{b:02d}" for a in range(400) for b in range(1, 51)]
    stale = []
    for claim in rng.sample(known, 2000):
        i = rng.randrange(len(claim))
        stale.append(claim[:i] + claim[i + 1 :] if rng.random() < 0.5 else claim[:i] + "x" + claim[i:])
    start = time.perf_counter()
    suggester = Suggester(known)
    found = sum(1 for value in stale if suggester.suggest(value))
    fast = time.perf_counter() - start
    start = time.perf_counter()
    for value in stale[:20]:
        difflib.get_close_matches(value, known, n=3, cutoff=0.6)
    full = (time.perf_counter() - start) * len(stale) / 20
    figures.update({"did_you_mean_s": round(fast, 2), "did_you_mean_full_scan_s": round(full, 1)})
    rows.append(("did you mean: 2,000 stale ids among 20,000", f"{fast:.2f} s ({found:,} with a suggestion); every id compared: ~{full:.0f} s"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    parser.add_argument("--skip-scale", action="store_true", help="do not build the synthetic workbook")
    parser.add_argument("--repeat", type=int, default=7, help="floor and clean-build pairs to time (their medians are compared)")
    parser.add_argument("--intake-only", action="store_true", help="only measure the quality of review intake (seconds)")
    args = parser.parse_args()
    figures: dict[str, object] = {"cores": os.cpu_count(), "jobs": int(os.environ.get("REVIEW_JOBS") or os.cpu_count() or 1)}
    rows: list[tuple[str, str]] = [("machine", f"{os.cpu_count()} cores, notebooks run {figures['jobs']} at a time")]
    did_you_mean(figures, rows)
    intake_quality(figures, rows)
    if not args.intake_only:
        with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
            work = Path(tmp)
            real_workbook(work, figures, rows, args.skip_tests, args.repeat)
            if not args.skip_scale:
                scale_workbook(work, args.scale, figures, rows)
    met = {k: figures[k] <= limit for k, (limit, _) in TARGETS.items() if isinstance(figures.get(k), (int, float))}
    met |= {k: figures[k] >= floor for k, (floor, _) in TARGETS_MIN.items() if isinstance(figures.get(k), (int, float))}
    figures["targets_met"] = met
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  result")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    print()
    for key, ok in met.items():
        print(f"{'met' if ok else 'MISSED':6}  {(TARGETS | TARGETS_MIN)[key][1]} ({figures[key]})")
    print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
