"""Initiativitis: concurrent initiatives overload staff; change fatigue lingers.

Report §3 Avoiding and shielding staff from 'initiativitis': at Upsworth "'Lots of different blue
nurses ... coming along asking people to do things like pressure sores, falls, dementia... and you
say 'hang on! I'm just one person and I'm already rushed off my feet''. A similar feeling at
Middleswick led staff to revert to a culture that was less receptive to change, an antipathy that
some senior managers thought had lingered even when the pressures had subsided."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.constants import DEFAULT_CONSTANTS, Constants

if TYPE_CHECKING:
    from qisim.model import QIModel

MONTHS_PER_YEAR = 12  # structural: the push rate is per year, drawn at each monthly review


def pushed_duration(k: Constants) -> tuple[int, int]:
    """Whole days a pushed top-down initiative may run, as bounds (low, high
    excluded): ``pushed_days_min`` to ``pushed_days_min + pushed_days_span``."""
    low = round(k.pushed_days_min)
    return low, low + round(k.pushed_days_span)


# At the default constants, for callers without a model (qisim.ffit.mapping.expected_pushed_load).
PUSHED_DURATION = pushed_duration(DEFAULT_CONSTANTS)
PUSHED_REACH = DEFAULT_CONSTANTS.pushed_reach


def update_load(model: QIModel) -> None:
    """Each ward's initiative load today: live competing initiatives covering it, plus this one
    if it is live there."""
    c, w = model.competing, model.wards
    w.load = _update_load(
        c.start, c.end, c.halted, c.load, c.wards, model.day, w.active,
        model.lifecycle.supporting,
    )  # fmt: skip


@numba.njit(cache=True)
def _update_load(start, end, halted, load, covers, day, active, supporting):
    ward_load = np.zeros(active.size)
    for j in range(load.size):
        if start[j] <= day < end[j] and not halted[j]:  # a live competing initiative
            for w in range(active.size):
                ward_load[w] += load[j] * covers[j, w]
    for w in range(active.size):
        ward_load[w] += active[w] and supporting  # this one, where it is live
    return ward_load


def update_fatigue(model: QIModel) -> None:
    """Change fatigue rises with the load a ward manager cannot shield staff from, and recovers
    only slowly once the pressure falls."""
    s, w, k = model.staff, model.wards, model.constants
    if model.ablates("initiativitis"):
        s.fatigue = np.zeros(s.n)
        return
    _update_fatigue(
        s.fatigue, s.ward, w.load, w.manager_shielding, k.shield_capacity, k.load_tolerance,
        k.fatigue_gain, k.fatigue_recovery,
    )  # fmt: skip


@numba.njit(cache=True)
def _update_fatigue(
    fatigue, ward, load, manager_shielding, shield_capacity, load_tolerance, fatigue_gain,
    fatigue_recovery,
):  # fmt: skip
    # per ward, the load beyond what staff tolerate and the manager shields them from
    excess = np.empty(load.size)
    for w in range(load.size):
        shielded = shield_capacity * manager_shielding[w]
        excess[w] = max(load[w] - shielded - load_tolerance, 0.0)
    for i in range(fatigue.size):
        f = fatigue[i]
        # fatigue rises with the excess and recovers slowly
        new = f + fatigue_gain * excess[ward[i]] * (1 - f) - fatigue_recovery * f
        fatigue[i] = min(max(new, 0.0), 1.0)


def push_new_initiatives(model: QIModel) -> None:
    """The executives launch new top-down initiatives at the trust's rate (monthly review)."""
    streams, k, day = model.streams, model.constants, model.day
    if model.ablates("initiativitis"):
        return
    ceo = np.array([model.executive_slots["ceo"]], dtype=np.uint64)
    rate = model.qi_scenario.trust.initiative_push_rate / MONTHS_PER_YEAR
    n_new = int(streams.poisson("pushed_initiatives", day, ceo, rate)[0])
    low, high = pushed_duration(k)
    for j in range(n_new):  # the j-th new initiative this month: sub-counter j
        u = streams.uniform("pushed_duration", day, ceo, j)[0]
        duration = low + int(u * (high - low))
        wards = streams.uniform("pushed_reach", day, model.wards.slot, j) < k.pushed_reach
        model.competing.add("top-down", day, day + duration, wards, 1.0)


def log_review(model: QIModel) -> None:
    """The initiative log review the report recommends (§5): a senior manager reviews every live
    initiative and halts those that are burdensome or not progressing. Pushed top-down
    initiatives on overloaded wards (``log_review_overload`` initiatives above tolerance) are
    halted; so is this initiative when its momentum has drained (below
    ``log_review_momentum``) without progress."""
    c, w, k = model.competing, model.wards, model.constants
    live = (c.start <= model.day) & (model.day < c.end) & ~c.halted
    if c.n:
        overloaded = w.load > k.load_tolerance + k.log_review_overload
        burden = (c.wards[:, overloaded].sum(axis=1) > 0) & live & c.pushed
        c.halted |= burden
    lc = model.lifecycle
    if lc.supporting and lc.stage != "sustained" and lc.momentum < k.log_review_momentum:
        lc.halt(model)
