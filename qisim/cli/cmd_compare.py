"""``qisim compare``: scenarios' FFIT profiles at launch beside their simulated outcomes."""

from __future__ import annotations

import argparse

from qisim.scenario import ScenarioError

HELP = "compare scenarios: FFIT radars side by side with simulated outcomes (figure + table)"


def register(sub) -> None:
    p = sub.add_parser(
        "compare",
        help=HELP,
        description="Score each scenario's FFIT profile at launch (the model's own state at day "
        "0, docs/ffit-mapping.md) and run it over replications on the same seeds. Writes one "
        "figure (a radar per scenario above the share of target wards embedded: median, 90% "
        "interval, every run) and one table (a row per scenario), and prints the table; "
        "NAME_provenance.json records the command, the code version and the model fingerprint.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario TOML files or shipped scenarios' names",
    )
    p.add_argument("--reps", type=int, default=20, help="replications per scenario (default 20)")
    p.add_argument("--seed", type=int, default=0, help="seed of the replications (default 0)")
    p.add_argument("--days", type=int, help="days to simulate (default: each scenario's)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--out", default="out/compare",
                   help="output folder for compare.png and compare.csv (default out/compare)")  # fmt: skip
    p.add_argument("--name", default="compare", help="file name stem (default compare)")
    p.set_defaults(func=main)


def main(args) -> int:
    from qisim.ffit.compare import compare, load_all
    from qisim.ffit.plots import plot_compare
    from qisim.paths import check_folder, make_folder
    from qisim.resources import find_scenario
    from qisim.sweep.storage import write_provenance

    if args.reps < 1:
        raise ScenarioError(f"--reps {args.reps}: give at least 1 replication.")
    check_folder(args.out)
    scenarios, labels = load_all([str(find_scenario(s)) for s in args.scenarios])
    table, sections, _ = compare(scenarios, labels, args.reps, args.seed, args.days, args.workers)
    out = make_folder(args.out)
    figure = plot_compare(table, sections, out / f"{args.name}.png")
    csv_path = out / f"{args.name}.csv"
    table.drop(columns=["embedded_runs"]).to_csv(csv_path, index=False, float_format="%.4g")
    provenance = write_provenance(out / f"{args.name}_provenance.json")
    print(f"{'scenario':<40} {'FFIT':>5}  {'embedded: median (90%)':<24} {'practice':<18} status")
    for row in table.itertuples():
        emb = f"{row.embedded_median:.0%} ({row.embedded_lo:.0%}-{row.embedded_hi:.0%})"
        prac = f"{row.practice_median:.2f} ({row.practice_lo:.2f}-{row.practice_hi:.2f})"
        shares = ", ".join(
            f"{k[6:]} {getattr(row, k):.0%}" for k in table.columns
            if k.startswith("share_") and getattr(row, k) > 0
        )  # fmt: skip
        print(f"{row.scenario[:40]:<40} {row.ffit_total:>5.0f}  {emb:<24} {prac:<18} {shares}")
    print(f"({args.reps} replications each; FFIT total of 225 at launch)")
    print(f"wrote {figure}, {csv_path} and {provenance}")
    return 0
