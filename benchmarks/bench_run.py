"""How fast is one run? The standard scenario against a per-agent reference of the same rules.

Times ``qisim.run`` on ``scenarios/benchmark.toml`` (one trust, 24 wards, about 1,000 staff,
competing initiatives, 730 days) and, in the same process, the per-agent reference of the same
daily rules written the way a Mesa user would write them (``benchmarks/reference_model.py``:
each member of staff a Mesa agent with plain attributes, activated through
``AgentSet.shuffle_do``). Then checks that the two agree statistically: over 50 seeds each, the
mean of every outcome below differs by less than 3 standard errors (Welch). Prints agent-days per
second for both and their ratio (issue 15: target at least 35x, with agreement).

    python benchmarks/bench_run.py                       # timing + 50-seed agreement (~7 min)
    python benchmarks/bench_run.py --json --scale 0.25,1,4 --profile --out results/benchmarks
    python benchmarks/bench_run.py --seeds 10 --agree-days 365   # a quicker look

Timing: ``--repeats`` runs of each (seeds 0, 1, ...), alternating array model and reference so
both meet the same machine load; the figure is the median wall time (``time.perf_counter``), with
this process's CPU time beside it: on a busy shared machine wall time includes waiting for a CPU,
and the benchmark says so. An agent-day is one member of staff living one day. ``--scale`` also
times both with more or fewer wards; ``--profile`` splits the array model's CPU time by daily
mechanism. With ``--json`` the last line is one JSON object: run_s, agent_days_per_s,
reference_agent_days_per_s, ratio, agree, peak_rss_mb (this process's peak resident memory), and
the details. Exit status 1 when the two do not agree.
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
from qisim.scenario import Scenario, scenario_from_dict  # noqa: E402

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
TOOLS = ("ffit", "cli", "app", "sweep", "planning")  # packages a run does not use
BUSY = 0.9  # CPU time below this share of wall time: other processes took the CPU


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


def timed(fn, scenario, seed: int, days: int | None) -> tuple[float, float, dict, int]:
    """Wall time (perf_counter), this process's CPU time, the outcomes and the staff count."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(scenario, seed=seed, days=days)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return elapsed, cpu, outcomes(result), int(result.model.staff.n)


def _pair(scenario_path: str, seed: int, days: int | None) -> tuple[dict, dict]:
    """One seed of both implementations (for worker processes)."""
    scenario = qisim.load_scenario(scenario_path)
    return (
        timed(qisim.run, scenario, seed, days)[2],
        timed(run_reference, scenario, seed, days)[2],
    )


def scaled(scenario: Scenario, multiple: float, days: int) -> Scenario:
    """The scenario with every ward group's ``count`` multiplied (at least one ward each)."""
    data = scenario.model_dump()
    for ward in data["wards"]:
        ward["count"] = max(1, round(ward["count"] * multiple))
    data["days"] = days
    return scenario_from_dict(data)


# what QIModel.step and QIModel.monthly call, to time one by one (anything missing from this
# list shows up in the rest)
DAILY_CALLS = (
    ("qisim.mechanisms.staffing", "roster"),
    ("qisim.mechanisms.reach", "staff_turnover"),
    ("qisim.mechanisms.initiativitis", "update_load"),
    ("qisim.mechanisms.initiativitis", "update_fatigue"),
    ("qisim.model:QIModel", "_ward_means"),
    ("qisim.mechanisms.culture", "environment"),
    ("qisim.lifecycle:Lifecycle", "daily"),
    ("qisim.mechanisms.reach", "run_team_sessions"),
    ("qisim.mechanisms.reach", "cascade"),
    ("qisim.mechanisms.reach", "written_material"),
    ("qisim.mechanisms.reach", "coaching"),
    ("qisim.mechanisms.ownership", "update_ownership"),
    ("qisim.mechanisms.momentum", "practise"),
    ("qisim.mechanisms.framing", "grow_cynicism"),
    ("qisim.mechanisms.learning", "grow_staff_skills"),
    ("qisim.mechanisms.audit", "patient_outcomes"),
    ("qisim.mechanisms.momentum", "ward_habit"),
    ("qisim.mechanisms.momentum", "update_embedded"),
    ("qisim.recorder:Recorder", "record"),
    ("qisim.model:QIModel", "monthly"),
)


