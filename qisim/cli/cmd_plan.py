"""``qisim plan``: compare roll-out strategies and launch months before launch."""

from __future__ import annotations

import argparse
import sys
import time

from qisim.scenario import ScenarioError

HELP = "compare roll-out strategies x launch months x staffing cases; ranked table, figures, CSV"


def register(sub) -> None:
    p = sub.add_parser(
        "plan",
        help=HELP,
        description="Run every combination of a plan file's strategies, launch months and "
        "staffing cases over its replications, on the same seeds for every combination (common "
        "random numbers), in parallel. Prints a ranked table (chance of embedding, wards "
        "embedded at 6/12/24 months, patient-outcome events avoided, staff burden, chance of "
        "fizzling, each with a 90% interval) and a recommendation naming the mechanisms behind "
        "it, or, when the runs cannot separate the top two options, 'No clear difference' and "
        "about how many more replications would. Writes report.html (one page for a board: the "
        "answer, launch dates when the plan has a start_date, a ward-by-ward table rated "
        "red/amber/green by each ward's chance of embedding, the figures and what the numbers "
        "rest on), report.txt, table.csv, wards.csv, runs.csv, trajectories.csv, heatmap.csv, "
        "trajectories.png and heatmap.png. The plan file format is in docs/plan.md.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("plan", help="plan TOML file (e.g. experiments/enhanced_care_rollout.toml)")
    p.add_argument("--reps", type=int, help="replications (default: the plan's)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", help="output folder (default: the plan's `output`)")
    p.add_argument("--no-figures", action="store_true", help="skip the figures")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print report.html to report.pdf (A4) with Chromium via Playwright, when "
        "both are installed (pip install 'qisim[dev]'; apt-get install chromium)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=main)


def main(args) -> int:
    from qisim import planning
    from qisim.processes import PlainProgress

    if args.reps is not None and args.reps < 1:
        raise ScenarioError(f"--reps {args.reps}: give at least 1 replication.")
    if args.workers < 1:
        raise ScenarioError(f"--workers {args.workers}: give at least 1 worker.")
    from qisim.paths import check_outputs

    plan = planning.load_plan(args.plan, output=args.out, replications=args.reps)
    names = planning.output_names(figures=not args.no_figures, pdf=args.pdf)
    check_outputs(plan.output, names, "--out" if args.out else f"{args.plan}: output")
    start = time.perf_counter()
    bar = PlainProgress(plan.n_runs, desc="qisim plan")

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            bar.update(done - bar.n)

    if not args.quiet:
        print(
            f"qisim plan: {plan.n_runs} runs on {args.workers} worker(s)...",
            file=sys.stderr,
            flush=True,
        )
    result = planning.run(
        plan, workers=args.workers, figures=not args.no_figures, progress=progress, pdf=args.pdf
    )
    print(result.text)
    elapsed = time.perf_counter() - start
    print(f"\n{plan.n_runs} runs in {elapsed:.0f} s on {args.workers} worker(s); wrote:")
    for f in result.files:
        print(f"  {f}")
    return 0
