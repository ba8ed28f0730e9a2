"""Results of one run: a summary dict, tidy tables and the model for inspection."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qisim.domain import LIFECYCLE
from qisim.recorder import WARD_FIELDS
from qisim.scenario import MONTH_DAYS

if TYPE_CHECKING:
    from qisim.model import QIModel

FINAL_WINDOW = 28  # days over which end-of-run practice is averaged
EMBEDDED_SHARE = 0.8  # share of target wards embedded for the change to count as embedded
PATCHY_SHARE = 0.2
LAUNCH_MONTHS = (6, 12, 24)  # months after the first launch at which outcomes are also measured


def final_status(stage: str, launched: bool, embedded_fraction: float) -> str:
    """The run's final status: embedded, patchy, fizzled, halted, stalled or in_progress."""
    if stage in ("fizzled", "halted", "stalled"):
        return stage
    if not launched:
        return "in_progress"
    if embedded_fraction >= EMBEDDED_SHARE:
        return "embedded"
    if embedded_fraction >= PATCHY_SHARE:
        return "patchy"
    return "in_progress"


@dataclass
class RunResult:
    model: QIModel
    seed: Any
    summary: dict = field(init=False)

    def __post_init__(self) -> None:
        self.summary = summarise(self.model, self.seed)

    @cached_property
    def daily(self) -> pd.DataFrame:
        """One row per ward per day."""
        rec, w = self.model.recorder, self.model.wards
        days = rec.n_recorded
        n = w.n
        df = pd.DataFrame(
            {
                "day": np.repeat(np.arange(days), n),
                "ward": np.tile(np.array(w.names, dtype=object), days),
                "hospital": np.tile(
                    np.array([w.hospital_names[h] for h in w.hospital], dtype=object), days
                ),
                "target": np.tile(w.target, days),
            }
        )
        for f in WARD_FIELDS:
            df[f] = rec.ward[f][:days].reshape(-1)
        df["active"] = df["active"].astype(bool)
        df["embedded"] = df["embedded"].astype(bool)
        return df

    @cached_property
    def trust(self) -> pd.DataFrame:
        """One row per day for the trust: practice, habit, embedded share, lifecycle stage."""
        rec = self.model.recorder
        days = rec.n_recorded
        df = pd.DataFrame({k: v[:days] for k, v in rec.trust.items()})
        df.insert(0, "day", np.arange(days))
        df["stage"] = [LIFECYCLE[int(i)] for i in df["stage"]]
        return df

    @cached_property
    def wards(self) -> pd.DataFrame:
        """One row per ward: its set-up and how the initiative ended there."""
        m = self.model
        w = m.wards
        rec = m.recorder
        days = rec.n_recorded
        tail = slice(max(days - FINAL_WINDOW, 0), days)
        return pd.DataFrame(
            {
                "ward": w.names,
                "hospital": [w.hospital_names[h] for h in w.hospital],
                "specialty": w.specialty,
                "target": w.target,
                "pilot": w.pilot,
                "launch_day": w.launch_day,
                "manager_enthusiasm": w.manager_enthusiasm,
                "manager_role_modelling": w.manager_role_modelling,
                "micro_culture": w.micro_culture,
                "context_distance": w.context_distance,
                "mean_staffing": rec.ward["staffing"][:days].mean(axis=0),
                "mean_load": rec.ward["load"][:days].mean(axis=0),
                "fit": w.fit,
                "practice": rec.ward["practice"][tail].mean(axis=0),
                "habit": m.ward_habit,
                "embedded": w.embedded,
                "outcome_events": rec.ward["outcome_events"][:days].sum(axis=0),
            }
        )


def median_interval(
    values: Any, level: float = 0.9, axis: int | None = None
) -> tuple[Any, Any, Any]:
    """The median of a study's runs and the central ``level`` interval they fall in (0.9: the
    5th to 95th percentile): how the runs spread, not a confidence interval of the median.
    Missing values (None, NaN) are left out; with none left, NaNs. With ``axis``, the same per
    position along it (e.g. ``axis=0`` over runs' daily curves), as arrays.

    Every tool that reports "median (90% interval)" over replications uses this one definition.
    """
    if not 0 < level < 1:
        raise ValueError(f"level {level}: give a share between 0 and 1, e.g. 0.9")
    probs = [0.5, (1 - level) / 2, (1 + level) / 2]
    x = np.asarray(
        [np.nan if v is None else v for v in values] if axis is None else values, dtype=float
    )
    if axis is None:
        x = x[~np.isnan(x)]
        if x.size == 0:
            return (np.nan, np.nan, np.nan)
        med, lo, hi = np.quantile(x, probs)
        return float(med), float(lo), float(hi)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a position where every run is NaN
        med, lo, hi = np.nanquantile(x, probs, axis=axis)
    return med, lo, hi


