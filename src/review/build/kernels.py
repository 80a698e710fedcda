"""Run notebooks in fresh kernels, in parallel, with messages a researcher can act on.

A failed cell is reported as one line naming the notebook, the cell and the
error (``notebooks/03-grade-outcomes.ipynb: cell 7 failed: ZeroDivisionError: ...``),
then the failing line of the cell, without ANSI colour codes or nbclient's own
traceback. Kernels talk to the build over local IPC sockets where the platform
has them (no "running over TCP without encryption" warning).
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Coroutine, Iterable, Mapping, TypeVar

import nbformat

from .. import cache
from ..errors import Problem, ReportError, WorkbookError
from ..settings import jobs_setting
from ..workbook import check_workbook
from . import trace as tracing
from .notebooks import notebook_paths

T = TypeVar("T")
R = TypeVar("R")

CELL_TIMEOUT = 600
#: run by every kernel before the first cell: at exit, skip the interpreter's last garbage collection of the
#: thousands of objects pandas and matplotlib leave (half a second a kernel, spent before the next could start)
FAST_EXIT = "import atexit as _atexit, gc as _gc; _atexit.register(_gc.freeze); del _atexit, _gc"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: where progress lines go: a function taking one line (the command line passes one writing to stderr)
Say = Callable[[str], None]


def quiet(line: str) -> None:
    """The default progress sink: say nothing (library callers and tests)."""


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cell_failure(nb: nbformat.NotebookNode, where: str) -> str:
    """``WHERE: cell N failed: Error: message`` then the failing line, from the error output the kernel stored."""
    for index, cell in enumerate(nb.cells):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"] if cell.cell_type == "code" else []
        if not errors:
            continue
        err = errors[0]
        evalue = ANSI.sub("", str(err.get("evalue", ""))).strip().splitlines()
        head = f"{where}: cell {index + 1} failed: {err.get('ename', 'Error')}" + (f": {evalue[0]}" if evalue else "")
        lines = [ANSI.sub("", line) for frame in err.get("traceback", []) for line in str(frame).splitlines()]
        arrow = [ln.strip() for ln in lines if ln.lstrip().startswith("---->") or ln.lstrip().startswith("->")]
        detail = ["  failing line: " + re.sub(r"^-+>\s*", "", arrow[0])] if arrow else []
        if err.get("ename") == "WorkbookError":
            detail = [f"  {ln}" for ln in lines[1:] if ln.strip()][:30]
        return "\n".join([head, *detail])
    return f"{where}: a cell failed"


@functools.cache
def _kernel_manager_class() -> type:
    """Kernels on local IPC sockets (POSIX), each with its own socket path; TCP on localhost elsewhere."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.paths import jupyter_runtime_dir

    if os.name != "posix":
        return AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):  # type: ignore[misc]
        def __init__(self, **kw: object) -> None:
            super().__init__(**kw)
            self.transport = "ipc"
            Path(jupyter_runtime_dir()).mkdir(parents=True, exist_ok=True)
            self.ip = os.path.join(jupyter_runtime_dir(), f"review-{uuid.uuid4().hex[:12]}-ipc")

    return IpcKernelManager


def _kernel_arguments(trace: Path | None) -> list[str]:
    """The kernel's command-line settings: the fast exit, the input tracer when traced, and history kept in memory.

    nbclient adds the in-memory history itself only to kernels it starts; a
    kernel started ahead by :class:`KernelPool` gets it here, so no kernel
    writes to the IPython history database.
    """
    lines = [FAST_EXIT] + ([tracing.start_line()] if trace is not None else [])
    return [f"--IPKernelApp.exec_lines={'; '.join(lines)}", "--HistoryManager.hist_file=:memory:"]


def _kernel_env(root: Path, trace: Path | None) -> dict[str, str]:
    env = {**os.environ, "REVIEW_ROOT": str(root)}
    if trace is not None:
        env[tracing.TRACE_ENV] = str(trace)
    return env


async def _start_kernel(root: Path, folder: Path, trace: Path | None):  # noqa: ANN202 - a jupyter_client AsyncKernelManager
    """Start a kernel process for a notebook in ``folder``; return its manager without waiting for it to be ready."""
    km = _kernel_manager_class()(kernel_name="python3")
    await km.start_kernel(extra_arguments=_kernel_arguments(trace), cwd=str(folder), env=_kernel_env(root, trace))
    return km


