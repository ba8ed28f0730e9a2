"""``qisim calibrate``: the declared calibration of the mechanism constants, and leave-one-case-out."""

from __future__ import annotations

import argparse
from pathlib import Path

from qisim.cli.common import add_workers_option, check_workers

HELP = "calibrate the mechanism constants against the six cases (declared procedure, leave-one-case-out)"

DESCRIPTION = """\
Calibrates the mechanism constants, and only those, by the procedure a calibration file
declares (experiments/calibration/calibration.toml; docs/calibration.md explains it):

  1. a Latin hypercube over the screened constants (the defaults are point 0), every point run
     on the six cases and both arms of every contrast (stage 1);
  2. the best points by the file's objective re-run on fresh seeds (stage 2); the best refined
     point is the calibrated set;
  3. leave one case out: each case in turn is left out of the objective, a point is chosen the
     same way, and the case is predicted there on the validation's 30 seeds (hit or miss).

Scenario files, classes and contrasts are frozen: their SHA-256 are recorded in manifest.json.
Every batch of points is written as it finishes; run the same command again to resume (a folder
made with another calibration file, other inputs or another model is refused).

Writes to --out: manifest.json, design.csv, stage1.csv, refined.csv, loco.csv, sensitivity.csv,
calibrated.json (the chosen constants next to their defaults). The constants are NOT changed by
this command: copying them into qisim/constants.py is a commit of its own.

The shipped calibration file makes about 26,000 runs (about 24 minutes on 2 cores). Its search
space is relative to the constants' current defaults, which are now the calibrated values: it
searches around them, and does not reproduce results/calibration/ (check out commit cdf1dd2 for
that). A copy of the file elsewhere needs its 'screening' path pointed at
experiments/calibration/screening_indices.csv."""


def register(sub) -> None:
    p = sub.add_parser(
        "calibrate",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "spec",
        nargs="?",
        default=None,
        metavar="FILE",
        help="calibration file (default: the shipped experiments/calibration/calibration.toml)",
    )
    add_workers_option(p)
    p.add_argument(
        "--out", default="out/calibration", help="output folder (default out/calibration)"
    )
    p.set_defaults(func=main)


def main(args) -> int:
    from qisim import calibration as cal
    from qisim.paths import make_folder
    from qisim.resources import data_dir

    check_workers(args.workers)
    spec = cal.load_spec(args.spec or data_dir("experiments") / "calibration" / "calibration.toml")
    out = make_folder(args.out)
    n = spec.samples + 1
    print(
        f"{spec.name}: {len(spec.constants)} constants, {n} points x 26 arms x {spec.reps} runs, "
        f"then the best {spec.refine_top} per objective x {spec.refine_reps} runs; "
        f"spec sha256 {spec.sha256[:16]}"
    )
    result = cal.calibrate(spec, Path(out), workers=args.workers)
    row = cal.counts(result.refined).loc[result.chosen]
    print(
        f"chosen: point {result.chosen} (refined: {row.cases_passed}/6 cases, "
        f"{row.contrasts_holding} contrasts, {row.patterns_passing} patterns); "
        f"leave-one-case-out: {int(result.loco['hit'].sum())}/6 hits"
    )
    print(f"wrote {out}/calibrated.json, stage1.csv, refined.csv, loco.csv, sensitivity.csv")
    return 0
