"""``qisim deviance``: which wards succeed against the odds, and what sets them apart."""

from __future__ import annotations

import sys
from pathlib import Path

from qisim.cli.common import add_set_option, add_workers_option, check_workers, parse_sets

HELP = "find positive-deviant wards across replications and what sets them apart"


def register(sub) -> None:
    p = sub.add_parser(
        "deviance",
        help=HELP,
        description=HELP
        + ". Each ward's outcome is predicted from its environment alone (staffing, trust "
        "culture, initiative load, time live, fit...) by a regression fitted on the other wards; "
        "wards far above that expectation in most runs are positive deviants. The report compares "
        "them with the other wards on ward, manager and staff attributes (effect sizes with "
        "bootstrap intervals) and draws a figure. Writes deviance_wards.csv, "
        "deviance_attributes.csv, deviance_runs.csv, deviance.png and provenance.json (the command, "
        "the code version and the model fingerprint).",
        epilog="example: qisim deviance scenarios/lessons/upsworth_positive_deviant.toml --reps 20",
    )
    p.add_argument(
        "source",
        metavar="SCENARIO|EXPERIMENT",
        help="scenario or experiment TOML file, or a shipped scenario's name",
    )
    p.add_argument(
        "--reps",
        type=int,
        help="replications (default 20 for a scenario; an experiment's own replications)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="base seed: replication r of a scenario has seed SEED + r (default 0; an "
        "experiment's own seed)",
    )
    p.add_argument(
        "--outcome",
        choices=("habit", "practice"),
        default="habit",
        help="ward outcome: habit at the end (default) or practice over the last 28 days",
    )
    p.add_argument(
        "--z",
        type=float,
        default=2.0,
        dest="z_threshold",
        help="how far above expectation counts, in robust SDs of the residuals (default 2)",
    )
    p.add_argument(
        "--consistency",
        type=float,
        default=0.8,
        help="share of runs a ward must be that far above in (default 0.8)",
    )
    add_workers_option(p, old_jobs=True)
    add_set_option(p)
    p.add_argument("--out", default="out/deviance", help="output folder (default out/deviance)")
    p.set_defaults(func=main)


def main(args) -> int:
    import qisim
    from qisim import deviance
    from qisim.paths import check_folder
    from qisim.processes import PlainProgress, interactive
    from qisim.resources import find_scenario
    from qisim.scenario import ScenarioError
    from qisim.sweep.replicate import Arm
    from qisim.sweep.storage import write_provenance

    check_folder(args.out)
    source = find_scenario(args.source)  # a file, or a shipped scenario by name
    if not source.exists():
        raise ScenarioError(f"{source}: no such file.")
    if args.reps is not None and args.reps < 2:
        raise ScenarioError(f"--reps {args.reps}: give at least 2 replications.")
    check_workers(args.workers)
    if not 0 < args.consistency <= 1:
        raise ScenarioError(f"--consistency {args.consistency}: must be in (0, 1].")
    if deviance.is_experiment(source):
        if args.set:
            raise ScenarioError("--set applies to a scenario file; edit the experiment instead.")
        name, arms, reps, seed = deviance.experiment_runs(source, args.reps)
        title = f"{name} (experiment)"
    else:
        scenario = qisim.load_scenario(source, parse_sets(args.set))
        arms, reps, seed = [Arm(scenario, "")], args.reps or 20, args.seed
        name, title = scenario.name, scenario.description or scenario.name
    total = len(arms) * reps

    live = interactive()
    plain = PlainProgress(total, desc="qisim deviance")

    def progress(done: int, total: int) -> None:
        if live:
            print(f"\r  {done}/{total} runs", end="", file=sys.stderr, flush=True)
        else:
            plain.update(done - plain.n)

    table = deviance.collect(arms, reps, seed, workers=args.workers, progress=progress)
    if live:
        print(file=sys.stderr)
    try:
        result = deviance.analyse(
            table, outcome=args.outcome, z_threshold=args.z_threshold, consistency=args.consistency
        )
    except ValueError as exc:
        raise ScenarioError(f"{source}: {exc}.") from None
    paths = deviance.write(result, args.out, title=title)
    paths.append(write_provenance(Path(args.out) / "provenance.json"))
    print(deviance.report(result, name))
    print(f"  wrote             {', '.join(str(p) for p in paths)}")
    return 0
