"""``qisim sensitivity``: Sobol or Morris indices of a sweep's outcome, with a figure."""

from __future__ import annotations

import argparse

HELP = "Sobol (S1, ST with CIs) or Morris (mu*, sigma) sensitivity indices of a sweep, and a figure"


def register(sub) -> None:
    p = sub.add_parser(
        "sensitivity",
        help=HELP,
        description=HELP
        + ". The sweep must use design.kind = 'sobol' or 'morris'. Each lever row (e.g. each "
        "trust culture) is analysed separately; replications are averaged per point first. "
        "A convergence check recomputes the indices at N/8, N/4, N/2 and N (with bootstrap "
        "intervals; <outcome>_<method>_convergence.csv and .png) and warns when N is too small "
        "to trust. Also writes a methods paragraph and a provenance JSON beside the table.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", metavar="DIR", help="a sweep's output folder")
    p.add_argument(
        "--outcome", default="habit_rate",
        help="outcome column or expression (default habit_rate), e.g. embedded_ward_fraction "
        "or \"status == 'embedded'\"",
    )  # fmt: skip
    p.add_argument(
        "--censor-at", metavar="horizon|NUMBER",
        help="value for runs that lack the outcome because the event did not happen in the run "
        "(time_to_embed of a run that never embedded): 'horizon' (the days observed, after "
        "launch for time_to_embed) or a number. Without it such runs stop the analysis, with "
        "their count",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--out", help="folder for the table and figure (default DIR/sensitivity)")
    p.add_argument("--title", help="figure title")
    p.add_argument(
        "--format", default="png",
        help="figure formats, comma-separated: png (default), svg, pdf (vector, for papers)",
    )  # fmt: skip
    p.set_defaults(func=main)


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60] or "outcome"


