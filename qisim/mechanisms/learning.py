"""Learning: communities of practice grow QI skills; training needs release from the ward.

Report §3 Creating the necessary culture of learning: Premton did "everything possible ... to
ensure that staff attended training, even if ... a matron had to stand in for a nurse"; the
Tissue viability team's office saw "A great deal of 'mutual mentoring'". §3 Growing the necessary
QI skills: "informal learning ... that occurs with any community of practice".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.mechanisms import staffing

if TYPE_CHECKING:
    from qisim.model import QIModel

TEAM_SKILLS = ("technical", "communication", "co_design_skill", "contextual_empathy")


def grow_staff_skills(model: QIModel) -> None:
    """On-duty staff who can be released gain QI skill from the trust's training programme and
    from colleagues (pulled toward the ward's best). The skill is what they bring to the PDSA
    cycles (:func:`adaptation.pdsa_cycle`), to reading an audit (:func:`audit.monthly_audit`)
    and to adapting the change and suggesting improvements on their own ward
    (:func:`adaptation.local_adjustments`); release depends on staffing and on senior staff's
    cover (:func:`staffing.release`)."""
    s, w, k = model.staff, model.wards, model.constants
    if model.ablates("learning"):
        return
    trust = model.qi_scenario.trust
    _grow_staff_skills(
        s.qi_skill, s.on_duty, s.ward, s.working_shift, staffing.release(model, w.staffing),
        k.learning_rate, trust.qi_training, trust.mutual_mentoring, w.n,
    )  # fmt: skip


@numba.njit(cache=True)
def _grow_staff_skills(
    qi_skill, on_duty, ward, working_shift, release, learning_rate, training, mentoring, n_wards
):
    # the ward's most skilled colleague (held in a register while the ward repeats)
    best = np.zeros(n_wards)
    group, most = 0, 0.0
    for i in range(qi_skill.size):
        if ward[i] != group:
            best[group], group = most, ward[i]
            most = best[group]
        most = max(most, qi_skill[i])
    if qi_skill.size:
        best[group] = most
    for i in range(qi_skill.size):
        q = qi_skill[i]
        # training closes the gap to 1, mentoring the gap to the ward's best, when released
        gain = (
            learning_rate
            * release[ward[i], working_shift[i]]
            * on_duty[i]
            * (training * (1 - q) + mentoring * max(best[ward[i]] - q, 0.0))
        )
        qi_skill[i] = min(q + gain, 1.0)


def grow_team_skills(model: QIModel) -> None:
    """Monthly: the QI team's skills grow through mutual mentoring and the trust's training
    (weights ``mentoring_weight`` and its complement), at ``team_learning`` of the gap to 1."""
    k, trust = model.constants, model.qi_scenario.trust
    if model.ablates("learning"):
        return
    mix = k.mentoring_weight * trust.mutual_mentoring + (1 - k.mentoring_weight) * trust.qi_training
    rate = k.team_learning * mix
    for name in TEAM_SKILLS:
        model.team_skills[name] += rate * (1 - model.team_skills[name])
