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
from qisim.world import group_mean

if TYPE_CHECKING:
    from qisim.model import QIModel


def initial_fit(model: QIModel, wards: np.ndarray) -> np.ndarray:
    """How well the change fits wards at launch (0-1): it loses fit with distance from the
    design context (``context_penalty * distance``), less so when it was co-designed widely and
    designed with contextual empathy (softened by ``(1 - co_design) * (1 - empathy_softening *
    contextual_empathy)``)."""
    init, k, team = model.initiative, model.constants, model.team_skills
    if model.ablates("adaptation"):
        return np.ones(len(np.atleast_1d(wards)))
    distance = model.wards.context_distance[wards]
    softened = (1 - init.co_design) * (1 - k.empathy_softening * team["contextual_empathy"])
    return 1.0 - k.context_penalty * distance * softened


def pdsa_cycle(model: QIModel) -> None:
    """A month of PDSA: the team's cycles (``pdsa_cycles_per_member_month`` per member, times
    its time share and the stage's intensity, and as far as efficient structures follow them
    through), shared over the live wards, remove part of each ward's misfit, scaled by how much
    adaptation is allowed, the team's skills, the ward staff's QI skill and the local culture.
    Then the ward staff's own adjustments (:func:`local_adjustments`)."""
    w, k, init = model.wards, model.constants, model.initiative
    if not model.lifecycle.supporting or model.ablates("adaptation"):
        return
    live = np.flatnonzero(w.active)
    if live.size == 0:
        return
    local_adjustments(model, live)
    intensity = init.pdsa_pilot if model.lifecycle.stage == "pilot" else init.pdsa_rollout
    time_share = leadership.team_time(model)
    follow_through = leadership.follow_through(model)
    cycles = (
        k.pdsa_cycles_per_member_month
        * len(model.qi_team)
        * time_share
        * intensity
        * follow_through
    )
    if cycles <= 0:
        return
    share = min(1.0, cycles / live.size)
    team = model.team_skills
    skill = np.mean([team["technical"], team["contextual_empathy"]])
    staff_skill = model.ward_qi_skill[live]
    env = model.environment[live]
    gain = (
        k.pdsa_gain
        * share
        * init.adaptation_allowed
        * skill
        * (k.pdsa_skill_base + staff_skill)
        * (k.pdsa_culture_floor + (1 - k.pdsa_culture_floor) * env)
    )
    w.fit[live] += np.clip(gain, 0, 1) * (1 - w.fit[live])
    # small tests of change bring resistant staff to try it (Enhanced care pilot)
    s = model.staff
    on = s.target & np.isin(s.ward, live)
    s.ownership[on] += k.pdsa_trial_persuasion * share * intensity * (1 - s.ownership[on])


def local_adjustments(model: QIModel, live: np.ndarray) -> None:
    """A month of the ward staff's own adjustments to the change on live wards ``live``
    (indices), besides the team's PDSA, each from one feature of the trust's culture and the
    ward staff's QI skill (the skills that learning grows):

    * *collective autonomy*: staff trusted to get on with the job fit the change to their
      ward themselves: ``local_adaptation * collective_autonomy * adaptation_allowed * QI
      skill`` of the misfit (report §3 Allowing collective autonomy: "rely on colleagues to get
      on and do the job well ... not be micromanaged or pushed");
    * *rewarding good suggestions*: staff who own the change suggest improvements and the team
      takes them up: ``suggestion_gain * rewarding_suggestions * ownership * QI skill`` of the
      misfit (report §3 Encouraging and rewarding good suggestions: the Nurse-led discharge team
      "took account of the views of the staff who were using the new approach ... and modified
      the scheme accordingly to suit the needs of the different wards").

    Nothing when culture is ablated (its neutral element adds nothing)."""
    if model.ablates("culture"):
        return
    w, k, s = model.wards, model.constants, model.staff
    culture = model.qi_scenario.trust.culture
    skill = model.ward_qi_skill[live]
    owners = group_mean(s.ward, s.ownership, s.target, w.n)[live]
    autonomy = (
        k.local_adaptation
        * culture.collective_autonomy
        * model.initiative.adaptation_allowed
        * skill
    )
    suggestions = k.suggestion_gain * culture.rewarding_suggestions * owners * skill
    gain = 1 - (1 - np.clip(autonomy, 0, 1)) * (1 - np.clip(suggestions, 0, 1))
    w.fit[live] += gain * (1 - w.fit[live])
