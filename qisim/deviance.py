"""Positive deviance: which wards succeed against the odds, and what sets them apart.

The report's method: positive deviance "examines how some groups achieve better results than
others with the same resources and obstacles" (§1 Methods; Lawton et al. 2014), and its finding:
"More than one of the case studies displayed positive deviance ... This was largely due to
individuals who succeeded against the odds because of their exceptional SOFFT skills" (§4
Discussion); "Very often such disparities were due to the management style and tone adopted by
front-line managers" (§3 Leading staff).

The analysis asks the same question of simulated wards, in three steps:

1. **Expected outcome from the environment.** Each ward's outcome (by default its habit at the end
   of the run) is predicted from its resources and obstacles only: trust culture, realised
   staffing, vacancies, sickness, agency cover, initiative load, how long the change has been live
   there, whether it piloted, how unlike the design context it is and, across an experiment's
   design points, the initiative's design. The prediction is a ridge regression fitted over all
   ward-runs *except the ward's own* (leave-one-ward-out), with Huber weights, so that a deviant
   ward cannot raise its own expectation and other exceptional wards do not raise it either.
2. **Deviants.** A ward's residual in each run is scaled by the robust spread of all residuals
   (z). A ward is a positive deviant when it is far above expectation (z >= ``z_threshold``) in at
   least ``consistency`` of its runs.
3. **What sets them apart.** For each ward, manager and staff attribute, the difference between
   the deviant wards and the others, raw and standardised (in standard deviations of the
   attribute over all ward-runs), with percentile intervals from a two-stage cluster bootstrap
   (runs, then wards within each group).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qisim.mechanisms.culture import climate
from qisim.paths import make_folder
from qisim.sweep.replicate import Arm, replicate

if TYPE_CHECKING:
    from qisim.results import RunResult

OUTCOMES = {
    "habit": "mean habit of the ward's permanent target staff at the end of the run",
    "practice": "share of the practice done on the ward over the last 28 days",
}

# A ward's resources and obstacles: what its outcome is expected from.
ENVIRONMENT = {
    "trust_culture": "trust climate: its respectful critical dialogue (culture.climate)",
    "staffing": "realised staffing: nurses on duty / required, mean over the run",
    "vacancy": "vacant share of the funded nursing posts",
    "sickness": "sickness absence rate",
    "agency_fill": "share of vacant shifts filled by agency nurses",
    "initiative_load": "initiatives the ward carried, mean over the run",
    "days_live": "days since the change went live on the ward",
    "pilot": "the ward piloted the change",
    "context_distance": "how unlike the design context the ward is",
    "qi_training": "the trust's QI training programme",
    "co_design": "breadth of co-design",
    "problem_clarity": "problem clarity",
    "pdsa_rollout": "PDSA intensity in the roll-out",
    "staffing_sensitivity": "how much the practice needs staff",
    "qi_team_size": "QI team members, mean over the run",
}

# What might set a ward apart, by whose attribute it is.
ATTRIBUTES: dict[str, dict[str, str]] = {
    "ward": {
        "micro_culture": "the ward's own micro-culture",
    },
    "manager": {
        "manager_enthusiasm": "manager's enthusiasm for the initiative",
        "manager_role_modelling": "manager's role modelling",
        "manager_style_tone": "manager's style and tone",
        "manager_leadership": "manager's leadership",
        "manager_shielding": "manager shields staff from initiativitis",
    },
    "staff": {
        "staff_qi_skill": "staff QI skill at the end (mean)",
        "staff_fatigue": "staff change fatigue, mean over the run",
        "staff_cynicism": "staff cynicism at the end (mean)",
        "staff_agency_share": "share of the ward's nurses who are agency staff",
        "staff_night_share": "share of the ward's staff on fixed nights",
    },
}
ATTRIBUTE_GROUP = {name: group for group, names in ATTRIBUTES.items() for name in names}
FINAL_WINDOW = 28


# ---------------------------------------------------------------------------------------------
# One run -> one row per target ward


def ward_table(result: RunResult, run: str = "0", point: str = "") -> pd.DataFrame:
    """One row per target ward of one run: outcomes, environment and attributes."""
    from qisim.domain import SHIFTS

    m = result.model
    w, s, rec = m.wards, m.staff, m.recorder
    days = rec.n_recorded
    tail = slice(max(days - FINAL_WINDOW, 0), days)
    scen = m.qi_scenario
    init = scen.initiative
    n = w.n

    def ward_mean(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        count = np.bincount(s.ward[mask], minlength=n)
        total = np.bincount(s.ward[mask], weights=values[mask], minlength=n)
        return np.divide(total, count, out=np.full(n, np.nan), where=count > 0)

    target_staff = s.target
    nursing = s.nursing
    launched = w.launch_day >= 0
    table = pd.DataFrame(
        {
            "point": point,
            "run": str(run),
            "ward": w.names,
            "hospital": [w.hospital_names[h] for h in w.hospital],
            "specialty": w.specialty,
            "target": w.target,
            # outcomes
            "habit": m.ward_habit,
            "practice": rec.ward["practice"][tail].mean(axis=0),
            "embedded": w.embedded,
            # environment
            "trust_culture": climate(scen.trust.culture),
            "staffing": rec.ward["staffing"][:days].mean(axis=0),
            "vacancy": w.vacancy,
            "sickness": w.sickness,
            "agency_fill": w.agency_fill,
            "initiative_load": rec.ward["load"][:days].mean(axis=0),
            "days_live": np.where(launched, days - w.launch_day, 0),
            "pilot": w.pilot.astype(float),
            "context_distance": w.context_distance,
            "qi_training": scen.trust.qi_training,
            "co_design": init.co_design,
            "problem_clarity": init.problem_clarity,
            "pdsa_rollout": init.pdsa_rollout,
            "staffing_sensitivity": init.staffing_sensitivity,
            "qi_team_size": rec.trust["qi_team_size"][:days].mean(),
            # ward and manager
            "micro_culture": w.micro_culture,
            "manager_enthusiasm": w.manager_enthusiasm,
            "manager_role_modelling": w.manager_role_modelling,
            "manager_style_tone": w.manager_style_tone,
            "manager_leadership": w.manager_leadership,
            "manager_shielding": w.manager_shielding,
            # staff
            "staff_qi_skill": ward_mean(s.qi_skill, target_staff),
            "staff_fatigue": rec.ward["fatigue"][:days].mean(axis=0),
            "staff_cynicism": ward_mean(s.cynicism, target_staff),
            "staff_agency_share": ward_mean(s.agency.astype(float), nursing),
            "staff_night_share": ward_mean(
                (s.shift == SHIFTS.index("night")).astype(float), np.ones(s.n, dtype=bool)
            ),
        }
    )
    return table[table["target"]].drop(columns="target").reset_index(drop=True)


def _ward_rows(arm: Arm, seed: int) -> dict[str, pd.DataFrame]:
    """A worker's task: the ward table of one run."""
    return {"wards": ward_table(arm.run(seed))}


