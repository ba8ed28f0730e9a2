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
        "trust culture) is analysed separately; replications are averaged per point first.",
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
    p.set_defaults(func=main)


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:60] or "outcome"


def main(args) -> int:

    from qisim.paths import check_folder, make_folder
    from qisim.sweep import sensitivity
    from qisim.sweep.storage import Store

    store = Store(args.folder)
    store.manifest()  # not a sweep folder: say so first
    check_folder(args.out or store.folder / "sensitivity")
    indices = sensitivity.analyse(store, args.outcome, seed=args.seed, censor_at=args.censor_at)
    out = make_folder(args.out or store.folder / "sensitivity")
    kind = "sobol" if "ST" in indices else "morris"
    stem = f"{_slug(args.outcome)}_{kind}"
    indices.to_csv(out / f"{stem}.csv", index=False, float_format="%.5g")
    if "S2" in indices.attrs:
        indices.attrs["S2"].to_csv(out / f"{stem}_S2.csv", index=False, float_format="%.5g")
    sensitivity.plot(indices, args.outcome, out / f"{stem}.png", args.title or "")
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
    if indices.attrs.get("censored"):
        print(
            f"{indices.attrs['censored']} run(s) lacked {args.outcome} (censored) and counted as "
            f"{args.censor_at}"
        )
    print(f"wrote {out}/{stem}.csv and {stem}.png")
    return 0