async def _run_in(km, nb: nbformat.NotebookNode, folder: Path, timeout: int, stop_later: Callable[[Coroutine], None] | None = None) -> None:  # noqa: ANN001 - km: a started AsyncKernelManager
    """Run every cell of ``nb`` in the started kernel ``km``, then shut the kernel down, whatever happened.

    With ``stop_later``, the shutdown is handed to it (to run on the same loop)
    and this returns as soon as the last cell has run.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,  # no timestamps in the notebook: outputs stay byte-identical across runs
        resources={"metadata": {"path": str(folder)}},
    )
    try:
        await client.async_execute()
    finally:
        if stop_later is None:
            await _stop_kernel(km, client.kc)
        else:
            stop_later(_stop_kernel(km, client.kc))


async def _stop_kernel(km, kc=None, now: bool = False) -> None:  # noqa: ANN001 - jupyter_client manager and client
    """Shut a kernel down (and stop its client's channels), tolerating one that already died; ``now`` kills it."""
    try:
        if kc is not None:
            kc.stop_channels()
        if await km.is_alive():
            await km.shutdown_kernel(now=now)
    finally:
        await km.cleanup_resources()


def _where(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _reported(run: Callable[[], None], nb: nbformat.NotebookNode, where: str) -> nbformat.NotebookNode:
    """``run()`` (which executes ``nb``), with nbclient's failures turned into a :class:`ReportError` naming the cell."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        run()
    except CellExecutionError:
        raise ReportError(cell_failure(nb, where)) from None
    except (CellTimeoutError, DeadKernelError) as exc:
        raise ReportError(f"{where}: {ANSI.sub('', str(exc)).strip().splitlines()[0]}") from None
    return nb


def execute(path: Path, root: Path, timeout: int = CELL_TIMEOUT, trace: Path | None = None) -> nbformat.NotebookNode:
    """Run ``path`` top to bottom in a fresh kernel; raise :class:`ReportError` naming the failing cell.

    With ``trace``, the kernel records in that file every workbook input the notebook used.
    """
    nb = nbformat.read(path, as_version=4)

    async def start_and_run() -> None:
        await _run_in(await _start_kernel(root, path.parent, trace), nb, path.parent, timeout)

    # its own event loop, closed after: safe in a worker thread
    return _reported(lambda: asyncio.run(start_and_run()), nb, _where(path, root))


class KernelPool:
    """Fresh kernels for a build's notebooks, started ``ahead`` of them: the first before the notebooks are chosen.

    A kernel takes about 0.6 s to start (a Python process importing IPython),
    and the build spends about as long loading the workbook and the
    bibliography before it knows which notebooks to run. The pool starts
    kernels for the ``expected`` notebooks known to run (``ahead`` at most:
    one per worker) when it is made, so the two overlap. Once told how many
    notebooks will run in all (:meth:`expect`), it keeps ``ahead`` kernels
    started, so a worker finishing one notebook finds the next kernel ready
    rather than waiting for it to start. Each kernel runs one notebook and is
    shut down, as with :func:`execute`; kernels never used are shut down by
    :meth:`close`.

    Every kernel of the pool runs on one event loop, on a thread of its own.
    With ``traces`` (a folder), each kernel records the workbook inputs its
    notebook used in a file there, and :meth:`execute` returns them.
    """

    def __init__(self, root: Path, folder: Path, ahead: int, traces: Path | None = None, expected: int | None = None) -> None:
        import threading

        self.root, self.folder, self.traces = root, folder, traces
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="review-kernels", daemon=True)
        self._thread.start()
        self._lock = threading.Lock()
        self._ahead = ahead
        self._made = 0
        self._expected = ahead if expected is None else expected
        self._running: set[asyncio.Task] = set()
        self._stopping: set[asyncio.Task] = set()
        self._ready: list = []  # concurrent Futures of (kernel manager, trace file), oldest first
        self._closed = False
        self._busy = 0  # threads inside execute()
        self._idle = threading.Condition(self._lock)
        self._top_up()

    def expect(self, notebooks: int) -> None:
        """How many notebooks the pool will run in all; kernels are started ahead for them, ``ahead`` at a time."""
        with self._lock:
            self._expected = notebooks
        self._top_up()

    def _top_up(self) -> None:
        """Start kernels until ``ahead`` are started and unused, or one has been made for every expected notebook."""
        with self._lock:
            for _ in range(0 if self._closed else min(self._ahead - len(self._ready), self._expected - self._made)):
                self._ready.append(self._start())

    def _start(self):  # noqa: ANN202 - a concurrent Future of (kernel manager, trace file); called holding the lock
        self._made += 1
        trace = None
        if self.traces is not None:
            trace = self.traces / f"kernel-{self._made}.inputs"
            trace.write_text("", encoding="utf-8")

        async def start():  # noqa: ANN202
            return await _start_kernel(self.root, self.folder, trace), trace

        return asyncio.run_coroutine_threadsafe(start(), self._loop)

    def execute(self, path: Path, timeout: int = CELL_TIMEOUT) -> tuple[nbformat.NotebookNode, list[str]]:
        """Run ``path`` in a kernel of the pool; return it executed and the inputs it used (empty without ``traces``).

        The kernel started longest ago is taken (or one is started now), and the
        next notebook's kernel is started while this one runs. Once the pool is
        closing, a notebook is not run: :class:`ReportError` says so.
        """
        where = _where(path, self.root)
        nb = nbformat.read(path, as_version=4)
        with self._lock:
            if self._closed:
                raise ReportError(f"{where}: not run: the build stopped")
            self._busy += 1
            started = self._ready.pop(0) if self._ready else self._start()
        try:
            self._top_up()
            km, trace = started.result()

            def run() -> None:
                asyncio.run_coroutine_threadsafe(self._run_tracked(km, nb, timeout, where), self._loop).result()

            _reported(run, nb, where)
            return nb, tracing.read_trace(trace) if trace is not None else []
        finally:
            with self._lock:
                self._busy -= 1
                self._idle.notify_all()

    async def _run_tracked(self, km, nb: nbformat.NotebookNode, timeout: int, where: str) -> None:  # noqa: ANN001 - km: a started kernel manager
        """Run ``nb`` in ``km`` on the pool's loop, as a task :meth:`close` can cancel; once closing, only stop the kernel."""
        if self._closed:
            await _stop_kernel(km, now=True)
            raise ReportError(f"{where}: not run: the build stopped")
        task = asyncio.current_task()
        self._running.add(task)  # touched on the pool's loop only
        try:
            # the kernel is shut down in the background: its worker takes the next notebook (its kernel already
            # started) without waiting 0.1-0.2 s for this one's process to exit
            await _run_in(km, nb, self.folder, timeout, stop_later=self._stop_later)
        finally:
            self._running.discard(task)

    def _stop_later(self, stopping: Coroutine) -> None:
        task = self._loop.create_task(stopping)
        self._stopping.add(task)  # touched on the pool's loop only; close() waits for them
        task.add_done_callback(self._stopping.discard)

    def close(self, wait: float = 60) -> None:
        """Shut down every kernel: notebooks still running are cancelled, kernels never used are stopped; then stop the loop.

        A notebook running when the pool closes (the build was interrupted)
        fails with an error in the thread that asked for it, which never waits
        on a stopped loop. The loop stops once no thread is inside
        :meth:`execute` (at most ``wait`` seconds).
        """
        with self._lock:
            self._closed = True
            unused, self._ready = self._ready, []

        async def stop() -> None:
            running = list(self._running)  # notebooks only: a kernel still starting is let start, then shut down
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            await asyncio.gather(*list(self._stopping), return_exceptions=True)  # every used kernel's shutdown
            for started in unused:
                try:
                    km, _ = await asyncio.wrap_future(started)
                except Exception:  # noqa: BLE001 - a kernel that failed to start has nothing to shut down
                    continue
                await _stop_kernel(km, now=True)  # it ran nothing: no need to let it exit cleanly

        try:
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result()
            with self._lock:  # a thread still taking its kernel stops it itself (_run_tracked), on the running loop
                self._idle.wait_for(lambda: self._busy == 0, timeout=wait)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    def __enter__(self) -> "KernelPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def jobs_default() -> int:
    """Notebooks executed at once: one per core (``REVIEW_JOBS`` overrides; anything but a whole number >= 1 is refused)."""
    return jobs_setting()


def longest_first(paths: list[Path], seconds: Mapping[str, float]) -> list[Path]:
    """The notebooks in the order to start them: the longest first, so the last to start are short.

    ``seconds`` holds how long each took last time (by file name). A notebook
    with no recorded time is placed by the size of its file (its stored
    outputs are a fair measure of its work) after every timed one; ties keep
    name order.
    """
    timed = sorted((p for p in paths if p.name in seconds), key=lambda p: (-seconds[p.name], p.name))
    untimed = sorted((p for p in paths if p.name not in seconds), key=lambda p: (-(p.stat().st_size if p.is_file() else 0), p.name))
    return timed + untimed


def parallel(fn: Callable[[T], R], items: Iterable[T], jobs: int | None = None, then: Callable[[], object] | None = None) -> list[R]:
    """``fn`` over ``items`` on up to ``jobs`` threads (each notebook runs in its own kernel process).

    Results come back in the order of ``items``. Every item is run even when
    one fails; then the failures are raised together, in item order.
    ``then`` is queued after the items: it runs on the first thread that is
    free once every item has started, so it fills the end of the run, when
    fewer items than threads are left, instead of slowing the items. Its
    failure is raised after theirs.
    """
    items = list(items)
    workers = max(1, min(jobs or jobs_default(), len(items) or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(fn, item) for item in items]
        last = pool.submit(then) if then is not None else None
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        if len(errors) == 1 or not all(isinstance(e, ReportError) for e in errors):
            raise errors[0]
        raise ReportError("\n\n".join(str(e) for e in errors))
    if last is not None and last.exception() is not None:
        raise last.exception()
    return [f.result() for f in futures]


#: orders of at most this many notebooks are searched for the shortest build; longer lists start longest first
SEARCH_LIMIT = 7


def finish_time(seconds: list[float], workers: int, then: float = 0.0) -> float:
    """When the last of these jobs ends, started in this order, each on the first worker free (as :func:`parallel` does).

    ``then`` is the time of :func:`parallel`'s ``then`` job, queued after them all.
    """
    free = [0.0] * max(1, workers)
    for took in [*seconds, then]:
        i = free.index(min(free))
        free[i] += took
    return max(free)


def start_order(paths: list[Path], seconds: Mapping[str, float], workers: int, then: float = 0.0) -> list[Path]:
    """The order to start the notebooks in so that, by last build's times, the last one ends soonest.

    Longest first is a good rule but not the best one: five notebooks taking
    4.4, 3.5, 3.2, 2.8 and 2.0 s on two workers end at 8.7 s longest first
    (4.4 + 2.8 on one, 3.5 + 3.2 + 2.0 on the other) and at 8.0 s when the
    two longest share a worker. ``then`` is the time of the job queued after
    the notebooks (the build's own pages), which the first worker free takes.
    When every notebook has a time and there are at most SEARCH_LIMIT of them,
    every order is tried and the first that ends soonest is kept, starting
    from longest first (which is kept on a tie). Otherwise the order is
    :func:`longest_first`.
    """
    import itertools

    order = longest_first(paths, seconds)
    if len(order) > SEARCH_LIMIT or not all(p.name in seconds for p in order):
        return order
    # min keeps the first of equal orders, and the first permutation is longest first; rounding makes sums of the
    # same times in another order equal
    return list(min(itertools.permutations(order), key=lambda c: round(finish_time([seconds[p.name] for p in c], workers, then), 6)))


def run_with_progress(
    fn: Callable[[Path], R], paths: list[Path], say: Say, jobs: int | None = None, then: Callable[[], object] | None = None,
    seconds: dict[str, float] | None = None,
) -> list[R]:
    """:func:`parallel` over notebooks, saying ``executing 3/5 03-grade-outcomes …`` as each starts and when it ends.

    ``seconds``, when given, receives how long each took, by file name.
    """
    total = len(paths)

    def step(item: tuple[int, Path]) -> R:
        n, path = item
        say(f"executing {n}/{total} {path.stem} …")
        start = time.perf_counter()
        result = fn(path)
        took = time.perf_counter() - start
        if seconds is not None:
            seconds[path.name] = round(took, 1)
        say(f"  done {path.stem} ({took:.1f} s)")
        return result

    return parallel(step, list(enumerate(paths, 1)), jobs, then)


def execute_in_place(root: Path, names: list[str] | None = None, say: Say = quiet) -> list[Path]:
    """Re-execute notebooks (all, or those named) and save their outputs, with no timing metadata.

    This is how committed outputs are refreshed after a deliberate change;
    nbval then checks that every later run reproduces them.
    """
    paths = notebook_paths(root)
    if names:
        wanted = {Path(n).name for n in names}
        unknown = wanted - {p.name for p in paths}
        if unknown:
            raise WorkbookError([Problem("notebooks", 0, "", f"no notebook named {', '.join(sorted(unknown))}")])
        paths = [p for p in paths if p.name in wanted]
    checked = check_workbook(root)
    if checked.problems:
        raise WorkbookError(checked.problems)

    def run(path: Path) -> Path:
        nb = execute(path, root)
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        cache.write_atomic(path, nbformat.writes(nb).encode("utf-8") + b"\n")
        return path

    return sorted(run_with_progress(run, longest_first(paths, {}), say))