def collect(
    arms: Sequence[Arm], reps: int, seed: int = 0, workers: int | None = 1, progress=None
) -> pd.DataFrame:
    """Run every arm (a scenario, or a design point of an experiment) ``reps`` times and stack
    their ward tables; ``run`` is the replication and ``point`` the arm's name.

    Replication r runs with seed ``seed + r`` (:func:`qisim.sweep.replicate.replicate`), on
    ``workers`` processes (None: all cores); the rows do not depend on the number of workers.
    ``progress`` (optional) is called with the runs done so far and their total.
    """
    rows = replicate(arms, reps, seed, measure=_ward_rows, workers=workers, progress=progress)
    tables = [r["wards"].assign(point=arms[r["arm"]].name, run=str(r["replication"])) for r in rows]
    return pd.concat(tables, ignore_index=True)


def is_experiment(path: str | Path) -> bool:
    """Whether a TOML file is an experiment (it names a ``scenario`` and has no wards)."""
    from qisim.scenario import read_toml

    data = read_toml(Path(path))
    return "scenario" in data and "wards" not in data and "base" not in data


def experiment_runs(path: str | Path, reps: int | None = None) -> tuple[str, list[Arm], int, int]:
    """Every (design point, lever) of an experiment file as an arm, with the replications
    (default: the file's) and the base seed of ``qisim sweep``, so a ward-run here is the same
    run as in the sweep. Returns (name, arms, replications, seed)."""
    from qisim.scenario import with_overrides
    from qisim.sweep import load_experiment, make_plan

    exp = load_experiment(path)
    plan = make_plan(exp)
    seen: dict[tuple[int, int], Any] = {}
    for spec in plan.runs:
        seen.setdefault((spec.point, spec.lever), spec)
    arms = []
    for (point, lever), spec in seen.items():
        scenario = with_overrides(exp.base, spec.overrides) if spec.overrides else exp.base
        label = f"point {point}" + (f", lever {lever}" if len(plan.levers) > 1 else "")
        arms.append(Arm(scenario, label, spec.constants or {}))
    return exp.name, arms, reps or exp.spec.replications, exp.spec.seed


