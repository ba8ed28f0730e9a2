"""``qisim sweep``: run an experiment file, every result streamed to disk, resumable."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qisim.paths import shell_command

SCHEDULER_FILE_WAIT = 60.0  # seconds

HELP = "run an experiment (many seeded runs of a scenario) on this machine or a Dask cluster"

DESCRIPTION = f"""{HELP}.

An experiment file (TOML, see experiments/ and docs/sweeps.md) names a base scenario, the
uncertainties and levers it varies, the design (grid, scenarios, lhs, sobol, morris), the
replications, what to record and the output folder. Each finished run is written at once, so a
sweep stopped at any moment keeps its results. --resume runs only what is missing: runs not on
disk and runs that failed. After raising `replications` (or the samples of a Sobol or Morris
design) in the experiment file, --resume runs only the new runs.

examples:
  qisim sweep experiments/rollout_staffing.toml
  qisim sweep experiments/rollout_staffing.toml --resume
  qisim sweep experiments/constants_sobol.toml --backend dask --workers 2
  qisim sweep experiments/constants_sobol.toml --scheduler tcp://10.0.0.5:8786
  qisim sweep experiments/constants_sobol.toml --scheduler-file scheduler.json
then: qisim analyse DIR, qisim sensitivity DIR, qisim discover DIR --outcome EXPR"""


def register(sub) -> None:
    p = sub.add_parser(
        "sweep",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("experiment", help="experiment TOML file")
    p.add_argument(
        "--backend", choices=("local", "dask"), default=None,
        help="local: a process pool here (default); dask: a dask.distributed cluster",
    )  # fmt: skip
    p.add_argument("--workers", type=int, help="worker processes (default: all CPUs)")
    p.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="address of a running Dask scheduler, e.g. tcp://host:8786 (implies --backend dask)",
    )  # fmt: skip
    p.add_argument(
        "--scheduler-file", metavar="FILE",
        help="the file a Dask scheduler writes (`dask scheduler --scheduler-file FILE`), read "
        f"for its address, waiting up to {SCHEDULER_FILE_WAIT:.0f} s for it to appear "
        "(implies --backend dask)",
    )  # fmt: skip
    p.add_argument(
        "--resume", action="store_true",
        help="finish the sweep in the output folder: run the runs not on disk and the failed "
        "ones again; takes in added replications or Sobol/Morris samples",
    )  # fmt: skip
    p.add_argument("--overwrite", action="store_true", help="delete the output folder first")
    p.add_argument(
        "--allow-model-change", action="store_true",
        help="with --resume: go on although qisim's model code changed since the sweep began",
    )  # fmt: skip
    p.add_argument("--out", help="output folder (default: the experiment's `output`)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=main)


def scheduler_address(path: str, wait: float = SCHEDULER_FILE_WAIT) -> str:
    """The address in a Dask scheduler file; in a batch job the scheduler may still be starting,
    so the file is waited for."""
    import json
    import time

    from qisim.scenario import ScenarioError

    deadline = time.monotonic() + wait
    while True:
        try:
            return json.loads(Path(path).read_text())["address"]
        except (OSError, ValueError, KeyError):  # not there yet, or being written
            if time.monotonic() > deadline:
                raise ScenarioError(
                    f"--scheduler-file {path}: no scheduler address there after {wait:.0f} s. "
                    f"Start the scheduler with `dask scheduler --scheduler-file {path}` first."
                ) from None
            time.sleep(0.2)


def resume_command(args) -> str:
    """The command that finishes this sweep, quoted for pasting."""
    return shell_command(
        "qisim", "sweep", args.experiment, "--resume", *(("--out", args.out) if args.out else ())
    )


def again_command(args) -> str:
    """The command as given (without --resume), quoted for pasting."""
    return shell_command(
        "qisim", "sweep", args.experiment, *(("--out", args.out) if args.out else ())
    )


def main(args) -> int:
    from qisim.scenario import ScenarioError
    from qisim.sweep import run_sweep
    from qisim.sweep.experiment import load_experiment
    from qisim.sweep.runner import interrupted_advice, plan_message

    if args.workers is not None and args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: give 1 or more worker processes.")
    if args.scheduler and args.scheduler_file:
        raise ScenarioError("give --scheduler or --scheduler-file, not both.")
    if (args.scheduler or args.scheduler_file) and args.backend == "local":
        option = "--scheduler" if args.scheduler else "--scheduler-file"
        raise ScenarioError(
            f"--backend local and {option}: a scheduler means a Dask cluster; give "
            "--backend dask (or leave --backend out), or drop the scheduler to run here."
        )
    args.backend = args.backend or "local"
    exp = None
    try:
        exp = load_experiment(args.experiment, args.out)
        if args.scheduler_file:
            args.scheduler = scheduler_address(args.scheduler_file)
        workers = None if args.scheduler else args.workers or os.cpu_count() or 1
        # before planning, which takes a while for a huge sweep: how many runs, and a warning
        print(plan_message(exp, workers, args.resume, not args.no_progress), flush=True)
        report = run_sweep(
            exp,
            backend=args.backend,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            overwrite=args.overwrite,
            allow_model_change=args.allow_model_change,
            output=args.out,
            progress=not args.no_progress,
        )
    except KeyboardInterrupt:
        output = exp.output if exp is not None else None
        print(
            interrupted_advice(output, again_command(args), resume_command(args)), file=sys.stderr
        )
        return 130
    total_done = report.skipped + report.done
    print(
        f"{report.folder}: {total_done} of {report.total} runs on disk "
        f"({report.done} this session, {report.failed} failed, "
        f"{report.elapsed:.1f} s, {report.runs_per_min:.0f} runs/min)"
    )
    for run, error in report.errors[:5]:
        print(f"  run {run} failed: {error}")
    if len(report.errors) > 5:
        print(f"  ... and {len(report.errors) - 5} more (see the `error` column)")
    if report.errors:
        first = report.errors[0][0]
        print(
            f"  see one alone: {shell_command('qisim', 'run', '--from-sweep', report.folder, '--run', first)}"
        )
        print(f"  run the failed runs again: {resume_command(args)}")
    from qisim.sweep import timing

    warnings = timing.report(timing.check_sweep(report.folder))
    if warnings:
        print(warnings)
    print(f"next: {shell_command('qisim', 'analyse', report.folder)}")
    return 0
