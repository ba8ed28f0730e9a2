"""Where runs are done: a local process pool, or Dask.

Both take an iterable of runs and yield each result as soon as it exists, one at a time, so the
caller writes it to disk before the next arrives. Neither ever returns a batch.

Worker deaths. With Dask's defaults, a worker process that died mid-run cost other runs their
results. Killing one worker during a sweep (a run calling ``os._exit``; see docs/sweeps.md) shows
why: (1) a finished run's result stays in its worker's memory until the client fetches it, so the
death of that worker loses it ("Removing worker ... caused the cluster to lose already computed
task(s)") and, collected with ``client.gather`` of a list, one ``KilledWorker`` fails the whole
gather and every result in it; (2) the scheduler re-runs a task that was on a dying worker up to
``allowed-failures`` (3) more times, so a run that kills its worker kills three more workers, each
taking its queued and unfetched results with it; (3) with ``worker-saturation`` 1.1 a one-thread
worker holds a second, queued task, which is counted as a suspect in every death on it; (4) data
sent once with ``client.scatter`` lives only on workers: when the workers holding it have died,
every run still needing it is cancelled ("lost dependencies").
The fix: every result is fetched as soon as it finishes, written to disk and released; failures
are handled per future, never per batch; only worker threads + 2 runs are submitted at a time;
the shared context (a few kilobytes) travels with each task instead of being scattered;
``allowed-failures`` is 1 (one retry, in case the death was not the run's fault) and
``worker-saturation`` 1.0. The local pool does the same with its own workers: it knows which run
each worker holds, so a death costs only that run, which is retried once on a fresh worker and
then recorded as failed.
"""

from __future__ import annotations

import multiprocessing as mp
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from qisim.processes import MAIN_REIMPORTED, reimport_error
from qisim.sweep.design import RunSpec
from qisim.sweep.worker import execute, failure

RETRIES_AFTER_DEATH = 1
SCHEDULER_TIMEOUT_S = 30.0  # how long to wait for a given scheduler to answer
WORKER_RECOUNT_S = 2.0  # how often a Dask sweep asks the scheduler how many workers it has
Work = Callable[[Any, RunSpec], dict]  # what a worker does with one task

