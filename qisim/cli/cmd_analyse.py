"""``qisim analyse``: summary statistics of a sweep, with confidence intervals and a check of
whether the replications were enough."""

from __future__ import annotations

import argparse

import pandas as pd

MIN_REPLICATIONS = 3  # a coefficient of variation needs a few values before it can settle
HELP = "summary statistics per design point and lever, with confidence intervals and a replication check"


def register(sub) -> None:
    p = sub.add_parser(
        "analyse",
        help=HELP,
        description=HELP
        + ". Writes points.csv (per design point and outcome: n, mean, sd, 95% CI, status "
        "shares with Wilson intervals), levers.csv (per lever, and the paired difference from "
        "the first lever over the same seeds), replications.csv and cv.png (coefficient-of-"
        "variation stability, Lee et al. 2015), main_effects.csv and main-effect and "
        "interaction figures, launch_timing.csv (does a factor move the launch across a "
        "scheduled event or the horizon?), methods.md (a paragraph for a paper) and "
        "provenance.json into DIR/analysis.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", metavar="DIR", help="a sweep's output folder")
    p.add_argument(
        "--outcomes",
        help="comma-separated outcome columns (default: practice_rate, habit_rate, "
        "embedded_ward_fraction, ward_spread, time_to_embed, outcome_change, mean_fatigue, and "
        "the launch-relative days_after_launch, practice_6m, practice_12m, embedded_12m); the "
        "first four get figures",
    )
    p.add_argument(
        "--tolerance", type=float, default=0.1,
        help="CV counts as settled within this share of its final value (default 0.1)",
    )  # fmt: skip
    p.add_argument("--out", help="folder for the tables and figure (default DIR/analysis)")
    p.add_argument(
        "--format", default="png",
        help="figure formats, comma-separated: png (default), svg, pdf (vector, for papers)",
    )  # fmt: skip
    p.set_defaults(func=main)


def _fmt(x) -> str:
    try:
        return "   n/a" if x != x else f"{x:6.3f}"
    except TypeError:
        return str(x)


