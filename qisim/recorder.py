"""The recorder: what happened each day, per ward and for the trust, in preallocated arrays.

Memory is fixed when the run starts (days x wards), so it stays flat however the run goes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    def __init__(self, model: QIModel, days: int) -> None:
        n = model.wards.n
        self.days = days
        self.ward = {f: np.zeros((days, n), dtype=np.float32) for f in WARD_FIELDS}
        self.trust = {f: np.zeros(days, dtype=np.float64) for f in TRUST_FIELDS}
        self.n_recorded = 0
        s = model.staff
        self._target = np.flatnonzero(s.target)
        self._target_ward = s.ward[self._target]
        self._target_count = np.maximum(np.bincount(s.ward[s.target], minlength=n), 1)
        self._staff_count = np.maximum(np.bincount(s.ward, minlength=n), 1)
        self._required = model.wards.required.sum(axis=1)

    def record(self, model: QIModel) -> None:
        d = model.day
        if d >= self.days:
            return
        s, w = model.staff, model.wards
        n = w.n
        from qisim.model import stages

        tg = self._target
        stage = stages(s.understanding[tg], s.ownership[tg], s.habit[tg])
        ward = self._target_ward
        r = self.ward
        for name, level in (("aware", 1), ("understanding", 2), ("owning", 3), ("practising", 4)):
            r[name][d] = np.bincount(ward[stage >= level], minlength=n) / self._target_count
        r["practice"][d] = w.practice
        r["habit"][d] = model.ward_habit
        r["staffing"][d] = w.staffing[:, 0]
        r["staffing_night"][d] = w.staffing[:, 1]
        r["on_duty"][d] = np.bincount(s.ward[s.on_duty & s.nursing], minlength=n)
        r["required"][d] = self._required
        r["load"][d] = w.load
        r["fatigue"][d] = np.bincount(s.ward, weights=s.fatigue, minlength=n) / self._staff_count
        r["fit"][d] = w.fit
        r["outcome_events"][d] = w.outcome_events
        r["active"][d] = w.active
        r["embedded"][d] = w.embedded
        t = self.trust
        tgt = w.target
        t["practice"][d] = float(w.practice[tgt].mean()) if tgt.any() else 0.0
        t["habit"][d] = float(model.ward_habit[tgt].mean()) if tgt.any() else 0.0
        t["embedded_fraction"][d] = model.embedded_fraction()
        t["momentum"][d] = model.lifecycle.momentum
        t["design_progress"][d] = min(model.lifecycle.design_progress, 1.0)
        t["qi_team_size"][d] = len(model.qi_team)
        t["stage"][d] = LIFECYCLE.index(model.lifecycle.stage)
        self.n_recorded = d + 1