# Dask settings for sweeps of CPU-bound, independent runs. The profiler samples every worker's
# stack every 10 ms, the event loop checks its health every 20 ms and the GIL monitor polls every
# 1 ms: measurable overhead on a 2-core machine for nothing a sweep needs. MALLOC_TRIM_THRESHOLD_
# = 64 KiB makes glibc hand memory back after every large free, so numpy re-faults its arrays each
# day of every run; glibc's own adaptive default suits this workload better.
DASK_CONFIG: dict[str, Any] = {
    "distributed.scheduler.allowed-failures": RETRIES_AFTER_DEATH,
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


@dataclass
class _Worker:
    process: Any
    conn: Connection
    task: RunSpec | None = None


def _serve(conn: Connection, context: Any, work: Work = execute) -> None:
    """A local worker: take a run, send its result back, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to handle
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if task is None:
            return
        result = work(context, task)
        try:
            conn.send(result)
        except (BrokenPipeError, OSError):
            return  # the parent was killed (kill -9): end quietly, no traceback in its log


class LocalPool:
    """Worker processes on this machine, each holding at most one run at a time."""

    name = "local"

    def __init__(
        self, workers: int, context: Any, work: Work = execute, call: str = "run_sweep"
    ) -> None:
        self.n = max(1, int(workers))
        self.context = context
        self.work, self.call = work, call
        methods = mp.get_all_start_methods()
        self.mp = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
        if "forkserver" in methods:
            self.mp.set_forkserver_preload(["qisim", "qisim.model", "qisim.sweep.worker"])
        self.workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self.mp.Pipe()
        p = self.mp.Process(target=_serve, args=(child, self.context, self.work), daemon=True)
        p.start()
        child.close()
        return _Worker(p, parent)

    def _give(self, w: _Worker, queue: deque) -> _Worker:
        """Send the next run to ``w`` (or to a fresh worker, if ``w`` has died idle)."""
        task = queue.popleft()
        for _ in range(2):
            try:
                w.conn.send(task)
                w.task = task
                return w
            except (BrokenPipeError, OSError):
                w.process.join(1)
                w = self._start()
        queue.appendleft(task)
        return w

    def run(self, tasks: Iterable[RunSpec]) -> Iterator[dict]:
        queue = deque(tasks)
        deaths: dict[int, int] = {}
        results = 0
        self.workers = [self._start() for _ in range(min(self.n, len(queue)) or 1)]
        try:
            while queue or any(w.task for w in self.workers):
                for k, w in enumerate(self.workers):
                    if w.task is None and queue:
                        self.workers[k] = self._give(w, queue)
                busy = [w for w in self.workers if w.task is not None]
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
                for w in busy:
                    if w.conn in ready:
                        try:
                            result = w.conn.recv()
                        except (EOFError, OSError):
                            result = None  # died while sending; handled below
                        if result is not None:
                            # the next run goes out before this result is written, so the
                            # worker computes while the parent writes
                            w.task = None
                            if queue:
                                self.workers[self.workers.index(w)] = self._give(w, queue)
                            results += 1
                            yield result
                            continue
                    if w.process.sentinel in ready or not w.process.is_alive():
                        w.process.join(1)
                        if w.task is None or w.process.is_alive():
                            continue
                        task, code = w.task, w.process.exitcode
                        if code == MAIN_REIMPORTED:
                            raise reimport_error(self.call)
                        deaths[task.run] = deaths.get(task.run, 0) + 1
                        if not results and sum(deaths.values()) >= 3 * self.n + 2:
                            raise RuntimeError(
                                f"every worker process died (exit code {code}) before finishing "
                                "a single run, so nothing was recorded. Check that `python -c "
                                "'import qisim'` works in this environment, and try one run alone "
                                "with `qisim run --from-sweep DIR --run 0`"
                            )
                        self.workers[self.workers.index(w)] = self._start()
                        if deaths[task.run] <= RETRIES_AFTER_DEATH:
                            queue.appendleft(task)
                        else:
                            yield failure(
                                task,
                                f"WorkerDied: the worker process died (exit code {code}) while "
                                f"running this run, {deaths[task.run]} times",
                            )
        finally:
            self.close()

    def close(self) -> None:
        for w in self.workers:
            try:
                if w.process.is_alive():
                    w.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
        for w in self.workers:
            w.process.join(2)
            if w.process.is_alive():
                w.process.terminate()
                w.process.join(1)
            w.conn.close()
        self.workers = []


class DaskPool:
    """A ``dask.distributed`` LocalCluster this starts (dashboard off, bound to 127.0.0.1), or an
    existing scheduler by address (its workers need qisim installed)."""

    name = "dask"

    def __init__(
        self, workers: int, context: Any, scheduler: str | None = None, work: Work = execute
    ) -> None:
        self.n = max(1, int(workers))
        self.context = context
        self.work = work
        self.scheduler = scheduler
        self.cluster = None
        self.client = None

    def _connect(self) -> None:
        import dask
        from distributed import Client, LocalCluster

        with dask.config.set(DASK_CONFIG):
            if self.scheduler:
                try:
                    self.client = Client(self.scheduler, timeout=SCHEDULER_TIMEOUT_S)
                except OSError as exc:  # nothing there, or not a Dask scheduler
                    from qisim.scenario import ScenarioError

                    raise ScenarioError(
                        f"--scheduler {self.scheduler}: no Dask scheduler answered there within "
                        f"{SCHEDULER_TIMEOUT_S:.0f} s ({exc}). Check the address and port (the "
                        "scheduler prints them as it starts: `dask scheduler`), that it is "
                        "running, and that this machine can reach it."
                    ) from None
                self._check_workers()
            else:
                self.cluster = LocalCluster(
                    n_workers=self.n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=50,
                )
                self.client = Client(self.cluster)

    def _check_workers(self) -> None:
        """Workers of an existing cluster must run this qisim, or rows would differ."""
        from qisim import __version__
        from qisim.scenario import ScenarioError

        versions = self.client.run(_qisim_version)
        other = {addr: v for addr, v in versions.items() if v != __version__}
        if other:
            raise ScenarioError(
                f"--scheduler {self.scheduler}: workers run a different qisim ("
                + ", ".join(f"{a}: {v}" for a, v in sorted(other.items()))
                + f") from this one ({__version__}); install the same version on every worker."
            )

    def threads(self) -> int:
        info = self.client.scheduler_info(n_workers=-1)
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def run(self, tasks: Iterable[RunSpec]) -> Iterator[dict]:
        import uuid

        from distributed import as_completed

        queue = deque(tasks)
        self._connect()
        try:
            ctx = self.context  # sent with each task, not scattered (see the module docstring)
            # a batch job's workers join after the sweep starts: the window grows as they come
            window = self.threads() + 2
            counted = time.monotonic()
            token = uuid.uuid4().hex[:8]
            pending: dict[str, RunSpec] = {}
            done = as_completed()

            def submit() -> None:
                task = queue.popleft()
                fut = self.client.submit(
                    self.work, ctx, task, key=f"qisim-run-{task.run}-{token}", pure=False
                )
                pending[fut.key] = task
                done.add(fut)

            while queue and len(pending) < window:
                submit()
            for fut in done:
                task = pending.pop(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:  # KilledWorker, lost connection: this run only
                    result = failure(task, f"{type(exc).__name__}: {exc}")
                fut.release()
                yield result
                if queue and time.monotonic() - counted > WORKER_RECOUNT_S:
                    window, counted = self.threads() + 2, time.monotonic()
                while queue and len(pending) < window:
                    submit()
        finally:
            self.close()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None


def _qisim_version() -> str:
    try:
        from qisim import __version__
    except ImportError:
        return "not installed"
    return __version__


def make_pool(
    backend: str,
    workers: int,
    context: Any,
    scheduler: str | None = None,
    work: Work = execute,
    call: str = "run_sweep",
):
    """A pool that runs ``work(context, task)`` for each task: by default a sweep's runs
    (:func:`qisim.sweep.worker.execute`); :func:`qisim.sweep.replicate.replicate` passes its own.
    ``work`` must be a module-level function (workers import it by name) that never raises.
    ``call``: the function a script calls to start the pool, named if it lacks the main guard."""
    if backend == "local":
        return LocalPool(workers, context, work, call)
    if backend == "dask":
        return DaskPool(workers, context, scheduler, work)
    raise ValueError(f"unknown backend {backend!r}")
