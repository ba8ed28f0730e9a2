"""The null model: ward-level diffusion from one favourability score (docs/ODD.md §8.4).

What would a much simpler model reproduce? If it passes a case or a contrast as well as the full
agent-based model does, that target says little about the full model's mechanisms. The null has
no agents, no SOFFT skills and none of the report's mechanisms; it reads the same scenario:

- one **favourability** score F in [0, 1]: the plain mean of the trust's seven culture features'
  mean, the target wards' mean manager enthusiasm, the initiative's problem clarity, co-design,
  senior backing and leadership clarity, the QI team's mean skill and its staffing (members in
  post over establishment);
- the same **staffing feasibility** as the full model (``staffing.practice_feasibility``), on
  each ward's expected staffing from its vacancy, sickness and agency fill;
- the same **scheduled events** (they change F and feasibility on their day; an event ``at`` a
  stage on the day the null reaches it: its launch, pilot, roll-out (the pilot's end) or
  fizzling; the stages the null has not, never) and the same roll-out plan (design days, pilot
  wards and days, waves).

Design progresses at ``(0.5 + F) / design_days`` a day. Each launched target ward's practice
``a`` grows logistically, ``da = rate * F_w * feasibility_w * a * (1 - a)`` from ``a0``, with
``F_w = F * exp(sigma * z_w)`` (one normal draw per ward and run). A ward is embedded while
``a >= embed_level``. ``patience`` days after launch the team abandons the change (fizzled) if
mean practice is below ``give_up``. Its three free parameters (``rate``, ``give_up``,
``sigma``) are fitted to the six cases by a grid search (``qisim validate --null``), so the
comparison is fair rather than a straw man.
"""

from __future__ import annotations

import heapq
from dataclasses import asdict, dataclass

import numpy as np

from qisim.constants import DEFAULT_CONSTANTS
from qisim.domain import FEATURE_KEYS
from qisim.mechanisms.staffing import practice_feasibility
from qisim.scenario import Scenario, set_path, validate
from qisim.world import expand_wards, resolve_names

A0 = 0.02  # practice on a ward the day it launches
PATIENCE = 180  # days after launch before the team judges whether to go on


@dataclass(frozen=True)
class NullParams:
    """The null model's free parameters (fitted): ``rate`` per day, ``give_up`` a practice
    share, ``sigma`` the log-sd of ward favourability."""

    rate: float = 0.03
    give_up: float = 0.1
    sigma: float = 0.2

    def items(self) -> tuple[tuple[str, float], ...]:
        return tuple(asdict(self).items())


# the grid the fit searches (qisim validate --null)
GRID = {
    "rate": (0.01, 0.02, 0.04, 0.08),
    "give_up": (0.05, 0.1, 0.2, 0.3),
    "sigma": (0.05, 0.2, 0.5),
}


def favourability(scenario: Scenario, team_size: int) -> float:
    """The null's one score in [0, 1] (see the module docstring)."""
    t, init, team = scenario.trust, scenario.initiative, scenario.qi_team
    wards = expand_wards(scenario)
    target = resolve_names(init.target_wards, wards)
    enthusiasm = np.array([spec.manager.enthusiasm for _, spec, _ in wards])[target]
    parts = [
        np.mean([getattr(t.culture, k) for k in FEATURE_KEYS]),
        float(enthusiasm.mean()) if enthusiasm.size else 0.5,
        init.problem_clarity,
        init.co_design,
        init.senior_backing,
        init.leadership_clarity,
        np.mean(
            [team.technical, team.communication, team.co_design_skill, team.contextual_empathy]
        ),
        min(team_size / max(team.establishment, 1), 1.0),
    ]
    return float(np.mean(parts))


def feasibility(scenario: Scenario) -> np.ndarray:
    """Per ward, the share of the practice its expected staffing allows (the full model's rule)."""
    wards = expand_wards(scenario)
    vac = np.array([s.vacancy for _, s, _ in wards])
    sick = np.array([s.sickness for _, s, _ in wards])
    fill = np.array([s.agency_fill for _, s, _ in wards])
    present = (1 - vac) * (1 - sick)
    staffing = present + fill * (1 - present)
    k = DEFAULT_CONSTANTS
    return practice_feasibility(
        staffing, scenario.initiative.staffing_sensitivity, k.staffing_gap_scale
    )


def _apply(scenario: Scenario, changes: dict) -> Scenario:
    data = scenario.model_dump()
    for path, value in changes.items():
        set_path(data, path, value, "event")
    return validate(data, "event")


