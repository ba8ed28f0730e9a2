"""How paired are paired comparisons? Two measurements of common random numbers (issue 15).

1. **The teacher's lesson** (Upsworth positive deviant, ``scenarios/lessons``): give the Medical
   wards (four of twelve) the Outstanding unit's manager and compare each ward's practice with
   the lesson's own run on the same seed. Wards nobody touched should not move, except through
   the model's own channels; the changed wards should move. Practice is the ward's mean over the
   run's last 30 days. Reported: the untouched wards' mean |change| over the seeds (target: a
   fifth of the design before streams, <= 0.0055), the changed wards' mean change, and the same
   with the QI team's choice of wards switched off as a channel (its sessions spread evenly:
   ``channels.sessions = 0``), to show what remains is the model's own spillover.
2. **The planner's paired difference** (``experiments/enhanced_care_rollout.toml``): each
   strategy against the first (the planner's reference) at the first launch month and staffing
   case, on the same seeds; the standard error of the mean paired difference in
   ``embedded_24m`` and in the trust's mean practice after launch (target: 3 times smaller than
   before streams at the same number of runs), per pair and the median over pairs.

``--before REV`` measures the same with the code of git revision REV (in a temporary worktree,
the same Python) in the same invocation and prints the ratios::

    python benchmarks/bench_crn.py --before 3a72d69          # ~3 minutes on 2 cores
    python benchmarks/bench_crn.py --seeds 6 --plan-runs 30 --json --out results/benchmarks

With ``--json`` the last line is one JSON object. Nothing is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = Path(os.environ.get("QISIM_CODE", ROOT))  # whose qisim to measure (see --before)
if str(CODE) not in sys.path:
    sys.path.insert(0, str(CODE))

import numpy as np  # noqa: E402

LESSON = ROOT / "scenarios" / "lessons" / "upsworth_positive_deviant.toml"
PLAN = ROOT / "experiments" / "enhanced_care_rollout.toml"
CHANGED_GROUP = "Medical"
LAST_DAYS = 30
EXCEPTIONAL = ("Outstanding unit",)  # whose manager the changed wards get


def ward_practice(scenario, seed: int) -> dict[str, float]:
    """Each ward's mean practice over the run's last ``LAST_DAYS`` days."""
    import qisim

    daily = qisim.run(scenario, seed=seed).daily
    last = daily[daily["day"] >= daily["day"].max() - LAST_DAYS + 1]
    return last.groupby("ward", sort=False)["practice"].mean().to_dict()


def lesson_pair(seeds: int, overrides: dict | None = None) -> dict[str, float]:
    """The lesson against the lesson with the Medical wards' manager made exceptional."""
    import qisim
    from qisim.scenario import scenario_from_dict, set_path

    base = qisim.load_scenario(LESSON)
    data = base.model_dump()
    for key, value in (overrides or {}).items():  # channel switches, applied to both arms
        set_path(data, key, value)
    base = scenario_from_dict(data)
    manager = next(w["manager"] for w in data["wards"] if w["name"] in EXCEPTIONAL)
    for ward in data["wards"]:
        if ward["name"] == CHANGED_GROUP:
            ward["manager"] = dict(manager)
    changed = scenario_from_dict(data)
    untouched, moved = [], []
    for seed in range(seeds):
        a, b = ward_practice(base, seed), ward_practice(changed, seed)
        diff = {w: b[w] - a[w] for w in a}
        untouched.append(np.mean([abs(d) for w, d in diff.items() if not w.startswith("Medical")]))
        moved.append(np.mean([d for w, d in diff.items() if w.startswith("Medical")]))
    return {
        "untouched_mean_abs_change": float(np.mean(untouched)),
        "untouched_max_seed": float(np.max(untouched)),
        "changed_mean_change": float(np.mean(moved)),
    }


def plan_pairs(runs: int) -> dict[str, dict[str, float]]:
    """SE of the mean paired difference between each strategy of the Enhanced care plan and
    its first (the reference the planner compares with), at the first launch month and
    staffing case, on seeds 0 .. runs - 1."""
    from qisim.model import QIModel
    from qisim.planning.plan import load_plan
    from qisim.planning.run import measure

    plan = load_plan(PLAN, replications=runs)
    first = plan.cells[0]
    cells = [
        c
        for c in plan.cells
        if c.launch_month == first.launch_month and c.staffing == first.staffing
    ]
    shown: dict[str, list[tuple[float, float]]] = {c.strategy: [] for c in cells}
    for seed in range(runs):
        for cell in cells:
            model = QIModel(cell.scenario, rng=seed)
            model.run()
            launch = cell.scenario.initiative.rollout.start_day
            practice = model.recorder.trust["practice"][launch : model.recorder.n_recorded]
            shown[cell.strategy].append((measure(model)["embedded_24m"], float(np.mean(practice))))
    base = np.array(shown[first.strategy])
    result = {}
    for cell in cells[1:]:
        diff = np.array(shown[cell.strategy]) - base
        result[cell.strategy] = {
            f"{name}_{stat}": value
            for k, name in enumerate(("embedded_24m", "practice_after"))
            for stat, value in (
                ("mean_diff", float(diff[:, k].mean())),
                ("se", float(diff[:, k].std(ddof=1) / np.sqrt(runs))),
            )
        }
    return result


def measure_all(seeds: int, plan_runs: int) -> dict:
    return {
        "lesson": lesson_pair(seeds),
        "lesson_without_session_choice": lesson_pair(seeds, {"initiative.channels.sessions": 0.0}),
        "plan": plan_pairs(plan_runs),
    }


def measure_at(rev: str, seeds: int, plan_runs: int) -> dict:
    """The same measurement with the code of git revision ``rev``."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "code"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
            check=True,
            capture_output=True,
        )
        try:
            env = dict(os.environ, QISIM_CODE=str(tree))
            args = [sys.executable, __file__, "--seeds", str(seeds), "--plan-runs", str(plan_runs)]
            done = subprocess.run(
                [*args, "--json"], env=env, check=True, capture_output=True, text=True
            )
            return json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                capture_output=True,
            )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=6, help="lesson seeds (default 6)")
    p.add_argument("--plan-runs", type=int, default=30, help="plan replications (default 30)")
    p.add_argument("--before", metavar="REV", help="also measure git revision REV, and ratios")
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    p.add_argument("--out", type=Path, help="also write DIR/bench_crn.json and .txt")
    args = p.parse_args(argv)
    now = measure_all(args.seeds, args.plan_runs)
    report = {"code": str(CODE), "seeds": args.seeds, "plan_runs": args.plan_runs, "now": now}
    if args.before:
        before = measure_at(args.before, args.seeds, args.plan_runs)["now"]
        report["before_rev"] = args.before
        report["before"] = before
        lesson = now["lesson"]["untouched_mean_abs_change"]
        report["untouched_ratio"] = before["lesson"]["untouched_mean_abs_change"] / max(
            lesson, 1e-12
        )
        for name in ("embedded_24m_se", "practice_after_se"):
            ratios = {
                pair: before["plan"][pair][name] / max(shown[name], 1e-12)
                for pair, shown in now["plan"].items()
            }
            report[f"plan_{name}_ratio"] = ratios
            report[f"plan_{name}_ratio_median"] = float(np.median(list(ratios.values())))
    lines = [json.dumps(report, indent=2)]
    if args.json:
        lines.append(json.dumps(report))
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "bench_crn.json").write_text(json.dumps(report, indent=2) + "\n")
        (args.out / "bench_crn.txt").write_text(lines[0] + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
