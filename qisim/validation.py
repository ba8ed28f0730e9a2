"""Pattern-oriented validation: one set of mechanism constants must reproduce all six case studies.

The outcome classes are defined here, once, and documented in docs/ODD.md ("Validation"). Each
case-study scenario names the class the report observed; ``qisim validate`` runs each case many
times and passes a case when at least :data:`PASS_SHARE` of its runs fall in that class. The finer
patterns the report describes are measured alongside, each as its own row.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

import qisim
from qisim.results import EMBEDDED_SHARE  # embedded: >= 80% of target wards at the end
from qisim.scenario import Scenario

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
PASS_SHARE = 0.8

# Thresholds of the outcome classes (issue 3; docs/ODD.md "Validation").
FIZZLE_PRACTICE = 0.2  # fizzled: abandoned, or practice ends below 20%
PATCHY_RANGE = (0.2, 0.7)  # patchy: 20-70% of target wards embedded ...
PATCHY_SPREAD = 0.08  # ... with a wide spread between wards (sd of ward habit; NLD's is 0.01)
LATE_LITTLE = 0.3  # late improvement: mean practice below this while live and understaffed ...
LATE_AFTER = 0.5  # ... then at least twice as much and at least 50% once it is fully staffed
DELAY_FACTOR = 1.5  # delayed launch: design takes >= 1.5x its planned days, yet launches


@dataclass(frozen=True)
class Case:
    file: str
    trust: str
    initiative: str
    expected: str
    observed: str  # the report's words


CASES: tuple[Case, ...] = (
    Case(
        "premton_nurse_led_discharge.toml",
        "Premton",
        "Nurse-led discharge",
        "embedded",
        "embedded across all units, adapted per unit, no time pressure",
    ),
    Case(
        "premton_handover_at_night.toml",
        "Premton",
        "Handover at night",
        "fizzled",
        "poor attendance, fizzled out despite a favourable audit",
    ),
    Case(
        "middleswick_enhanced_care.toml",
        "Middleswick",
        "Enhanced care",
        "patchy",
        "patchy except the enthusiasts' wards; unravels when short-staffed; redesign",
    ),
    Case(
        "middleswick_postural_blood_pressure.toml",
        "Middleswick",
        "Postural blood pressure",
        "patchy",
        "struggled; differs between hospitals; succeeded with enthusiastic managers",
    ),
    Case(
        "upsworth_tissue_viability.toml",
        "Upsworth",
        "Tissue viability",
        "late_improvement",
        "patchy and confused until the QI team was fully staffed; then improved greatly",
    ),
    Case(
        "upsworth_unprofessional_behaviour.toml",
        "Upsworth",
        "Managing unprofessional behaviour",
        "delayed_launch",
        "turf battles until the medical director led; about to launch",
    ),
)
CLASSES = ("embedded", "fizzled", "patchy", "late_improvement", "delayed_launch")


def team_staffed_day(scenario: Scenario) -> int | None:
    """The first scheduled event that brings the QI team up to its establishment."""
    for ev in sorted(scenario.events, key=lambda e: e.day):
        size = ev.set.get("qi_team.size")
        if isinstance(size, int) and size >= scenario.qi_team.establishment:
            return ev.day
    return None


def measures(result: qisim.RunResult) -> dict[str, float]:
    """The figures the outcome classes are judged on, for one run."""
    s = result.summary
    sc = result.model.qi_scenario
    practice = result.model.recorder.trust["practice"][: s["days"]]
    out = {
        "embedded_ward_fraction": s["embedded_ward_fraction"],
        "practice_rate": s["practice_rate"],
        "ward_spread": s["ward_spread"],
        "design_days_taken": float(s["first_launch_day"])
        if s["first_launch_day"] is not None
        else np.nan,
        "abandoned": float(s["stage"] in ("fizzled", "halted")),
    }
    staffed = team_staffed_day(sc)
    launch = s["first_launch_day"]
    if staffed is not None and staffed < s["days"]:
        # "while the QI team is understaffed": the live period before it is fully staffed
        start = launch if launch is not None and launch < staffed else max(staffed - 90, 0)
        out["practice_before_staffed"] = float(practice[start:staffed].mean())
        out["practice_after_staffed"] = s["practice_rate"]
    return out


def classify(result: qisim.RunResult) -> dict[str, bool]:
    """Which outcome classes a run falls in (a run may fall in none, or in more than one)."""
    s = result.summary
    m = measures(result)
    launched = s["first_launch_day"] is not None
    frac = s["embedded_ward_fraction"]
    out = {
        "embedded": frac >= EMBEDDED_SHARE,
        "fizzled": bool(m["abandoned"]) or (launched and s["practice_rate"] < FIZZLE_PRACTICE),
        "patchy": PATCHY_RANGE[0] <= frac <= PATCHY_RANGE[1] and s["ward_spread"] >= PATCHY_SPREAD,
        "late_improvement": False,
        "delayed_launch": False,
    }
    if "practice_before_staffed" in m:
        before, after = m["practice_before_staffed"], m["practice_after_staffed"]
        out["late_improvement"] = before < LATE_LITTLE and after >= max(2 * before, LATE_AFTER)
    design_days = result.model.qi_scenario.initiative.design_days
    out["delayed_launch"] = launched and s["first_launch_day"] >= DELAY_FACTOR * design_days
    return out


# ---------------------------------------------------------------------------------------------
# Finer patterns (issue 3 item 4), each measured per run and summarised across runs.


def pilot_advantage(result: qisim.RunResult) -> float:
    """Enhanced care: mean habit on the pilot (enthusiasts') wards minus the other target wards."""
    w = result.wards
    tgt = w[w.target]
    return float(tgt[tgt.pilot].habit.mean() - tgt[~tgt.pilot].habit.mean())


def understaffed_drop(result: qisim.RunResult) -> float:
    """Enhanced care: practice on understaffed days (<90% of required nurses) minus practice on
    adequately staffed days, on live wards, over the same wards and period."""
    d = result.daily
    live = d[d.active & d.target & (d.day >= d[d.active].day.min() + 60)]
    short = live.staffing < 0.9
    if short.sum() == 0 or (~short).sum() == 0:
        return float("nan")
    by_ward = live.groupby([live.ward, short]).practice.mean().unstack()
    return float((by_ward[True] - by_ward[False]).mean())


def enthusiasm_correlation(result: qisim.RunResult) -> float:
    """Postural blood pressure: Spearman rank correlation of ward-manager enthusiasm with the
    ward's practice at the end, across target wards."""
    w = result.wards[result.wards.target]
    return float(stats.spearmanr(w.manager_enthusiasm, w.practice).statistic)


def hospital_difference(result: qisim.RunResult) -> float:
    """Postural blood pressure: difference in mean ward practice between the two hospitals."""
    w = result.wards[result.wards.target]
    means = w.groupby("hospital").practice.mean()
    return float(means.max() - means.min())


def audit_calls_change(result: qisim.RunResult) -> float:
    """Handover at night: relative change in night emergency calls while the meetings ran
    (audited rate over the live period against the pre-launch rate)."""
    m = result.model
    launch = result.summary["first_launch_day"]
    if launch is None:
        return float("nan")
    events = m.recorder.ward["outcome_events"][: result.summary["days"]].sum(axis=1)
    before = events[:launch].mean()
    stages = result.summary["stages"]
    end = next((d for d, st in stages if st in ("fizzled", "halted") and d > launch), len(events))
    during = events[launch + 30 : end].mean() if end > launch + 30 else np.nan
    return float(during / before - 1) if before > 0 else float("nan")


def attendance_trend(result: qisim.RunResult) -> float:
    """Handover at night: final attendance (practice) minus its peak after launch (negative:
    attendance fell)."""
    practice = result.model.recorder.trust["practice"][: result.summary["days"]]
    kernel = np.ones(28) / 28
    smooth = np.convolve(practice, kernel, mode="valid")
    return float(smooth[-1] - smooth.max())


@dataclass(frozen=True)
class Pattern:
    case: str
    name: str
    measure: Callable[[qisim.RunResult], float]
    holds: Callable[[float], bool]
    expectation: str


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "middleswick_enhanced_care.toml",
        "pilot (enthusiasts') wards do better",
        pilot_advantage,
        lambda x: x > 0,
        "habit on pilot wards minus the rest > 0",
    ),
    Pattern(
        "middleswick_enhanced_care.toml",
        "practice drops on understaffed days",
        understaffed_drop,
        lambda x: x < 0,
        "practice on days <90% staffed minus other days < 0",
    ),
    Pattern(
        "middleswick_postural_blood_pressure.toml",
        "practice rises with manager enthusiasm",
        enthusiasm_correlation,
        lambda x: x > 0.3,
        "Spearman(enthusiasm, ward practice) > 0.3",
    ),
    Pattern(
        "middleswick_postural_blood_pressure.toml",
        "the two hospitals differ",
        hospital_difference,
        lambda x: x > 0.05,
        "difference in mean ward practice > 0.05",
    ),
    Pattern(
        "premton_handover_at_night.toml",
        "audit shows fewer night emergency calls",
        audit_calls_change,
        lambda x: x < 0,
        "night calls while running vs before launch < 0",
    ),
    Pattern(
        "premton_handover_at_night.toml",
        "while attendance still falls",
        attendance_trend,
        lambda x: x < -0.02,
        "final attendance minus its peak < -0.02",
    ),
)