def run_null(scenario: Scenario, seed: int, params: NullParams = NullParams()):
    """Run the null model once.

    Returns:
        (summary, practice): a summary dict with the fields :func:`qisim.validation.classify`
        reads, and the trust's daily practice (days,) over target wards.
    """
    rng = np.random.default_rng(seed)
    k = DEFAULT_CONSTANTS
    days = scenario.days
    wards = expand_wards(scenario)
    init = scenario.initiative
    target = resolve_names(init.target_wards, wards)
    pilot = resolve_names(init.rollout.pilot_wards, wards) & target
    n = len(wards)
    noise = np.exp(params.sigma * rng.standard_normal(n))
    # (day, order, changes) of the events due; a stage's events join when the null reaches it
    events = [(e.day, i, e.set) for i, e in enumerate(scenario.events) if e.at is None]
    heapq.heapify(events)
    at_stage = [(i, e) for i, e in enumerate(scenario.events) if e.at is not None]

    def reached(name: str, day: int) -> None:
        for i, e in at_stage:
            if e.at == name:
                heapq.heappush(events, (day + e.after_days, i, e.set))

    size = scenario.qi_team.size
    staffed_day = 0 if size >= scenario.qi_team.establishment else None
    F = favourability(scenario, size)
    feas = feasibility(scenario)
    # launch plan: pilot wards first, then waves of the rest
    rest = [i for i in np.flatnonzero(target) if not pilot[i]]
    r = init.rollout
    waves = [rest[i : i + r.wave_size] for i in range(0, len(rest), max(r.wave_size, 1))]
    progress, launch, stage = 0.0, None, "design"
    launched_on = np.full(n, -1)
    a = np.zeros(n)
    practice = np.zeros(days)
    embedded = np.zeros(n, bool)
    next_wave_day = None
    rolled_out = False
    for day in range(days):
        while events and events[0][0] < day:
            scenario = _apply(scenario, heapq.heappop(events)[2])
            size = scenario.qi_team.size
            if staffed_day is None and size >= scenario.qi_team.establishment:
                staffed_day = day
            F, feas = favourability(scenario, size), feasibility(scenario)
            init = scenario.initiative
        if launch is None:
            progress += (0.5 + F) / init.design_days
            if progress >= 1.0 and day >= init.rollout.start_day:
                launch = day
                first = (
                    np.flatnonzero(pilot)
                    if pilot.any()
                    else np.array(waves.pop(0) if waves else [], int)
                )
                launched_on[first] = day
                a[first] = A0
                stage = "pilot" if pilot.any() else "rollout"
                next_wave_day = day + (r.pilot_days if pilot.any() else r.wave_interval)
                rolled_out = not pilot.any()
                reached("launch", day)
                reached(stage, day)
            continue
        if not rolled_out and day >= launch + r.pilot_days:
            rolled_out = True
            reached("rollout", day)
        if stage in ("fizzled",):
            a *= 0.99
        else:
            if waves and day >= next_wave_day:
                wave = np.array(waves.pop(0), int)
                launched_on[wave] = day
                a[wave] = A0
                next_wave_day = day + r.wave_interval
            live = launched_on >= 0
            grow = params.rate * F * noise * feas * a * (1 - a)
            a = np.where(live, np.clip(a + grow, 0, 1), a)
            if day == launch + PATIENCE and a[live].mean() < params.give_up:
                stage = "fizzled"
                reached(stage, day)
        live = (launched_on >= 0) & target
        embedded = live & (a >= k.embed_level)
        practice[day] = float((a * feas)[live].mean()) if live.any() else 0.0
    tail = practice[max(days - 28, 0) :]
    frac = float(embedded[target].mean()) if target.any() else 0.0
    before = after = None
    if staffed_day is not None and 0 < staffed_day < days:
        start = launch if launch is not None and launch < staffed_day else max(staffed_day - 90, 0)
        before, after = float(practice[start:staffed_day].mean()), float(tail.mean())
    audit = None
    if launch is not None:
        audit = float(k.outcome_effect * practice[launch:].mean())
    summary = {
        "days": days,
        "stage": stage if stage == "fizzled" else ("embedding" if launch is not None else "design"),
        "first_launch_day": launch,
        "design_progress": float(min(progress, 1.0)),
        "embedded_ward_fraction": frac,
        "practice_rate": float(tail.mean()),
        "redesigns": 0,
        "team_staffed_day": staffed_day,
        "practice_before_staffed": before,
        "practice_after_staffed": after,
        "audit_improvement": audit,
    }
    return summary, practice
