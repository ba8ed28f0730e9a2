"""Launch timing across a sweep: does a varied factor move the first launch across a scheduled
event, or so close to the end of the run that end-of-run outcomes measure the window?

A scenario's day events happen on fixed days (the winter peaks, a team member's return), and its
outcomes are measured at a fixed last day. A factor that changes how long the design takes (the
QI team's size, its skills, the leadership's clarity) moves the launch: an event meant for the
roll-out then fires during the design for some runs and after the launch for others, and a late
launch is observed for fewer days. Part of the factor's "effect" is then timing. This module
measures it from the sweep's rows (``first_launch_day``, ``days``) and says which factors move
the launch, across which day events, and how many days each run observed after launch; the
remedy is to compare the launch-relative outcomes (``practice_12m``, ``embedded_12m``: see
:func:`qisim.results.since_launch`) and to tie roll-out events to the roll-out rather than to a
day (``at = "rollout"``, as Enhanced care's "PDSA stopped at roll-out" is). Events ``at`` a stage
move with it, so the launch never crosses them: the check leaves them out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qisim.results import LAUNCH_MONTHS
from qisim.scenario import MONTH_DAYS, WINTER_NOTE, Scenario

MOVE_DAYS = 30  # a factor "moves the launch" when its levels' mean launch days differ this much
CROSS_SHARE = (
    0.5  # an event is crossed when it precedes launch in most runs at one level, not another
)
MAX_LEVELS = 12  # more distinct values than this are binned into quartiles
MAX_EVENTS = 3  # events crossed named per factor (winter peaks come twice a year)


@dataclass
class TimingCheck:
    """What :func:`check` found: one row per factor level (``table``) and the warnings."""

    table: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def _levels(values: pd.Series) -> pd.Series:
    """A factor's levels: its values, or quartiles of a continuous factor."""
    v = pd.to_numeric(values, errors="coerce")
    if values.nunique(dropna=False) <= MAX_LEVELS or v.isna().any():
        return values.astype(str) if v.isna().any() else v
    return pd.qcut(v, 4, duplicates="drop").astype(str)


def _events(scenario: Scenario) -> list[tuple[int, str]]:
    """(day, note) of the scenario's day events (not those ``at`` a stage, which move with the
    launch); a winter peak's events count once per winter under one note."""
    out = []
    for ev in scenario.events:
        if ev.day is None:
            continue
        note = ev.note or ", ".join(f"{k} = {v}" for k, v in ev.set.items())
        out.append((ev.day, note.split("(")[0].strip() if note.startswith(WINTER_NOTE) else note))
    return sorted(set(out))


def _history(cell) -> list:
    """A row's lifecycle stages ``[[day, stage], ...]`` (stored as JSON)."""
    if isinstance(cell, str):
        return json.loads(cell)
    return list(cell) if cell is not None else []


def _stage_at(history: list, day: int) -> str:
    """The lifecycle stage on ``day`` from a stage history."""
    stage = "design"
    for start, name in history:
        if start > day:
            break
        stage = name
    return stage


def check(runs: pd.DataFrame, factors: list[str], scenario: Scenario) -> TimingCheck:
    """Launch timing per level of each varied factor, and warnings.

    Args:
        runs: a sweep's rows (needs ``first_launch_day`` and ``days``; failed runs are ignored).
        factors: the varied columns (uncertainties and levers).
        scenario: the sweep's base scenario (its scheduled events).

    Returns:
        a :class:`TimingCheck`: ``table`` has one row per factor and level with ``runs``,
        ``launched`` (share 0-1), ``mean_launch_day``, ``min_days_after_launch`` and one
        ``before:<day>`` column per day event (share 0-1 of launched runs in which the event
        came before the launch); ``warnings`` are sentences for the researcher.
    """
    ok = runs[runs["error"].isna()] if "error" in runs else runs
    if "first_launch_day" not in ok or ok.empty:
        return TimingCheck(pd.DataFrame())
    launch = pd.to_numeric(ok["first_launch_day"], errors="coerce")
    days = pd.to_numeric(ok["days"], errors="coerce")
    after = days - launch
    stage = ok["stages"].map(_history) if "stages" in ok else pd.Series([[]] * len(ok), ok.index)
    events = _events(scenario)
    # the stage each run was in on each event's day, once per event (not per factor and level)
    stage_at = {day: stage.map(lambda h, d=day: _stage_at(h, d)) for day, _ in events}
    rows, warnings = [], []
    for factor in factors:
        if factor not in ok or ok[factor].nunique() < 2:
            continue
        levels = _levels(ok[factor])
        stats = []
        for level, idx in ok.groupby(levels, sort=True).groups.items():
            lx = launch.loc[idx].dropna()
            row = {
                "factor": factor,
                "level": level,
                "runs": len(idx),
                "launched": len(lx) / len(idx),
                "mean_launch_day": float(lx.mean()) if len(lx) else np.nan,
                "min_days_after_launch": float(after.loc[idx].min()) if len(lx) else np.nan,
            }
            for day, _ in events:
                row[f"before:{day}"] = float((lx > day).mean()) if len(lx) else np.nan
                at = stage_at[day].loc[idx].value_counts()
                row[f"stage:{day}"] = f"{at.index[0]} ({at.iloc[0] / len(idx):.0%})"
            stats.append(row)
        rows.extend(stats)
        warnings.extend(_factor_warnings(factor, pd.DataFrame(stats), events))
    table = pd.DataFrame(rows)
    warnings.extend(_horizon_warnings(ok, after, launch))
    return TimingCheck(table, warnings)


