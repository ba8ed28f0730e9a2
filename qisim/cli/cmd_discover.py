"""``qisim discover``: PRIM scenario discovery on a sweep."""

from __future__ import annotations

import argparse

HELP = (
    "find the parameter boxes where an outcome is likely (PRIM scenario discovery), with a figure"
)


def register(sub) -> None:
    p = sub.add_parser(
        "discover",
        help=HELP,
        description=HELP
        + ". The outcome is a true/false expression over the results columns, e.g. "
        "\"status == 'fizzled'\" or 'habit_rate < 0.3'. Uses the PRIM of the EMA Workbench.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", metavar="DIR", help="a sweep's output folder")
    p.add_argument("--outcome", required=True, help="true/false expression over the columns")
    p.add_argument(
        "--threshold", type=float, default=0.8,
        help="density the chosen box must reach (default 0.8); the widest such box is chosen",
    )  # fmt: skip
    p.add_argument(
        "--censor-at", metavar="horizon|NUMBER",
        help="value for runs lacking a column the outcome reads because the event did not happen "
        "in the run (time_to_embed of a run that never embedded): 'horizon' (days observed, "
        "after launch for time_to_embed) or a number. Without it such runs stop the analysis",
    )  # fmt: skip
    p.add_argument("--peel-alpha", type=float, default=0.05, help="share peeled per step")
    p.add_argument("--mass-min", type=float, default=0.05, help="smallest box, share of runs")
    p.add_argument("--out", help="folder for the tables and figure (default DIR/discover)")
    p.add_argument(
        "--format", default="png",
        help="figure formats, comma-separated: png (default), svg, pdf (vector, for papers)",
    )  # fmt: skip
    p.set_defaults(func=main)


def main(args) -> int:
    import re

    from qisim.paths import check_folder, make_folder
    from qisim.sweep import discovery, publish
    from qisim.sweep.storage import Store

    store = Store(args.folder)
    formats = publish.parse_formats(args.format)
    manifest = store.manifest()
    check_folder(args.out or store.folder / "discover")
    d = discovery.discover(
        store, args.outcome, threshold=args.threshold, peel_alpha=args.peel_alpha,
        mass_min=args.mass_min, censor_at=args.censor_at,
    )  # fmt: skip
    out = make_folder(args.out or store.folder / "discover")
    stem = re.sub(r"[^A-Za-z0-9]+", "_", args.outcome).strip("_")[:60] or "outcome"
    d.trajectory.to_csv(out / f"{stem}_trajectory.csv", index=False, float_format="%.4g")
    d.limits.to_csv(out / f"{stem}_box.csv", index=False, float_format="%.4g")
    fig = discovery.plot(d, out / f"{stem}.png", manifest.get("labels"), formats)
    written = [out / f"{stem}_trajectory.csv", out / f"{stem}_box.csv"]
    written += [fig.with_suffix(f".{f}") for f in formats]
    publish.write_provenance(
        out / f"{stem}_provenance.json", store.folder, manifest, written, d.cases,
        {"outcome": args.outcome, "threshold": args.threshold, "peel_alpha": args.peel_alpha,
         "mass_min": args.mass_min, "censor_at": args.censor_at, "formats": list(formats)},
        args,
    )  # fmt: skip
    row = d.trajectory.iloc[d.chosen]
    print(
        f"{args.outcome}: {d.of_interest} of {d.cases} runs. Box {d.chosen}: coverage "
        f"{row['coverage']:.2f}, density {row['density']:.2f}, mass {row['mass']:.2f}"
    )
    for _, r in d.limits.iterrows():
        if r["categories"] is not None:
            print(f"  {r['parameter']:40s} in {', '.join(map(str, r['categories']))}")
        else:
            print(f"  {r['parameter']:40s} {r['min']:.4g} to {r['max']:.4g}")
    if d.limits.empty:
        print("  (no restriction: the outcome is spread over the whole space)")
    print(f"wrote {out}/{stem}.png, {stem}_box.csv, {stem}_trajectory.csv, {stem}_provenance.json")
    return 0
