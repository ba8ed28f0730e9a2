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
    # each profession's and each ward's mean ownership of its target staff: sums in the staff's
    # order (as qisim.world.group_mean adds them), held in registers while the group repeats
    profession_sum = np.zeros(n_wards * N_TRIBES)
    profession_count = np.zeros(n_wards * N_TRIBES, dtype=np.int64)
    ward_sum = np.zeros(n_wards)
    ward_count = np.zeros(n_wards, dtype=np.int64)
    p, p_total, p_count = 0, 0.0, 0
    w, w_total, w_count = 0, 0.0, 0
    for i in range(ward.size):
        group = ward[i] * N_TRIBES + tribe[i]
        if group != p:
            profession_sum[p], profession_count[p] = p_total, p_count
            p, p_total, p_count = group, profession_sum[group], profession_count[group]
        if ward[i] != w:
            ward_sum[w], ward_count[w] = w_total, w_count
            w, w_total, w_count = ward[i], ward_sum[ward[i]], ward_count[ward[i]]
        if target[i]:
            p_total += ownership[i]
            p_count += 1
            w_total += ownership[i]
            w_count += 1
    if ward.size:
        profession_sum[p], profession_count[p] = p_total, p_count
        ward_sum[w], ward_count[w] = w_total, w_count
    # the norm: one's own profession's mean, blended with the ward's as far as dialogue bridges
    norm = np.empty(n_wards * N_TRIBES)
    for group in range(norm.size):
        profession_mean = profession_sum[group] / max(profession_count[group], 1)
        w = group // N_TRIBES
        ward_mean = ward_sum[w] / max(ward_count[w], 1)
        norm[group] = (1 - blend) * profession_mean + blend * ward_mean
    pull = np.empty(ward.size)
    for i in range(ward.size):
        pull[i] = influence * (norm[ward[i] * N_TRIBES + tribe[i]] - ownership[i])
    return pull


def joint_participation(model: QIModel, intent: np.ndarray, live: np.ndarray) -> np.ndarray:
    """For a practice the professions must do together (a cross-disciplinary meeting), the share
    of it each person can do given how far the *other* target professions on their ward-shift
    take part: a handover meeting the doctors do not attend is not a handover (report Table 3
    Handover at night; §3 "doctors who were intent on rejecting the proposed new handover")."""
    s, w = model.staff, model.wards
    if not model.initiative.joint_practice or model.ablates("tribes"):
        return np.ones(s.n)
    return _joint_participation(s.ward, s.working_shift, s.tribe, s.target, intent, live, w.n)


@numba.njit(cache=True)
def _joint_participation(ward, working_shift, tribe, target, intent, live, n_wards):
    # each ward-shift-profession's mean intent among live staff, and which professions are
    # target professions at all
    groups = n_wards * N_SHIFTS * N_TRIBES
    sums = np.zeros(groups)
    counts = np.zeros(groups, dtype=np.int64)
    present = np.zeros(N_TRIBES, dtype=np.bool_)
    for i in range(ward.size):
        if live[i]:
            group = (ward[i] * N_SHIFTS + working_shift[i]) * N_TRIBES + tribe[i]
            sums[group] += intent[i]
            counts[group] += 1
        if target[i]:
            present[tribe[i]] = True
    share = np.ones(ward.size)
    if present.sum() <= 1:  # one profession alone: there are no others to wait for
        return share
    for i in range(ward.size):
        # the mean take-up of the other target professions on one's ward-shift
        base = (ward[i] * N_SHIFTS + working_shift[i]) * N_TRIBES
        other, n_other = 0.0, 0
        for t in range(N_TRIBES):
            if present[t] and tribe[i] != t:
                other += sums[base + t] / max(counts[base + t], 1)
                n_other += 1
        share[i] = other / max(n_other, 1)
    return share
