"""The recorder: what happened each day, per ward and for the trust, in preallocated arrays.

Memory is fixed when the run starts (days x wards), so it stays flat however the run goes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.domain import LIFECYCLE

if TYPE_CHECKING:
    from qisim.model import QIModel

WARD_FIELDS = (
    "practice",  # share of the practice done by on-duty target staff today
    "habit",  # mean habit of the ward's permanent target staff
    "aware",  # shares of target staff at each stage or beyond
    "understanding",
    "owning",
    "practising",
    "staffing",  # nurses on duty / required, day shift
    "staffing_night",
    "on_duty",  # nursing staff on duty, both shifts
    "required",  # nursing staff required, both shifts
    "load",  # initiatives the ward carries today
    "fatigue",  # mean change fatigue of its staff
    "fit",  # how well the change fits the ward
    "outcome_events",  # patient-outcome events today
    "active",  # initiative live on the ward
    "embedded",
)
TRUST_FIELDS = (
    "practice",
    "habit",
    "embedded_fraction",
    "momentum",
    "design_progress",
    "qi_team_size",
    "stage",
)


class Recorder:
    """Records each day's ward and trust rows into arrays preallocated for ``days`` days.

    ``ward[field]`` is a (days, wards) float32 array for each of :data:`WARD_FIELDS`,
    ``trust[field]`` a (days,) float64 array for each of :data:`TRUST_FIELDS`; rows past
    ``n_recorded`` are zeros. The per-ward tallies over staff run in one compiled pass
    (:func:`_tally`)."""

    def __init__(self, model: QIModel, days: int) -> None:
        n = model.wards.n
        self.days = days
        self._table = np.zeros((len(WARD_FIELDS), days, n), dtype=np.float32)
        self.ward = {f: self._table[i] for i, f in enumerate(WARD_FIELDS)}
        self._trust_table = np.zeros((len(TRUST_FIELDS), days), dtype=np.float64)
        self.trust = {f: self._trust_table[i] for i, f in enumerate(TRUST_FIELDS)}
        self.n_recorded = 0
        s = model.staff
        self._target_count = np.maximum(np.bincount(s.ward[s.target], minlength=n), 1)
        self._staff_count = np.maximum(np.bincount(s.ward, minlength=n), 1)
        self._required = model.wards.required.sum(axis=1)
        self._target_wards = np.flatnonzero(model.wards.target)

    def record(self, model: QIModel) -> None:
        d = model.day
        if d >= self.days:
            return
        s, w, lc = model.staff, model.wards, model.lifecycle
        _tally(
            self._table[:, d], self._trust_table[:, d],
            s.ward, s.target, s.nursing, s.on_duty, s.understanding, s.ownership, s.habit,
            s.fatigue, self._target_count, self._staff_count, self._required,
            w.practice, model.ward_habit, w.staffing, w.load, w.fit, w.outcome_events,
            w.active, w.embedded, self._target_wards, lc.momentum, lc.design_progress,
            len(model.qi_team), LIFECYCLE.index(lc.stage),
        )  # fmt: skip
        self.n_recorded = d + 1


# rows of Recorder._trust_table, by field
_T_PRACTICE, _T_HABIT, _T_EMBEDDED, _T_MOMENTUM, _T_DESIGN, _T_TEAM, _T_STAGE = (
    TRUST_FIELDS.index(f)
    for f in ("practice", "habit", "embedded_fraction", "momentum", "design_progress",
              "qi_team_size", "stage")
)  # fmt: skip
# rows of Recorder._table, by field
_ROW = {f: i for i, f in enumerate(WARD_FIELDS)}
_PRACTICE, _HABIT, _AWARE = _ROW["practice"], _ROW["habit"], _ROW["aware"]
_STAFFING, _NIGHT, _ON_DUTY = _ROW["staffing"], _ROW["staffing_night"], _ROW["on_duty"]
_REQUIRED, _LOAD, _FATIGUE, _FIT = _ROW["required"], _ROW["load"], _ROW["fatigue"], _ROW["fit"]
_EVENTS, _ACTIVE, _EMBEDDED = _ROW["outcome_events"], _ROW["active"], _ROW["embedded"]
_STAGE_ROWS = np.array([_ROW[f] for f in ("aware", "understanding", "owning", "practising")])


@numba.njit(cache=True)
def _pairwise_sum(a):
    """Sum of a float64 array in numpy's order (pairwise, 8 accumulators), so that a mean here
    is the mean numpy gives to the last bit."""
    n = a.size
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r = a[:8].copy()
        stop = n - n % 8
        for i in range(8, stop, 8):
            for j in range(8):
                r[j] += a[i + j]
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(stop, n):
            res += a[i]
        return res
    half = n // 2
    half -= half % 8
    return _pairwise_sum(a[:half]) + _pairwise_sum(a[half:])


@numba.njit(cache=True)
def _tally(
    row, trust, ward, target, nursing, on_duty, understanding, ownership, habit, fatigue,
    target_count, staff_count, required, practice, ward_habit, staffing, load, fit, events,
    active, embedded, target_wards, momentum, design_progress, team_size, stage_index,
):  # fmt: skip
    """Write one day's ward rows (``row``: fields x wards) and trust row (``trust``: the
    trust's practice, habit and embedded share over the target wards, then the lifecycle's)."""
    n = target_count.size
    at = np.zeros((5, n), dtype=np.int64)  # target staff at stage 0-4 (4: practising or habit)
    nurses = np.zeros(n)
    tired = np.zeros(n)
    for i in range(ward.size):
        w = ward[i]
        if target[i]:
            # the stage (qisim.model.stages): aware, understanding, ownership; habit = practice
            knows = understanding[i] >= 0.5
            stage = (1 if understanding[i] >= 0.05 else 0) + (1 if knows else 0)
            stage += 1 if knows and ownership[i] >= 0.5 else 0
            if habit[i] >= 0.5:
                stage = 4  # practising (4) or a habit (5): both count as practising here
            at[stage, w] += 1
        if on_duty[i] and nursing[i]:
            nurses[w] += 1.0
        tired[w] += fatigue[i]
    for w in range(n):
        reached = 0  # target staff at or beyond the level (whole numbers: the same shares)
        for level in range(4, 0, -1):
            reached += at[level, w]
            row[_STAGE_ROWS[level - 1], w] = reached / target_count[w]
    for w in range(n):
        row[_PRACTICE, w] = practice[w]
        row[_HABIT, w] = ward_habit[w]
        row[_STAFFING, w] = staffing[w, 0]
        row[_NIGHT, w] = staffing[w, 1]
        row[_ON_DUTY, w] = nurses[w]
        row[_REQUIRED, w] = required[w]
        row[_LOAD, w] = load[w]
        row[_FATIGUE, w] = tired[w] / staff_count[w]
        row[_FIT, w] = fit[w]
        row[_EVENTS, w] = events[w]
        row[_ACTIVE, w] = active[w]
        row[_EMBEDDED, w] = embedded[w]
    trust[_T_MOMENTUM] = momentum
    trust[_T_DESIGN] = min(design_progress, 1.0)
    trust[_T_TEAM] = team_size
    trust[_T_STAGE] = stage_index
    k = target_wards.size
    if k == 0:
        trust[_T_PRACTICE] = trust[_T_HABIT] = trust[_T_EMBEDDED] = 0.0
        return
    done, held, settled = np.empty(k), np.empty(k), np.empty(k)
    for j in range(k):
        done[j] = practice[target_wards[j]]
        held[j] = ward_habit[target_wards[j]]
        settled[j] = 1.0 if embedded[target_wards[j]] else 0.0
    trust[_T_PRACTICE] = _pairwise_sum(done) / k
    trust[_T_HABIT] = _pairwise_sum(held) / k
    trust[_T_EMBEDDED] = _pairwise_sum(settled) / k
