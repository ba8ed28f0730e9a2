"""``qisim validate``: do one set of mechanism constants reproduce all six case studies?"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

HELP = "run the six case studies N times each and check each reproduces the report's outcome"


def register(sub) -> None:
    p = sub.add_parser(
        "validate",
        help=HELP,
        description=HELP
        + ". Prints one row per case (the report's outcome, the share of runs that reproduce it, "
        "key figures with 90% intervals, PASS/FAIL) and one row per finer pattern; writes "
        "validation.csv, patterns.csv and validation.png to --out. Exits 1 if any case fails "
        "(a case passes when at least 80% of its runs fall in the report's outcome class; the "
        "classes are defined in qisim/validation.py and docs/ODD.md).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--reps", type=int, default=30, help="runs per case (default 30)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--out", default="out/validation", help="output folder (default out/validation)")
    p.add_argument("--seed", type=int, default=2024, help="root seed of the runs (default 2024)")
    p.set_defaults(func=main)


def main(args) -> int:
    import numpy as np
    import pandas as pd

    from qisim import validation as v
    from qisim.scenario import ScenarioError

    if args.reps < 1:
        raise ScenarioError(f"--reps {args.reps}: give at least 1 run per case.")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows = v.run_all(reps=args.reps, jobs=args.jobs, root_seed=args.seed)
    elapsed = time.perf_counter() - t0

    def fmt(values, pct=False):
        med, lo, hi = v.interval(values)
        if np.isnan(med):
            return "-"
        f = (lambda x: f"{x:.0%}") if pct else (lambda x: f"{x:.2f}")
        return f"{f(med)} [{f(lo)}, {f(hi)}]"

    table = []
    failed = 0
    print(f"qisim validate: {args.reps} runs per case, {elapsed:.0f} s\n")
    header = (
        f"{'case':44s} {'report':17s} {'share':>6s}  {'wards embedded':22s} {'practice':20s} result"
    )
    print(header)
    print("-" * len(header))
    for case in v.CASES:
        rs = [r for r in rows if r["case"] == case.file]
        share = float(np.mean([r[case.expected] for r in rs]))
        ok = share >= v.PASS_SHARE
        failed += not ok
        name = f"{case.trust}: {case.initiative}"
        emb = [r["embedded_ward_fraction"] for r in rs]
        prac = [r["practice_rate"] for r in rs]
        print(
            f"{name:44s} {case.expected:17s} {share:6.0%}  {fmt(emb, True):22s} {fmt(prac):20s} {'PASS' if ok else 'FAIL'}"
        )
        extra = {}
        if case.expected == "late_improvement":
            extra = {
                "practice_before_staffed": v.interval([r["practice_before_staffed"] for r in rs]),
                "practice_after_staffed": v.interval([r["practice_after_staffed"] for r in rs]),
            }
            print(
                f"{'':44s} practice before the team was fully staffed {fmt([r['practice_before_staffed'] for r in rs])}, after {fmt([r['practice_after_staffed'] for r in rs])}"
            )
        if case.expected == "delayed_launch":
            extra = {"launch_day": v.interval([r["design_days_taken"] for r in rs])}
            print(
                f"{'':44s} launched on day {fmt([r['design_days_taken'] for r in rs])} (planned design: see scenario)"
            )
        if case.expected == "fizzled":
            extra = {"abandoned_share": (float(np.mean([r["abandoned"] for r in rs])),) * 3}
        statuses = pd.Series([r["status"] for r in rs]).value_counts(normalize=True)
        row = {
            "case": case.file.removesuffix(".toml"),
            "trust": case.trust,
            "initiative": case.initiative,
            "report_outcome": case.expected,
            "report_words": case.observed,
            "runs": len(rs),
            "share_reproducing": share,
            "pass": ok,
            "embedded_median": v.interval(emb)[0],
            "embedded_p05": v.interval(emb)[1],
            "embedded_p95": v.interval(emb)[2],
            "practice_median": v.interval(prac)[0],
            "practice_p05": v.interval(prac)[1],
            "practice_p95": v.interval(prac)[2],
            "spread_median": v.interval([r["ward_spread"] for r in rs])[0],
            "statuses": "; ".join(f"{k} {x:.0%}" for k, x in statuses.items()),
        }
        for k, (med, lo, hi) in extra.items():
            row[f"{k}_median"], row[f"{k}_p05"], row[f"{k}_p95"] = med, lo, hi
        table.append(row)
    print("\nFiner patterns")
    patterns = []
    for p in v.PATTERNS:
        vals = [r[p.name] for r in rows if r["case"] == p.case]
        share = float(np.mean([p.holds(x) for x in vals]))
        med, lo, hi = v.interval(vals)
        ok = share >= v.PASS_SHARE
        case = next(c for c in v.CASES if c.file == p.case)
        print(
            f"  {case.initiative + ': ' + p.name:70s} {med:+.3f} [{lo:+.3f}, {hi:+.3f}]  holds in {share:.0%}  {'PASS' if ok else 'FAIL'}"
        )
        patterns.append({
            "case": p.case.removesuffix(".toml"), "pattern": p.name, "expectation": p.expectation,
            "median": med, "p05": lo, "p95": hi, "share_holding": share, "pass": ok,
        })  # fmt: skip
    pd.DataFrame(table).to_csv(out / "validation.csv", index=False, float_format="%.4g")
    (out / "validation.md").write_text(markdown_table(table))
    pd.DataFrame(patterns).to_csv(out / "patterns.csv", index=False, float_format="%.4g")
    from qisim.plots import plot_validation

    plot_validation(rows, out / "validation.png")
    print(f"\nwrote {out}/validation.csv, validation.md, patterns.csv, validation.png")
    if failed:
        print(f"{failed} case(s) FAILED")
        return 1
    print("all six cases PASS")
    return 0


def markdown_table(rows: list[dict]) -> str:
    """The case rows as the Markdown table the README shows."""
    lines = [
        "| case | report | runs reproducing it | wards embedded (median, 90% interval) | practice |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['trust']}: {r['initiative']} | {r['report_outcome'].replace('_', ' ')} "
            f"| {r['share_reproducing']:.0%} ({'PASS' if r['pass'] else 'FAIL'}) "
            f"| {r['embedded_median']:.0%} [{r['embedded_p05']:.0%}, {r['embedded_p95']:.0%}] "
            f"| {r['practice_median']:.2f} [{r['practice_p05']:.2f}, {r['practice_p95']:.2f}] |"
        )
    return "\n".join(lines) + "\n"
