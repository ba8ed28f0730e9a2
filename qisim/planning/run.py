"""Running a plan: every cell on every replication's seed, in parallel, and what each run shows.

Common random numbers: replication *r* of every cell (strategy x launch month x staffing case)
runs with the same seed, ``seed + r`` (the plan's ``seed``), so the trust and its staff are the
same, and, since every random quantity has its own stream with a slot per agent
(:mod:`qisim.streams`), so are the rosters, sickness, turnover, patient events and every other
draw wherever the strategies have not changed who draws; a difference between strategies is the
strategy, not a different trust or different luck (Starsim's common random numbers;
``benchmarks/bench_crn.py`` measures how much it narrows the paired differences).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from qisim.domain import LIFECYCLE
from qisim.lifecycle import SUPPORTING
from qisim.planning.plan import MEASURE_MONTHS, Plan, horizon_days
from qisim.results import final_status
from qisim.scenario import MONTH_DAYS, Scenario
from qisim.strategies import MANAGER_SKILLS, PROGRAMME_LOAD
from qisim.sweep.replicate import replicate


def stage_at(history: list[tuple[int, str]], day: int) -> str:
    """The lifecycle stage on ``day`` from the stage history ``[(day, stage), ...]``."""
    stage = history[0][1]
    for start, name in history:
        if start > day:
            break
        stage = name
    return stage


def measure(model: Any) -> dict[str, Any]:
    """What one run shows, counted from the planned launch day: wards embedded at 6, 12 and 24
    months, the status then, patient-outcome events avoided, the staff burden, and indicators
    of the mechanisms behind them (fit, fatigue, overload, staffing on live wards, reach, skills,
    delay)."""
    rec, w, lc = model.recorder, model.wards, model.lifecycle
    scenario = model.qi_scenario
    days = rec.n_recorded
    launch = scenario.initiative.rollout.start_day
    end = min(launch + horizon_days(), days - 1)
    t = w.target
    emb = rec.trust["embedded_fraction"][:days]
    out: dict[str, Any] = {}
    for m in MEASURE_MONTHS:
        out[f"embedded_{m}m"] = float(emb[min(launch + round(m * MONTH_DAYS), end)])
    launched = lc.first_launch_day is not None and lc.first_launch_day <= end
    stage = stage_at(lc.history, end)
    status = final_status(stage, launched, float(emb[end]))
    out["status"] = status
    out["p_embedded"] = float(status == "embedded")
    out["p_fizzled"] = float(status in ("fizzled", "halted"))

    window = slice(launch, end + 1)
    n_days = end + 1 - launch
    expected = float((w.outcome_base_rate[t] * w.beds[t]).sum()) * n_days
    observed = float(rec.ward["outcome_events"][window][:, t].sum())
    out["outcome_avoided"] = expected - observed
    out["outcome_change"] = observed / expected - 1 if expected > 0 else 0.0

    supporting = np.isin(rec.trust["stage"][: end + 1], [LIFECYCLE.index(s) for s in SUPPORTING])
    own = float((rec.ward["active"][: end + 1][:, t].sum(axis=1) * supporting).sum())
    prepare = scenario.initiative.rollout.prepare_days
    out["burden_days"] = own + PROGRAMME_LOAD * int(t.sum()) * min(prepare, end + 1)

    # indicators of the mechanisms
    active_end = rec.ward["active"][end].astype(bool) & t
    out["fit"] = float(rec.ward["fit"][end][active_end].mean()) if active_end.any() else np.nan
    out["fatigue"] = float(rec.ward["fatigue"][window][:, t].mean())
    out["overload_days"] = float((rec.ward["load"][: end + 1][:, t] > 1 + 1e-9).sum())
    live = rec.ward["active"][window][:, t].astype(bool)
    staffed = 0.5 * (rec.ward["staffing"][window] + rec.ward["staffing_night"][window])[:, t]
    out["live_staffing"] = float(staffed[live].mean()) if live.any() else np.nan
    d6 = min(launch + round(6 * MONTH_DAYS), end)
    out["understanding_6m"] = float(rec.ward["understanding"][d6][t].mean())
    out["manager_skill"] = float(
        np.mean([getattr(w, f"manager_{n}")[t].mean() for n in MANAGER_SKILLS])
    )
    out["team_skill"] = float(np.mean(list(model.team_skills.values())))
    out["team_size"] = float(rec.trust["qi_team_size"][window].mean())
    out["delay_days"] = float((lc.first_launch_day if launched else end + 1) - launch)
    out["launched_share"] = float(active_end.sum() / max(int(t.sum()), 1))
    out["momentum"] = float(rec.trust["momentum"][end])
    out["redesigned"] = float(any(s == "redesign" and d <= end for d, s in lc.history))
    months = np.arange(max(MEASURE_MONTHS) + 1)
    idx = np.minimum(launch + np.round(months * MONTH_DAYS).astype(int), end)
    out["trajectory"] = emb[idx].astype(float).tolist()
    # each target ward (in target_wards order): embedded at the end, and live by then
    out["ward_embedded"] = rec.ward["embedded"][end][t].astype(float).tolist()
    out["ward_live"] = rec.ward["active"][end][t].astype(float).tolist()
    return out


def target_wards(scenario: Scenario) -> list[str]:
    """The names of the initiative's target wards, in the model's order (``measure``'s
    ``ward_embedded`` lists them in this order)."""
    from qisim.world import expand_wards, resolve_names

    wards = expand_wards(scenario)
    mask = resolve_names(scenario.initiative.target_wards, wards)
    return [name for (name, _, _), on in zip(wards, mask) if on]


def run_cell(scenario: Scenario, seed: int) -> dict[str, Any]:
    """One run of a cell (a worker's task): what it showed, and its CPU time."""
    from qisim.model import QIModel

    start = time.process_time()
    model = QIModel(scenario, rng=seed)
    model.run()
    return {"shown": measure(model), "cpu_s": time.process_time() - start}


def run_plan(
    plan: Plan, workers: int = 2, progress: Callable[[int, int], None] | None = None
) -> pd.DataFrame:
    """Run every cell of ``plan`` on every replication's seed; one row per run.

    Replication r of every cell runs with seed ``plan.spec.seed + r``
    (:func:`qisim.sweep.replicate.replicate`), on a pool of ``workers`` processes, the longest
    cells first so the pool finishes together; ``progress(done, total)`` is called after each
    run.
    """
    order = sorted(range(len(plan.cells)), key=lambda ci: -plan.cells[ci].scenario.days)
    scenarios = [plan.cells[ci].scenario for ci in order]
    runs = replicate(
        scenarios, plan.replications, plan.spec.seed, measure=run_cell, workers=workers,
        progress=progress if progress else False,
    )  # fmt: skip
    rows = []
    for run in runs:
        cell = plan.cells[order[run["arm"]]]
        rows.append(
            {
                "strategy": cell.strategy,
                "launch_month": cell.launch_month,
                "launch_day": cell.launch_day,
                "staffing": cell.staffing,
                "replication": run["replication"],
                "seed": run["seed"],
                "cpu_s": run["cpu_s"],
                **run["shown"],
            }
        )
    rank = {name: i for i, name in enumerate(plan.strategies)}
    staff = {name: i for i, name in enumerate(plan.staffing)}
    df = pd.DataFrame(rows)
    df["_s"] = df["strategy"].map(rank)
    df["_c"] = df["staffing"].map(staff)
    df = df.sort_values(["_s", "launch_month", "_c", "replication"]).drop(columns=["_s", "_c"])
    return df.reset_index(drop=True)