def since_launch(
    practice: np.ndarray,
    embedded: np.ndarray,
    launch: int | None,
    months: tuple[int, ...] = LAUNCH_MONTHS,
) -> dict[str, Any]:
    """Outcomes measured from the first launch rather than at the end of the run, as a planner
    counts them: for each of ``months``, ``practice_<m>m`` (the trust's practice over the
    target wards, share 0-1, averaged over the ``FINAL_WINDOW`` days ending ``m`` months after
    launch) and ``embedded_<m>m`` (share 0-1 of target wards embedded on that day); and
    ``days_after_launch``, the days observed from launch to the end of the run.

    Runs of different lengths after launch, or launching on different days, are only comparable
    this way: a fixed end day gives a late launch less time (report §3, "a year later, the
    project began to fail"). A time not reached before the run ended is None (censored), as is
    everything when nothing launched.

    Args:
        practice, embedded: the trust's daily series (length = days recorded).
        launch: the first launch day, or None.
    """
    days = len(practice)
    out: dict[str, Any] = {
        "days_after_launch": None if launch is None else int(max(days - launch, 0))
    }
    for m in months:
        day = None if launch is None else launch + round(m * MONTH_DAYS)
        seen = day is not None and day < days
        window = slice(max(day - FINAL_WINDOW + 1, launch), day + 1) if seen else None
        out[f"practice_{m}m"] = float(practice[window].mean()) if seen else None
        out[f"embedded_{m}m"] = float(embedded[day]) if seen else None
    return out


def summarise(model: QIModel, seed: Any) -> dict:
    rec, w, lc = model.recorder, model.wards, model.lifecycle
    days = rec.n_recorded
    tail = slice(max(days - FINAL_WINDOW, 0), days)
    target = w.target
    trust = rec.trust
    embedded = trust["embedded_fraction"][:days]
    hit = np.flatnonzero(embedded >= EMBEDDED_SHARE)
    launch = lc.first_launch_day
    time_to_embed = int(hit[0] - launch) if hit.size and launch is not None else None
    habit = model.ward_habit[target]
    events = rec.ward["outcome_events"][:days][:, target].sum(axis=1)
    first, last = events[: min(90, days)], events[tail]
    base_rate = float(first.mean()) if first.size else 0.0
    outcome_change = float(last.mean() / base_rate - 1) if base_rate > 0 else 0.0
    embedded_fraction = float(model.embedded_fraction())
    return {
        "seed": seed if isinstance(seed, (int, type(None))) else str(seed),
        "days": days,
        "status": final_status(lc.stage, launch is not None, embedded_fraction),
        "stage": lc.stage,
        "practice_rate": float(trust["practice"][tail].mean()),
        "habit_rate": float(habit.mean()) if habit.size else 0.0,
        "embedded_ward_fraction": embedded_fraction,
        "ward_spread": float(habit.std()) if habit.size else 0.0,
        "time_to_embed": time_to_embed,
        "first_launch_day": launch,
        "launched_ward_fraction": float(w.active[target].mean()) if target.any() else 0.0,
        "peak_practice": float(trust["practice"][:days].max()) if days else 0.0,
        "outcome_events": float(events.sum()),
        "outcome_change": outcome_change,
        "initiative_load_days": float(rec.ward["load"][:days].sum()),
        "mean_fatigue": float(rec.ward["fatigue"][tail].mean()),
        "momentum": float(lc.momentum),
        "redesigns": lc.redesigns,
        "stages": [[d, s] for d, s in lc.history],
        "design_progress": float(min(lc.design_progress, 1.0)),
        **staffed_team_measures(model, days, launch),
        **audit_measures(model, launch),
        "n_staff": int(model.staff.n),
        "n_wards": int(w.n),
        **since_launch(trust["practice"][:days], embedded, launch),
    }


def staffed_team_measures(model: QIModel, days: int, launch: int | None) -> dict:
    """When the QI team first reached its establishment (``team_staffed_day``: 0 if it started
    so, None if never), and practice before and after that day: mean trust practice over the
    live period before it (or the 90 days before it when nothing was live), and the end-of-run
    practice (report Table 3 Tissue viability: "the final establishment of a fully staffed
    Tissue viability QI team"). Both practices are None unless the team was staffed during the
    run."""
    staffed = model.team_staffed_day
    out = {"team_staffed_day": staffed, "practice_before_staffed": None}
    out["practice_after_staffed"] = None
    if staffed is not None and 0 < staffed < days:
        practice = model.recorder.trust["practice"][:days]
        start = launch if launch is not None and launch < staffed else max(staffed - 90, 0)
        out["practice_before_staffed"] = float(practice[start:staffed].mean())
        out["practice_after_staffed"] = float(practice[max(days - FINAL_WINDOW, 0) : days].mean())
    return out


def audit_measures(model: QIModel, launch: int | None) -> dict:
    """What the QI team's own monthly audits showed after launch: how many there were, the mean
    audited improvement on the baseline (positive: fewer events), and the share of audits whose
    improvement cleared the audit noise (report §3 Technical QI skills: audit "demonstrating to
    initially resistant staff that ... fewer patients were phoning for help")."""
    noise = model.constants.audit_noise
    imps = [imp for day, _, imp in model.audits if launch is not None and day > launch]
    imps = [x for x in imps if np.isfinite(x)]
    return {
        "audits": len(imps),
        "audit_improvement": float(np.mean(imps)) if imps else None,
        "audits_showing_improvement": float(np.mean([x > noise for x in imps])) if imps else None,
    }
