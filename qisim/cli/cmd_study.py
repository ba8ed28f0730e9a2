"""``qisim study NAME``: the named studies, each configured by ``experiments/NAME.toml``."""

from __future__ import annotations

import argparse
from pathlib import Path

from qisim.scenario import ScenarioError

HELP = "run a named study (ffit-validity: how well FFIT predicts success in the model)"
STUDIES = {
    "ffit-validity": "how well FFIT predicts success in the model: rank correlation and AUC of "
    "the FFIT profile at launch with the simulated outcome over sampled scenarios, and why "
    "high-FFIT scenarios fail (a test of the tool against the model's mechanisms, not against "
    "hospitals); validity_summary.json records the model fingerprint of the runs",
}


def register(sub) -> None:
    p = sub.add_parser(
        "study",
        help=HELP,
        description="Run a named study. Its configuration is experiments/NAME.toml (with _ for "
        "-), or --config. Studies: "
        + "; ".join(f"{k}: {v}" for k, v in STUDIES.items())
        + ". The options override the configuration file.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", choices=sorted(STUDIES), help="the study")
    p.add_argument("--config", help="configuration file (default experiments/NAME.toml)")
    p.add_argument("--n", type=int, help="number of scenarios to sample")
    p.add_argument("--days", type=int, help="days per run")
    p.add_argument("--seed", type=int, help="seed of the sample and the runs")
    p.add_argument("--workers", type=int, help="worker processes")
    p.add_argument("--out", help="output folder (default: the configuration's `out`)")
    p.add_argument("--reanalyse", action="store_true",
                   help="analyse the runs already in the output folder again, without running")  # fmt: skip
    p.set_defaults(func=main)


def config_path(name: str, given: str | None) -> Path:
    """The study's configuration: --config, else experiments/NAME.toml here, or qisim's own
    (the checkout's, or the installed wheel's copy)."""
    from qisim.resources import data_root

    if given:
        return Path(given)
    file = Path("experiments") / f"{name.replace('-', '_')}.toml"
    return file if file.exists() else data_root() / file


def main(args) -> int:
    path = config_path(args.name, args.config)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such study configuration (give one with --config).")
    for name in ("n", "days", "workers"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ScenarioError(f"--{name} {value}: must be at least 1.")
    if args.name == "ffit-validity":
        from qisim.ffit import validity
        from qisim.paths import check_folder

        cfg = validity.load_config(
            path, n=args.n, days=args.days, seed=args.seed, workers=args.workers, out=args.out
        )
        check_folder(cfg.out, "--out" if args.out else f"{path}: study.out")
        validity.main(cfg, reanalyse=args.reanalyse)
    return 0
