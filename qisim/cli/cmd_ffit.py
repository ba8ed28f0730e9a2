"""``qisim ffit``: template, score and simulate FFIT audits (report Appendix 1)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qisim.cli.common import add_set_option, parse_sets
from qisim.scenario import ScenarioError

HELP = "FFIT audits: a blank template, scoring an audit, simulating it on an initiative"
USAGE = """\
The Fitness for Improvement Tool (FFIT, report Appendix 1): a readiness audit of 45 items.

  qisim ffit template > audit.toml      a blank audit: 45 items verbatim, the 0-5 scale
  qisim ffit score audit.toml           section means, total, weakest items, a radar chart
  qisim ffit simulate audit.toml --initiative scenarios/example.toml
                                        predicted outcome and the items to work on

How each item sets the model: docs/ffit-mapping.md."""


def register(sub) -> None:
    p = sub.add_parser(
        "ffit",
        help=HELP,
        description=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ffit_sub = p.add_subparsers(dest="ffit_command", metavar="ACTION")

    t = ffit_sub.add_parser(
        "template",
        help="print a blank audit (45 items verbatim, empty scores, the 0-5 scale)",
        description="Print a blank FFIT audit to stdout: every item of the report's Appendix 1 "
        "verbatim under its section, with an empty score and the 0-5 scale explained. "
        "Redirect it to a file, fill in the scores, then run `qisim ffit score FILE`.",
    )
    t.add_argument("--format", choices=("toml", "csv"), default="toml",
                   help="toml (default) or csv (columns section,item,text,score)")  # fmt: skip
    t.set_defaults(func=main_template)

    s = ffit_sub.add_parser(
        "score",
        help="validate an audit; print section means, total, weakest items; write a radar",
        description="Validate an FFIT audit (.toml or .csv: every item once, whole numbers 0-5) "
        "and print the seven section means, the total (0-225) and the weakest items with the "
        "SOFFT they belong to (report Box 1, Table 4). Writes a radar chart of the sections.",
    )
    s.add_argument("audit", help="audit file (.toml or .csv), e.g. from `qisim ffit template`")
    s.add_argument("--out", help="radar chart PNG (default: AUDIT's name + _radar.png, here)")
    s.add_argument("--weakest", type=int, default=5, metavar="N", help="weakest items to list (5)")
    s.set_defaults(func=main_score)

    m = ffit_sub.add_parser(
        "simulate",
        help="run an initiative with the audit applied; predicted outcome and items to work on",
        description="Apply the audit to the initiative's scenario (docs/ffit-mapping.md: each item "
        "sets one attribute), run it over replications and report the predicted outcome (status "
        "shares, share of target wards embedded with its 90% interval). Then, one item at a time, "
        "raise its score by one point and to 5, run the same seeds again, and rank the items by "
        "how much they raise the share embedded.",
    )
    m.add_argument("audit", help="audit file (.toml or .csv)")
    m.add_argument("--initiative", required=True, metavar="SCENARIO",
                   help="scenario file of the initiative, trust and wards (e.g. scenarios/example.toml)")  # fmt: skip
    m.add_argument("--reps", type=int, default=10, help="replications per variant (default 10)")
    m.add_argument("--seed", type=int, default=0, help="seed of the replications (default 0)")
    m.add_argument("--days", type=int, help="days to simulate (default: the scenario's)")
    m.add_argument("--items", help="comma-separated item ids to try improving (default: all)")
    m.add_argument("--top", type=int, default=10, metavar="N", help="items to list (default 10)")
    m.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    m.add_argument("--csv", metavar="PATH", help="write every item variant's effect to this CSV")
    add_set_option(m)
    m.set_defaults(func=main_simulate)
    p.set_defaults(func=main, ffit_parser=p)


def main_template(args) -> int:
    from qisim.ffit import template_csv, template_toml

    sys.stdout.write(template_csv() if args.format == "csv" else template_toml())
    return 0


def _pct(x: float) -> str:
    return f"{x:.0%}"


def main_score(args) -> int:
    from qisim.domain import FFIT_SECTIONS
    from qisim.ffit import read_audit, section_means, sofft_title, total, weakest
    from qisim.ffit.audit import MAX_TOTAL
    from qisim.ffit.plots import plot_audit
    from qisim.paths import check_file

    path = Path(args.audit)
    out = check_file(args.out or f"{path.stem}_radar.png")
    scores = read_audit(path)
    means = section_means(scores)
    print(f"FFIT audit {path}")
    print("  section                               items  mean (0-5)")
    for sec in FFIT_SECTIONS:
        n = sum(1 for k in scores if k.startswith(sec.key + "_"))
        print(f"  {sec.title:<38}{n:>5}  {means[sec.key]:.2f}")
    t = total(scores)
    print(f"  {'total':<38}{len(scores):>5}  {t:.0f} / {MAX_TOTAL} (mean {t / len(scores):.2f})")
    print(f"\nWeakest {args.weakest} items (the report: lower scores 'highlight areas that may need "
          "strengthening'):")  # fmt: skip
    for item in weakest(scores, args.weakest):
        print(f"  {item.id:<14} {scores[item.id]}  {item.text}")
        print(f"  {'':<17}SOFFT: {sofft_title(item)}")
    plot_audit(means, f"FFIT: {path.name}  (total {t:.0f} / {MAX_TOTAL})", out)
    print(f"\nwrote {out}")
    return 0


def main_simulate(args) -> int:
    import qisim
    from qisim.ffit import read_audit
    from qisim.ffit.audit import ITEMS
    from qisim.ffit.simulate import simulate
    from qisim.paths import check_file, make_folder
    from qisim.results import median_interval

    if args.reps < 1:
        raise ScenarioError(f"--reps {args.reps}: give at least 1 replication.")
    if args.csv:
        check_file(args.csv, "--csv")
    scores = read_audit(args.audit)
    from qisim.resources import find_scenario

    scenario = qisim.load_scenario(find_scenario(args.initiative))
    after = parse_sets(args.set)  # applied after the audit, so they win over it
    items = None
    if args.items:
        items = [i.strip() for i in args.items.split(",") if i.strip()]
        bad = [i for i in items if i not in ITEMS]
        if bad:
            raise ScenarioError(
                f"--items: {', '.join(bad)} not FFIT item id(s); ids run staff_01 ... context_05 "
                "(see `qisim ffit template`)."
            )
    pred = simulate(scenario, scores, args.reps, args.seed, args.days, items, args.workers, after)
    out = pred.outcome
    med, lo, hi = median_interval(out.runs["embedded_ward_fraction"])
    mean = float(out.embedded.mean())
    shares = ", ".join(f"{s} {_pct(v)}" for s, v in out.status_shares().items() if v > 0)
    pmed, plo, phi = median_interval(out.runs["practice_rate"])
    print(f"Audit {args.audit} on {args.initiative} ({scenario.initiative.name}): "
          f"{pred.reps} replications of {pred.days} days")  # fmt: skip
    print("Predicted outcome")
    print(f"  target wards embedded  mean {_pct(mean)}, median {_pct(med)} "
          f"(90% of runs between {_pct(lo)} and {_pct(hi)})")  # fmt: skip
    print(f"  final status           {shares}")
    print(f"  practice rate          median {pmed:.2f} (90%: {plo:.2f} to {phi:.2f})")
    eff = pred.effects
    if eff.empty:
        print("\nNo item can be improved (every tried item already scores 5).")
    else:
        print(f"\nItems whose improvement most raises the share of wards embedded (one at a time, "
              f"same {pred.reps} seeds):")  # fmt: skip
        print(f"  {'item':<14} score  embedded change (90% CI)      habit change  SOFFT")
        for row in eff.head(args.top).itertuples():
            ci = f"({row.embedded_change_lo:+.0%} to {row.embedded_change_hi:+.0%})"
            print(f"  {row.item:<14} {row.score} -> {row.new_score}  {row.embedded_change:>+5.0%} "
                  f"{ci:<22} {row.habit_change:>+8.3f}    {row.sofft}")  # fmt: skip
        zero = int((eff["embedded_change"] == 0).sum())
        if zero == len(eff):
            print("  No variant changed how many wards embedded in these runs"
                  + (" (all already embedded)" if out.embedded.min() == 1 else "")
                  + ": the items are ranked by the change in final habit of target staff.")  # fmt: skip
        elif zero:
            print(f"  ({zero} of {len(eff)} variants changed no ward's embedding in these runs)")
    if args.csv:
        make_folder(Path(args.csv).parent, "--csv")
        eff.to_csv(args.csv, index=False, float_format="%.4g")
        print(f"wrote {args.csv}")
    return 0


def main(args) -> int:
    """`qisim ffit` without an action: show the actions."""
    args.ffit_parser.print_help()
    return 0
