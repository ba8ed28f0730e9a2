"""Summary statistics of a sweep: per design point, per lever, and whether the replications were
enough.

Per design point (uncertainty point x lever row): mean, standard deviation and a 95% confidence
interval (Student t) of each outcome, and the share of runs ending in each status. Per lever: the
same over every point, and the paired difference from the first lever over the same (point,
replication) pairs, which share seeds (common random numbers), so the difference carries no seed
noise.

Replication adequacy follows the coefficient-of-variation stability check reviewed by Lee et al.
(2015, "The complexities of agent-based modeling output analysis", JASSS 18(4) 4, after Lorscheid
et al. 2012): the CV of an outcome is computed over the first n replications for n = 2..R; the
replications are enough once the CV stops moving, here once every later CV stays within
``tolerance`` (relative) of the final CV, for at least the last quarter of the replications.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

OUTCOMES = (
    "practice_rate",
    "habit_rate",
    "embedded_ward_fraction",
    "ward_spread",
    "time_to_embed",
    "outcome_change",
    "mean_fatigue",
)
# measured from each run's first launch (qisim.results.since_launch); sweeps made before these
# existed lack them, and analyse then leaves them out
LAUNCH_OUTCOMES = ("days_after_launch", "practice_6m", "practice_12m", "embedded_12m")
STATUSES = ("embedded", "patchy", "in_progress", "fizzled", "stalled", "halted")
CI_LEVEL = 0.95


def wilson(successes: float, n: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Wilson score interval of a proportion (successes of n): stays inside [0, 1] and keeps
    its coverage at small n, unlike the normal or t interval (Brown, Cai and DasGupta 2001).
    (nan, nan) when n = 0."""
    if n == 0:
        return np.nan, np.nan
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # exact ends at 0 of n and n of n (rounding would leave 1e-17 above 0 or below 1)
    low = 0.0 if successes <= 0 else max(centre - half, 0.0)
    high = 1.0 if successes >= n else min(centre + half, 1.0)
    return float(low), float(high)


