"""Roll-out strategies: each ward's readiness, waiting for a competing initiative to end, and
preparing first with a readiness audit and a SOFFT skills programme.

Report §5 Implications: staff "might undertake a rapid audit to determine the readiness for
improvement of a unit/team/ward before starting any QI project ... to help establish fitness for
improvement and show if, and where, resources and skills need to be strengthened before work
commences"; they should "consider broadening QI training to explicitly encompass SOFFT skills
development". §3 Timing, coordination and momentum: "'Getting the timing right' was important,
by 'reading' wards to know when to push and when hold back", and change is delivered "in the
context of other changes". The lifecycle (:mod:`qisim.lifecycle`) calls these functions; the
scenario's ``initiative.rollout`` names the strategy (docs/plan.md).
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from qisim.constants import DEFAULT_CONSTANTS, Constants
from qisim.mechanisms import culture, learning, staffing
from qisim.world import build_wards

if TYPE_CHECKING:
    from qisim.model import QIModel

# The strategies' numbers are mechanism constants (qisim.constants, "roll-out strategies"):
# readiness_window, programme_load and programme_days_scale. Their defaults, for callers
# without a model (qisim.planning):
PROGRAMME_LOAD = DEFAULT_CONSTANTS.programme_load
PROGRAMME_DAYS_SCALE = DEFAULT_CONSTANTS.programme_days_scale
PROGRAMME = "SOFFT skills programme"  # the prepare-first programme, as the calendar names it
# Decimals a raised manager skill is written into the scenario with (structural: a clean value
# for the scenario file, far below any effect)
SKILL_DECIMALS = 6
MANAGER_SKILLS = ("leadership", "role_modelling", "style_tone", "shielding")
# FFIT items that describe one ward (report Appendix 1); the rest describe the trust, the team or
# the initiative, which every ward shares.
WARD_FFIT_ITEMS = (
    "staff_06",  # the ward's own culture
    "staff_10",  # the manager's role modelling
    "staff_11",  # vacant shifts filled by agency staff
    "resourcing_01",  # vacancies
    "managers_01",  # the manager's leadership
    "managers_02",  # enthusiasm
    "managers_03",  # style and tone
    "managers_04",  # shielding staff from initiativitis
    "learning_02",  # sickness absence (release for learning)
    "context_02",  # how unlike the design context the ward is
)
OTHER_INITIATIVES_ITEM = "confidence_06"  # "not too many other initiatives already underway"


# --- readiness --------------------------------------------------------------------------------
@cache
def _ward_item_scales() -> tuple[tuple[str, float, float], ...]:
    """(ward array, value at score 0, value at the top score ``TOP``) of each ward-level FFIT
    item, read from the FFIT mapping (:data:`qisim.ffit_items.MAPPING`) so the two cannot
    disagree."""
    from qisim.ffit_items import MAPPING, TOP

    out = []
    for item in WARD_FFIT_ITEMS:
        row = MAPPING[item]
        ((path, lo),) = row.to_values(0).items()
        ((_, hi),) = row.to_values(TOP).items()
        array = path.removeprefix("wards.*.").replace(".", "_")
        out.append((array, float(lo), float(hi)))
    return tuple(out)


def ward_ffit_scores(model: QIModel) -> np.ndarray:
    """Per ward (rows), the ward-level FFIT items (columns: ``WARD_FFIT_ITEMS`` then the other
    initiatives already underway on the ward) scored 0-5 from the model's state today, as the
    trust-level profile scores them (docs/ffit-mapping.md)."""
    from qisim.ffit_items import OTHER_LOAD_AT_ZERO, TOP

    w = model.wards
    cols = [TOP * (getattr(w, array) - lo) / (hi - lo) for array, lo, hi in _ward_item_scales()]
    own = w.active & model.lifecycle.supporting
    others = np.maximum(w.load - own, 0.0)
    cols.append(TOP * (1 - others / OTHER_LOAD_AT_ZERO))
    return np.clip(np.column_stack(cols), 0.0, TOP)


def ward_readiness(model: QIModel, measure: str | None = None) -> np.ndarray:
    """Each ward's readiness for the change today, 0 to 1 (report §5: a rapid audit of "the
    readiness for improvement of a unit/team/ward"). ``ffit``: the mean of its ward-level FFIT
    scores / 5; ``staffing``: nurses on duty / required over the last ``readiness_window`` days
    (four weeks), at most 1."""
    measure = measure or model.initiative.rollout.readiness_measure
    if measure == "staffing":
        return np.minimum(model.lifecycle.recent_staffing, 1.0)
    from qisim.ffit_items import TOP

    return ward_ffit_scores(model).mean(axis=1) / TOP


def track_staffing(model: QIModel, recent: np.ndarray | None) -> np.ndarray:
    """Today's staffing (both shifts) folded into each ward's running mean over
    ``readiness_window`` days (four weeks)."""
    today = model.wards.staffing.mean(axis=1)
    if recent is None:
        return today.copy()
    return recent + (today - recent) / model.constants.readiness_window


# --- deferral ---------------------------------------------------------------------------------
def competing_over(model: QIModel, name: str, gap_days: int = 0) -> bool:
    """Whether the named competing initiative has ended (or been halted by a log review) at
    least ``gap_days`` ago, so a deferred launch may go ahead."""
    c = model.competing
    idx = c.names.index(name)
    return bool(c.halted[idx]) or model.day >= c.end[idx] + gap_days


# --- the competing calendar: which roles an initiative loads -----------------------------------
def weigh_competing_by_role(model: QIModel) -> None:
    """A competing initiative that asks things only of some roles loads this initiative's target
    staff only as far as they hold those roles: its load is scaled by their share (a falls
    initiative for doctors does not rush the nurses off their feet)."""
    from qisim.world import ROLE

    s = model.staff
    target_roles = s.role[s.target]
    for i, spec in enumerate(model.qi_scenario.competing):
        if spec.roles == "all" or i >= model.competing.n:
            continue
        ids = [ROLE[r] for r in spec.roles]
        share = float(np.isin(target_roles, ids).mean()) if target_roles.size else 0.0
        model.competing.load[i] *= share


# --- prepare first ----------------------------------------------------------------------------
def start_programme(model: QIModel, days: int) -> None:
    """Put the readiness audit and SOFFT skills programme on the calendar: it loads the target
    wards for its ``days`` with ``programme_load`` (the staff time it costs)."""
    load = model.constants.programme_load
    model.competing.add(PROGRAMME, 0, days, model.wards.target.copy(), load, False)


def programme_attendance(model: QIModel) -> np.ndarray:
    """Per ward, the chance its manager can be released for today's session: short-staffed
    wards cannot spare them (report §3 Creating the necessary culture of learning)."""
    return staffing.release(model, model.wards.staffing.mean(axis=1))


def programme_gain(days: int, k: Constants) -> float:
    """Share of the gap to full skill a programme of ``days`` closes at full attendance, with
    the mechanism constants ``k`` (``programme_days_scale``)."""
    return 1.0 - math.exp(-days / k.programme_days_scale)


def finish_programme(model: QIModel, days: int, attendance: np.ndarray) -> None:
    """The programme's effect: the QI team's SOFFT skills and judgement, and each target ward
    manager's leadership, role modelling, style and tone and shielding, close part of their gap
    to full skill, managers as far as they attended (``attendance``: mean per ward). Raised
    manager skills are written into the scenario's wards, so scheduled events keep them."""
    gain = programme_gain(days, model.constants)
    for name in learning.TEAM_SKILLS:
        model.team_skills[name] += gain * (1 - model.team_skills[name])
    team = model.qi_scenario.qi_team
    team.judgement = team.judgement + gain * (1 - team.judgement)

    w = model.wards
    group = _ward_groups(model)
    for j, spec in enumerate(model.qi_scenario.wards):
        mine = (group == j) & w.target
        if not mine.any():
            continue
        g = gain * float(attendance[mine].mean())
        for name in MANAGER_SKILLS:
            value = getattr(spec.manager, name)
            setattr(spec.manager, name, round(value + g * (1 - value), SKILL_DECIMALS))
    climate = culture.climate(model.qi_scenario.trust.culture)
    fresh = build_wards(model.qi_scenario, climate, model.constants)
    for name in ("micro_culture", *(f"manager_{n}" for n in MANAGER_SKILLS)):
        setattr(w, name, getattr(fresh, name))


def _ward_groups(model: QIModel) -> np.ndarray:
    """Index of each ward's entry in the scenario's ``wards`` list (``count`` expands one)."""
    return np.repeat(
        np.arange(len(model.qi_scenario.wards)), [spec.count for spec in model.qi_scenario.wards]
    )


def readiness_order(model: QIModel, wards: list[int]) -> list[int]:
    """The wards, most ready first (the readiness audit says where to start)."""
    ready = ward_readiness(model)
    return sorted(wards, key=lambda i: -ready[i])