# ---------------------------------------------------------------------------------------------
# Step 1: the expected outcome


def _design_matrix(table: pd.DataFrame, features: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Standardised environment columns that vary (constant ones carry no information)."""
    cols, names = [], []
    for name in features:
        x = table[name].to_numpy(dtype=float)
        sd = x.std()
        if np.isfinite(sd) and sd > 1e-9:
            cols.append((x - x.mean()) / sd)
            names.append(name)
    if not cols:
        return np.zeros((len(table), 0)), names
    return np.column_stack(cols), names


def _ridge(X: np.ndarray, y: np.ndarray, weights: np.ndarray, alpha: float) -> np.ndarray:
    """Weighted ridge regression with an unpenalised intercept; returns [intercept, coefs]."""
    Xd = np.column_stack([np.ones(len(X)), X])
    W = weights[:, None]
    penalty = alpha * np.eye(Xd.shape[1])
    penalty[0, 0] = 0.0
    return np.linalg.solve(Xd.T @ (W * Xd) + penalty, Xd.T @ (weights * y))


def _huber_weights(residual: np.ndarray, k: float = 1.345) -> np.ndarray:
    scale = _robust_sd(residual)
    if scale <= 0:
        return np.ones_like(residual)
    u = np.abs(residual) / scale
    return np.where(u <= k, 1.0, k / np.maximum(u, 1e-12))


def _robust_sd(x: np.ndarray) -> float:
    """Standard deviation estimated from the median absolute deviation (normal-consistent)."""
    x = np.asarray(x, dtype=float)
    mad = float(np.median(np.abs(x - np.median(x))))
    if mad > 0:
        return 1.4826 * mad
    return float(x.std())


def expected_outcome(
    table: pd.DataFrame,
    outcome: str = "habit",
    features: Sequence[str] = tuple(ENVIRONMENT),
    alpha: float = 1.0,
    iterations: int = 5,
) -> tuple[np.ndarray, list[str]]:
    """Each ward-run's outcome as expected from its environment alone.

    Leave-one-ward-out: the prediction for a ward comes from a ridge regression fitted on every
    other ward's rows, so the ward cannot lift its own expectation. Huber weights (from a first
    fit on all rows) keep other exceptional wards from lifting it either.

    Returns the expected values and the environment columns used (those that vary).
    """
    X, used = _design_matrix(table, features)
    y = table[outcome].to_numpy(dtype=float)
    weights = np.ones(len(y))
    for _ in range(iterations):
        beta = _ridge(X, y, weights, alpha)
        weights = _huber_weights(y - beta[0] - X @ beta[1:])
    expected = np.empty(len(y))
    groups = table["ward"].to_numpy()
    for ward in pd.unique(groups):
        held = groups == ward
        beta = _ridge(X[~held], y[~held], weights[~held], alpha)
        expected[held] = beta[0] + X[held] @ beta[1:]
    return expected, used


# ---------------------------------------------------------------------------------------------
# Steps 2 and 3


@dataclass
class DevianceResult:
    """The analysis: per ward-run rows, per ward verdicts, attribute contrasts."""

    table: pd.DataFrame  # one row per ward per run, with expected, residual, z
    wards: pd.DataFrame  # one row per ward: observed, expected, z, share of runs far above
    effects: pd.DataFrame  # one row per attribute: deviants vs others, with intervals
    outcome: str
    environment: list[str]
    z_threshold: float
    consistency: float
    notes: list[str] = field(default_factory=list)

    @property
    def deviants(self) -> list[str]:
        return self.wards.loc[self.wards["deviant"], "ward"].tolist()


def analyse(
    table: pd.DataFrame,
    outcome: str = "habit",
    z_threshold: float = 2.0,
    consistency: float = 0.8,
    n_boot: int = 2000,
    seed: int = 0,
    features: Sequence[str] = tuple(ENVIRONMENT),
) -> DevianceResult:
    """Find the positive deviants in a ward table from :func:`collect` and what sets them apart."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
    if table["ward"].nunique() < 3:
        raise ValueError("positive deviance needs at least three target wards to compare")
    table = table.copy()
    expected, used = expected_outcome(table, outcome, features)
    table["expected"] = expected
    table["residual"] = table[outcome] - expected
    spread = _robust_sd(table["residual"].to_numpy())
    table["z"] = table["residual"] / spread if spread > 0 else 0.0
    table["far_above"] = table["z"] >= z_threshold

    rng = np.random.default_rng(seed)
    wards = _ward_verdicts(table, outcome, consistency, n_boot, rng)
    table["deviant"] = table["ward"].isin(wards.loc[wards["deviant"], "ward"])
    effects = attribute_effects(table, n_boot, rng)
    notes = []
    if not used:
        notes.append("no environment column varies between wards: expectation is the mean")
    return DevianceResult(table, wards, effects, outcome, used, z_threshold, consistency, notes)