def main(args) -> int:

    from qisim.paths import check_folder, make_folder
    from qisim.scenario import ScenarioError
    from qisim.sweep import analysis, publish, timing
    from qisim.sweep.storage import Store

    store = Store(args.folder)
    manifest = store.manifest()
    formats = publish.parse_formats(args.format)
    check_folder(args.out or store.folder / "analysis")
    runs = store.read("runs")
    if runs.empty:
        raise ScenarioError(f"{args.folder}: no runs on disk yet.")
    if args.outcomes:
        outcomes = tuple(o.strip() for o in args.outcomes.split(",") if o.strip())
    else:
        outcomes = analysis.OUTCOMES + tuple(o for o in analysis.LAUNCH_OUTCOMES if o in runs)
    unknown = [o for o in outcomes if o not in runs.columns]
    if unknown:
        raise ScenarioError(
            f"--outcomes: {', '.join(unknown)} not in the results; columns: "
            + ", ".join(c for c in runs.columns if c != "traceback")
        )
    labels = manifest.get("labels", {})
    params = manifest["uncertainties"] + manifest["levers"]
    out = make_folder(args.out or store.folder / "analysis")
    points = analysis.by_point(runs, params, outcomes, labels)
    levers = analysis.by_lever(runs, manifest["levers"], outcomes, labels)
    points.to_csv(out / "points.csv", index=False, float_format="%.6g")
    levers.to_csv(out / "levers.csv", index=False, float_format="%.6g")
    main_outcome = "habit_rate" if "habit_rate" in outcomes else outcomes[0]
    written = [out / "points.csv", out / "levers.csv"]
    checkable = manifest["replications"] >= MIN_REPLICATIONS
    if checkable:
        reps, detail = analysis.replication_check(runs, outcomes, args.tolerance)
        reps.to_csv(out / "replications.csv", index=False, float_format="%.4g")
        detail.to_csv(out / "replications_by_point.csv", index=False, float_format="%.4g")
        written += [out / "replications.csv", out / "replications_by_point.csv"]
        cv = analysis.plot_cv(runs, main_outcome, out / "cv.png", labels=labels, formats=formats)
        written += [cv.with_suffix(f".{f}") for f in formats]
    names = analysis.lever_labels(runs, manifest["levers"], labels)
    if args.outcomes:
        figure_outcomes = list(outcomes[:4])
    else:
        figure_outcomes = [o for o in (main_outcome, "embedded_ward_fraction", "practice_12m")
                           if o in outcomes]  # fmt: skip
    # an outcome no run observed (all censored, e.g. practice_24m in short runs, or
    # practice_12m in a sweep shorter than a year) gets no figure: it would be empty
    observed = analysis.ok_runs(runs)
    figure_outcomes = [o for o in figure_outcomes if observed[o].notna().any()]
    for o in figure_outcomes:
        fig = analysis.plot_points(points, manifest["uncertainties"], names, o, out / f"{o}.png",
                                   labels=labels, formats=formats)  # fmt: skip
        written += [fig.with_suffix(f".{f}") for f in formats] if fig else []
    factors = analysis.effect_factors(runs, manifest)
    if factors:
        effects = pd.concat(
            [analysis.main_effects(runs, factors, o, labels) for o in outcomes], ignore_index=True
        )
        effects.to_csv(out / "main_effects.csv", index=False, float_format="%.6g")
        written.append(out / "main_effects.csv")
        levers_first = [f for f in factors if f in manifest["levers"] or f == "lever_name"]
        pairs = [(a, b) for i, a in enumerate(factors) for b in factors[i + 1 :]]
        pairs = sorted(pairs, key=lambda p: not (p[0] in levers_first or p[1] in levers_first))
        for o in figure_outcomes:
            e = effects[effects["outcome"] == o]
            written += analysis.plot_main_effects(e, o, out / f"main_effects_{o}.png", labels,
                                                  formats)  # fmt: skip
            if pairs:
                written += analysis.plot_interactions(
                    runs, pairs[:3], o, out / f"interactions_{o}.png", labels, formats
                )
    check = timing.check(runs, params, store.scenario())
    if not check.table.empty:
        check.table.to_csv(out / "launch_timing.csv", index=False, float_format="%.4g")
        written.append(out / "launch_timing.csv")

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
    ok = analysis.ok_runs(runs)
    censored = [(o, int(ok[o].notna().sum())) for o in outcomes if o in analysis.LAUNCH_OUTCOMES]
    censored = [(o, k) for o, k in censored if k < len(ok)]
    if censored:
        print(
            "\nmeasured from launch, observed in fewer runs (the rest ended sooner after launch):"
        )
        for o, k in censored:
            print(f"  {o:24s} {k} of {len(ok)} runs")
    print("\nreplication adequacy (CV stability, Lee et al. 2015):")
    if not checkable:
        print(
            f"  needs at least {MIN_REPLICATIONS} replications per point; this sweep has "
            f"{manifest['replications']} (sensitivity designs average noise over many points)"
        )
    for _, r in reps.iterrows() if checkable else ():
        print("  " + _adequacy(r))
    if checkable and (reps["share_settled"] < 0.9).any():
        from qisim.paths import shell_command

        experiment = manifest["experiment"]["file"]
        print(
            f"  to add replications: raise `replications` in {experiment}, then run only the new "
            f"runs with {shell_command('qisim', 'sweep', experiment, '--resume', '--out', store.folder)}"
        )
    if check.warnings:
        print("\nlaunch timing:\n" + timing.report(check))
    extra = (
        "Means are reported with 95% confidence intervals: Student t over replications, cut at "
        "0 and 1 for shares, Wilson score intervals for proportions of runs; lever settings are "
        "compared by paired differences over the same seeds. Replication adequacy was checked by "
        "the stability of the coefficient of variation (Lee et al. 2015, JASSS 18(4) 4) with a "
        f"tolerance of {args.tolerance:g}."
    )
    if any(o in analysis.LAUNCH_OUTCOMES for o in outcomes):
        extra += (
            " Outcomes named '6 or 12 months after launch' were measured from each run's first "
            "launch (practice averaged over the 28 days before that time)."
        )
    methods = publish.methods_paragraph(manifest, len(ok), failed, extra)
    (out / "methods.md").write_text(methods + "\n")
    written.append(out / "methods.md")
    prov = publish.write_provenance(
        out / "provenance.json", store.folder, manifest, written, len(ok),
        {"outcomes": list(outcomes), "tolerance": args.tolerance, "formats": list(formats),
         "ci_level": analysis.CI_LEVEL}, args,
    )  # fmt: skip
    names_out = sorted({p.name for p in written} | {prov.name})
    print(f"\nwrote {out}/: " + ", ".join(names_out))
    return 0


def _adequacy(r) -> str:
    """One line of the replication check for an outcome; never prints n=nan."""
    head = f"{r['outcome']:24s} "
    if r["points_with_cv"] == 0:
        return head + "CV undefined (no values, or a mean of 0)"
    if r["share_settled"] == 0 or r["median_stable_from"] != r["median_stable_from"]:
        return head + (
            f"CV settled at no point (of {int(r['points_with_cv'])}) within "
            f"{int(r['replications'])} replications (median CV "
            f"{_fmt(r['median_cv']).strip()}): more replications advised"
        )
    verdict = "enough" if r["share_settled"] >= 0.9 else "more replications advised"
    return head + (
        f"CV settled at {r['share_settled']:.0%} of points, median from "
        f"n={r['median_stable_from']:g} of {int(r['replications'])} (median CV "
        f"{_fmt(r['median_cv']).strip()}): {verdict}"
    )
