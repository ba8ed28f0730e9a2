"""Role modelling: zealous, respected ward managers make their wards succeed.

Report §3 Inculcating a sense of dedication: the Postural blood pressure matron's "experienced
senior ward managers were also exceptionally zealous ... Their wards were the successful ones in
this initiative"; "They took it upon themselves to continually act as role models". This is where
positive deviance comes from (report §4 Discussion).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from qisim.model import QIModel


def manager_pull(model: QIModel) -> np.ndarray:
    """Per ward, the multiplier a manager's enthusiasm and role modelling put on ownership."""
    w = model.wards
    if model.ablates("role_modelling"):
        return np.ones(w.n)
    k = model.constants
    return _manager_pull(
        w.manager_enthusiasm, w.manager_role_modelling, w.manager_style_tone,
        k.role_model_pull, k.role_model_tone_floor,
    )  # fmt: skip


@numba.njit(cache=True)
def _manager_pull(enthusiasm, role_modelling, style_tone, role_model_pull, tone_floor):
    pull = np.empty(enthusiasm.size)
    for w in range(enthusiasm.size):
        zeal = enthusiasm[w] * role_modelling[w]
        # the pull kept when the manager's style and tone is poor: tone_floor
        pull[w] = 1.0 + role_model_pull * zeal * (tone_floor + (1 - tone_floor) * style_tone[w])
    return pull


def habit_hold(model: QIModel) -> np.ndarray:
    """Per ward, how much the manager slows the decay of a habit by "reminding staff how
    important it was to uphold the values" (0 none, ``norm_hold`` at most)."""
    w = model.wards
    if model.ablates("role_modelling"):
        return np.zeros(w.n)
    return model.constants.norm_hold * w.manager_enthusiasm * w.manager_role_modelling