def main(args) -> int:

    from qisim.paths import check_folder, make_folder
    from qisim.sweep import publish, sensitivity
    from qisim.sweep.analysis import ok_runs
    from qisim.sweep.storage import Store

    store = Store(args.folder)
    formats = publish.parse_formats(args.format)
    manifest = store.manifest()  # not a sweep folder: say so first
    check_folder(args.out or store.folder / "sensitivity")
    labels = manifest.get("labels", {})
    indices = sensitivity.analyse(store, args.outcome, seed=args.seed, censor_at=args.censor_at)
    conv = sensitivity.convergence(store, args.outcome, seed=args.seed, censor_at=args.censor_at)
    out = make_folder(args.out or store.folder / "sensitivity")
    kind = "sobol" if "ST" in indices else "morris"
    stem = f"{_slug(args.outcome)}_{kind}"
    written = [out / f"{stem}.csv", out / f"{stem}_convergence.csv"]
    indices.to_csv(written[0], index=False, float_format="%.5g")
    conv.to_csv(written[1], index=False, float_format="%.5g")
    if "S2" in indices.attrs:
        indices.attrs["S2"].to_csv(out / f"{stem}_S2.csv", index=False, float_format="%.5g")
        written.append(out / f"{stem}_S2.csv")
    fig = sensitivity.plot(indices, args.outcome, out / f"{stem}.png", args.title or "", labels,
                           formats)  # fmt: skip
    written += [fig.with_suffix(f".{f}") for f in formats]
    written += sensitivity.plot_convergence(
        conv, args.outcome, out / f"{stem}_convergence.png", labels, formats
    )
    key, conf = ("ST", "ST_conf") if kind == "sobol" else ("mu_star", "mu_star_conf")
    for _, d in indices.groupby("lever", sort=True):
        print(f"{d['lever_label'].iloc[0]}: {args.outcome}, by {key}")
        for _, r in d.sort_values(key, ascending=False).head(8).iterrows():
            extra = (
                f"  S1 {r['S1']:.3f} ± {r['S1_conf']:.3f}"
                if kind == "sobol"
                else (f"  sigma {r['sigma']:.3f}")
            )
            print(f"  {r['parameter'][:44]:44s} {key} {r[key]:.3f} ± {r[conf]:.3f}{extra}")
    censored = indices.attrs.get("censored", 0)
    if censored:
        print(f"{censored} run(s) lacked {args.outcome} (censored) and counted as {args.censor_at}")
    print(_convergence_table(conv, key))
    warnings = sensitivity.convergence_warnings(conv)
    for w in warnings:
        print(f"warning: {w}")
    if not warnings:
        print(
            "convergence: the leading parameters keep their order and the indices hold from N/2 to N"
        )
    runs = store.read("runs")
    ok, n_max = ok_runs(runs), manifest["design"].get("samples")
    if kind == "sobol":
        how = (
            f"First- and total-order Sobol indices of {publish.axis_label(args.outcome, labels)} "
            f"were estimated with SALib {_version('SALib')} (Saltelli 2002; Jansen 1999 "
            f"estimators) from N = {n_max} base samples, replications averaged per design point, "
            f"with 95% bootstrap intervals ({sensitivity.RESAMPLES} resamples, seed {args.seed})."
        )
    else:
        own = "effects" in indices  # qisim's own effects, each divided by its real step
        how = (
            f"Morris elementary effects of {publish.axis_label(args.outcome, labels)} (mu*, sigma; "
            f"Campolongo et al. 2007) were computed "
            + (
                f"from a SALib {_version('SALib')} design, each effect divided by the realised "
                "change of the parameter's position in its range (the real step of whole-number "
                "and listed values), "
                if own
                else f"with SALib {_version('SALib')} "
            )
            + f"from {n_max} trajectories on {manifest['design']['levels']} levels, replications "
            f"averaged per design point, with 95% bootstrap intervals ({sensitivity.RESAMPLES} "
            f"resamples, seed {args.seed})."
        )
    if censored:
        how += (
            f" {censored} run(s) lacking the outcome (censored: the event did not happen before "
            f"the run ended) were counted as {args.censor_at}."
        )
    how += (
        " Convergence was checked by recomputing the indices on the first N/8, N/4 and N/2 "
        "samples"
        + (
            f"; warnings: {' '.join(warnings)}"
            if warnings
            else "; the leading parameters kept their order."
        )
    )
    methods = out / f"{stem}_methods.md"
    methods.write_text(
        publish.methods_paragraph(manifest, len(ok), len(runs) - len(ok), how) + "\n"
    )
    written.append(methods)
    publish.write_provenance(
        out / f"{stem}_provenance.json", store.folder, manifest, written, len(ok),
        {"outcome": args.outcome, "method": kind, "bootstrap_seed": args.seed,
         "resamples": sensitivity.RESAMPLES, "formats": list(formats),
         "censor_at": args.censor_at, "censored": censored}, args,
    )  # fmt: skip
    print(f"wrote {out}/{stem}.csv, .png, _convergence.csv/.png, _methods.md, _provenance.json")
    return 0


def _version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _convergence_table(conv, key: str, top: int = 5) -> str:
    """The leading parameters' index at each sample size, as printed lines."""
    lines = []
    for _, d in conv.groupby("lever", sort=True):
        sizes = sorted(d["N"].unique())
        n_max = sizes[-1]
        lead = d[d["N"] == n_max].sort_values(key, ascending=False)["parameter"].head(top)
        head = "N" if key == "ST" else "r"
        lines.append(
            f"convergence check ({d['lever_label'].iloc[0]}; {key} ± 95% bootstrap at each {head}):"
        )
        lines.append(f"  {'':40s}" + "".join(f"{head + ' = ' + str(n):>13s}" for n in sizes))
        for name in lead:
            row = d[d["parameter"] == name].set_index("N")
            cells = "".join(_cell(row, n, key) for n in sizes)
            lines.append(f"  {name[:40]:40s}{cells}")
    return "\n".join(lines)


def _cell(row, n: int, key: str) -> str:
    if n not in row.index:
        return " " * 13
    value, conf = row.loc[n, key], row.loc[n, key + "_conf"]
    half = f"{conf:.2f}" if conf < 10 else ">10"
    return f"{value:7.2f}±{half:<5s}"
