"""Staffing: who is on duty, how short the ward is, and what the shortage does to practice.

Report §3 Securing the resources to do the job: "the feasibility of Enhanced care did depend on
staffing levels - even on some wards where the project was accepted, it unravelled on days when
the ward was understaffed"; the Tissue viability team "struggled to make any impact until staffing
levels were rectified".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.streams import draw_unit
from qisim.world import DAY, N_SHIFTS, NIGHT, ROTA_DAYS

TINY = np.finfo(float).tiny  # staffing of a ward-shift that requires nobody: no division by 0

if TYPE_CHECKING:
    from qisim.model import QIModel


def roster(model: QIModel) -> None:
    """Set today's roster: permanent staff work 4 shifts in 7 on their pattern (rotating staff
    alternate day and night weeks), some are off sick, and agency nurses fill a share of each
    ward-shift's gap. Sets ``staff.on_duty``, ``staff.working_shift`` and ``wards.staffing``."""
    s, w, streams = model.staff, model.wards, model.streams
    day = model.day
    # the share of the practice that staffing allows (all of it when staffing is ablated)
    sensitivity = 0.0 if model.ablates("staffing") else model.initiative.staffing_sensitivity
    s.on_duty, s.working_shift, w.staffing, w.feasibility = _roster(
        s.rota_works[day % ROTA_DAYS], s.rota_shift[day % ROTA_DAYS], s.ward, s.agency,
        s.nursing, s.slot, w.sickness, w.required, w.agency_fill, w.slot, model.agency_index,
        model.agency_start, streams.key("sickness"), streams.key("agency_need"),
        streams.key("agency_order"), streams.fixed, day, sensitivity,
        model.constants.staffing_gap_scale,
    )  # fmt: skip


@numba.njit(cache=True)
def _roster(
    works, rota_shift, ward, agency, nursing, slot, sickness, required, agency_fill, ward_slot,
    agency_index, agency_start, sickness_key, need_key, order_key, fixed, day, sensitivity,
    gap_scale,
):  # fmt: skip
    n_wards = required.shape[0]
    on_duty = np.zeros(ward.size, dtype=np.bool_)
    shift = rota_shift.copy()
    nurses = np.zeros((n_wards, N_SHIFTS), dtype=np.int64)
    for i in range(ward.size):
        # permanent staff work their pattern unless off sick (agency staff only when called in)
        if works[i] and not agency[i]:
            on_duty[i] = not draw_unit(sickness_key, fixed, day, slot[i], 0) < sickness[ward[i]]
            if on_duty[i] and nursing[i]:
                nurses[ward[i], shift[i]] += 1
    # agency nurses wanted: a share of each ward-shift's gap, the fraction by chance
    need = np.empty((n_wards, N_SHIFTS), dtype=np.int64)
    for w in range(n_wards):
        for sh in range(N_SHIFTS):
            gap = max(required[w, sh] - nurses[w, sh], 0.0)
            u = draw_unit(need_key, fixed, day, ward_slot[w], sh)
            need[w, sh] = int(np.floor(gap * agency_fill[w] + u))
    # each ward's pool in random order (by ward + a uniform, as one sort key), day needs first
    order = agency_index.copy()
    key = np.empty(order.size)
    for j in range(order.size):
        i = order[j]
        key_i = ward[i] + draw_unit(order_key, fixed, day, slot[i], 0)
        place = j
        while place > 0 and key[place - 1] > key_i:  # insertion sort: pools come in ward order
            key[place], order[place] = key[place - 1], order[place - 1]
            place -= 1
        key[place], order[place] = key_i, i
    for j in range(order.size):
        i = order[j]
        w = ward[i]
        rank = j - agency_start[w]  # place in the ward's pool
        if rank < need[w, DAY]:
            on_duty[i], shift[i] = True, DAY
        elif rank < need[w, DAY] + need[w, NIGHT]:
            on_duty[i], shift[i] = True, NIGHT
        if on_duty[i] and nursing[i]:
            nurses[w, shift[i]] += 1
    # staffing: nurses on duty per nurse required
    staffing = np.empty((n_wards, N_SHIFTS))
    for w in range(n_wards):
        for sh in range(N_SHIFTS):
            staffing[w, sh] = nurses[w, sh] / max(required[w, sh], TINY)
    return on_duty, shift, staffing, _practice_feasibility(staffing, sensitivity, gap_scale)


def practice_feasibility(staffing: np.ndarray, sensitivity: float, gap_scale: float) -> np.ndarray:
    """Share of a practice that a shift's staffing allows: 1 at full staffing; a practice that
    is fully staffing-sensitive fails outright once the shortfall reaches ``gap_scale``."""
    shortfall = np.minimum(np.maximum((1.0 - staffing) / gap_scale, 0.0), 1.0)
    return 1.0 - sensitivity * shortfall


_practice_feasibility = numba.njit(cache=True)(practice_feasibility)  # the same rule, compiled


def release_for_learning(
    staffing: np.ndarray, threshold: float, curve: float, cover: float = 0.0
) -> np.ndarray:
    """Chance (0-1) staff can be released from the ward for a session or training: 1 at the
    staffing ratio ``threshold`` or above, falling as ``(ratio / threshold) ** curve`` below it;
    ``cover`` (a staffing ratio) is what senior staff add by standing in (report §3 Creating the
    culture of learning: "a matron had to stand in for a nurse ... so the nurse could attend")."""
    ratio = (staffing + cover) / threshold
    return np.minimum(np.maximum(ratio, 0.0), 1.0) ** curve


_release_for_learning = numba.njit(cache=True)(release_for_learning)  # the same rule, compiled


def senior_cover(model: QIModel) -> float:
    """Staffing ratio senior staff add by covering on the wards so that others are released to
    learn: ``senior_cover * extra_mile`` (report §3 Rewarding the extra mile: "a genuine
    willingness to pitch in and help out when needed regardless of rank and role"). 0 when
    culture is ablated."""
    if model.ablates("culture"):
        return 0.0
    return model.constants.senior_cover * model.qi_scenario.trust.culture.extra_mile


def release(model: QIModel, staffing: np.ndarray) -> np.ndarray:
    """:func:`release_for_learning` at the model's threshold and curve, with senior staff's cover
    (:func:`release_terms`); 1 everywhere when staffing is ablated."""
    return release_for_learning(staffing, *release_terms(model))


def release_terms(model: QIModel) -> tuple[float, float, float]:
    """The threshold, curve and cover :func:`release` applies (compiled kernels pass them to
    the compiled :func:`release_for_learning`): the model's threshold and curve and senior
    staff's cover (:func:`senior_cover`); when staffing is ablated, unlimited cover releases
    everyone."""
    k = model.constants
    cover = np.inf if model.ablates("staffing") else senior_cover(model)
    return k.release_threshold, k.release_curve, cover
