"""An audit's predicted outcome, and the items whose improvement would most raise it.

``qisim ffit simulate AUDIT --initiative SCENARIO`` applies the audit to the scenario, runs it
over replications and reports the outcome with its uncertainty. Then, one item at a time, it
raises the item's score (by one point, and to 5) and runs the same seeds again: common random
numbers, so the difference between the variant and the audit as scored is the item, not noise
(house style: Starsim's common random numbers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from qisim.domain import FFIT_ITEM_IDS
from qisim.ffit.audit import ITEMS, sofft_title
from qisim.ffit.mapping import MAPPING, NOT_MODELLED, audit_to_overrides
from qisim.scenario import Scenario, with_overrides
from qisim.sweep.replicate import Arm, replicate

OUTCOME_KEYS = ("status", "embedded_ward_fraction", "practice_rate", "habit_rate")
STATUSES = ("embedded", "patchy", "in_progress", "stalled", "fizzled", "halted")


# --- running many -----------------------------------------------------------------------------
def outcome_of(arm: Arm, seed: int) -> dict[str, Any]:
    """One run's outcome (a worker's task): status, embedded fraction, practice, habit."""
    summary = arm.run(seed).summary
    return {k: summary[k] for k in OUTCOME_KEYS}


@dataclass
class Outcome:
    """Outcomes of one scenario over replications."""

    runs: pd.DataFrame  # one row per replication: its seed and OUTCOME_KEYS

    @property
    def embedded(self) -> np.ndarray:
        return self.runs["embedded_ward_fraction"].to_numpy(float)

    def status_shares(self) -> dict[str, float]:
        counts = self.runs["status"].value_counts(normalize=True)
        return {s: float(counts.get(s, 0.0)) for s in STATUSES}


def outcomes(
    scenarios: list[Scenario], reps: int, seed: int = 0, days: int | None = None, workers: int = 2
) -> list[Outcome]:
    """Run each scenario ``reps`` times, replication r on seed ``seed + r`` for every scenario
    (:func:`qisim.sweep.replicate.replicate`); one :class:`Outcome` each."""
    arms = [Arm(sc, sc.name, days=days) for sc in scenarios]
    rows = pd.DataFrame(replicate(arms, reps, seed, measure=outcome_of, workers=workers))
    return [
        Outcome(rows[rows["arm"] == k].drop(columns="arm").reset_index(drop=True))
        for k in range(len(scenarios))
    ]


# --- FFIT simulate ----------------------------------------------------------------------------
def apply_audit(
    scenario: Scenario, scores: dict[str, int], after: dict[str, Any] | None = None
) -> Scenario:
    """The scenario with an audit's attributes set on top of its own (and the audit kept), then
    the ``after`` overrides (``--set``), which win over the audit."""
    overrides = {**audit_to_overrides(scores), "ffit": dict(scores)}
    for key, value in (after or {}).items():
        overrides.pop(key, None)  # re-insert so it is applied after the audit's paths
        overrides[key] = value
    return with_overrides(scenario, overrides)


def improvements(
    scores: dict[str, int], items: Iterable[str] | None = None
) -> list[tuple[str, int]]:
    """(item, new score) variants: each item one point up, and to 5 if that is further. Items
    the model does not represent are left out (their score changes nothing)."""
    chosen = list(items) if items is not None else list(FFIT_ITEM_IDS)
    out = []
    for item in chosen:
        if item in NOT_MODELLED:
            continue
        s = scores[item]
        for new in sorted({min(s + 1, 5), 5}):
            if new > s:
                out.append((item, new))
    return out


def paired_change(variant: np.ndarray, base: np.ndarray) -> tuple[float, float, float]:
    """Mean paired difference and its 90% confidence interval (t)."""
    d = variant - base
    mean = float(d.mean())
    if len(d) < 2 or np.allclose(d, d[0]):
        return mean, mean, mean
    half = float(stats.t.ppf(0.95, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)))
    return mean, mean - half, mean + half


@dataclass
class Prediction:
    scenario: Scenario
    scores: dict[str, int]
    reps: int
    days: int
    outcome: Outcome
    effects: pd.DataFrame  # one row per item variant, best first


def simulate(
    scenario: Scenario,
    scores: dict[str, int],
    reps: int = 10,
    seed: int = 0,
    days: int | None = None,
    items: Iterable[str] | None = None,
    workers: int = 2,
    after: dict[str, Any] | None = None,
) -> Prediction:
    """Predict the outcome of ``scenario`` with the audit applied, and rank the items whose
    improvement (one point, or to 5, one at a time, same seeds) most raises the share of target
    wards embedded (ties broken by the final habit of target staff). ``after`` overrides
    (``--set``) apply after the audit."""
    base = apply_audit(scenario, scores, after)
    variants = improvements(scores, items)
    candidates = [base] + [
        apply_audit(scenario, {**scores, item: new}, after) for item, new in variants
    ]
    results = outcomes(candidates, reps, seed, days, workers)
    baseline = results[0]
    rows = []
    for (item, new), out in zip(variants, results[1:]):
        change, lo, hi = paired_change(out.embedded, baseline.embedded)
        habit = paired_change(
            out.runs["habit_rate"].to_numpy(float), baseline.runs["habit_rate"].to_numpy(float)
        )[0]
        rows.append(
            {
                "item": item,
                "section": ITEMS[item].section,
                "score": scores[item],
                "new_score": new,
                "embedded_change": change,
                "embedded_change_lo": lo,
                "embedded_change_hi": hi,
                "habit_change": habit,
                "sets": MAPPING[item].sets,
                "text": ITEMS[item].text,
                "sofft": sofft_title(ITEMS[item]),
            }
        )
    effects = pd.DataFrame(rows)
    if len(effects):
        effects = effects.sort_values(
            ["embedded_change", "habit_change"], ascending=False, kind="stable"
        ).reset_index(drop=True)
    return Prediction(base, scores, reps, days or base.days, baseline, effects)
