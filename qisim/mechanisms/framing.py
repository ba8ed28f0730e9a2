"""Mixed messages: tailored framing wins early support but breeds cynicism when the change falters.

Report §3 Framing the message: "The Enhanced care project successfully sold the idea differently
to different staff ... When, a year later, the project began to fail (mainly due to lack of
staff) there was cynicism from ward staff who heard that Enhanced care had been a way to save
resources, and conversely from managers who had heard that wards were using it to obtain more
staff."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qisim.model import QIModel

EARLY_DAYS = 180.0  # how long a tailored pitch keeps its early pull (assumption)


def early_boost(model: QIModel) -> np.ndarray | float:
    """Multiplier on ownership drive from messages tailored to each audience, fading with
    time since the ward's launch."""
    if model.initiative.framing != "tailored" or model.ablates("framing"):
        return 1.0
    s, w = model.staff, model.wards
    since = np.maximum(model.day - w.launch_day, 0)[s.ward]
    return 1.0 + model.constants.tailored_boost * np.exp(-since / EARLY_DAYS)


def grow_cynicism(model: QIModel) -> None:
    """When the practice cannot be done (short staffing), staff who were sold it in different
    ways grow cynical; cynicism erodes ownership (see ownership.update_ownership)."""
    if model.initiative.framing != "tailored" or model.ablates("framing"):
        return
    s, w = model.staff, model.wards
    live = s.on_duty & s.target & w.active[s.ward]
    failed = 1.0 - w.feasibility[s.ward, s.working_shift]
    grow = model.constants.cynicism_rate * failed * live
    s.cynicism = np.minimum(s.cynicism + grow * (1 - s.cynicism), 1.0)
