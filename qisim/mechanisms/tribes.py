"""Tribes: messages cross professional borders badly.

Report §3 Enabling difficult conversations: "the exhortations of a highly competent senior
nursing QI lead failed to impress the doctors"; "some junior doctors in the Postural blood
pressure project were dismissive of the training given by an expert nurse, listening only to the
consultant physician (who was delivering exactly the same message as the nurse)".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.mechanisms import culture
from qisim.world import N_SHIFTS, N_TRIBES, TRIBE

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
    table = np.full(len(TRIBE), cross_tribe)
    table[list(MESSENGER_TRIBES[messenger])] = 1.0
    return table[tribe]


def cross_tribe(model: QIModel) -> float:
    """Weight of a message from another profession, 0-1: ``cross_tribe``, raised toward 1 as far
    as the trust's respectful critical dialogue bridges professions (:func:`culture.bridging`;
    report §3 Enabling difficult conversations: "to communicate across 'tribal' borders"). 1
    when tribes are ablated."""
    if model.ablates("tribes"):
        return 1.0
    k = model.constants.cross_tribe
    return k + (1 - k) * culture.bridging(model)


def peer_pull(model: QIModel) -> np.ndarray:
    """Daily pull on each person's ownership toward their norm: the mean ownership of their own
    profession on the ward, blended with the whole ward's as far as respectful critical dialogue
    manages the factions (:func:`culture.bridging`). Without it colleagues of one's own tribe set
    the norm and other tribes hardly count (report Box 5 Crossing boundaries; §3 junior doctors
    'listening only to the consultant'; §3 Enabling difficult conversations: "managing tensions
    and factions")."""
    s, w = model.staff, model.wards
    if model.ablates("tribes"):
        return np.zeros(s.n)
    blend = culture.bridging(model)
    influence = model.constants.peer_influence
    return _peer_pull(s.ward, s.tribe, s.ownership, s.target, w.n, blend, influence)


@numba.njit(cache=True)
def _peer_pull(ward, tribe, ownership, target, n_wards, blend, influence):
    # each profession's and each ward's mean ownership of its target staff (in the staff's
    # order, as qisim.world.group_mean sums)
    tribe_sum = np.zeros(n_wards * N_TRIBES)
    tribe_count = np.zeros(n_wards * N_TRIBES, dtype=np.int64)
    ward_sum = np.zeros(n_wards)
    ward_count = np.zeros(n_wards, dtype=np.int64)
    for i in range(ward.size):
        if target[i]:
            group = ward[i] * N_TRIBES + tribe[i]
            tribe_sum[group] += ownership[i]
            tribe_count[group] += 1
            ward_sum[ward[i]] += ownership[i]
            ward_count[ward[i]] += 1
    pull = np.empty(ward.size)
    for i in range(ward.size):
        group = ward[i] * N_TRIBES + tribe[i]
        tribe_mean = tribe_sum[group] / max(tribe_count[group], 1)
        ward_mean = ward_sum[ward[i]] / max(ward_count[ward[i]], 1)
        # the norm: one's own profession's, blended with the ward's as far as dialogue bridges
        norm = (1 - blend) * tribe_mean + blend * ward_mean
        pull[i] = influence * (norm - ownership[i])
    return pull


def joint_participation(model: QIModel, intent: np.ndarray, live: np.ndarray) -> np.ndarray:
    """For a practice the professions must do together (a cross-disciplinary meeting), the share
    of it each person can do given how far the *other* target professions on their ward-shift
    take part: a handover meeting the doctors do not attend is not a handover (report Table 3
    Handover at night; §3 "doctors who were intent on rejecting the proposed new handover")."""
    s, w = model.staff, model.wards
    if not model.initiative.joint_practice or model.ablates("tribes"):
        return np.ones(s.n)
    key = (s.ward * N_SHIFTS + s.working_shift) * N_TRIBES + s.tribe
    sums = np.bincount(key[live], weights=intent[live], minlength=w.n * N_SHIFTS * N_TRIBES)
    counts = np.bincount(key[live], minlength=w.n * N_SHIFTS * N_TRIBES)
    tribes_present = np.unique(s.tribe[s.target])
    if tribes_present.size <= 1:  # one profession alone: there are no others to wait for
        return np.ones(s.n)
    base = (key // N_TRIBES) * N_TRIBES
    other = np.zeros(s.n)
    n_other = np.zeros(s.n)
    for t in tribes_present:
        k_t = base + t
        mean_t = sums[k_t] / np.maximum(counts[k_t], 1)
        mask = s.tribe != t
        other += np.where(mask, mean_t, 0.0)
        n_other += mask
    return other / np.maximum(n_other, 1)
