"""``run_sweep``: plan an experiment, run what is missing, stream every result to disk."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qisim.paths import check_folder, shell_command
from qisim.processes import PlainProgress, check_main_guard, interactive
from qisim.scenario import ScenarioError
from qisim.sweep.backends import make_pool
from qisim.sweep.design import RunSpec, make_plan
from qisim.sweep.experiment import Experiment, load_experiment
from qisim.sweep.storage import Store, base_manifest, git_commit, model_fingerprint, now
from qisim.sweep.worker import Context, faults_from_env

COMPACT_EVERY = 500  # merge single-run files into a part after this many results
LARGE_SWEEP = 100_000  # more planned runs than this get a plain warning before anything starts


def planned_runs(exp: Experiment) -> tuple[int, int, int]:
    """(uncertainty points, lever rows, replications) of an experiment, counted without
    building its plan (which takes long for millions of runs); their product is the runs."""
    from math import prod

    from qisim.sweep.design import seed_block

    d = exp.design
    if d.kind == "scenarios":
        points = len(exp.uncertainty_rows)
    elif d.kind == "grid":
        points = prod(len(p.grid()) for p in exp.uncertainties)
    elif d.kind == "lhs":
        points = d.samples
    else:  # sobol: N (k + 2) or N (2k + 2); morris: N (k + 1)
        points = d.samples * seed_block(exp)
    levers = len(exp.lever_rows) if exp.lever_rows else prod(len(p.grid()) for p in exp.levers)
    return points, levers, exp.spec.replications


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("s" if n != 1 else "")


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.0f} s"


def plan_message(
    exp: Experiment, workers: int | None, resume: bool = False, progress: bool = True
) -> str:
    """What ``qisim sweep`` says before it starts: the runs it plans, and for a very large
    plan (over :data:`LARGE_SWEEP` runs) a plain warning with what it would cost. ``workers``
    None: a Dask cluster of unknown size."""
    points, levers, reps = planned_runs(exp)
    n = points * levers * reps
    on = f"{workers} worker{'s' if workers != 1 else ''}" if workers else "the Dask cluster"
    text = (
        f"{exp.name}: {n:,} runs planned ({_count(points, 'point')} x "
        f"{_count(levers, 'lever row')} x {_count(reps, 'replication')}) on {on}"
        + ("; those on disk are not run again" if resume else "")
        + (
            ". The progress bar gives the time left once the first runs finish."
            if progress
            else "."
        )
    )
    if n > LARGE_SWEEP:
        text += (
            f"\nwarning: {n:,} runs is a very large sweep. At one second a run (a small "
            f"scenario; larger ones take longer) it needs about {_duration(n / (workers or 1))} "
            f"on {on if workers else 'one worker'}, and planning it alone takes a while. Check design.samples, the levels and replications in the experiment file; "
            "press Ctrl-C to stop."
        )
    return text


@dataclass
class SweepReport:
    """What one session of a sweep did."""

    folder: Path
    total: int
    skipped: int  # already on disk when the session began
    done: int = 0
    failed: int = 0
    elapsed: float = 0.0
    first_result_s: float | None = None  # start-up: workers started, first run done
    peak_rss_mb: float = 0.0
    rss_trace: list[tuple[int, float]] = field(default_factory=list)  # (runs done, peak so far)
    interrupted: bool = False
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def runs_per_min(self) -> float:
        return 60.0 * self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def steady_s_per_run(self) -> float | None:
        """Wall time per run after the first result (start-up excluded)."""
        if self.first_result_s is None or self.done < 2:
            return None
        return (self.elapsed - self.first_result_s) / (self.done - 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "runs_done": self.done,
            "runs_failed": self.failed,
            "runs_skipped": self.skipped,
            "elapsed_s": round(self.elapsed, 3),
            "runs_per_min": round(self.runs_per_min, 2),
            "first_result_s": None
            if self.first_result_s is None
            else round(self.first_result_s, 3),
            "steady_s_per_run": None
            if self.steady_s_per_run is None
            else round(self.steady_s_per_run, 5),
            "peak_worker_rss_mb": round(self.peak_rss_mb, 1),
            "peak_worker_rss_mb_by_runs": [[n, round(r, 1)] for n, r in self.rss_trace],
            "interrupted": self.interrupted,
        }


def tasks_from_plan(store: Store, skip: set[int]) -> list[RunSpec]:
    """The stored plan's runs not in ``skip``, replication-major (every point gets its first
    replication before any gets its second, so a sweep stopped early still covers the design)."""
    plan = store.plan()
    out = []
    for row in plan.itertuples(index=False):
        if int(row.run) in skip:
            continue
        out.append(
            RunSpec(
                run=int(row.run),
                point=int(row.point),
                lever=int(row.lever),
                replication=int(row.replication),
                seed=int(row.seed),
                overrides=json.loads(row.overrides),
                constants=json.loads(row.constants),
            )
        )
    return sorted(out, key=lambda s: (s.replication, s.point, s.lever))


def _plan_rows(store: Store) -> dict[int, dict[str, Any]]:
    """The plan's columns of each run, missing values as None (not NaN) so a column keeps one
    type from run to run."""
    plan = store.plan().drop(columns=["overrides", "constants"])
    return {
        int(r["run"]): {k: (None if _missing(v) else v) for k, v in r.items()}
        for r in plan.to_dict("records")
    }


def _missing(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _lock(folder: Path) -> Path:
    lock = folder / ".lock"
    if lock.exists():
        try:
            pid = int(lock.read_text().strip() or 0)
        except ValueError:
            pid = 0
        if pid and pid != os.getpid() and _alive(pid):
            raise ScenarioError(
                f"{folder}: another sweep (process {pid}) is writing to this folder; wait for it "
                "or stop it first."
            )
    lock.write_text(str(os.getpid()))
    return lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def interrupted_advice(output: str | Path | None, again: str, resume: str) -> str:
    """What to tell a user who stopped a sweep (Ctrl-C), true to what is on disk: no folder
    yet (run ``again``), a folder with no finished run, or some runs done (``resume``)."""
    store = Store(output) if output is not None else None
    if store is None or not store.exists():
        where = f" ({output} was not made)" if output is not None else ""
        return (
            f"interrupted before the sweep began{where}: no run finished and there is nothing "
            f"to resume. Start it again with\n  {again}"
        )
    done = len(store.done_runs())
    total = store.manifest().get("n_runs", "?")
    if not done:
        return (
            f"interrupted: no run had finished; {output} holds the sweep's plan only. Start the "
            f"runs with\n  {resume}"
        )
    return f"interrupted: {done} of {total} runs are on disk in {output}; finish with\n  {resume}"


def _prepare(
    exp: Experiment, backend: str, workers: int, resume: bool, overwrite: bool, model_changed: bool
) -> Store:
    store = Store(exp.output)
    if resume and overwrite:
        raise ScenarioError(
            "--resume and --overwrite contradict each other: --resume finishes the sweep in "
            f"{exp.output}, --overwrite deletes it first. Give one."
        )
    check_folder(exp.output)
    if store.exists():
        if resume:
            _check_resumable(store, exp, model_changed)
            return store
        if not overwrite:
            raise ScenarioError(
                f"{exp.output} already holds a sweep ({store.manifest()['experiment']['name']}). "
                "Use --resume to finish it, --overwrite to start again, or --out for a new folder."
            )
        shutil.rmtree(exp.output)
    elif resume:
        raise ScenarioError(_nothing_to_resume(exp))
    elif exp.output.exists() and any(exp.output.iterdir()):
        raise ScenarioError(
            f"{exp.output} exists and is not a sweep folder; give an empty or new --out folder."
        )
    plan = make_plan(exp)
    fresh = not exp.output.exists()
    try:
        store.create(exp, plan, base_manifest(exp, plan, backend, workers))
    except BaseException:  # interrupted or failed half-way: leave no half-made folder behind
        if fresh:
            shutil.rmtree(exp.output, ignore_errors=True)
        raise
    return store


def _check_resumable(store: Store, exp: Experiment, model_changed: bool) -> None:
    old = store.manifest()
    if old.get("model_fingerprint") != model_fingerprint() and not model_changed:
        raise ScenarioError(
            f"{exp.output}: qisim's model code changed since this sweep began (git "
            f"commit then: {old['git'].get('commit')}), so --resume would mix rows of two "
            "models. Start afresh with --overwrite, or pass --allow-model-change if the "
            "change cannot alter results."
        )
    if old["experiment"]["sha256"] != exp.sha256:
        extend(store, exp)


def extend(store: Store, exp: Experiment) -> int:
    """Take an edited experiment into an existing sweep, if every run already planned stays
    exactly as it was (same point, lever, replication, seed, overrides, constants and
    parameter values): more replications, or more samples of a design whose sequence extends
    (Sobol, Morris). The runs already planned keep their ids; the new ones get the next ids.
    The change is recorded under ``extensions`` in the manifest. Returns the runs added.

    Raises :class:`ScenarioError`, naming the first difference, if the edit would change or
    drop a planned run (another scenario or [set], other values, fewer replications, a Latin
    hypercube of another size...)."""
    old = store.manifest()
    refuse = (
        f"{exp.path}: the experiment file changed since the sweep in {exp.output} began, and "
        "--resume can only take in an edit that adds runs and leaves every planned run as it "
        "was (more replications, or more samples of a Sobol or Morris design)"
    )
    advice = "Restore the file, or start afresh with --overwrite or another --out folder."
    stored = json.loads((store.folder / "scenario.json").read_text())
    if stored != exp.base.model_dump(mode="json"):
        raise ScenarioError(f"{refuse}; here the base scenario (scenario, [set], days) changed. "
                            + advice)  # fmt: skip
    for key, now_value in (("record", exp.spec.record), ("record_every", exp.spec.record_every)):
        if old.get(key) != now_value:
            raise ScenarioError(f"{refuse}; here '{key}' changed. {advice}")
    plan = make_plan(exp)
    key = ["point", "lever", "replication"]
    before = store.plan().set_index(key)
    after = plan.table.set_index(key)
    missing = before.index.difference(after.index)
    if len(missing):
        p, lv, r = missing[0]
        raise ScenarioError(
            f"{refuse}; here {len(missing)} planned run(s) would be dropped (e.g. point {p}, "
            f"lever {lv}, replication {r}). {advice}"
        )
    by_key = {(s.point, s.lever, s.replication): s for s in plan.runs}
    shown = [c for c in before.columns if c not in ("run", "overrides", "constants")]
    for k, row in before.iterrows():
        spec, new = by_key[k], after.loc[k]
        same = (
            int(row["seed"]) == spec.seed
            and json.loads(row["overrides"]) == spec.overrides
            and json.loads(row["constants"]) == spec.constants
            and all(c in after.columns and _same_cell(row[c], new[c]) for c in shown)
        )
        if not same:
            raise ScenarioError(
                f"{refuse}; here run {int(row['run'])} (point {k[0]}, lever {k[1]}, replication "
                f"{k[2]}) would get other values or another seed. {advice}"
            )
    # old runs keep their ids; new runs follow, in the new plan's order
    ids = dict(zip(before.index, before["run"].astype(int)))
    next_id = max(ids.values(), default=-1) + 1
    renumber = {}
    for s in plan.runs:
        k = (s.point, s.lever, s.replication)
        if k in ids:
            renumber[s.run] = ids[k]
        else:
            renumber[s.run] = next_id
            next_id += 1
    for s in plan.runs:
        s.run = renumber[s.run]
    plan.table["run"] = plan.table["run"].map(renumber)
    plan.table = plan.table.sort_values("run", kind="stable").reset_index(drop=True)
    plan.runs.sort(key=lambda s: s.run)
    added = len(plan.runs) - len(before)
    store.replace_plan(exp, plan)
    manifest = store.manifest()
    change = {
        "date": now(),
        "from_sha256": old["experiment"]["sha256"],
        "to_sha256": exp.sha256,
        "runs_added": added,
        "replications": [old["replications"], exp.spec.replications],
        "samples": [old["design"].get("samples"), exp.design.samples],
        "n_runs": [old["n_runs"], len(plan.runs)],
    }
    manifest.setdefault("extensions", []).append(change)
    manifest["experiment"]["sha256"] = exp.sha256
    manifest.update(
        design=exp.design.model_dump(),
        labels=exp.labels,  # labels and units may be edited too: they change no run
        replications=exp.spec.replications,
        n_points=len(plan.points),
        n_levers=len(plan.levers),
        n_runs=len(plan.runs),
    )
    store.write_manifest(manifest)
    return added


def _same_cell(a: Any, b: Any) -> bool:
    if _missing(a) and _missing(b):
        return True
    if isinstance(a, float) or isinstance(b, float):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return a == b


def _nothing_to_resume(exp: Experiment) -> str:
    """There is no sweep at the output folder: say so, and point to the sweep of this
    experiment file if one is found where the default output would put it from another
    folder."""
    msg = (
        f"--resume: there is nothing to resume at {exp.output} (no sweep there: "
        f"{'the folder does not exist' if not exp.output.exists() else 'no manifest.json'}); "
        "nothing was run."
    )
    found = find_sweeps(exp)
    if found:
        cmd = shell_command("qisim", "sweep", exp.path, "--resume", "--out", found[0])
        return msg + f" A sweep of this experiment file is in {found[0]}; to finish it: {cmd}"
    return msg + (
        " The default output, out/sweeps/<file name>, is relative to the folder the sweep was "
        "started from: run from that folder, give --out, or leave out --resume to start afresh."
    )


def find_sweeps(exp: Experiment) -> list[Path]:
    """Sweep folders of this experiment file under ``out/sweeps/<stem>`` of the experiment's
    folder and of each folder above it (where a default output lands when the sweep was started
    there)."""
    out = []
    for folder in [exp.path.parent, *exp.path.parents]:
        candidate = folder / "out" / "sweeps" / exp.path.stem
        store = Store(candidate)
        try:
            same = store.exists() and store.manifest()["experiment"]["file"] == str(exp.path)
        except (OSError, ValueError, KeyError):
            same = False
        if same and candidate.resolve() != exp.output.resolve():
            out.append(candidate)
    return out


def run_sweep(
    experiment: str | Path | Experiment,
    *,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    allow_model_change: bool = False,
    output: str | Path | None = None,
    progress: bool | None = True,
    compact_every: int = COMPACT_EVERY,
) -> SweepReport:
    """Run an experiment's missing runs and write each result as it finishes.

    Args:
        experiment: an experiment file (or a loaded :class:`Experiment`).
        backend: ``"local"`` (a process pool here) or ``"dask"``.
        workers: worker processes (default: the CPU count); with ``scheduler``, ignored.
        scheduler: address of a running Dask scheduler (implies ``backend="dask"``).
        resume: finish a sweep whose folder exists, running only runs not on disk.
        overwrite: delete an existing sweep folder first.
        allow_model_change: resume even though qisim's model code changed since the sweep began.
        output: results folder, instead of the experiment's ``output``.
        progress: show a progress bar (``None``: only on a terminal).
    """
    check_main_guard("run_sweep")
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment, output)
    if scheduler:
        backend = "dask"
    workers = workers or os.cpu_count() or 1
    # a sweep being resumed (and perhaps extended) is locked before its plan may change
    lock = _lock(exp.output) if resume and Store(exp.output).exists() else None
    try:
        store = _prepare(exp, backend, workers, resume, overwrite, allow_model_change)
        lock = lock or _lock(store.folder)
        return _run(store, exp, backend, workers, scheduler, progress, compact_every)
    finally:
        if lock is not None:
            lock.unlink(missing_ok=True)


def progress_bar(total: int, initial: int, desc: str, progress: bool | None):
    """The progress of ``total`` runs: a live bar on a terminal or in a notebook, plain lines now
    and then in a log; ``progress`` False: none, None: only on a terminal. Calls: ``update``,
    ``set_postfix``, ``close``."""
    from tqdm.auto import tqdm

    if progress is not False and not interactive():
        # a log, not a terminal: plain lines now and then (None: only on a terminal)
        return PlainProgress(total, initial, desc) if progress else tqdm(disable=True)
    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        desc=desc,
        disable=not progress and progress is not None,
        smoothing=0.05,
        dynamic_ncols=True,
    )


def _run(store, exp, backend, workers, scheduler, progress, compact_every) -> SweepReport:
    # leftovers of a killed session become parts first; failed runs are run again
    retried = store.drop_failed()
    done_before = store.done_runs()
    todo = tasks_from_plan(store, done_before)
    rows = _plan_rows(store)
    report = SweepReport(store.folder, total=len(rows), skipped=len(done_before))
    manifest = store.manifest()
    session = {
        "started": now(),
        "backend": backend,
        "workers": workers,
        "scheduler": scheduler,
        "model_fingerprint": model_fingerprint(),
        "git": git_commit(),
        "retried_failed_runs": retried,
    }
    manifest["sessions"].append(session)
    store.write_manifest(manifest)

    context = Context(store.scenario(), exp.spec.record, exp.spec.record_every, faults_from_env())
    pool = make_pool(backend, workers, context, scheduler)
    bar = progress_bar(report.total, report.skipped, exp.name, progress)
    since_compact = 0
    # worker memory is sampled at each tenth of the session: it should stay flat
    trace_at = {max(1, round(len(todo) * k / 10)) for k in range(1, 11)}
    start = time.perf_counter()
    results = pool.run(todo) if todo else iter(())
    try:
        for res in results:
            if report.first_result_s is None:
                report.first_result_s = time.perf_counter() - start
            row = dict(rows[res["run"]])
            row.update(res["outcome"])
            row["error"] = res["error"]
            row["traceback"] = res["traceback"]
            store.write_run(row, res["daily"], res["trust"])
            report.done += 1
            report.peak_rss_mb = max(report.peak_rss_mb, res["rss_mb"])
            if report.done in trace_at:
                report.rss_trace.append((report.done, report.peak_rss_mb))
            if res["error"]:
                report.failed += 1
                report.errors.append((res["run"], res["error"]))
            bar.update(1)
            bar.set_postfix(failed=report.failed, refresh=False)
            since_compact += 1
            if since_compact >= compact_every:
                store.compact()
                since_compact = 0
    except KeyboardInterrupt:
        report.interrupted = True
        raise
    finally:
        if hasattr(results, "close"):
            results.close()
        report.elapsed = time.perf_counter() - start
        bar.close()
        store.compact()
        session.update(report.as_dict(), finished=now())
        store.write_manifest(manifest)
    return report
