"""``replicate``: a study's runs, its arms times its replications, on the sweep's workers.

qisim's analogue of Starsim's MultiSim. Every tool that runs the model many times goes through
it: ``qisim validate`` (cases, contrasts, ablations, the null model), ``qisim deviance``,
``qisim ffit simulate``, ``qisim compare``, ``qisim plan`` and the FFIT validity study. An *arm*
is one scenario as a study runs it (a case, a contrast's changed arm, a plan's cell, an audit
with one item improved), with its mechanism constants and ablated families; each arm runs
``reps`` times.

Seeds, one scheme for every study: replication *r* of every arm runs with the integer seed
``seed + r``, where ``seed`` is the study's base seed (its ``--seed``). Every arm meets the same
seeds, so the arms' differences are paired (common random numbers), and any run can be repeated
alone: ``qisim run FILE --seed SEED`` (with the arm's ``--set`` values) gives run *r* again
with ``SEED = seed + r``. (A sample of scenarios each run once, as in the FFIT validity study,
is the one exception: ``paired=False`` gives run k seed ``seed + k``.) No seed depends on the order runs finish in, the number of workers or
the backend, so the rows are the same on one worker, on many and on Dask.

The work is done by the sweep's pools (:mod:`qisim.sweep.backends`): worker processes that each
hold one run at a time, a failing run coming back as an error instead of ending the study, a
worker that dies costing only its run (retried once), and the same code on a Dask cluster. One
worker runs everything in this process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qisim.processes import check_main_guard
from qisim.scenario import Scenario
from qisim.sweep.backends import make_pool
from qisim.sweep.design import RunSpec, replication_seed
from qisim.sweep.worker import attempt, faults_from_env

if TYPE_CHECKING:
    from qisim.results import RunResult


@dataclass(frozen=True)
class Arm:
    """One scenario of a study as it is run: its mechanism constants (overrides of the
    defaults), the mechanism families ablated, and the run length (default: the scenario's)."""

    scenario: Scenario
    name: str = ""
    constants: Mapping[str, float] = field(default_factory=dict)
    ablate: tuple[str, ...] = ()
    days: int | None = None

    def run(self, seed: int) -> RunResult:
        import qisim

        return qisim.run(
            self.scenario,
            seed=seed,
            days=self.days,
            constants=dict(self.constants) or None,
            ablate=self.ablate,
        )


def as_arm(arm: Arm | Scenario) -> Arm:
    return arm if isinstance(arm, Arm) else Arm(arm, arm.name)


def summary(arm: Arm | Scenario, seed: int) -> dict[str, Any]:
    """The default measure: the run's summary (:func:`qisim.results.summarise`)."""
    return dict(as_arm(arm).run(seed).summary)


@dataclass
class Study:
    """What every run of a study shares, sent to each worker once (local) or with each run
    (Dask): the arms and the measure."""

    arms: tuple[Any, ...]
    measure: Callable[[Any, int], dict[str, Any]]
    faults: dict[int, str] = field(default_factory=dict)


def execute_arm(study: Study, task: RunSpec) -> dict[str, Any]:
    """A worker's task: the measure of one arm on one seed; never raises."""
    arm = study.arms[task.point]
    return attempt(task, study.faults, lambda: (study.measure(arm, task.seed), None, None))


class ReplicateError(RuntimeError):
    """Runs of a study failed; the message names them and how to repeat one alone."""


def replicate(
    arms: Sequence[Arm | Scenario | Any],
    reps: int,
    seed: int = 0,
    *,
    measure: Callable[[Any, int], dict[str, Any]] = summary,
    workers: int | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | bool | None = None,
    desc: str = "runs",
    paired: bool = True,
) -> list[dict[str, Any]]:
    """Run every arm ``reps`` times, replication *r* with seed ``seed + r``; one row per run.

    Args:
        arms: :class:`Arm` s or scenarios; or anything ``measure`` takes (the validation's tasks).
        reps: replications of each arm.
        seed: the study's base seed (0 <= seed and seed + reps - 1 < 2**63).
        measure: ``measure(arm, seed) -> dict``, what a run shows; a module-level function
            (workers import it by name). Default :func:`summary`, the run's summary.
        workers: worker processes (default: the CPU count); 1 runs everything here.
        backend: ``"local"`` (a process pool here) or ``"dask"``; ``scheduler``: the address of
            a running Dask scheduler (implies ``"dask"``).
        progress: ``progress(done, total)`` after each run, or True/None for the sweep's bar
            (True: always, None: only on a terminal); default none.
        desc: the bar's label.
        paired: True (the rule): every arm meets the same seeds ``seed + r``. False: a sample
            of scenarios each its own random world (the FFIT validity study): run k of the
            study (arm k // reps, replication k % reps) has seed ``seed + k``.

    Returns:
        One dict per run, in the order of the arms and, within an arm, of the replications:
        ``arm`` (its index), ``replication``, ``seed`` and the measure's fields.

    Raises:
        ReplicateError: once every run has finished, if any failed: how many, the first one's
            error and traceback, and its arm, replication and seed.
    """
    if reps < 1:
        raise ValueError(f"reps {reps}: give at least 1 replication")
    if workers is not None and workers < 1:
        raise ValueError(f"workers {workers}: give at least 1 worker process")
    tasks = [
        RunSpec(run=k * reps + r, point=k, lever=0, replication=r, overrides={}, constants={},
                seed=replication_seed(seed, r if paired else k * reps + r))
        for k in range(len(arms))
        for r in range(reps)
    ]  # fmt: skip
    study = Study(tuple(arms), measure, faults_from_env())
    if scheduler:
        backend = "dask"
    workers = workers or os.cpu_count() or 1
    bar = _bar(progress, len(tasks), desc)
    results: dict[int, dict[str, Any]] = {}
    try:
        if backend == "local" and (workers == 1 or len(tasks) == 1):
            done = (execute_arm(study, t) for t in tasks)
        else:
            check_main_guard("replicate")
            pool = make_pool(backend, workers, study, scheduler, execute_arm, "replicate")
            done = pool.run(tasks)
        for res in done:
            results[res["run"]] = res
            bar(len(results))
    finally:
        bar(None)
    failed = [t for t in tasks if results[t.run]["error"]]
    if failed:
        raise ReplicateError(_failures(failed, results, arms, len(tasks)))
    return [
        {"arm": t.point, "replication": t.replication, "seed": t.seed,
         **results[t.run]["outcome"]}
        for t in tasks
    ]  # fmt: skip


def _bar(progress, total: int, desc: str) -> Callable[[int | None], None]:
    """``update(done)`` after each run, ``update(None)`` at the end."""
    if callable(progress):
        return lambda done: None if done is None else progress(done, total)
    if progress is False:
        return lambda done: None
    from qisim.sweep.runner import progress_bar

    bar = progress_bar(total, 0, desc, progress)
    return lambda done: bar.close() if done is None else bar.update(1)


def _failures(failed: list[RunSpec], results: dict, arms: Sequence, total: int) -> str:
    first = failed[0]
    res = results[first.run]
    arm = arms[first.point]
    name = getattr(arm, "name", "") or getattr(getattr(arm, "scenario", None), "name", "")
    return (
        f"{len(failed)} of {total} runs failed. The first: arm {first.point}"
        + (f" ({name})" if name else "")
        + f", replication {first.replication}, seed {first.seed}: {res['error']}. "
        f"Repeat it alone with `qisim run SCENARIO --seed {first.seed}` (and the arm's --set "
        "values).\n" + (res["traceback"] or "")
    )
