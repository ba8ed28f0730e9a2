"""``qisim analyse``: summary statistics of a sweep, with confidence intervals and a check of
whether the replications were enough."""

from __future__ import annotations

import argparse

MIN_REPLICATIONS = 3  # a coefficient of variation needs a few values before it can settle
HELP = "summary statistics per design point and lever, with confidence intervals and a replication check"


def register(sub) -> None:
    p = sub.add_parser(
        "analyse",
        help=HELP,
        description=HELP
        + ". Writes points.csv (per design point and outcome: n, mean, sd, 95% CI, status "
        "shares), levers.csv (per lever, and the paired difference from the first lever over "
        "the same seeds), replications.csv and cv.png (coefficient-of-variation stability, "
        "Lee et al. 2015) into DIR/analysis.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", metavar="DIR", help="a sweep's output folder")
    p.add_argument(
        "--outcomes",
        help="comma-separated outcome columns (default: practice_rate, habit_rate, "
        "embedded_ward_fraction, ward_spread, time_to_embed, outcome_change, mean_fatigue)",
    )
    p.add_argument(
        "--tolerance", type=float, default=0.1,
        help="CV counts as settled within this share of its final value (default 0.1)",
    )  # fmt: skip
    p.add_argument("--out", help="folder for the tables and figure (default DIR/analysis)")
    p.set_defaults(func=main)


def _fmt(x) -> str:
    try:
        return "   n/a" if x != x else f"{x:6.3f}"
    except TypeError:
        return str(x)


def main(args) -> int:

    from qisim.paths import check_folder, make_folder
    from qisim.scenario import ScenarioError
    from qisim.sweep import analysis
    from qisim.sweep.storage import Store

    store = Store(args.folder)
    manifest = store.manifest()
    check_folder(args.out or store.folder / "analysis")
    runs = store.read("runs")
    if runs.empty:
        raise ScenarioError(f"{args.folder}: no runs on disk yet.")
    outcomes = tuple(args.outcomes.split(",")) if args.outcomes else analysis.OUTCOMES
    unknown = [o for o in outcomes if o not in runs.columns]
    if unknown:
        raise ScenarioError(
            f"--outcomes: {', '.join(unknown)} not in the results; columns: "
            + ", ".join(c for c in runs.columns if c != "traceback")
        )
    params = manifest["uncertainties"] + manifest["levers"]
    out = make_folder(args.out or store.folder / "analysis")
    points = analysis.by_point(runs, params, outcomes)
    levers = analysis.by_lever(runs, manifest["levers"], outcomes)
    points.to_csv(out / "points.csv", index=False, float_format="%.6g")
    levers.to_csv(out / "levers.csv", index=False, float_format="%.6g")
    main_outcome = "habit_rate" if "habit_rate" in outcomes else outcomes[0]
    written = ["points.csv", "levers.csv"]
    checkable = manifest["replications"] >= MIN_REPLICATIONS
    if checkable:
        reps, detail = analysis.replication_check(runs, outcomes, args.tolerance)
        reps.to_csv(out / "replications.csv", index=False, float_format="%.4g")
        detail.to_csv(out / "replications_by_point.csv", index=False, float_format="%.4g")
        analysis.plot_cv(runs, main_outcome, out / "cv.png")
        written += ["replications.csv", "cv.png"]
    labels = analysis.lever_labels(runs, manifest["levers"])
    figures = [
        analysis.plot_points(points, manifest["uncertainties"], labels, o, out / f"{o}.png")
        for o in (main_outcome, "embedded_ward_fraction")
        if o in outcomes
    ]

    failed = int(runs["error"].notna().sum()) if "error" in runs else 0
    print(
        f"{manifest['experiment']['name']}: {len(runs)} of {manifest['n_runs']} runs on disk, "
        f"{failed} failed; {manifest['n_points']} points x {manifest['n_levers']} lever rows x "
        f"{manifest['replications']} replications"
    )
    if manifest["n_levers"] > 1:
        print(f"\nby lever ({main_outcome}; difference from lever 0 over the same seeds):")
        lv = levers[levers["outcome"] == main_outcome].sort_values("mean", ascending=False)
        for _, r in lv.iterrows():
            print(
                f"  {str(r['lever_label'])[:48]:48s} mean {_fmt(r['mean'])} "
                f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]  diff {_fmt(r['diff_vs_lever0'])} "
                f"[{_fmt(r['diff_ci_low'])}, {_fmt(r['diff_ci_high'])}]"
            )
    print("\nreplication adequacy (CV stability, Lee et al. 2015):")
    if not checkable:
        print(
            f"  needs at least {MIN_REPLICATIONS} replications per point; this sweep has "
            f"{manifest['replications']} (sensitivity designs average noise over many points)"
        )
    for _, r in reps.iterrows() if checkable else ():
        if r["points_with_cv"] == 0:
            print(f"  {r['outcome']:24s} CV undefined (no values, or a mean of 0)")
            continue
        verdict = "enough" if r["share_settled"] >= 0.9 else "more replications advised"
        print(
            f"  {r['outcome']:24s} CV settled at {r['share_settled']:.0%} of points, "
            f"median from n={r['median_stable_from']:g} of {r['replications']} "
            f"(median CV {_fmt(r['median_cv']).strip()}): {verdict}"
        )
    if checkable and (reps["share_settled"] < 0.9).any():
        from qisim.paths import shell_command

        experiment = manifest["experiment"]["file"]
        print(
            f"  to add replications: raise `replications` in {experiment}, then run only the new "
            f"runs with {shell_command('qisim', 'sweep', experiment, '--resume', '--out', store.folder)}"
        )
    written += [f.name for f in figures if f is not None]
    print(f"\nwrote {out}/: " + ", ".join(written))
    return 0
