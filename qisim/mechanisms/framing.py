"""Framing the message: two separate things the report tells apart.

*Tailoring* the pitch to each audience is a success skill: "Mapping stakeholders and developing
the best pitch for each of them was regarded as one of the key skills that had resulted in the
Nurse-led discharge project working so well" (report §3 Framing the message correctly). It raises
uptake (:func:`early_boost`).

*Inconsistent motives* are a fault: "The Enhanced care project successfully sold the idea
differently to different staff ... When, a year later, the project began to fail (mainly due to
lack of staff) there was cynicism from ward staff who heard that Enhanced care had been a way to
save resources, and conversely from managers who had heard that wards were using it to obtain
more staff" (§3 Framing; Table 3: "mixed messages about the motives for the change"). They breed
cynicism when the practice falters (:func:`grow_cynicism`), which erodes ownership
(:func:`erosion`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from qisim.model import QIModel


def early_boost(model: QIModel) -> np.ndarray:
    """Per ward, the multiplier (1 to ``1 + tailoring_boost``) a pitch tailored to each
    audience puts on its staff's ownership drive: ``1 + tailoring_boost * tailoring``, fading
    with time since the ward's launch over ``tailoring_days`` (the pitch persuades as people
    first meet the change). 1 when framing is ablated or the pitch is one for all
    (``tailoring = 0``)."""
    w = model.wards
    tailoring = model.initiative.tailoring
    if tailoring <= 0 or model.ablates("framing"):
        return np.ones(w.n)
    k = model.constants
    since = np.maximum(model.day - w.launch_day, 0)
    return 1.0 + k.tailoring_boost * tailoring * np.exp(-since / k.tailoring_days)


def grow_cynicism(model: QIModel) -> None:
    """When the practice cannot be done (short staffing), staff who heard inconsistent motives
    for the change grow cynical: daily growth ``cynicism_rate * inconsistent_motives * (1 -
    feasibility)`` of the gap to 1, for on-duty target staff on live wards. Consistent motives
    (``inconsistent_motives = 0``) breed none, however tailored the pitch."""
    motives = model.initiative.inconsistent_motives
    if motives <= 0 or model.ablates("framing"):
        return
    s, w = model.staff, model.wards
    _grow_cynicism(
        s.cynicism, s.on_duty, s.target, s.ward, s.working_shift, w.active, w.feasibility,
        model.constants.cynicism_rate * motives,
    )  # fmt: skip


@numba.njit(cache=True)
def _grow_cynicism(cynicism, on_duty, target, ward, working_shift, active, feasibility, rate):
    for i in range(cynicism.size):
        if on_duty[i] and target[i] and active[ward[i]]:  # on duty on a live ward
            # the share of the practice today's staffing did not allow
            failed = 1.0 - feasibility[ward[i], working_shift[i]]
            cynicism[i] = min(cynicism[i] + rate * failed * (1 - cynicism[i]), 1.0)


def erosion(model: QIModel) -> float:
    """Daily erosion of a member of staff's ownership per unit of their cynicism
    (``cynicism_erosion``: a fully cynical person loses that share of their ownership a day)."""
    return model.constants.cynicism_erosion