def _ward_verdicts(
    table: pd.DataFrame, outcome: str, consistency: float, n_boot: int, rng: np.random.Generator
) -> pd.DataFrame:
    rows = []
    for ward, g in table.groupby("ward", sort=False):
        z = g["z"].to_numpy()
        resid = g["residual"].to_numpy()
        boot = rng.choice(resid, size=(n_boot, len(resid)), replace=True).mean(axis=1)
        low, high = np.percentile(boot, [2.5, 97.5])
        share = float(g["far_above"].mean())
        rows.append(
            {
                "ward": ward,
                "hospital": g["hospital"].iloc[0],
                "specialty": g["specialty"].iloc[0],
                "runs": len(g),
                "observed": float(g[outcome].mean()),
                "expected": float(g["expected"].mean()),
                "residual": float(resid.mean()),
                "residual_low": float(low),
                "residual_high": float(high),
                "z": float(z.mean()),
                "share_far_above": share,
                "deviant": share >= consistency,
            }
        )
    out = pd.DataFrame(rows).sort_values("z", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def attribute_effects(
    table: pd.DataFrame, n_boot: int = 2000, rng: np.random.Generator | None = None
) -> pd.DataFrame:
    """Deviant wards against the others on every ward, manager and staff attribute.

    ``difference`` is in the attribute's own units; ``standardised`` divides it by the
    attribute's standard deviation over all ward-runs. Intervals: 95% percentile intervals of a
    two-stage cluster bootstrap that resamples runs, then wards within the deviant and the other
    group, so a single deviant ward gives honest (not zero-width) intervals.
    """
    rng = rng or np.random.default_rng(0)
    names = [a for a in ATTRIBUTE_GROUP if a in table]
    if not table["deviant"].any() or table["deviant"].all():
        return pd.DataFrame(
            columns=["group", "attribute", "meaning", "deviants", "others", "difference",
                     "difference_low", "difference_high", "standardised", "standardised_low",
                     "standardised_high"]
        )  # fmt: skip
    values = table[names].to_numpy(dtype=float)
    runs = table["run"].astype(str) + "|" + table["point"].astype(str)
    run_ids = pd.unique(runs)
    run_index = {r: i for i, r in enumerate(run_ids)}
    row_run = np.array([run_index[r] for r in runs])
    ward_ids = pd.unique(table["ward"])
    ward_index = {w: i for i, w in enumerate(ward_ids)}
    row_ward = np.array([ward_index[w] for w in table["ward"]])
    deviant_wards = np.array(
        [table.loc[row_ward == i, "deviant"].iloc[0] for i in range(len(ward_ids))]
    )
    # cell means: (run, ward) -> attribute values (a ward appears once per run)
    cell = np.full((len(run_ids), len(ward_ids), len(names)), np.nan)
    cell[row_run, row_ward] = values

    def contrast(run_sel: np.ndarray, dev_sel: np.ndarray, oth_sel: np.ndarray):
        dev = cell[np.ix_(run_sel, dev_sel)].reshape(-1, len(names))
        oth = cell[np.ix_(run_sel, oth_sel)].reshape(-1, len(names))
        both = np.vstack([dev, oth])
        diff = np.nanmean(dev, axis=0) - np.nanmean(oth, axis=0)
        sd = np.nanstd(both, axis=0)
        std = np.divide(diff, sd, out=np.zeros_like(diff), where=sd > 1e-12)
        return diff, std

    dev_ix = np.flatnonzero(deviant_wards)
    oth_ix = np.flatnonzero(~deviant_wards)
    all_runs = np.arange(len(run_ids))
    with np.errstate(all="ignore"):
        diff, std = contrast(all_runs, dev_ix, oth_ix)
        boot_diff = np.empty((n_boot, len(names)))
        boot_std = np.empty((n_boot, len(names)))
        for b in range(n_boot):
            r = rng.choice(all_runs, size=len(all_runs), replace=True)
            d = rng.choice(dev_ix, size=len(dev_ix), replace=True)
            o = rng.choice(oth_ix, size=len(oth_ix), replace=True)
            boot_diff[b], boot_std[b] = contrast(r, d, o)
        dev_mean = np.nanmean(cell[:, dev_ix].reshape(-1, len(names)), axis=0)
        oth_mean = np.nanmean(cell[:, oth_ix].reshape(-1, len(names)), axis=0)
    d_lo, d_hi = np.nanpercentile(boot_diff, [2.5, 97.5], axis=0)
    s_lo, s_hi = np.nanpercentile(boot_std, [2.5, 97.5], axis=0)
    out = pd.DataFrame(
        {
            "group": [ATTRIBUTE_GROUP[a] for a in names],
            "attribute": names,
            "meaning": [ATTRIBUTES[ATTRIBUTE_GROUP[a]][a] for a in names],
            "deviants": dev_mean,
            "others": oth_mean,
            "difference": diff,
            "difference_low": d_lo,
            "difference_high": d_hi,
            "standardised": std,
            "standardised_low": s_lo,
            "standardised_high": s_hi,
        }
    )
    # largest standardised difference first; ties (attributes that move together) by the raw one
    order = np.lexsort((-np.abs(diff), -np.round(np.abs(std), 2)))
    return out.iloc[order].reset_index(drop=True)


def sets_apart(result: DevianceResult, top: int = 8) -> pd.DataFrame:
    """The attributes whose standardised difference is clearly away from zero (its interval
    excludes zero), largest first."""
    e = result.effects
    clear = (e["standardised_low"] > 0) | (e["standardised_high"] < 0)
    return e[clear].head(top)


# ---------------------------------------------------------------------------------------------
# Output


def plot_deviance(result: DevianceResult, path: str | Path, title: str = "") -> Path:
    """Two panels: observed against expected outcome for every ward-run (deviants named), and
    the attributes that set the deviants apart (standardised differences with intervals)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.table
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 5.5), gridspec_kw={"width_ratios": [1, 1.2]})
    others = t[~t["deviant"]]
    dev = t[t["deviant"]]
    ax.scatter(others["expected"], others[result.outcome], s=12, color="#9e9e9e", alpha=0.6,
               label="other wards (one dot per ward per run)")  # fmt: skip
    ax.scatter(dev["expected"], dev[result.outcome], s=22, color="#d62728", alpha=0.85,
               label="positive deviants")  # fmt: skip
    lo = float(min(t["expected"].min(), t[result.outcome].min(), 0))
    hi = float(max(t["expected"].max(), t[result.outcome].max())) * 1.05 + 1e-6
    ax.plot([lo, hi], [lo, hi], color="black", lw=0.8, label="as expected")
    spread = _robust_sd(t["residual"].to_numpy())
    ax.plot([lo, hi], [lo + result.z_threshold * spread, hi + result.z_threshold * spread],
            color="#d62728", lw=0.8, ls="--", label=f"far above ({result.z_threshold:g} SD)")  # fmt: skip
    for ward, g in dev.groupby("ward"):
        ax.annotate(ward, (g["expected"].max(), g[result.outcome].mean()), xytext=(12, 0),
                    textcoords="offset points", fontsize=9, color="#b71c1c", weight="bold",
                    va="center", bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                       "alpha": 0.85})  # fmt: skip
    ax.set_xlabel(f"expected {result.outcome} from the ward's environment")
    ax.set_ylabel(f"observed {result.outcome}")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, max(hi, float(t[result.outcome].max()) * 1.05))
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Which wards succeed against the odds?", fontsize=11)

    e = result.effects
    if len(e):
        e = e.iloc[::-1]
        y = np.arange(len(e))
        colours = {"ward": "#2ca02c", "manager": "#1f77b4", "staff": "#ff7f0e"}
        for group, colour in colours.items():
            sel = (e["group"] == group).to_numpy()
            if sel.any():
                bx.errorbar(
                    e["standardised"][sel], y[sel],
                    xerr=[e["standardised"][sel] - e["standardised_low"][sel],
                          e["standardised_high"][sel] - e["standardised"][sel]],
                    fmt="o", color=colour, label=group, capsize=2,
                )  # fmt: skip
        bx.axvline(0, color="black", lw=0.8)
        right = float(np.nanmax(np.abs(e[["standardised_low", "standardised_high"]].to_numpy())))
        right = max(right, 0.5)
        bx.set_xlim(-right * 1.15, right * 1.6)
        for yi, (_, r) in zip(y, e.iterrows()):
            bx.text(right * 1.15, yi, f"{r['deviants']:.2f} vs {r['others']:.2f}", fontsize=7,
                    va="center", color="#444444")  # fmt: skip
        bx.set_yticks(y, e["meaning"], fontsize=8)
        bx.set_xlabel("deviants minus others (standard deviations, 95% bootstrap interval)")
        bx.legend(fontsize=8, loc="lower left")
    else:
        bx.text(0.5, 0.5, "no positive deviants found", ha="center", va="center")
        bx.set_axis_off()
    bx.set_title("What sets them apart?", fontsize=11)
    if title:
        fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def report(result: DevianceResult, name: str = "") -> str:
    """A short plain-text report: the deviant wards and what sets them apart."""
    lines = []
    head = f"Positive deviance{': ' + name if name else ''}"
    runs = result.table.groupby(["point", "run"]).ngroups
    lines.append(head)
    lines.append(
        f"  outcome           {result.outcome} ({OUTCOMES[result.outcome]})\n"
        f"  expected from     {', '.join(result.environment) or '(nothing varies)'}\n"
        f"  runs              {runs}, {result.table['ward'].nunique()} target wards\n"
        f"  deviant when      >= {result.z_threshold:g} robust SD above expectation in "
        f">= {result.consistency:.0%} of runs"
    )
    w = result.wards
    lines.append("")
    lines.append(f"  {'ward':<28}{'observed':>9}{'expected':>9}{'z':>7}{'far above':>11}")
    for _, r in w.head(8).iterrows():
        mark = "  <- positive deviant" if r["deviant"] else ""
        lines.append(
            f"  {r['ward']:<28}{r['observed']:>9.2f}{r['expected']:>9.2f}{r['z']:>7.1f}"
            f"{r['share_far_above']:>10.0%}{mark}"
        )
    if len(w) > 8:
        lines.append(f"  ... {len(w) - 8} more wards in deviance_wards.csv")
    lines.append("")
    if not result.deviants:
        lines.append("  No ward is consistently far above what its environment predicts.")
        return "\n".join(lines)
    lines.append(
        f"  What sets {', '.join(result.deviants)} apart (deviants vs others; difference in SD of "
        "the attribute, 95% bootstrap interval):"
    )
    apart = sets_apart(result)
    for _, r in (apart if len(apart) else result.effects.head(5)).iterrows():
        lines.append(
            f"    {r['meaning']:<48} {r['deviants']:.2f} vs {r['others']:.2f}  "
            f"{r['standardised']:+.1f} SD [{r['standardised_low']:+.1f}, {r['standardised_high']:+.1f}]"
        )
    if len(result.deviants) < 3:
        lines.append(
            "  With so few deviant wards, attributes that differ together cannot be told apart:\n"
            "  change one at a time (qisim app, or qisim run --set) to see which one matters."
        )
    return "\n".join(lines)


def write(result: DevianceResult, out: str | Path, title: str = "") -> list[Path]:
    """Write deviance_wards.csv, deviance_attributes.csv, deviance_runs.csv and deviance.png."""
    out = Path(out)
    make_folder(out)
    paths = [out / "deviance_wards.csv", out / "deviance_attributes.csv", out / "deviance_runs.csv"]
    result.wards.to_csv(paths[0], index=False, float_format="%.4g")
    result.effects.to_csv(paths[1], index=False, float_format="%.4g")
    result.table.to_csv(paths[2], index=False, float_format="%.4g")
    paths.append(plot_deviance(result, out / "deviance.png", title))
    return paths
