"""The planner's answer: a ranked table with 90% intervals, paired comparisons on common random
numbers, and a short recommendation that names the mechanisms behind the ranking."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from qisim.planning.plan import MEASURE_MONTHS, METRICS, Plan
from qisim.results import EMBEDDED_SHARE, PATCHY_SHARE, median_interval

LEVEL = 0.90  # the intervals' coverage
Z = float(stats.norm.ppf(0.5 + LEVEL / 2))
CHANCES = ("p_embedded", "p_fizzled")
MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
OUTCOME_WORDS = {
    "falls": "falls",
    "pressure_sores": "pressure sores",
    "night_emergency_calls": "night emergency calls",
    "discharge_delays": "delayed discharges",
}
# Indicators of the mechanisms: (what it is, +1 if more is better, format, the mechanism and the
# report passage it rests on)
INDICATORS = {
    "fit": (
        "fit of the change to the live wards",
        +1,
        "{:.2f}",
        "adaptation: PDSA fits the change to each ward; one formula fails on wards unlike the "
        "pilot (report §3 Using experience to modify the intervention)",
    ),
    "understanding_6m": (
        "target staff who understand it 6 months after the planned launch",
        +1,
        "{:.0%}",
        "reach: staff come to understand a change only when the QI team gets through to them "
        "first hand, on their shifts (§3 Getting through to the right people)",
    ),
    "live_staffing": (
        "staffing on live wards",
        +1,
        "{:.2f}",
        "staffing: the practice unravels on short-staffed shifts (§3 Securing the resources "
        "to do the job)",
    ),
    "fatigue": (
        "change fatigue of target staff",
        -1,
        "{:.2f}",
        "initiativitis: staff carrying several initiatives at once, unless their manager "
        "shields them, tire of change and own it less (§3 Avoiding and shielding staff from "
        "'initiativitis')",
    ),
    "overload_days": (
        "ward-days carrying more than one initiative",
        -1,
        "{:,.0f}",
        "initiativitis: overlap with other initiatives (§3 Avoiding and shielding staff from "
        "'initiativitis')",
    ),
    "manager_skill": (
        "ward managers' SOFFT skills",
        +1,
        "{:.2f}",
        "leading and role modelling: managers' skills raise ownership and hold habits (§3 "
        "Inculcating a sense of dedication; §5 Implications: SOFFT skills development)",
    ),
    "team_skill": (
        "the QI team's skills",
        +1,
        "{:.2f}",
        "the QI team's SOFFT and technical skills (§3 Growing the necessary QI skills; §5)",
    ),
    "team_size": (
        "QI team members at work after the planned launch",
        +1,
        "{:.1f}",
        "staffing of the QI team: a short-handed team reaches fewer wards and runs fewer PDSA "
        "cycles (§3 Securing the resources to do the job: Postural blood pressure lost a key "
        "member for a long time)",
    ),
    "delay_days": (
        "days from the planned launch to the first ward",
        -1,
        "{:.0f}",
        "timing: months spent waiting or preparing are months not spent embedding (§3 Timing, "
        "coordination and momentum)",
    ),
    "launched_share": (
        "share of target wards live at 24 months",
        +1,
        "{:.0%}",
        "pacing: wards that never pass the readiness bar never start (§3 Timing: 'reading' "
        "wards to know when to push and when hold back)",
    ),
    "momentum": (
        "the QI team's momentum",
        +1,
        "{:.2f}",
        "momentum: a team whose wards do not progress loses heart and stops or redesigns (§3 "
        "Using experience: 'Knowing when to stop and when to persist')",
    ),
}
# what each final status means, in words (the ODD §8 has the definitions)
STATUS_WORDS = {
    "embedded": f"at least {EMBEDDED_SHARE:.0%} of the target wards practise the change as a "
    "habit (embedded) 24 months after the planned launch",
    "patchy": f"between {PATCHY_SHARE:.0%} and {EMBEDDED_SHARE:.0%} of the target wards embedded",
    "in progress": f"fewer than {PATCHY_SHARE:.0%} embedded, but the initiative is still going",
    "stalled": "the design never finished: it took more than twice its planned days (unclear "
    "leadership, fights over fidelity or a short-handed QI team)",
    "fizzled": "the QI team lost momentum (wards did not progress, audits showed no gain) and "
    "stopped",
    "halted": "the trust's initiative log review stopped it as burdensome or fruitless",
}
MIN_EFFECT = 0.25  # standardised difference below which an indicator is not named
MIN_RELATIVE = 0.05  # ... and relative difference (of the larger value) below which neither


# --- intervals --------------------------------------------------------------------------------
def mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and its 90% interval (Student t)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    m = float(x.mean())
    if x.size < 2:
        return (m, math.nan, math.nan)
    half = (
        float(stats.t.ppf(0.5 + LEVEL / 2, x.size - 1)) * float(x.std(ddof=1)) / math.sqrt(x.size)
    )
    return (m, m - half, m + half)


def chance_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Share of runs and its 90% Wilson interval (sound at 0 and 1, unlike mean +- t)."""
    x = np.asarray(x, dtype=float)
    n = x.size
    if n == 0:
        return (math.nan, math.nan, math.nan)
    p = float(x.mean())
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return (p, max(0.0, centre - half), min(1.0, centre + half))