def _factor_warnings(factor: str, stats: pd.DataFrame, events) -> list[str]:
    mean = stats["mean_launch_day"]
    if mean.notna().sum() < 2 or mean.max() - mean.min() < MOVE_DAYS:
        return []
    early, late = stats.loc[mean.idxmin()], stats.loc[mean.idxmax()]
    out = [
        f"{factor} moves the first launch: mean day {early['mean_launch_day']:.0f} at "
        f"{early['level']}, {late['mean_launch_day']:.0f} at {late['level']}; the runs then "
        f"observe at least {early['min_days_after_launch']:.0f} and "
        f"{late['min_days_after_launch']:.0f} days after launch. End-of-run outcomes mix its "
        "effect with the time since launch; compare the launch-relative outcomes "
        "(practice_6m, embedded_12m, ...)."
    ]
    crossed = 0
    for day, note in events:
        share = stats[f"before:{day}"]
        if share.max() >= CROSS_SHARE and share.min() < CROSS_SHARE:
            crossed += 1
            if crossed > MAX_EVENTS:
                continue
            hi, lo = stats.loc[share.idxmax()], stats.loc[share.idxmin()]
            out.append(
                f"{factor} moves the launch across the scheduled event on day {day} "
                f"({_clip(note)}): it comes before the launch in {hi[f'before:{day}']:.0%} of "
                f"runs at {hi['level']} (stage then: {hi[f'stage:{day}']}) and in "
                f"{lo[f'before:{day}']:.0%} at {lo['level']} (stage then: {lo[f'stage:{day}']}), "
                "so the event meets the initiative in different stages. If it belongs to a stage (the "
                'roll-out), tie it to the stage instead of the day (at = "rollout" in its '
                "[[events]] entry, with after_days for a delay)."
            )
    if crossed > MAX_EVENTS:
        out.append(
            f"{factor} moves the launch across {crossed - MAX_EVENTS} more scheduled event(s); "
            "see launch_timing.csv (qisim analyse)."
        )
    return out


def _clip(note: str, width: int = 60) -> str:
    return repr(note if len(note) <= width else note[: width - 3] + "...")


def _horizon_warnings(ok: pd.DataFrame, after: pd.Series, launch: pd.Series) -> list[str]:
    out = []
    never = int(launch.isna().sum())
    if never:
        out.append(
            f"{never} of {len(ok)} runs never launched; their launch-relative outcomes are empty."
        )
    seen = after.dropna()
    if seen.empty:
        return out
    beyond = [m for m in LAUNCH_MONTHS if (seen < round(m * MONTH_DAYS)).all()]
    if beyond:
        out.append(
            f"no run lasts {beyond[0]} months after its launch (longest: {seen.max():.0f} days), "
            "so " + ", ".join(f"practice_{k}m" for k in beyond) + " are empty."
        )
    censored = [
        m for m in LAUNCH_MONTHS if m not in beyond and (seen < round(m * MONTH_DAYS)).any()
    ]
    if censored:
        m = censored[0]
        short = int((seen < round(m * MONTH_DAYS)).sum())
        out.append(
            f"near the horizon: {short} of {len(seen)} launched runs end less than {m} months "
            f"after their launch (shortest: {seen.min():.0f} days), so "
            + ", ".join(f"practice_{k}m" for k in censored)
            + " are missing there (censored, not zero). Lengthen `days` or compare at "
            + (
                f"{max(k for k in LAUNCH_MONTHS if k < m)} months."
                if m > LAUNCH_MONTHS[0]
                else "an earlier time."
            )
        )
    return out


def report(result: TimingCheck) -> str:
    """The warnings as printed lines ("" when there are none)."""
    return "\n".join(f"warning: {w}" for w in result.warnings)


def check_sweep(folder) -> TimingCheck:
    """:func:`check` on the sweep in ``folder`` (its rows, varied factors and scenario)."""
    from qisim.sweep.storage import Store

    store = Store(folder)
    manifest = store.manifest()
    factors = manifest["uncertainties"] + manifest["levers"]
    return check(store.read("runs"), factors, store.scenario())
