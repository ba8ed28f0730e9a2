"""Adaptation: continued PDSA fits the change to each ward; one size for all fails.

Report §3 Using experience to modify the intervention: Enhanced care "used PDSA successfully
during the pilot phase ... However, thinking they had found the right formula, they stopped using
PDSA when Enhanced care was rolled out ... This contributed to its failure and meant that
enhanced-care methods could not evolve to suit the much more varied contexts of wards that had not
been part of the pilot." §3 Transforming: Postural blood pressure "tried to make one size fit all";
Managing unprofessional behaviour's "continuing conflict over the question of fidelity versus
adaptation almost derailed the project" (see leadership.design_progress).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qisim.mechanisms import leadership

if TYPE_CHECKING:
    from qisim.model import QIModel

CYCLES_PER_MEMBER_MONTH = 2.0  # PDSA cycles a QI team member can run a month (assumption)


def initial_fit(model: QIModel, wards: np.ndarray) -> np.ndarray:
    """How well the change fits wards at launch: it loses fit with distance from the design
    context, less so when it was co-designed widely and designed with contextual empathy."""
    init, k, team = model.initiative, model.constants, model.team_skills
    if model.ablates("adaptation"):
        return np.ones(len(np.atleast_1d(wards)))
    distance = model.wards.context_distance[wards]
    softened = (1 - init.co_design) * (1 - 0.5 * team["contextual_empathy"])
    return 1.0 - k.context_penalty * distance * softened


def pdsa_cycle(model: QIModel) -> None:
    """A month of PDSA: the team's cycles, shared over the live wards, remove part of each
    ward's misfit; intensity is the pilot's or the roll-out's, scaled by how much adaptation is
    allowed, the team's skills, the ward staff's QI skill and the local culture."""
    w, k, init = model.wards, model.constants, model.initiative
    if not model.lifecycle.supporting or model.ablates("adaptation"):
        return
    live = np.flatnonzero(w.active)
    if live.size == 0:
        return
    intensity = init.pdsa_pilot if model.lifecycle.stage == "pilot" else init.pdsa_rollout
    time_share = leadership.team_time(model)
    cycles = CYCLES_PER_MEMBER_MONTH * len(model.qi_team) * time_share * intensity
    if cycles <= 0:
        return
    share = min(1.0, cycles / live.size)
    team = model.team_skills
    skill = 0.5 * (team["technical"] + team["contextual_empathy"])
    staff_skill = model.ward_qi_skill[live]
    env = model.environment[live]
    gain = (
        k.pdsa_gain
        * share
        * init.adaptation_allowed
        * skill
        * (0.5 + staff_skill)
        * (0.5 + 0.5 * env)
    )
    w.fit[live] += np.clip(gain, 0, 1) * (1 - w.fit[live])
    # small tests of change bring resistant staff to try it (Enhanced care pilot)
    s = model.staff
    on = s.target & np.isin(s.ward, live)
    s.ownership[on] += 0.05 * share * intensity * (1 - s.ownership[on])
