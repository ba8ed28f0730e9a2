"""Staffing: who is on duty, how short the ward is, and what the shortage does to practice.

Report §3 Securing the resources to do the job: "the feasibility of Enhanced care did depend on
staffing levels - even on some wards where the project was accepted, it unravelled on days when
the ward was understaffed"; the Tissue viability team "struggled to make any impact until staffing
levels were rectified".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qisim.world import DAY, N_SHIFTS, NIGHT, ROTA_DAYS

SHIFT_SUBS = np.arange(N_SHIFTS)[None, :]  # one draw per ward-shift: the shift is the sub-counter

if TYPE_CHECKING:
    from qisim.model import QIModel


def roster(model: QIModel) -> None:
    """Set today's roster: permanent staff work 4 shifts in 7 on their pattern (rotating staff
    alternate day and night weeks), some are off sick, and agency nurses fill a share of each
    ward-shift's gap. Sets ``staff.on_duty``, ``staff.working_shift`` and ``wards.staffing``."""
    s, w, streams = model.staff, model.wards, model.streams
    day = model.day
    works = s.rota_works[day % ROTA_DAYS]
    shift = s.rota_shift[day % ROTA_DAYS].copy()
    sick = streams.uniform("sickness", day, s.slot) < w.sickness[s.ward]
    on_duty = works & ~sick & ~s.agency

    key = s.ward * N_SHIFTS + shift
    perm = np.bincount(key[on_duty & s.nursing], minlength=N_SHIFTS * w.n)
    perm_nurses = perm.reshape(w.n, N_SHIFTS)
    gap = np.maximum(w.required - perm_nurses, 0.0)
    wanted = gap * w.agency_fill[:, None]
    need = np.floor(wanted + streams.uniform("agency_need", day, w.slot[:, None], SHIFT_SUBS))
    need = need.astype(int)

    # agency nurses: pick from each ward's pool in random order, day needs first
    ag = model.agency_index
    if ag.size:
        ag_ward = s.ward[ag]
        within = streams.uniform("agency_order", day, s.slot[ag])
        order = ag[np.argsort(ag_ward + within)]  # by ward, random within ward
        ow = s.ward[order]
        rank = np.arange(order.size) - model.agency_start[ow]
        to_day = rank < need[ow, DAY]
        to_night = ~to_day & (rank < need[ow, DAY] + need[ow, NIGHT])
        on_duty[order[to_day | to_night]] = True
        shift[order[to_day]] = DAY
        shift[order[to_night]] = NIGHT
        key = s.ward * N_SHIFTS + shift
    counts = np.bincount(key[on_duty & s.nursing], minlength=N_SHIFTS * w.n)
    nurses = counts.reshape(w.n, N_SHIFTS)
    s.on_duty = on_duty
    s.working_shift = shift
    w.staffing = nurses / np.maximum(w.required, np.finfo(float).tiny)
    if model.ablates("staffing"):
        w.feasibility = np.ones_like(w.staffing)
    else:
        w.feasibility = practice_feasibility(
            w.staffing, model.initiative.staffing_sensitivity, model.constants.staffing_gap_scale
        )


def practice_feasibility(staffing: np.ndarray, sensitivity: float, gap_scale: float) -> np.ndarray:
    """Share of a practice that a shift's staffing allows: 1 at full staffing; a practice that
    is fully staffing-sensitive fails outright once the shortfall reaches ``gap_scale``."""
    shortfall = np.minimum(np.maximum((1.0 - staffing) / gap_scale, 0.0), 1.0)
    return 1.0 - sensitivity * shortfall


def release_for_learning(
    staffing: np.ndarray, threshold: float, curve: float, cover: float = 0.0
) -> np.ndarray:
    """Chance (0-1) staff can be released from the ward for a session or training: 1 at the
    staffing ratio ``threshold`` or above, falling as ``(ratio / threshold) ** curve`` below it;
    ``cover`` (a staffing ratio) is what senior staff add by standing in (report §3 Creating the
    culture of learning: "a matron had to stand in for a nurse ... so the nurse could attend")."""
    ratio = (np.asarray(staffing, dtype=float) + cover) / threshold
    return np.minimum(np.maximum(ratio, 0.0), 1.0) ** curve


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
    (:func:`senior_cover`); 1 everywhere when staffing is ablated."""
    if model.ablates("staffing"):
        return np.ones_like(np.asarray(staffing, dtype=float))
    k = model.constants
    return release_for_learning(staffing, k.release_threshold, k.release_curve, senior_cover(model))