# ---------------------------------------------------------------------------------------------
# Running


def _run_case(args: tuple[str, int]) -> dict:
    file, seed = args
    result = qisim.run(SCENARIO_DIR / file, seed=seed)
    row = {"case": file, "seed": seed, **classify(result), **measures(result)}
    for p in PATTERNS:
        if p.case == file:
            row[p.name] = p.measure(result)
    row["status"] = result.summary["status"]
    row["trust_practice"] = result.model.recorder.trust["practice"][: result.summary["days"]].copy()
    row["ward_habit_final"] = result.model.ward_habit[result.model.wards.target].copy()
    return row


def run_all(
    reps: int = 30, jobs: int | None = None, cases=CASES, root_seed: int = 2024
) -> list[dict]:
    """Run every case ``reps`` times (seeds derived from ``root_seed``) on ``jobs`` processes."""
    seeds = np.random.SeedSequence(root_seed).generate_state(reps).tolist()
    tasks = [(c.file, int(s)) for c in cases for s in seeds]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1:
        return [_run_case(t) for t in tasks]
    with ProcessPoolExecutor(jobs) as pool:
        return list(pool.map(_run_case, tasks, chunksize=max(1, len(tasks) // (jobs * 8))))


def interval(values, level: float = 0.9) -> tuple[float, float, float]:
    v = np.asarray([x for x in values if x is not None and not np.isnan(x)], dtype=float)
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    lo, hi = np.quantile(v, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(np.median(v)), float(lo), float(hi)
