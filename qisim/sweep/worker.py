"""What a worker does with one run: ``qisim.run`` with the run's seed, overrides and constants,
and the outcome as one results row (and daily tables when recorded).

The same function serves the local process pool and Dask workers, so both give identical rows. A
run that raises comes back as a row with its error; it never takes the worker down.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from qisim.scenario import Scenario
from qisim.sweep.design import RunSpec

# Test-only fault injection, read by the sweep's parent process: "RUN:raise" makes that run
# raise, "RUN:exit" makes the worker process running it die (os._exit), as a crash or an
# out-of-memory kill would. Comma-separated, e.g. "3:exit,5:raise".
FAULTS_ENV = "QISIM_SWEEP_TEST_FAULTS"


def faults_from_env() -> dict[int, str]:
    spec = os.environ.get(FAULTS_ENV, "")
    out = {}
    for item in filter(None, (s.strip() for s in spec.split(","))):
        run, _, mode = item.partition(":")
        out[int(run)] = mode
    return out


@dataclass
class Context:
    """What every run of a sweep shares; sent to each worker once (local) or with each run
    (Dask)."""

    scenario: Scenario
    record: str = "summary"
    record_every: int = 1
    faults: dict[int, str] = field(default_factory=dict)


def outcome_row(summary: dict[str, Any]) -> dict[str, Any]:
    """A run's summary as table cells: scalars as they are, lists (the lifecycle stages) as
    JSON; the seed is dropped (the row has the sweep's own seed column)."""
    out = {}
    for key, value in summary.items():
        if key == "seed":
            continue
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
        else:
            out[key] = json.dumps(value)
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes; 0 where unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024.0 * 1024.0) if sys.platform == "darwin" else rss / 1024.0


def _every(df, every: int, days: int):
    keep = (df["day"] % every == 0) | (df["day"] == days - 1)
    return df[keep]


def execute(context: Context, task: RunSpec) -> dict[str, Any]:
    """Run one planned run of a sweep; never raises (except a test-injected crash)."""
    return attempt(task, context.faults, lambda: _sweep_run(context, task))


def _sweep_run(context: Context, task: RunSpec):
    import qisim

    result = qisim.run(
        context.scenario,
        seed=task.seed,
        overrides=task.overrides or None,
        constants=task.constants or None,
    )
    daily = trust = None
    if context.record == "daily":
        days = result.summary["days"]
        d = _every(result.daily, context.record_every, days)
        d.insert(0, "run", task.run)
        daily = pa.Table.from_pandas(d, preserve_index=False)
        t = _every(result.trust, context.record_every, days)
        t.insert(0, "run", task.run)
        trust = pa.Table.from_pandas(t, preserve_index=False)
    return outcome_row(result.summary), daily, trust


def attempt(task: RunSpec, faults: dict[int, str], work) -> dict[str, Any]:
    """A worker's result for ``task``: ``work()`` gives (outcome, daily, trust); a run that
    raises comes back as a result with its error and traceback, never as an exception, so one
    failing run ends neither its worker nor the study. ``faults``: see :data:`FAULTS_ENV`."""
    start = time.perf_counter()
    fault = faults.get(task.run)
    if fault == "exit":
        os._exit(70)
    daily = trust = None
    try:
        if fault == "raise":
            raise RuntimeError(f"test fault injected in run {task.run}")
        (outcome, daily, trust), error, tb = work(), None, None
    except Exception as exc:  # a failing run is a result, not the end of the sweep
        outcome, error, tb = {}, f"{type(exc).__name__}: {exc}", traceback.format_exc()
    return {
        "run": task.run,
        "outcome": outcome,
        "error": error,
        "traceback": tb,
        "daily": daily,
        "trust": trust,
        "elapsed": time.perf_counter() - start,
        "rss_mb": peak_rss_mb(),
        "pid": os.getpid(),
    }


def failure(task: RunSpec, error: str) -> dict[str, Any]:
    """The result of a run whose worker died under it."""
    return {
        "run": task.run,
        "outcome": {},
        "error": error,
        "traceback": None,
        "daily": None,
        "trust": None,
        "elapsed": 0.0,
        "rss_mb": 0.0,
        "pid": None,
    }