def _ci(values: np.ndarray, share: bool = False, difference: bool = False) -> dict[str, float]:
    """n, mean, sd and a 95% interval of the mean. A share (``share``: the outcome lies in
    [0, 1]) whose values are all 0 or 1 gets the Wilson interval; other shares the Student t
    interval cut at 0 and 1, which
    keeps its coverage since the mean cannot lie outside; anything else, and paired differences
    (``difference``), the t interval. ``ci_method`` names the one used."""
    v = values[~np.isnan(values)]
    n = v.size
    mean = float(v.mean()) if n else np.nan
    sd = float(v.std(ddof=1)) if n > 1 else np.nan
    binary = share and not difference and n > 0 and bool(np.isin(v, (0.0, 1.0)).all())
    if binary:
        low, high = wilson(float(v.sum()), n)
        return {"n": n, "mean": mean, "sd": sd, "ci_low": low, "ci_high": high,
                "ci_method": "wilson"}  # fmt: skip
    half = stats.t.ppf(0.5 + CI_LEVEL / 2, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
    low, high = mean - half, mean + half
    if share and not difference and n > 1:
        low, high = max(low, 0.0), min(high, 1.0)
    method = "t, cut at [0, 1]" if share and not difference else "t"
    return {"n": n, "mean": mean, "sd": sd, "ci_low": low, "ci_high": high, "ci_method": method}


def _is_share(outcome: str, labels) -> bool:
    from qisim.sweep.publish import is_share

    return is_share(outcome, labels)


def point_columns(runs: pd.DataFrame, parameters: list[str]) -> list[str]:
    return [c for c in ("point", "lever", "point_name", "lever_name") if c in runs] + [
        p for p in parameters if p in runs
    ]


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Runs that finished without error."""
    if "error" not in runs:
        return runs
    return runs[runs["error"].isna()]


def numeric(runs: pd.DataFrame, outcome: str) -> np.ndarray:
    return pd.to_numeric(runs[outcome], errors="coerce").to_numpy(dtype=float)


def by_point(
    runs: pd.DataFrame, parameters: list[str], outcomes=OUTCOMES, labels=None
) -> pd.DataFrame:
    """One row per design point and outcome: n, mean, sd, 95% CI (see :func:`_ci`; shares by
    their unit in ``labels`` or the built-in labels); plus the share of runs ending in each
    status, with its Wilson 95% interval (``share_<status>_low``, ``_high``)."""
    keys = point_columns(runs, parameters)
    ok = ok_runs(runs)
    rows = []
    for _, group in ok.groupby(["point", "lever"], sort=True):
        head = {k: group[k].iloc[0] for k in keys}
        counts = group["status"].value_counts() if "status" in group else {}
        shares = {}
        for s in STATUSES:
            k = float(counts.get(s, 0))
            shares[f"share_{s}"] = k / len(group)
            shares[f"share_{s}_low"], shares[f"share_{s}_high"] = wilson(k, len(group))
        for outcome in outcomes:
            if outcome not in group:
                continue
            ci = _ci(numeric(group, outcome), _is_share(outcome, labels))
            rows.append({**head, "outcome": outcome, **ci, **shares})
    return pd.DataFrame(rows)


def lever_labels(runs: pd.DataFrame, levers: list[str], labels=None) -> dict[int, str]:
    """A readable name per lever row: its name, or its lever values by their labels (the
    experiment file's ``label``, else a shortened path)."""
    from qisim.sweep.publish import label_of

    first = runs.drop_duplicates("lever").sort_values("lever")
    if "lever_name" in runs:
        return dict(zip(first["lever"], first["lever_name"].astype(str)))
    if not levers:
        return dict.fromkeys(first["lever"], "all runs")
    return {
        row["lever"]: ", ".join(f"{label_of(k, labels)[0]} = {row[k]}" for k in levers)
        for _, row in first.iterrows()
    }


def by_lever(runs: pd.DataFrame, levers: list[str], outcomes=OUTCOMES, labels=None) -> pd.DataFrame:
    """Each lever row over all points and replications, and its paired difference from lever 0
    (same points, same seeds)."""
    ok = ok_runs(runs)
    names = lever_labels(runs, levers, labels)
    rows = []
    ref = ok[ok["lever"] == 0].set_index(["point", "replication"])
    for lever, group in ok.groupby("lever", sort=True):
        label = names[lever]
        g = group.set_index(["point", "replication"])
        for outcome in outcomes:
            if outcome not in ok:
                continue
            base = _ci(numeric(group, outcome), _is_share(outcome, labels))
            both = g[[outcome]].join(
                ref[[outcome]].rename(columns={outcome: f"{outcome}_ref"}), how="inner"
            )
            diff = _ci(
                pd.to_numeric(both[outcome], errors="coerce").to_numpy(float)
                - pd.to_numeric(both[f"{outcome}_ref"], errors="coerce").to_numpy(float),
                difference=True,
            )
            rows.append(
                {
                    "lever": lever,
                    "lever_label": label,
                    "outcome": outcome,
                    **base,
                    "diff_vs_lever0": diff["mean"],
                    "diff_ci_low": diff["ci_low"],
                    "diff_ci_high": diff["ci_high"],
                }
            )
    return pd.DataFrame(rows)


def cv_curve(values: np.ndarray) -> np.ndarray:
    """CV of the first n values for n = 1..len (NaN where undefined)."""
    v = np.asarray(values, dtype=float)
    out = np.full(v.size, np.nan)
    for n in range(2, v.size + 1):
        head = v[:n]
        mean = head.mean()
        if abs(mean) > 1e-12:
            out[n - 1] = head.std(ddof=1) / abs(mean)
    return out


def stable_from(cv: np.ndarray, tolerance: float = 0.1, floor: float = 0.005) -> int | None:
    """The number of replications from which the CV stays within ``tolerance`` (relative, with
    an absolute ``floor``) of its final value; None when it never settles for the last quarter
    of the replications, or is undefined (an outcome whose mean is 0)."""
    r = cv.size
    if r < 3 or np.isnan(cv[-1]):
        return None
    final = cv[-1]
    band = max(tolerance * abs(final), floor)
    within = np.abs(cv - final) <= band
    within[np.isnan(cv)] = False
    n = r
    while n > 1 and within[n - 2]:
        n -= 1
    need = max(2, r // 4)
    return n if r - n >= need else None


def replication_check(
    runs: pd.DataFrame, outcomes=OUTCOMES, tolerance: float = 0.1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per outcome: at how many replications the CV settles, over all design points.

    Returns (summary per outcome, detail per point and outcome)."""
    ok = ok_runs(runs)
    detail = []
    for (point, lever), group in ok.groupby(["point", "lever"], sort=True):
        g = group.sort_values("replication")
        for outcome in outcomes:
            if outcome not in g:
                continue
            values = numeric(g, outcome)
            values = values[~np.isnan(values)]
            cv = cv_curve(values)
            detail.append(
                {
                    "point": point,
                    "lever": lever,
                    "outcome": outcome,
                    "replications": values.size,
                    "final_cv": cv[-1] if cv.size else np.nan,
                    "stable_from": stable_from(cv, tolerance),
                }
            )
    detail_df = pd.DataFrame(detail)
    summary = []
    for outcome, d in detail_df.groupby("outcome", sort=False) if len(detail_df) else []:
        defined = d[d["final_cv"].notna()]
        settled = defined["stable_from"].dropna()
        summary.append(
            {
                "outcome": outcome,
                "points": len(d),
                "points_with_cv": len(defined),
                "replications": int(d["replications"].max()),
                "share_settled": len(settled) / len(defined) if len(defined) else np.nan,
                "median_stable_from": float(settled.median()) if len(settled) else np.nan,
                "max_stable_from": float(settled.max()) if len(settled) else np.nan,
                "median_cv": float(defined["final_cv"].median()) if len(defined) else np.nan,
            }
        )
    return pd.DataFrame(summary), detail_df


def plot_cv(
    runs: pd.DataFrame,
    outcome: str,
    path: Path,
    max_points: int = 40,
    labels=None,
    formats=("png",),
) -> Path:
    """CV against replications for up to ``max_points`` design points: where the lines go flat,
    the replications were enough."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = ok_runs(runs)
    fig, ax = plt.subplots(figsize=(7, 4))
    for k, ((_, _), group) in enumerate(ok.groupby(["point", "lever"], sort=True)):
        if k >= max_points:
            break
        values = numeric(group.sort_values("replication"), outcome)
        cv = cv_curve(values[~np.isnan(values)])
        ax.plot(np.arange(1, cv.size + 1), cv, color="tab:blue", alpha=0.35, lw=1)
    ax.set_xlabel("replications")
    ax.xaxis.get_major_locator().set_params(integer=True)
    from qisim.sweep.publish import label_of, save_figure

    ax.set_ylabel(f"coefficient of variation of\n{label_of(outcome, labels)[0]}")
    ax.set_title("Replication adequacy: CV stability (Lee et al. 2015)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, formats, dpi=120)[0]


def outcome_values(runs: pd.DataFrame, expr: str) -> pd.Series:
    """An outcome column, or an expression over the row's columns evaluated by pandas, e.g.
    ``status == 'fizzled'`` or ``habit_rate < 0.3`` (True/False become 1/0). Columns whose names
    are not identifiers are written in backticks: ```wards.*.vacancy` > 0.2``."""
    from qisim.scenario import ScenarioError

    if expr in runs.columns:
        return pd.to_numeric(runs[expr], errors="coerce")
    try:
        out = runs.eval(expr, engine="python")
    except Exception as exc:
        cols = ", ".join(c for c in runs.columns if c not in ("traceback",))
        raise ScenarioError(
            f"--outcome {expr!r}: cannot evaluate it ({type(exc).__name__}: {exc}). Give a "
            f"column or an expression over the columns: {cols}."
        ) from None
    if not isinstance(out, pd.Series):
        raise ScenarioError(f"--outcome {expr!r} gives one value, not one per run.")
    if out.dtype == bool:
        return out.astype(float)
    return pd.to_numeric(out, errors="coerce")


def plot_points(
    points: pd.DataFrame,
    uncertainties: list[str],
    lever_label: dict[int, str],
    outcome: str,
    path: Path,
    max_panels: int = 6,
    labels=None,
    formats=("png",),
) -> Path | None:
    """Mean and 95% CI of ``outcome`` against the uncertainty with most values, one line per
    lever row, one panel per combination of the other uncertainties (grid designs). Returns
    None when the design does not suit it (no numeric uncertainty, or too many panels) or the
    outcome has no values (every run censored)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = points[points["outcome"] == outcome].copy()
    numeric_u = [
        u for u in uncertainties if u in d and pd.to_numeric(d[u], errors="coerce").notna().all()
    ]
    if not numeric_u or d.empty or not pd.to_numeric(d["mean"], errors="coerce").notna().any():
        return None  # nothing to draw: no figure rather than an empty one
    from qisim.sweep.publish import axis_label, label_of, save_figure

    x = max(numeric_u, key=lambda u: d[u].nunique())
    others = [u for u in uncertainties if u in d and u != x]
    panels = list(d.groupby(others, sort=True)) if others else [((), d)]
    if len(panels) > max_panels:
        return None
    fig, axes = plt.subplots(
        1, len(panels), figsize=(max(4.2 * len(panels), 8), 4.4), sharey=True, squeeze=False
    )
    for ax, (key, panel) in zip(axes[0], panels):
        for k, (lever, line) in enumerate(panel.groupby("lever", sort=True)):
            line = line.sort_values(x)
            xs = pd.to_numeric(line[x]).to_numpy()
            ax.plot(xs, line["mean"], marker="o", ms=3, color=plt.cm.tab10(k % 10),
                    label=lever_label.get(lever, str(lever)))  # fmt: skip
            ax.fill_between(xs, line["ci_low"], line["ci_high"], color=plt.cm.tab10(k % 10),
                            alpha=0.15, lw=0)  # fmt: skip
        key = key if isinstance(key, tuple) else (key,)
        ax.set_title(", ".join(f"{label_of(o, labels)[0]} = {v}" for o, v in zip(others, key)),
                     fontsize=9)  # fmt: skip
        _axis(ax, sorted(d[x].unique(), key=float), axis_label(x, labels))
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"{axis_label(outcome, labels)}\nmean, 95% CI")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if len(labels) > 1:
        ncol = min(len(labels), 3)
        fig.legend(handles, labels, loc="lower center", ncol=ncol, fontsize=8, frameon=False)
        rows = -(-len(labels) // ncol)
        fig.tight_layout(rect=(0, 0.045 * rows + 0.02, 1, 1))
    else:
        fig.tight_layout()
    return save_figure(fig, path, formats)[0]


MAX_LEVELS = 12  # factors with more distinct values (continuous samples) get no effect plot


def effect_factors(runs: pd.DataFrame, manifest: dict) -> list[str]:
    """The factors a main-effect plot can show: every varied parameter (levers first) and the
    named rows, with 2 to ``MAX_LEVELS`` distinct values in the runs."""
    names = list(manifest["levers"])
    names += ["lever_name"] if manifest.get("lever_rows") else []
    names += list(manifest["uncertainties"])
    names += ["point_name"] if manifest.get("uncertainty_rows") else []
    return [f for f in names if f in runs and 2 <= runs[f].nunique() <= MAX_LEVELS]


def _level_order(values: pd.Series) -> list:
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().all():
        return sorted(values.unique(), key=float)
    return list(dict.fromkeys(values))  # named rows in their file order


def main_effects(runs: pd.DataFrame, factors: list[str], outcome: str, labels=None) -> pd.DataFrame:
    """Main effect of each factor on ``outcome``: per level, the mean over every other factor and
    all replications, with its 95% interval (:func:`_ci`). One row per factor and level."""
    ok = ok_runs(runs)
    share = _is_share(outcome, labels)
    rows = []
    for factor in factors:
        for level in _level_order(ok[factor]):
            g = ok[ok[factor] == level]
            rows.append({"factor": factor, "level": level, "outcome": outcome,
                         **_ci(numeric(g, outcome), share)})  # fmt: skip
    return pd.DataFrame(rows)


def interactions(runs: pd.DataFrame, a: str, b: str, outcome: str, labels=None) -> pd.DataFrame:
    """Mean and 95% interval of ``outcome`` per level of ``a`` and ``b`` (over everything else):
    lines that are not parallel in the plot are an interaction."""
    ok = ok_runs(runs)
    share = _is_share(outcome, labels)
    rows = []
    for lb in _level_order(ok[b]):
        for la in _level_order(ok[a]):
            g = ok[(ok[a] == la) & (ok[b] == lb)]
            if len(g):
                rows.append({a: la, b: lb, **_ci(numeric(g, outcome), share)})
    return pd.DataFrame(rows)


def _axis(ax, levels: list, label: str) -> np.ndarray:
    """x positions of ``levels``: their values if numeric (whole-number ticks for whole-number
    factors), else 0..k-1 with the names as ticks."""
    from matplotlib.ticker import MaxNLocator

    num = pd.to_numeric(pd.Series(levels), errors="coerce")
    ax.set_xlabel(label)
    if num.notna().all():
        xs = num.to_numpy(float)
        if np.allclose(xs, np.round(xs)):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(xs) <= 6:
            ax.set_xticks(xs, [f"{x:g}" for x in xs])
        return xs
    xs = np.arange(len(levels), dtype=float)
    ax.set_xticks(xs, [str(v) for v in levels], rotation=20, ha="right", fontsize=8)
    return xs


def plot_main_effects(
    effects: pd.DataFrame, outcome: str, path: Path, labels=None, formats=("png",)
) -> list[Path]:
    """One panel per factor: the outcome's mean at each level with 95% intervals (shared y)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qisim.sweep.publish import axis_label, save_figure

    factors = list(dict.fromkeys(effects["factor"]))
    fig, axes = plt.subplots(1, len(factors), figsize=(max(3.4 * len(factors), 5), 3.8),
                             sharey=True, squeeze=False)  # fmt: skip
    for ax, factor in zip(axes[0], factors):
        d = effects[effects["factor"] == factor]
        xs = _axis(ax, list(d["level"]), axis_label(factor, labels))
        m = d["mean"].to_numpy(float)
        err = np.vstack([m - d["ci_low"].to_numpy(float), d["ci_high"].to_numpy(float) - m])
        ax.errorbar(xs, m, yerr=err, marker="o", ms=4, capsize=3, color="tab:blue")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(axis_label(outcome, labels) + "\nmean, 95% CI")
    fig.suptitle(f"Main effects on {axis_label(outcome, labels)}", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path, formats)


def plot_interactions(
    runs: pd.DataFrame,
    pairs: list[tuple[str, str]],
    outcome: str,
    path: Path,
    labels=None,
    formats=("png",),
) -> list[Path]:
    """One panel per pair (a, b): the outcome against a, one line per level of b, with 95%
    intervals. Parallel lines: no interaction."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qisim.sweep.publish import axis_label, save_figure

    fig, axes = plt.subplots(1, len(pairs), figsize=(max(4.4 * len(pairs), 5.5), 4.2),
                             sharey=True, squeeze=False)  # fmt: skip
    for ax, (a, b) in zip(axes[0], pairs):
        d = interactions(runs, a, b, outcome, labels)
        for k, (lb, line) in enumerate(d.groupby(b, sort=False)):
            xs = _axis(ax, list(line[a]), axis_label(a, labels))
            m = line["mean"].to_numpy(float)
            ax.plot(xs, m, marker="o", ms=4, color=plt.cm.tab10(k % 10), label=f"{lb}")
            ax.fill_between(xs, line["ci_low"].to_numpy(float), line["ci_high"].to_numpy(float),
                            color=plt.cm.tab10(k % 10), alpha=0.15, lw=0)  # fmt: skip
        ax.legend(title=axis_label(b, labels), fontsize=7, title_fontsize=7, frameon=False)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(axis_label(outcome, labels) + "\nmean, 95% CI")
    fig.suptitle(f"Interactions: {axis_label(outcome, labels)}", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path, formats)


# why a finished run may lack an outcome: the value is censored (the event did not happen
# within the run), not missing
CENSORED = {
    "time_to_embed": "the run ended before 80% of the target wards had embedded, so the time is "
    "longer than the days observed after launch",
    "first_launch_day": "the initiative had not launched when the run ended",
    "days_after_launch": "the initiative had not launched when the run ended",
}


def why_censored(column: str) -> str:
    """Why a finished run may lack ``column`` (:data:`CENSORED`; the launch-relative
    ``practice_<m>m`` and ``embedded_<m>m`` of :func:`qisim.results.since_launch` too)."""
    import re

    if column in CENSORED:
        return CENSORED[column]
    m = re.fullmatch(r"(practice|embedded)_(\d+)m", column)
    if m:
        return (
            f"the run ended less than {m.group(2)} months after launch, or never launched, so "
            "that time was not observed"
        )
    return "it is undefined for them"


def horizon_applies(column: str) -> bool:
    """Whether ``--censor-at horizon`` can stand in for ``column``: a day or a time to an event,
    not a share measured at a time after launch (``practice_12m``) or the days observed."""
    import re

    return column != "days_after_launch" and not re.fullmatch(r"(practice|embedded)_\d+m", column)


def horizon(runs: pd.DataFrame, column: str) -> pd.Series:
    """The observation window of each run for ``column``: days observed after the first launch
    for ``time_to_embed`` (the whole run if it never launched), else the run's days."""
    days = pd.to_numeric(runs["days"], errors="coerce")
    if column == "time_to_embed" and "first_launch_day" in runs:
        return days - pd.to_numeric(runs["first_launch_day"], errors="coerce").fillna(0)
    return days


def referenced(expr: str, columns: list[str]) -> list[str]:
    """The columns an outcome (a column, or an expression over columns) reads."""
    import re

    out = []
    for c in columns:
        if c == expr or f"`{c}`" in expr:
            out.append(c)
        elif re.search(rf"(?<![\w.`]){re.escape(c)}(?![\w`])", expr):
            out.append(c)
    return out


def censored_outcome(
    runs: pd.DataFrame,
    expr: str,
    outcome_columns: list[str],
    censor_at: str | float | None,
    source: str,
) -> tuple[pd.Series, int]:
    """The outcome of finished ``runs`` (:func:`outcome_values`), with runs that lack a value it
    reads handled openly: such a value is censored (``time_to_embed`` of a run that never
    embedded is longer than the run), and dropping it, or letting a comparison with it come out
    false, would bias what follows towards the runs where the event happened.

    Args:
        runs: finished runs.
        expr: the outcome, a column or an expression over columns.
        outcome_columns: the run outcome columns (not the plan's parameter columns).
        censor_at: None to refuse; ``"horizon"`` to count each lacking value as the run's
            observation window (:func:`horizon`); or a number.
        source: named in the error (the sweep folder).

    Returns:
        (outcome values, how many runs had a value filled).

    Raises:
        ScenarioError: runs lack a value and ``censor_at`` is None (counting them and saying
            why), or ``censor_at`` is neither a number nor "horizon".
    """
    from qisim.scenario import ScenarioError

    cols = [c for c in referenced(expr, outcome_columns) if runs[c].isna().any()]
    if not cols:
        return outcome_values(runs, expr), 0
    lacking = runs[cols].isna().any(axis=1)
    n = int(lacking.sum())
    if censor_at is None:
        points = runs.loc[lacking, ["point", "lever"]].drop_duplicates()
        why = "; ".join(f"{c}: {why_censored(c)}" for c in cols)
        raise ScenarioError(
            f"{source}: {n} of {len(runs)} runs have no value of {', '.join(cols)} (read by "
            f"{expr!r}), in {len(points)} design point(s) ({why}). Such a value is censored, "
            "not missing; leaving those runs out (or letting a comparison with them come out "
            "false) would bias the result, so nothing was computed. Choose: --censor-at horizon "
            "(the days observed, after launch for time_to_embed), --censor-at NUMBER, or an "
            "outcome every run has (e.g. embedded_ward_fraction)."
        )
    filled = runs.copy()
    for c in cols:
        if censor_at == "horizon" and not horizon_applies(c):
            raise ScenarioError(
                f"--censor-at horizon: {c} is not a time, so a run's days cannot stand in for "
                f"its censored value ({why_censored(c)}). Give --censor-at NUMBER, or an outcome "
                "every run has (e.g. embedded_ward_fraction, or an earlier month after launch)."
            )
        if censor_at == "horizon":
            fill = horizon(runs, c)
        else:
            try:
                fill = pd.Series(float(censor_at), index=runs.index)
            except (TypeError, ValueError):
                raise ScenarioError(
                    f"--censor-at {censor_at!r}: give a number or 'horizon'."
                ) from None
        filled[c] = pd.to_numeric(runs[c], errors="coerce").where(runs[c].notna(), fill)
    return outcome_values(filled, expr), n
