"""How fast is one run? The standard scenario against a per-agent reference of the same rules.

Times ``qisim.run`` on ``scenarios/benchmark.toml`` (one trust, 24 wards, about 1,000 staff,
competing initiatives, 730 days) and, in the same process, the per-agent reference of the same
daily rules written the way a Mesa user would write them (``benchmarks/reference_model.py``:
each member of staff a Mesa agent with plain attributes, activated through
``AgentSet.shuffle_do``). Then checks that the two agree statistically: over 50 seeds each, the
mean of every outcome below differs by less than 3 standard errors (Welch). Prints agent-days per
second for both and their ratio (issue 2 item 9: target at least 20x, with agreement).

    python benchmarks/bench_run.py                       # timing + 50-seed agreement (~7 min)
    python benchmarks/bench_run.py --json --out results/benchmarks
    python benchmarks/bench_run.py --seeds 10 --agree-days 365   # a quicker look

Timing: ``--repeats`` runs of each (seeds 0, 1, ...), alternating array model and reference so
both meet the same machine load; the figure is the median. An agent-day is one member of staff
living one day. With ``--json`` the last line is one JSON object: run_s, agent_days_per_s,
reference_agent_days_per_s, ratio, agree, peak_rss_mb, and the details.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks.reference_model` importable
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import qisim  # noqa: E402
from benchmarks.reference_model import run_reference  # noqa: E402
from qisim.results import RunResult  # noqa: E402

SCENARIO = ROOT / "scenarios" / "benchmark.toml"
# outcomes whose means must agree: the run's summary figures and the staff's end state
METRICS = (
    "practice_rate",
    "habit_rate",
    "embedded_ward_fraction",
    "outcome_events",
    "mean_ownership",
    "mean_understanding",
)
Z = 3.0  # agreement: |difference of means| < Z standard errors


def outcomes(result: RunResult) -> dict[str, float]:
    """The compared outcomes of one run."""
    s = result.model.staff
    target = s.target
    out = {k: float(result.summary[k]) for k in METRICS[:4]}
    out["mean_ownership"] = float(s.ownership[target].mean()) if target.any() else 0.0
    out["mean_understanding"] = float(s.understanding[target].mean()) if target.any() else 0.0
    return out


def agreement(
    array_runs: list[dict[str, float]], reference_runs: list[dict[str, float]], z: float = Z
) -> dict[str, dict[str, Any]]:
    """Per outcome: both means, the difference, its standard error (Welch: each sample's own
    variance) and whether the difference is within ``z`` standard errors."""
    from scipy import stats

    table = {}
    for name in METRICS:
        a = np.array([r[name] for r in array_runs], dtype=float)
        b = np.array([r[name] for r in reference_runs], dtype=float)
        diff = float(a.mean() - b.mean())
        se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        if se > 0:
            t = diff / se
            p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
        else:  # no spread in either sample: agree only if the values are the same
            t = 0.0 if diff == 0 else math.copysign(math.inf, diff)
            p = 1.0 if diff == 0 else 0.0
        table[name] = {
            "array_mean": float(a.mean()),
            "reference_mean": float(b.mean()),
            "diff": diff,
            "se": se,
            "t": t,
            "p": p,
            "agree": bool(abs(t) < z),
        }
    return table


def timed(fn, scenario, seed: int, days: int | None) -> tuple[float, dict[str, float], int]:
    start = time.perf_counter()
    result = fn(scenario, seed=seed, days=days)
    elapsed = time.perf_counter() - start
    return elapsed, outcomes(result), int(result.model.staff.n)


def _pair(scenario_path: str, seed: int, days: int | None) -> tuple[dict, dict]:
    """One seed of both implementations (for worker processes)."""
    scenario = qisim.load_scenario(scenario_path)
    return (
        timed(qisim.run, scenario, seed, days)[1],
        timed(run_reference, scenario, seed, days)[1],
    )


def code_version() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default=str(SCENARIO), help="scenario file to time")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (median)")
    parser.add_argument("--seeds", type=int, default=50, help="seeds of each for the agreement")
    parser.add_argument(
        "--agree-days",
        type=int,
        default=None,
        help="run length for the agreement runs (default: the scenario's)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes for the agreement runs (timing is in-process)",
    )
    parser.add_argument("--json", action="store_true", help="last line: one JSON object")
    parser.add_argument("--out", help="also write bench_run.txt and bench_run.json here")
    args = parser.parse_args(argv)

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    scenario = qisim.load_scenario(args.scenario)
    days = scenario.days
    agree_days = args.agree_days or days
    say(f"Scenario {args.scenario}: {days} days; code {code_version()}")
    say(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    qisim.run(scenario, seed=0, days=5)  # warm-up: imports, first-call costs
    run_reference(scenario, seed=0, days=5)

    # --- timing: alternate the two so both meet the same machine load ---------------------------
    array_times, reference_times = [], []
    array_runs: dict[int, dict] = {}
    reference_runs: dict[int, dict] = {}
    n_staff = 0
    for seed in range(args.repeats):
        t_a, out_a, n_staff = timed(qisim.run, scenario, seed, None)
        t_r, out_r, _ = timed(run_reference, scenario, seed, None)
        array_times.append(t_a)
        reference_times.append(t_r)
        if agree_days == days:
            array_runs[seed], reference_runs[seed] = out_a, out_r
        say(f"  seed {seed}: array model {t_a:.3f} s, per-agent reference {t_r:.2f} s")
    run_s = statistics.median(array_times)
    reference_s = statistics.median(reference_times)
    agent_days = n_staff * days
    speed = agent_days / run_s
    reference_speed = agent_days / reference_s
    ratio = reference_s / run_s
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"Staff {n_staff}, {agent_days} agent-days per run; median of {args.repeats} runs each")
    say(f"  array model (qisim.run)   {run_s:8.3f} s  {speed:12,.0f} agent-days/s")
    say(f"  per-agent reference       {reference_s:8.3f} s  {reference_speed:12,.0f} agent-days/s")
    say(f"  ratio                     {ratio:8.1f} x  (target >= 20)")

    # --- agreement over many seeds ------------------------------------------------------------
    todo = [s for s in range(args.seeds) if s not in array_runs]
    start = time.perf_counter()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as pool:
            pairs = pool.map(_pair, [args.scenario] * len(todo), todo, [agree_days] * len(todo))
            for seed, (a, r) in zip(todo, pairs):
                array_runs[seed], reference_runs[seed] = a, r
    else:
        for seed in todo:
            array_runs[seed] = timed(qisim.run, scenario, seed, agree_days)[1]
            reference_runs[seed] = timed(run_reference, scenario, seed, agree_days)[1]
    seeds = sorted(array_runs)[: args.seeds]
    table = agreement([array_runs[s] for s in seeds], [reference_runs[s] for s in seeds])
    agree = all(row["agree"] for row in table.values())
    say(
        f"Agreement over {len(seeds)} seeds each, {agree_days} days "
        f"({time.perf_counter() - start:.0f} s): mean outcomes within {Z:g} standard errors"
    )
    say(f"  {'outcome':24s} {'array':>10s} {'reference':>10s} {'diff':>9s} {'se':>8s} {'t':>6s}")
    for name, row in table.items():
        say(
            f"  {name:24s} {row['array_mean']:10.4f} {row['reference_mean']:10.4f} "
            f"{row['diff']:9.4f} {row['se']:8.4f} {row['t']:6.2f} {'ok' if row['agree'] else 'DIFFER'}"
        )
    say(f"  agree: {agree}")
    say(f"Peak memory (this process): {peak_rss_mb:.0f} MB")

    record = {
        "run_s": round(run_s, 4),
        "agent_days_per_s": round(speed),
        "reference_agent_days_per_s": round(reference_speed),
        "ratio": round(ratio, 2),
        "agree": agree,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "reference_run_s": round(reference_s, 3),
        "n_staff": n_staff,
        "days": days,
        "repeats": args.repeats,
        "array_times_s": [round(t, 4) for t in array_times],
        "reference_times_s": [round(t, 3) for t in reference_times],
        "seeds": len(seeds),
        "agree_days": agree_days,
        "z": Z,
        "agreement": table,
        "scenario": str(Path(args.scenario).resolve().relative_to(ROOT))
        if Path(args.scenario).resolve().is_relative_to(ROOT)
        else args.scenario,
        "code": code_version(),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.json:
        print(json.dumps(record))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench_run.txt").write_text("\n".join(lines) + "\n")
        (out / "bench_run.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
