"""``qisim validate``: does the model reproduce the six case studies, and for the report's reasons?"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from qisim.cli.common import add_workers_option, check_workers

HELP = "check the six case studies against the report: classes, causal contrasts, ablations, null"

DESCRIPTION = """\
Runs the report's six case studies and judges them against what the report observed.

  qisim validate                 each case --reps times; every run gets exactly one outcome
                                 class; a case PASSES when at least 80% of its runs are in the
                                 report's class and no contradicting class takes more than 10%.
                                 Writes validation.csv, classes.csv, patterns.csv,
                                 validation.md and validation.png. Exit 1 if a case fails.
  qisim validate --contrasts     the report's causal claims as paired counterfactuals (both arms
                                 on the same seeds): contrasts.csv and contrasts.png.
  qisim validate --ablate NAME   the cases and contrasts with one mechanism family replaced by
                                 its neutral element (NAME may be repeated, or 'all'):
                                 ablation.csv and ablation.png.
  qisim validate --null          a ward-level diffusion null model, its three parameters fitted
                                 to the six cases, judged by the same rules: null.csv,
                                 null_fit.csv and null.png (the full model's side is read
                                 from --out when it came from the same runs, else run).
  qisim validate --joint N       the six cases together at N Latin-hypercube points over every
                                 mechanism constant (0.5-1.5 x default), --reps runs each: the
                                 share of the space where all six pass: joint.csv, joint.md.
  qisim validate --robustness    analyse the robustness sweeps (run them first with
                                 qisim sweep experiments/robustness/CASE.toml, about 6,100
                                 runs; or analyse the committed ones with
                                 --robustness results/validation/robustness):
                                 robustness.csv, robustness.md and robustness.png.

The classes, thresholds and pass rule are in experiments/validation/classes.toml, the contrasts
in experiments/validation/contrasts.toml; both are printed with their SHA-256, which a test pins,
so a change to either is a visible commit. The modes are exclusive: run one at a time.
Families: {families}.
See docs/ODD.md §8 and results/validation/."""


def register(sub) -> None:
    from qisim.mechanisms import ABLATIONS

    p = sub.add_parser(
        "validate",
        help=HELP,
        description=DESCRIPTION.format(families=", ".join(ABLATIONS)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--reps", type=int, default=30, help="runs per case and arm (default 30)")
    add_workers_option(p, old_jobs=True)
    p.add_argument("--out", default="out/validation", help="output folder (default out/validation)")
    p.add_argument(
        "--seed",
        type=int,
        default=2024,
        help="base seed: run r of every case and arm has seed SEED + r (default 2024)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--contrasts", action="store_true", help="run the causal contrasts")
    mode.add_argument(
        "--ablate",
        action="append",
        metavar="NAME",
        help="ablate a mechanism family (repeatable; 'all' for each family in turn)",
    )
    mode.add_argument("--null", action="store_true", help="fit and judge the null model")
    mode.add_argument(
        "--joint",
        type=int,
        metavar="N",
        help="the six cases together at N (at least 2) Latin-hypercube points over every constant",
    )
    mode.add_argument(
        "--robustness",
        nargs="?",
        const="out/robustness",
        metavar="DIR",
        help="analyse the robustness sweeps under DIR (default out/robustness)",
    )
    p.set_defaults(func=main)


def main(args) -> int:
    from qisim import validation as v
    from qisim.mechanisms import ABLATIONS
    from qisim.paths import make_folder
    from qisim.scenario import ScenarioError

    if args.reps < 1:
        raise ScenarioError(f"--reps {args.reps}: give at least 1 run per case.")
    check_workers(args.workers)
    if not 0 <= args.seed < 2**63:
        raise ScenarioError(f"--seed {args.seed}: give a whole number from 0 to 2**63 - 1.")
    if args.ablate:
        names = list(ABLATIONS) if "all" in args.ablate else args.ablate
        unknown = [n for n in names if n not in ABLATIONS]
        if unknown:
            raise ScenarioError(
                f"--ablate {unknown[0]!r}: no such mechanism family. Allowed: "
                f"{', '.join(ABLATIONS)}, or 'all'."
            )
        args.ablate = names
    out = make_folder(args.out)  # a file (or a path through one): refused, left as it is
    contrasts = v.load_contrasts()
    print(
        f"classes {v.CLASSES_FILE.name} sha256 {v.TARGETS.sha256[:16]}  "
        f"contrasts {v.CONTRASTS_FILE.name} sha256 {contrasts.sha256[:16]}"
    )
    if args.reps < 10 and not args.robustness:
        print(
            f"note: {args.reps} run(s) per case and arm is a smoke test; a share of runs needs "
            "about 30 runs before PASS/FAIL means much (the reference uses 30)."
        )
    if args.robustness:
        from qisim.validation_report import robustness

        return robustness(Path(args.robustness), out)
    if args.joint is not None:
        if args.joint < 2:
            raise ScenarioError(f"--joint {args.joint}: give at least 2 points.")
        from qisim.validation_report import joint

        return joint(args, out)
    if args.null:
        from qisim.validation_report import null

        return null(args, out, contrasts)
    if args.ablate:
        from qisim.validation_report import ablation

        return ablation(args, out, contrasts)
    if args.contrasts:
        from qisim.validation_report import contrast_report

        return contrast_report(args, out, contrasts)
    from qisim.validation_report import cases

    t0 = time.perf_counter()
    return cases(args, out, t0)
