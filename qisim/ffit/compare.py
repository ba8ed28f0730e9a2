"""Scenarios side by side: each one's FFIT profile at launch beside its simulated outcome.

``qisim compare SCENARIO...`` runs every scenario over the same replication seeds (common random
numbers) and gives one table (a row per scenario: section means, FFIT total, the median and 90%
interval of the share of target wards embedded and of practice, status shares) and one figure.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qisim.domain import FFIT_SECTION_KEYS
from qisim.ffit.audit import section_means, total
from qisim.ffit.mapping import model_profile
from qisim.ffit.simulate import STATUSES, outcomes
from qisim.results import median_interval
from qisim.scenario import Scenario, load_scenario


def launch_profile_of(scenario: Scenario) -> dict[str, float]:
    """The FFIT profile of a scenario at launch: its model built, at day 0."""
    from qisim.model import QIModel

    return model_profile(QIModel(scenario, rng=0))


def compare(
    scenarios: list[Scenario],
    labels: list[str] | None = None,
    reps: int = 20,
    seed: int = 0,
    days: int | None = None,
    workers: int = 2,
) -> tuple[pd.DataFrame, list[dict[str, float]], list[dict[str, float]]]:
    """Table (one row per scenario), section means and item profiles, in the scenarios' order."""
    labels = labels or [sc.name for sc in scenarios]
    profiles = [launch_profile_of(sc) for sc in scenarios]
    results = outcomes(scenarios, reps, seed, days, workers)
    rows, sections = [], []
    for label, sc, profile, out in zip(labels, scenarios, profiles, results):
        means = section_means(profile)
        sections.append(means)
        med, lo, hi = median_interval(out.runs["embedded_ward_fraction"])
        pmed, plo, phi = median_interval(out.runs["practice_rate"])
        row = {
            "scenario": label,
            "initiative": sc.initiative.name,
            "reps": reps,
            "days": days or sc.days,
            "ffit_total": total(profile),
            **{f"ffit_{k}": means[k] for k in FFIT_SECTION_KEYS},
            "embedded_median": med,
            "embedded_lo": lo,
            "embedded_hi": hi,
            "practice_median": pmed,
            "practice_lo": plo,
            "practice_hi": phi,
            **{f"share_{s}": v for s, v in out.status_shares().items()},
            "embedded_runs": out.embedded.tolist(),
        }
        rows.append(row)
    return pd.DataFrame(rows), sections, profiles


def load_all(paths: list[str | Path]) -> tuple[list[Scenario], list[str]]:
    """Load scenario files; labels are their names (the file stem if names repeat)."""
    scenarios = [load_scenario(p) for p in paths]
    names = [sc.name for sc in scenarios]
    if len(set(names)) < len(names):
        names = [Path(p).stem for p in paths]
    return scenarios, names


__all__ = ["STATUSES", "compare", "launch_profile_of", "load_all"]
