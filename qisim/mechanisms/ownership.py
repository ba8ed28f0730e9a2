"""Ownership: home-grown and co-designed changes are owned; imposed ones meet resistance.

Report §3 Fostering a strong sense of ownership: "'If it's home-grown, they'll own it. They love
it if it's their idea.' ... By the time they were expected to implement the change they were
already familiar with it. The other Premton project, Handover at night, developed no sense of
ownership and failed." Box 5 Engagement: "top-down, managerially-led initiatives can result in
resentment".

Ownership is where the other mechanisms meet: its daily drive multiplies the factors that
culture, role modelling, problem clarity, framing and initiativitis contribute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.mechanisms import framing, problem, role_modelling, tribes
from qisim.world import TRIBE

if TYPE_CHECKING:
    from qisim.model import QIModel

MEDICAL = TRIBE["medical"]


def imposition(model: QIModel) -> float:
    """How imposed the change is, 0-1, from where it came from: home-grown 0, imported
    ``imported_imposition``, top-down 1."""
    origin = model.initiative.origin
    if origin == "home_grown":
        return 0.0
    return model.constants.imported_imposition if origin == "imported" else 1.0


def origin_factor(model: QIModel) -> float:
    """Drive from where the change came from and how widely it was co-designed: ``(1 +
    home_grown_bonus if home-grown) * (uncodesigned_drive + co_design_drive * co_design)``."""
    init, k = model.initiative, model.constants
    if model.ablates("ownership"):
        return 1.0
    home = k.home_grown_bonus if init.origin == "home_grown" else 0.0
    return (1.0 + home) * (k.uncodesigned_drive + k.co_design_drive * init.co_design)


def resistance(model: QIModel) -> float:
    """Daily erosion of ownership for a change imposed on staff without co-design."""
    init = model.initiative
    if model.ablates("ownership"):
        return 0.0
    return model.constants.imposed_resistance * imposition(model) * (1 - init.co_design)


def update_ownership(model: QIModel) -> None:
    """Ownership of staff on live wards rises with understanding, scaled by every factor, is
    pulled toward their own profession's practice, and is eroded by imposition, cynicism,
    consultants' stifling and, once the team gives up, abandonment."""
    s, w, k = model.staff, model.wards, model.constants
    if not w.active.any():
        return
    _update_ownership(
        s.ownership, s.understanding, s.fatigue, s.cynicism, s.tribe, s.ward, s.target, w.active,
        model.environment, role_modelling.manager_pull(model), framing.early_boost(model),
        tribes.peer_pull(model), k.ownership_rate, problem.clarity(model), origin_factor(model),
        resistance(model), problem.stifling(model), framing.erosion(model),
        model.lifecycle.abandoned, k.abandonment_erosion,
    )  # fmt: skip


@numba.njit(cache=True)
def _update_ownership(
    ownership, understanding, fatigue, cynicism, tribe, ward, target, active, environment,
    manager_pull, early_boost, peer_pull, ownership_rate, clarity, origin, resistance, stifling,
    cynicism_erosion, abandoned, abandonment_erosion,
):  # fmt: skip
    for i in range(ownership.size):
        w = ward[i]
        if not (target[i] and active[w]):
            continue
        o = ownership[i]
        # drive: understanding scaled by culture, manager, clarity, origin, pitch and fatigue
        drive = (
            ownership_rate
            * understanding[i]
            * environment[w]
            * manager_pull[w]
            * clarity
            * origin
            * early_boost[w]
            * (1.0 - fatigue[i])
        )
        # erosion: imposition, consultants stifling doctors, cynicism, abandonment
        erosion = resistance + (stifling if tribe[i] == MEDICAL else 0.0)
        erosion = erosion + cynicism_erosion * cynicism[i]
        if abandoned:
            erosion = erosion + abandonment_erosion
        new = o + drive * (1 - o) + peer_pull[i] - erosion * o
        ownership[i] = min(max(new, 0.0), 1.0)


def co_design_involvement(model: QIModel) -> None:
    """While the change is designed, co-design brings staff into it: each day an on-duty target
    member of staff is consulted with chance ``consult_rate * breadth`` (breadth = co-design x
    the team's co-design skill) and comes to know it (understanding at least ``consult_understanding
    + consult_understanding_gain * breadth``) and own it before launch (report §3 Fostering
    ownership: "By the time they were expected to implement the change they were already familiar
    with it")."""
    s, init, k = model.staff, model.initiative, model.constants
    if model.ablates("ownership"):
        return
    breadth = init.co_design * model.team_skills["co_design_skill"]
    if breadth <= 0:
        return
    u = model.streams.uniform("consultation", model.day, s.slot)
    asked = s.on_duty & s.target & (u < k.consult_rate * breadth)
    knows = k.consult_understanding + k.consult_understanding_gain * breadth
    s.understanding[asked] = np.maximum(s.understanding[asked], knows)
    s.ownership[asked] += k.consult_ownership * breadth * (1 - s.ownership[asked])
