"""Problem clarity: without an agreed problem there is no priority and no senior backing.

Report §3 Understanding what is wrong and why: Handover at night "failed largely because of the
failure to establish exactly what problem they were wanting to solve ... Hence, there was no
agreement about its priority and no enthusiasm among senior clinicians who, instead of agreeing
to lead the project, stifled it."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qisim.world import TRIBE

if TYPE_CHECKING:
    from qisim.constants import Constants
    from qisim.model import QIModel
    from qisim.scenario import Initiative


def clarity_factor(initiative: Initiative, k: Constants) -> float:
    """Share of ownership drive (priority) an initiative gets from how clear its problem is."""
    return k.clarity_floor + (1 - k.clarity_floor) * initiative.problem_clarity


def clarity(model: QIModel) -> float:
    """:func:`clarity_factor` of the model's initiative (1 when problem clarity is ablated)."""
    if model.ablates("problem"):
        return 1.0
    return clarity_factor(model.initiative, model.constants)


def senior_support(initiative: Initiative, k: Constants) -> float:
    """Senior clinicians' practical backing: what they were asked for, discounted by how far
    they agree there is a problem."""
    return initiative.senior_backing * clarity_factor(initiative, k)


def stifling(model: QIModel) -> np.ndarray:
    """Daily erosion of doctors' ownership when consultants do not back the change."""
    k, s = model.constants, model.staff
    if model.ablates("problem"):
        return np.zeros(s.n)
    support = senior_support(model.initiative, k)
    strength = k.senior_stifling * max(0.0, 0.5 - support) * 2
    return np.where(s.tribe == TRIBE["medical"], strength, 0.0)