def profile_day(scenario: Scenario, repeats: int = 3) -> list[tuple[str, float, float]]:
    """Where the array model's run spends its CPU time: (call, seconds, share of the run) for
    each call ``QIModel.step`` makes (and the monthly review), the median of ``repeats`` runs;
    the rest is Mesa's event loop, the step's own lines, building the model and the results."""
    import importlib

    spent: dict[str, float] = {}
    originals = []

    def timing(label: str, fn):
        def timed_call(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - start

        return timed_call

    for where, name in DAILY_CALLS:
        module, _, cls = where.partition(":")
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        if not hasattr(owner, name):
            continue
        label = f"{owner.__name__.split('.')[-1]}.{name}"
        original = owner.__dict__[name] if cls else getattr(owner, name)
        originals.append((owner, name, original))
        setattr(owner, name, timing(label, getattr(owner, name)))
    per_call: dict[str, list[float]] = {}
    totals = []
    try:
        for seed in range(repeats):
            spent.clear()
            start = time.process_time()
            qisim.run(scenario, seed=seed)
            totals.append(time.process_time() - start)
            for label, seconds in spent.items():
                per_call.setdefault(label, []).append(seconds)
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    total = statistics.median(totals)
    rows = sorted(
        ((label, statistics.median(v)) for label, v in per_call.items()), key=lambda r: -r[1]
    )
    rows.append(("rest (Mesa loop, step body, set-up, results)", total - sum(s for _, s in rows)))
    return [(label, seconds, seconds / total) for label, seconds in rows]


def code_version() -> str:
    """The commit, marked ``+changes`` when the model or the benchmark differ from it (the tools
    around the model do not count)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "qisim", "benchmarks"]
            + [f":!qisim/{tool}" for tool in TOOLS],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if changed else "")


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
    parser.add_argument(
        "--scale",
        help="also time both with every ward group's count multiplied by these (e.g. 0.25,1,4)",
    )
    parser.add_argument(
        "--scale-days", type=int, default=365, help="run length for --scale (default 365)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one array-model run by mechanism"
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
    code = code_version()
    say(f"Scenario {args.scenario}: {days} days; code {code}")
    say(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    qisim.run(scenario, seed=0, days=5)  # warm-up: imports, first-call costs
    run_reference(scenario, seed=0, days=5)

    # --- timing: alternate the two so both meet the same machine load ---------------------------
    array_times, reference_times, array_cpu, reference_cpu = [], [], [], []
    array_runs: dict[int, dict] = {}
    reference_runs: dict[int, dict] = {}
    n_staff = 0
    for seed in range(args.repeats):
        t_a, c_a, out_a, n_staff = timed(qisim.run, scenario, seed, None)
        t_r, c_r, out_r, _ = timed(run_reference, scenario, seed, None)
        array_times.append(t_a)
        reference_times.append(t_r)
        array_cpu.append(c_a)
        reference_cpu.append(c_r)
        if agree_days == days:
            array_runs[seed], reference_runs[seed] = out_a, out_r
        say(
            f"  seed {seed}: array model {t_a:.3f} s (CPU {c_a:.3f} s), "
            f"per-agent reference {t_r:.2f} s (CPU {c_r:.2f} s)"
        )
    run_s = statistics.median(array_times)
    reference_s = statistics.median(reference_times)
    run_cpu_s = statistics.median(array_cpu)
    reference_cpu_s = statistics.median(reference_cpu)
    agent_days = n_staff * days
    speed = agent_days / run_s
    reference_speed = agent_days / reference_s
    ratio = reference_s / run_s
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"Staff {n_staff}, {agent_days} agent-days per run; median of {args.repeats} runs each")
    say(f"  {'':26s} {'wall':>8s}   {'agent-days/s':>12s}   {'CPU':>8s}")
    say(f"  array model (qisim.run)   {run_s:8.3f} s {speed:12,.0f}   {run_cpu_s:8.3f} s")
    say(
        f"  per-agent reference       {reference_s:8.3f} s {reference_speed:12,.0f}"
        f"   {reference_cpu_s:8.3f} s"
    )
    say(
        f"  ratio                     {ratio:8.1f} x {'':12s}   {reference_cpu_s / run_cpu_s:8.1f} x"
        "  (target >= 35, issue 15)"
    )
    # on a shared machine wall time includes waiting for a CPU, unequally for short and long runs
    busy = min(run_cpu_s / run_s, reference_cpu_s / reference_s) < BUSY
    if busy:
        say(
            f"  BUSY MACHINE: CPU time under {BUSY:.0%} of wall time; the wall ratio is unreliable, "
            "trust the CPU ratio"
        )

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
            array_runs[seed] = timed(qisim.run, scenario, seed, agree_days)[2]
            reference_runs[seed] = timed(run_reference, scenario, seed, agree_days)[2]
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

    scaling = []
    if args.scale:
        say(f"Scaling: ward counts multiplied, {args.scale_days} days, median of 3 runs each")
        for multiple in (float(x) for x in args.scale.split(",")):
            sized = scaled(scenario, multiple, args.scale_days)
            a, r, ca, cr = [], [], [], []
            for seed in range(3):
                t_a, c_a, _, n = timed(qisim.run, sized, seed, None)
                t_r, c_r, _, _ = timed(run_reference, sized, seed, None)
                a.append(t_a)
                r.append(t_r)
                ca.append(c_a)
                cr.append(c_r)
            row = {
                "multiple": multiple,
                "n_staff": n,
                "run_s": round(statistics.median(a), 4),
                "reference_run_s": round(statistics.median(r), 3),
                "ratio": round(statistics.median(r) / statistics.median(a), 2),
                "ratio_cpu": round(statistics.median(cr) / statistics.median(ca), 2),
                "run_cpu_s": round(statistics.median(ca), 4),
                "reference_cpu_s": round(statistics.median(cr), 3),
            }
            row["agent_days_per_s"] = round(n * args.scale_days / row["run_s"])
            row["reference_agent_days_per_s"] = round(n * args.scale_days / row["reference_run_s"])
            scaling.append(row)
            say(
                f"  x{multiple:<5g} {n:6d} staff: array {row['run_s']:6.3f} s "
                f"(CPU {row['run_cpu_s']:6.3f} s), reference {row['reference_run_s']:6.2f} s "
                f"(CPU {row['reference_cpu_s']:6.2f} s); ratio {row['ratio']:5.1f} x, "
                f"CPU {row['ratio_cpu']:5.1f} x"
            )
    say(f"Peak memory (this process): {peak_rss_mb:.0f} MB")

    profile = []
    if args.profile:
        say("Profile of the array model: CPU time of each daily call, median of 3 runs")
        for label, seconds, share in profile_day(scenario):
            if share >= 0.005:
                say(f"  {label:46s} {1000 * seconds:8.1f} ms {100 * share:5.1f}%")
            profile.append({"call": label, "s": round(seconds, 4), "share": round(share, 4)})

    record = {
        "run_s": round(run_s, 4),
        "agent_days_per_s": round(speed),
        "reference_agent_days_per_s": round(reference_speed),
        "ratio": round(ratio, 2),
        "agree": agree,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "reference_run_s": round(reference_s, 3),
        "run_cpu_s": round(run_cpu_s, 4),
        "reference_cpu_s": round(reference_cpu_s, 3),
        "ratio_cpu": round(reference_cpu_s / run_cpu_s, 2),
        "busy": busy,
        "n_staff": n_staff,
        "days": days,
        "repeats": args.repeats,
        "array_times_s": [round(t, 4) for t in array_times],
        "reference_times_s": [round(t, 3) for t in reference_times],
        "array_cpu_s": [round(t, 4) for t in array_cpu],
        "reference_cpu_s_each": [round(t, 3) for t in reference_cpu],
        "seeds": len(seeds),
        "agree_days": agree_days,
        "z": Z,
        "agreement": table,
        "scaling": scaling,
        "profile": profile,
        "scenario": str(Path(args.scenario).resolve().relative_to(ROOT))
        if Path(args.scenario).resolve().is_relative_to(ROOT)
        else args.scenario,
        "code": code,
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
