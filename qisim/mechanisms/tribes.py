"""Tribes: messages cross professional borders badly.

Report §3 Enabling difficult conversations: "the exhortations of a highly competent senior
nursing QI lead failed to impress the doctors"; "some junior doctors in the Postural blood
pressure project were dismissive of the training given by an expert nurse, listening only to the
consultant physician (who was delivering exactly the same message as the nurse)".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qisim.world import TRIBE

if TYPE_CHECKING:
    from qisim.model import QIModel

MESSENGER_TRIBES = {
    "nurse": (TRIBE["nursing"],),
    "consultant": (TRIBE["medical"],),
    "both": (TRIBE["nursing"], TRIBE["medical"]),
}


def message_weight(messenger: str, tribe: np.ndarray, cross_tribe: float) -> np.ndarray:
    """Weight a recipient gives a message: 1 from their own profession, ``cross_tribe`` from
    another."""
    own = np.isin(tribe, MESSENGER_TRIBES[messenger])
    return np.where(own, 1.0, cross_tribe)


def peer_pull(model: QIModel) -> np.ndarray:
    """Daily pull on each person's ownership toward the mean ownership of their own profession
    on the ward: colleagues of one's own tribe set the norm, other tribes hardly count (report
    Box 5 Crossing boundaries; §3 junior doctors 'listening only to the consultant')."""
    s, w = model.staff, model.wards
    key = s.ward * 3 + s.tribe
    tgt = s.target
    sums = np.bincount(key[tgt], weights=s.ownership[tgt], minlength=3 * w.n)
    counts = np.bincount(key[tgt], minlength=3 * w.n)
    mean = sums / np.maximum(counts, 1)
    return model.constants.peer_influence * (mean[key] - s.ownership)