def interval(key: str, x: np.ndarray) -> tuple[float, float, float]:
    if key in CHANCES:
        return chance_interval(x)
    m, lo, hi = mean_interval(x)
    if key.startswith("embedded"):  # a share of wards: the interval stays within 0-100%
        lo, hi = max(lo, 0.0), min(hi, 1.0)
    return (m, lo, hi)


# --- the ranked table ---------------------------------------------------------------------------
def ranked_table(plan: Plan, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per strategy and launch month, pooled over staffing cases and replications:
    every metric's estimate with its 90% interval and the runs' 5th and 95th percentiles,
    ranked by the plan's ``rank_by`` (ties: chance of embedding, then lower burden)."""
    rows = []
    for (strategy, month), g in runs.groupby(["strategy", "launch_month"], sort=False):
        row = {"strategy": strategy, "launch_month": month, "launch_day": int(g.launch_day.iloc[0])}
        row["n_runs"] = len(g)
        for key in METRICS:
            m, lo, hi = interval(key, g[key].to_numpy())
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = m, lo, hi
            if key not in CHANCES:
                _, row[f"{key}_q05"], row[f"{key}_q95"] = median_interval(g[key])
        worst = g.groupby("staffing")[plan.spec.rank_by].mean()
        better = METRICS[plan.spec.rank_by][1]
        row["worst_staffing"] = worst.idxmin() if better else worst.idxmax()
        row["worst_staffing_value"] = worst.min() if better else worst.max()
        for status in ("embedded", "patchy", "in_progress", "fizzled", "halted", "stalled"):
            row[f"share_{status}"] = float((g.status == status).mean())
        for key in INDICATORS:
            row[key] = float(np.nanmean(g[key])) if g[key].notna().any() else math.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    sign = 1 if METRICS[plan.spec.rank_by][1] else -1
    table["_key"] = -sign * table[plan.spec.rank_by]
    table = table.sort_values(["_key", "p_embedded", "burden_days"], ascending=[True, False, True])
    table = table.drop(columns="_key").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table


@dataclass
class Paired:
    """A paired difference (a - b) over the runs two rows share seeds and staffing cases on."""

    key: str
    a: float
    b: float
    diff: float
    lo: float
    hi: float
    n: int

    @property
    def clear(self) -> bool:
        return not math.isnan(self.lo) and (self.lo > 0 or self.hi < 0)


def paired_differences(
    runs: pd.DataFrame, a: tuple[str, float], b: tuple[str, float], key: str
) -> tuple[pd.Series, pd.Series]:
    """``key`` of rows ``a`` and ``b`` (strategy, launch month), aligned on staffing case and
    replication (the same seeds)."""

    def pick(row: tuple[str, float]) -> pd.Series:
        g = runs[(runs.strategy == row[0]) & (runs.launch_month == row[1])]
        return g.set_index(["staffing", "replication"])[key]

    return pick(a).align(pick(b), join="inner")


def paired(runs: pd.DataFrame, a: tuple[str, float], b: tuple[str, float], key: str) -> Paired:
    """Difference in ``key`` between rows ``a`` and ``b`` (strategy, launch month), paired on
    staffing case and replication: the same seeds, so the noise of the trust cancels."""
    x, y = paired_differences(runs, a, b, key)
    d = (x - y).to_numpy(dtype=float)
    ok = ~np.isnan(d)
    m, lo, hi = mean_interval(d[ok])
    return Paired(key, float(np.nanmean(x)), float(np.nanmean(y)), m, lo, hi, int(ok.sum()))


MAX_MORE = 1000  # replications beyond which "more runs" is no longer a useful answer


@dataclass
class Verdict:
    """Is the top row clearly better than the runner-up? If not, about how many more
    replications would tell them apart (None: the runs cannot say; see ``reason``)."""

    clear: bool
    top: pd.Series
    runner: pd.Series | None
    p: Paired | None
    more_reps: int | None
    reason: str


def verdict(plan: Plan, runs: pd.DataFrame, table: pd.DataFrame) -> Verdict:
    """The top row against the runner-up (the best row of another strategy, if there is one)
    on the ranking metric, paired on the same seeds.

    When the 90% interval of the difference spans zero, the extra replications needed are
    estimated from the paired differences' spread: the interval's half-width falls as
    1/sqrt(runs), so about (z x sd / |difference|)^2 paired runs would exclude zero if the
    difference stays as it is (an estimate, not a promise)."""
    key = plan.spec.rank_by
    top = table.iloc[0]
    if len(table) < 2:
        return Verdict(True, top, None, None, None, "only one option")
    # the runner-up: the best row of another strategy (the choice a board makes first), else
    # the same strategy at another launch date
    others = table[table.strategy != top.strategy]
    runner = others.iloc[0] if len(others) else table.iloc[1]
    a, b = (top.strategy, top.launch_month), (runner.strategy, runner.launch_month)
    p = paired(runs, a, b, key)
    if p.clear:
        return Verdict(True, top, runner, p, None, "")
    x, y = paired_differences(runs, a, b, key)
    d = (x - y).to_numpy(dtype=float)
    d = d[~np.isnan(d)]
    per_rep = max(1, len(plan.staffing))
    if d.size < 2:
        return Verdict(False, top, runner, p, None, "one replication")
    sd, diff = float(d.std(ddof=1)), abs(float(d.mean()))
    if diff == 0:
        same = (
            "they did equally well on every seed" if sd == 0 else "on average they did equally well"
        )
        return Verdict(False, top, runner, p, None, same)
    need = math.ceil((Z * sd / diff) ** 2 / per_rep)
    more = max(need - plan.replications, 1)
    if more > MAX_MORE:
        return Verdict(False, top, runner, p, None, "the difference is too small to matter")
    return Verdict(False, top, runner, p, more, "")


def when(plan: Plan, month: float) -> str:
    """A planned launch as a person reads it: its date when the plan has a start date
    ('1 Jul 2027'), else 'month 3'."""
    date = plan.launch_date(month)
    return f"{date.day} {date:%b %Y}" if date else f"month {month:g}"


def runner_words(plan: Plan, v: Verdict) -> str:
    """'the best other strategy, Big bang (launch 1 Jul 2027)', or the same strategy's next
    launch date when the plan has one strategy."""
    r = v.runner
    if r.strategy == v.top.strategy:
        return f"the same strategy launched {when(plan, r.launch_month)}"
    return f"the best other strategy, {r.strategy} (launch {when(plan, r.launch_month)})"


def lead(plan: Plan, v: Verdict) -> str:
    """The first line of the answer: the recommendation when the top option is clearly best,
    else 'No clear difference' and what to do about it."""
    key = plan.spec.rank_by
    label = METRICS[key][0]
    top = v.top
    if v.clear:
        return f"Recommendation: {top.strategy}, launched {when(plan, top.launch_month)}."
    head = (
        f"No clear difference: {top.strategy} (launch {when(plan, top.launch_month)}) leads on "
        f"{label}, but is not clearly better than {runner_words(plan, v)} in these runs."
    )
    if v.more_reps is not None:
        return (
            head + f" Run about {v.more_reps} more replications (--reps "
            f"{plan.replications + v.more_reps}) to tell them apart, or choose between them on "
            "burden, timing or cost."
        )
    if v.more_reps is None and "one replication" in v.reason:
        return (
            f"{head} One replication per staffing case cannot show a difference: run at least 10."
        )
    return (
        f"{head} More replications will not settle it ({v.reason}): choose between them on "
        "burden, timing or cost."
    )


# --- words ------------------------------------------------------------------------------------
def month_label(month: float, start_month: int) -> str:
    """'month 14 (Jun, year 2)' for a launch month counted from day 0."""
    whole = int(math.floor(month))
    cal = (start_month - 1 + whole) % 12
    year = (start_month - 1 + whole) // 12 + 1
    m = f"{month:g}"
    return f"month {m} ({MONTH_NAMES[cal]}, year {year})"


def fmt(key: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if key.startswith("p_") or key.startswith("embedded"):
        return f"{100 * value:.0f}%"
    if key == "outcome_avoided":
        return f"{round(value):+d}"
    if key == "burden_days":
        return f"{value / 1000:.1f}k"
    return f"{value:.2f}"


def fmt_interval(key: str, lo: float, hi: float) -> str:
    if math.isnan(lo) or math.isnan(hi):
        return ""
    if key.startswith("p_") or key.startswith("embedded"):
        return f"({100 * lo:.0f}-{100 * hi:.0f})"
    if key == "outcome_avoided":
        return f"({round(lo):+d},{round(hi):+d})"
    if key == "burden_days":
        return f"({lo / 1000:.1f}-{hi / 1000:.1f}k)"
    return f"({lo:.2f}-{hi:.2f})"


def table_text(plan: Plan, table: pd.DataFrame, outcome: str) -> str:
    """The ranked table as text: two lines a row, the estimate and its 90% interval."""
    words = OUTCOME_WORDS.get(outcome, outcome)
    heads = ["P(embed)", "emb 6m", "emb 12m", "emb 24m", f"{words} avoided", "burden", "P(fizzle)"]
    widths = [9, 8, 9, 9, max(12, len(words) + 9), 13, 9]
    keys = list(METRICS)
    name_w = min(max(len(s) for s in plan.strategies), 40)
    lines = [
        f"{'#':>2}  {'strategy':<{name_w}}  {'launch':>6}  "
        + "  ".join(f"{h:>{w}}" for h, w in zip(heads, widths))
    ]
    for row in table.itertuples():
        r = row._asdict()
        lines.append(
            f"{r['rank']:>2}  {str(r['strategy'])[:name_w]:<{name_w}}  {'m' + format(r['launch_month'], 'g'):>6}  "
            + "  ".join(f"{fmt(k, r[k]):>{w}}" for k, w in zip(keys, widths))
        )
        lines.append(
            f"{'':>2}  {'':<{name_w}}  {'':>6}  "
            + "  ".join(
                f"{fmt_interval(k, r[k + '_lo'], r[k + '_hi']):>{w}}" for k, w in zip(keys, widths)
            )
        )
    return "\n".join(lines)


def robustness_text(plan: Plan, runs: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The ranking metric per strategy under each staffing case (pooled over launch months),
    the best in each case marked with *."""
    key = plan.spec.rank_by
    grid = runs.pivot_table(index="strategy", columns="staffing", values=key, aggfunc="mean")
    grid = grid.reindex(index=plan.strategies, columns=plan.staffing)
    better = METRICS[key][1]
    best = grid.idxmax() if better else grid.idxmin()
    name_w = min(max(len(s) for s in plan.strategies), 40)
    widths = [max(len(c), 7) for c in grid.columns]
    lines = [
        f"{'strategy':<{name_w}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(grid.columns, widths))
    ]
    for strategy, row in grid.iterrows():
        cells = []
        for c, w in zip(grid.columns, widths):
            mark = "*" if best[c] == strategy else " "
            cells.append(f"{fmt(key, row[c]) + mark:>{w}}")
        lines.append(f"{str(strategy)[:name_w]:<{name_w}}  " + "  ".join(cells))
    return "\n".join(lines), grid


def mechanisms(runs: pd.DataFrame, a: tuple[str, float], b: tuple[str, float]) -> list[str]:
    """Sentences naming the indicators in which row ``a`` differs most from row ``b`` (paired,
    standardised by the indicator's spread over the whole plan), each with its mechanism."""
    found = []
    for key, (what, direction, form, why) in INDICATORS.items():
        if runs[key].isna().all():
            continue
        spread = float(np.nanstd(runs[key]))
        if spread <= 0:
            continue
        p = paired(runs, a, b, key)
        if math.isnan(p.diff):
            continue
        effect = p.diff / spread
        scale = max(abs(p.a), abs(p.b))
        if abs(effect) < MIN_EFFECT or (scale > 0 and abs(p.diff) < MIN_RELATIVE * scale):
            continue
        good = effect * direction > 0
        found.append((abs(effect), good, key, what, form, why, p))
    found.sort(key=lambda f: -f[0])
    out = []
    for _, good, _, what, form, why, p in found[:4]:
        side = "in its favour" if good else "against it"
        out.append(f"{what} {form.format(p.a)} vs {form.format(p.b)} ({side}): {why}.")
    return out


def recommendation(plan: Plan, runs: pd.DataFrame, table: pd.DataFrame, outcome: str) -> str:
    """A short recommendation in plain words: the top row, how clearly it beats the plan's first
    strategy (the reference) and the runner-up on the same seeds, whether it holds under every
    staffing case, its best launch month and the mechanisms behind the difference."""
    key = plan.spec.rank_by
    label = METRICS[key][0]
    top = table.iloc[0]
    a = (top.strategy, top.launch_month)
    lines = [
        lead(plan, verdict(plan, runs, table)),
        f"{top.strategy}, launch {when(plan, top.launch_month)}: expected {label}: {fmt(key, top[key])} (90% interval "
        f"{fmt_interval(key, top[key + '_lo'], top[key + '_hi']).strip('()')}); chance of "
        f"embedding (80% of wards by 24 months) {fmt('p_embedded', top.p_embedded)}, chance "
        f"of fizzling {fmt('p_fizzled', top.p_fizzled)}.",
    ]
    reference = plan.strategies[0]
    others = table[table.strategy != top.strategy]
    comparisons = []
    if top.strategy != reference:
        comparisons.append(("the reference plan", (reference, top.launch_month)))
    if len(others):
        runner = others.iloc[0]
        if runner.strategy != reference or top.strategy == reference:
            comparisons.append(("the runner-up", (runner.strategy, runner.launch_month)))
    for what, b in comparisons:
        p = paired(runs, a, b, key)
        lines.append(f"Against {what} ({b[0]}, {when(plan, b[1])}): {_difference(key, p)}")
        why = mechanisms(runs, a, b)
        if why:
            lines.append("  Why, in the model: " + " ".join(why))
    # robustness to staffing: does the top strategy stay first under every staffing case?
    _, grid = robustness_text(plan, runs)
    better = METRICS[key][1]
    best = grid.idxmax() if better else grid.idxmin()
    lost = [c for c in grid.columns if best[c] != top.strategy]
    if len(grid.columns) > 1:
        if not lost:
            lines.append(f"It ranks first under every staffing case ({', '.join(grid.columns)}).")
        else:
            lines.append(
                "It does not rank first under every staffing case: "
                + "; ".join(f"under '{c}' {best[c]} does better" for c in lost)
                + "."
            )
    # launch timing for the top strategy
    mine = table[table.strategy == top.strategy].sort_values("launch_month")
    if len(mine) > 1:
        parts = [f"{when(plan, r.launch_month)} {fmt(key, r[key])}" for _, r in mine.iterrows()]
        lines.append(f"Launch timing for this strategy ({label}): " + ", ".join(parts) + ".")
        worst = mine.sort_values(key, ascending=METRICS[key][1]).iloc[0]
        if worst.launch_month != top.launch_month:
            b = (top.strategy, worst.launch_month)
            p = paired(runs, a, b, key)
            why = mechanisms(runs, a, b)
            lines.append(
                f"  {when(plan, top.launch_month)} rather than {when(plan, worst.launch_month)}: "
                f"{_difference(key, p)}" + (" Why, in the model: " + " ".join(why) if why else "")
            )
    # trade-offs: the rows best on the other things a planner weighs
    for other in ("outcome_avoided", "burden_days"):
        if other == key:
            continue
        best_row = table.sort_values(other, ascending=not METRICS[other][1]).iloc[0]
        if (best_row.strategy, best_row.launch_month) != a:
            words = (
                f"most {OUTCOME_WORDS.get(outcome, outcome)} avoided"
                if other == "outcome_avoided"
                else "lowest staff burden"
            )
            lines.append(
                f"Trade-off: the {words}: {best_row.strategy}, {when(plan, best_row.launch_month)} "
                f"({fmt(other, best_row[other])} against {fmt(other, top[other])})."
            )
    if _prepares(plan, top.strategy):
        lines.append(
            "Caution: what the skills programme adds rests on an assumed strength "
            "(qisim.strategies.PROGRAMME_DAYS_SCALE: a four-month programme closes about a third "
            "of the gap to full skill); the report recommends it (§5) but gives no size."
        )
    if table.p_embedded.max() == 0:
        lines.append(
            "No strategy embedded the change on 80% of wards within 24 months in any run: "
            "expect a patchy result whatever the plan, and judge the plans by the share of wards "
            "embedded."
        )
    return "\n".join(lines)


def _points(share: float) -> str:
    """A difference of shares in percentage points, signed ('+4', '-2', '0')."""
    value = round(100 * share)
    return f"{value:+d}" if value else "0"


def _difference(key: str, p: Paired) -> str:
    """'46% vs 35%, difference +11 points (90% interval +3 to +19; 12 paired runs on the same
    seeds): clearly better.'"""
    better = METRICS[key][1]
    verdict = (
        ("clearly better" if (p.diff > 0) == better else "clearly worse")
        if p.clear
        else "not clearly different"
    )
    if key.startswith(("p_", "embedded")):
        size = f"{_points(p.diff)} points (90% interval {_points(p.lo)} to {_points(p.hi)}"
    else:
        size = f"{p.diff:+.3g} (90% interval {p.lo:+.3g} to {p.hi:+.3g}"
    return (
        f"{fmt(key, p.a)} vs {fmt(key, p.b)}, difference {size}; {p.n} paired runs on the same "
        f"seeds): {verdict}."
    )


def _prepares(plan: Plan, strategy: str) -> bool:
    """Whether the strategy's cells run the prepare-first programme."""
    return any(
        c.scenario.initiative.rollout.prepare_days > 0 for c in plan.cells if c.strategy == strategy
    )


def crn_note(plan: Plan) -> str:
    return (
        f"Common random numbers: all {len(plan.cells)} combinations (strategy x launch month x "
        f"staffing case) ran on the same {plan.replications} seeds (seed {plan.spec.seed}, "
        "replication r uses the same seed everywhere), so the trust, its staff and the chance "
        "events are the same until the plans make them differ; differences between rows are "
        "the plans, not noise, and the comparisons below are paired on those seeds."
    )


def heatmap_table(plan: Plan, runs: pd.DataFrame) -> pd.DataFrame:
    """Mean of the ranking metric for every strategy, staffing case and launch month."""
    key = plan.spec.rank_by
    return (
        runs.groupby(["strategy", "staffing", "launch_month"], sort=False)[key]
        .mean()
        .rename(key)
        .reset_index()
    )


__all__ = [
    "MEASURE_MONTHS",
    "chance_interval",
    "mean_interval",
    "paired",
    "ranked_table",
    "recommendation",
]
