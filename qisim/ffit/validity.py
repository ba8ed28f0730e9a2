"""How well FFIT predicts success in the model (``qisim study ffit-validity``, the "FFIT validity
study"): does the FFIT profile a scenario launches with predict whether its initiative embeds in
the simulation? It tests the tool against the model's mechanisms, not against hospitals.

The report offers FFIT as "an approximate barometer" and says it "has not been validated and
tested" (Appendix 1). Here the model is the test bed: thousands of scenarios are sampled across
the plausible space (Latin hypercube or Sobol over trust, ward, team and initiative attributes,
``experiments/ffit_validity.toml``); each is scored at launch (:func:`model_profile`, day 0) and
run once. The study reports the rank correlation of the FFIT total and of each section with the
share of target wards embedded, the AUC of the total for an embedded initiative, the items that
predict best, and the scenarios where a high FFIT still failed, with the mechanism that failed
them: the factor of the run (staffing, fatigue, reach, ownership, fit, tribes, ...) that was
lowest relative to all the sampled runs.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from qisim.domain import FFIT_ITEM_IDS, FFIT_SECTION_KEYS, FFIT_SECTIONS, TRIBES
from qisim.ffit.audit import ITEMS, section_means, total
from qisim.ffit.mapping import MAPPING, NOT_MODELLED, model_profile
from qisim.paths import make_folder
from qisim.processes import PlainProgress
from qisim.scenario import ScenarioError, flatten_overrides, read_toml, scenario_from_dict
from qisim.sweep.replicate import replicate
from qisim.sweep.storage import model_fingerprint

STUDY_KEYS = ("base", "n", "sampler", "seed", "days", "workers", "out", "high_ffit_quantile")
FAILED = ("fizzled", "halted", "stalled", "in_progress")  # neither embedded nor patchy

# The mechanisms a failure is put down to: the condition of a run on which it fell furthest
# below the runs that succeeded (percentile rank), with what a low value means in the report's
# words. Ownership and momentum are recorded too, but they are where the other mechanisms meet
# (ownership.py) or drain whenever practice stalls, so a failure is put down to what drove them.
FACTORS: dict[str, str] = {
    "design": "design never finished (unclear leadership, fidelity fight, short-handed team)",
    "qi_team": "QI team understaffed (Tissue viability)",
    "reach": "message did not get through to staff (shifts, cascade, no release)",
    "origin": "imposed rather than home-grown or co-designed (Handover at night)",
    "clarity": "no agreed problem, so no priority (Handover at night)",
    "managers": "ward managers not zealous role models (Postural blood pressure)",
    "culture": "hostile culture on the wards (Upsworth)",
    "fatigue": "change fatigue from competing initiatives (initiativitis)",
    "staffing": "short staffing made the practice infeasible (Enhanced care)",
    "fit": "change did not fit the wards, not adapted (Postural blood pressure)",
    "tribes": "message from the wrong profession (tribes)",
    "cynicism": "mixed messages bred cynicism (Enhanced care)",
}
SUCCESS = ("embedded", "patchy")


# --- configuration ----------------------------------------------------------------------------
@dataclass
class StudyConfig:
    path: Path
    base: Path
    n: int = 2000
    sampler: str = "lhs"
    seed: int = 0
    days: int = 730
    workers: int = 2
    out: Path = Path("results/ffit")
    high_ffit_quantile: float = 0.75
    fixed: dict[str, Any] = field(default_factory=dict)
    ranges: dict[str, list] = field(default_factory=dict)


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def load_config(path: str | Path, **overrides: Any) -> StudyConfig:
    """Read ``experiments/ffit_validity.toml``; ``overrides`` (n, days, workers, out, seed)
    replace the file's values when not None."""
    path = Path(path)
    data = read_toml(path)
    unknown = sorted(set(data) - {"study", "fixed", "ranges"})
    study = data.get("study", {})
    unknown += [f"study.{k}" for k in sorted(set(study) - set(STUDY_KEYS))]
    if unknown:
        raise ScenarioError(
            f"{path}: unknown field(s) {', '.join(unknown)}; allowed: [study] "
            f"{', '.join(STUDY_KEYS)}, [fixed] and [ranges]."
        )
    if "base" not in study:
        raise ScenarioError(f"{path}: [study] needs 'base', the scenario file to sample around.")
    here = path.parent
    cfg = StudyConfig(path=path, base=(here / study["base"]).resolve())
    for key in ("n", "seed", "days", "workers"):
        if key in study:
            setattr(cfg, key, study[key])
    cfg.sampler = study.get("sampler", cfg.sampler)
    cfg.high_ffit_quantile = float(study.get("high_ffit_quantile", cfg.high_ffit_quantile))
    cfg.out = (here / study["out"]).resolve() if "out" in study else cfg.out
    for key, value in overrides.items():
        if value is not None:
            setattr(cfg, key, Path(value) if key == "out" else value)
    # bare dotted keys arrive as nested tables: each becomes the one field it names
    cfg.fixed = flatten_overrides(data.get("fixed", {}), str(path), "[fixed]")
    cfg.ranges = flatten_overrides(data.get("ranges", {}), str(path), "[ranges]")
    problems = []
    if cfg.sampler not in ("lhs", "sobol"):
        problems.append(f"study.sampler = {cfg.sampler!r} is not 'lhs' or 'sobol'")
    for name in ("n", "days", "workers"):
        value = getattr(cfg, name)
        if not _is_number(value) or int(value) != value or value < 1:
            problems.append(f"study.{name} = {value!r} must be a whole number of at least 1")
    if not 0 < cfg.high_ffit_quantile < 1:
        problems.append(f"study.high_ffit_quantile = {cfg.high_ffit_quantile} must be in (0, 1)")
    for key, spec in cfg.ranges.items():
        if not isinstance(spec, list) or len(spec) < 2:
            problems.append(f"ranges.'{key}' = {spec!r} must be [low, high] or a list of choices")
        elif len(spec) == 2 and all(_is_number(x) for x in spec) and spec[0] > spec[1]:
            problems.append(f"ranges.'{key}' = {spec!r}: low is above high")
    if problems:
        raise ScenarioError(f"{path}: invalid study. " + "; ".join(problems) + ".")
    if not cfg.ranges:
        raise ScenarioError(f"{path}: [ranges] is empty; give at least one attribute to sample.")
    # every path must be one the base scenario accepts: try the middle of every range
    base = base_data(cfg)
    scenario_from_dict(base, {**cfg.fixed, **decode(cfg, np.full((1, len(cfg.ranges)), 0.5))[0]})
    return cfg


def base_data(cfg: StudyConfig) -> dict:
    """The base scenario as a raw dict (validated once, through the scenario loader)."""
    from qisim.scenario import load_scenario

    return load_scenario(cfg.base).model_dump()


# --- sampling ---------------------------------------------------------------------------------
def unit_sample(n: int, d: int, sampler: str, seed: int) -> np.ndarray:
    """``n`` points in the unit cube [0, 1)^d by Latin hypercube or scrambled Sobol."""
    if sampler == "sobol":
        return qmc.Sobol(d, scramble=True, seed=seed).random(n)
    return qmc.LatinHypercube(d, seed=seed).random(n)


def decode(cfg: StudyConfig, u: np.ndarray) -> list[dict[str, Any]]:
    """Unit-cube points -> ``{path: value}`` overrides, one dict per point."""
    out: list[dict[str, Any]] = [{} for _ in range(len(u))]
    for j, (key, spec) in enumerate(cfg.ranges.items()):
        col = u[:, j]
        if len(spec) == 2 and all(_is_number(x) for x in spec):
            lo, hi = spec
            if isinstance(lo, int) and isinstance(hi, int):
                values = [int(v) for v in np.minimum(lo + np.floor(col * (hi - lo + 1)), hi)]
            else:
                values = [round(float(v), 4) for v in lo + col * (hi - lo)]
        else:
            idx = np.minimum((col * len(spec)).astype(int), len(spec) - 1)
            values = [spec[k] for k in idx]
        for row, value in zip(out, values):
            row[key] = value
    return out


# --- one run ----------------------------------------------------------------------------------
def diagnose(model) -> dict[str, float]:
    """The run's factors, higher is better, over the target wards: how far the initiative got
    (design finished, message understood), the drivers of ownership the mechanisms multiply
    (origin and co-design, problem clarity, managers' pull, culture, fatigue, cynicism) and the
    conditions of practice (staffing, fit, tribes). Each is computed with the mechanism's own
    function where there is one. NaN where a factor does not apply (no doctors among the targets,
    nothing launched)."""
    from qisim.mechanisms import culture, ownership, problem, role_modelling, staffing

    rec, w, s, lc = model.recorder, model.wards, model.staff, model.lifecycle
    days = rec.n_recorded
    tgt = w.target if w.target.any() else np.ones(w.n, dtype=bool)
    launched = w.active & tgt
    active_days = rec.ward["active"][:days][:, tgt].astype(bool)
    nan = float("nan")

    def over_active(name: str) -> float:
        x = rec.ward[name][:days][:, tgt]
        return float(x[active_days].mean()) if active_days.any() else nan

    feas_day = staffing.practice_feasibility(
        rec.ward["staffing"][:days][:, tgt], model.initiative.staffing_sensitivity,
        model.constants.staffing_gap_scale,
    )  # fmt: skip
    feas_night = staffing.practice_feasibility(
        rec.ward["staffing_night"][:days][:, tgt], model.initiative.staffing_sensitivity,
        model.constants.staffing_gap_scale,
    )  # fmt: skip
    feas = 0.5 * (feas_day + feas_night)
    last = days - 1
    understanding = rec.ward["understanding"][last][launched]
    owning = rec.ward["owning"][last][launched]
    reach = float(understanding.mean()) if launched.any() else nan
    own = float(owning.mean() / max(understanding.mean(), 1e-9)) if launched.any() else nan
    medical = s.target & (s.tribe == TRIBES.index("medical"))
    nursing = s.target & (s.tribe == TRIBES.index("nursing"))
    tribes = nan
    if medical.any() and nursing.any() and launched.any():
        ratio = s.understanding[medical].mean() / max(s.understanding[nursing].mean(), 1e-9)
        tribes = float(min(ratio, 1.0))
    team = rec.trust["qi_team_size"][:days] / model.qi_scenario.qi_team.establishment
    targets = s.target
    return {
        "design": 1.0 if lc.first_launch_day is not None else float(min(lc.design_progress, 1.0)),
        "qi_team": float(np.minimum(team, 1.0).mean()),
        "reach": reach,
        "origin": float(ownership.origin_factor(model)),
        "clarity": float(problem.clarity(model)),
        "managers": float(role_modelling.manager_pull(model)[tgt].mean()),
        "culture": float(culture.environment(model)[tgt].mean()),
        "fatigue": 1.0 - over_active("fatigue") if active_days.any() else nan,
        "staffing": float(feas[active_days].mean()) if active_days.any() else nan,
        "fit": float(w.fit[launched].mean()) if launched.any() else nan,
        "tribes": tribes,
        "cynicism": 1.0 - float(s.cynicism[targets].mean()) if targets.any() else nan,
        # recorded, not causes: where the mechanisms meet, and what drains when nothing moves
        "ownership": min(own, 1.0) if own == own else nan,
        "momentum": float(lc.momentum),
    }


def study_run(job: tuple[dict, dict, int], seed: int) -> dict[str, Any]:
    """One sampled scenario (a worker's task): its FFIT at launch, its outcome, its factors."""
    from qisim.model import QIModel
    from qisim.results import RunResult

    base, overrides, days = job
    cpu = time.process_time()
    scenario = scenario_from_dict(base, {**overrides, "days": days})
    model = QIModel(scenario, rng=seed)
    profile = model_profile(model)  # at launch: day 0, before the first step
    model.run()
    summary = RunResult(model, seed).summary
    row = {f"item_{k}": v for k, v in profile.items()}
    row.update({f"section_{k}": v for k, v in section_means(profile).items()})
    row["ffit_total"] = total(profile)
    for key in ("status", "embedded_ward_fraction", "practice_rate", "habit_rate", "time_to_embed"):
        row[key] = summary[key]
    row.update({f"factor_{k}": v for k, v in diagnose(model).items()})
    row["cpu_seconds"] = time.process_time() - cpu  # to tell the machine's load from the study's
    return row


# --- the study --------------------------------------------------------------------------------
def run_study(cfg: StudyConfig, progress: bool = True) -> pd.DataFrame:
    """Sample ``cfg.n`` scenarios, run each once, return one row per run (inputs, FFIT at
    launch, outcome, factors, and the mechanism a failed run is put down to)."""
    base = base_data(cfg)
    u = unit_sample(cfg.n, len(cfg.ranges), cfg.sampler, cfg.seed)
    samples = decode(cfg, u)
    jobs = [(base, {**cfg.fixed, **x}, cfg.days) for x in samples]
    start = time.time()
    bar = PlainProgress(cfg.n, desc="How well FFIT predicts success")
    # each sampled scenario is its own random world: run k has seed cfg.seed + k
    rows = replicate(
        jobs, 1, cfg.seed, measure=study_run, workers=cfg.workers, paired=False,
        progress=(lambda done, _: bar.update(done - bar.n)) if progress else False,
    )  # fmt: skip
    runs = pd.DataFrame(rows).drop(columns=["arm", "replication"])
    inputs = pd.DataFrame(
        [
            {f"input_{k}": (str(v) if isinstance(v, list) else v) for k, v in x.items()}
            for x in samples
        ]
    )
    runs = pd.concat([pd.DataFrame({"run": np.arange(cfg.n)}), inputs, runs], axis=1)
    runs["embedded"] = runs["status"] == "embedded"
    runs["failed"] = runs["status"].isin(FAILED)
    runs["why"] = why_failed(runs)
    runs.attrs["seconds"] = time.time() - start
    return runs


def percentile_within(x: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Mid-rank percentile of each ``x`` among ``reference`` (NaN where either is missing)."""
    ref = np.sort(reference[~np.isnan(reference)])
    if ref.size == 0:
        return np.full(len(x), np.nan)
    below = np.searchsorted(ref, x, "left")
    upto = np.searchsorted(ref, x, "right")
    return np.where(np.isnan(x), np.nan, (below + upto) / 2 / ref.size)


def why_failed(runs: pd.DataFrame, min_reference: int = 20) -> pd.Series:
    """For each failed run, the factor on which it fell furthest below the runs that succeeded
    (embedded or patchy): its lowest percentile among them (among all runs if fewer than
    ``min_reference`` succeeded). A run that never launched failed at design. Empty for runs
    that did not fail."""
    ok = runs["status"].isin(SUCCESS).to_numpy() if "status" in runs else np.zeros(len(runs), bool)
    ref = ok if ok.sum() >= min_reference else np.ones(len(runs), dtype=bool)
    pct = pd.DataFrame(
        {
            k: percentile_within(
                runs[f"factor_{k}"].to_numpy(float), runs[f"factor_{k}"].to_numpy(float)[ref]
            )
            for k in FACTORS
        },
        index=runs.index,
    )
    lowest = pct.fillna(np.inf).idxmin(axis=1)
    lowest[runs["factor_design"] < 1] = "design"
    return lowest.where(runs["failed"], "")


# --- analysis ---------------------------------------------------------------------------------
def spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Spearman's rho with a 90% interval (Fisher z, Bonett-Wright standard error)."""
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan"), float("nan")
    rho = float(stats.spearmanr(x, y).statistic)
    se = np.sqrt((1 + rho**2 / 2) / (n - 3))
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    half = stats.norm.ppf(0.95) * se
    return rho, min(float(np.tanh(z - half)), rho), max(float(np.tanh(z + half)), rho)


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for ``positive`` (Mann-Whitney, ties count half)."""
    positive = positive.astype(bool)
    n1, n0 = positive.sum(), (~positive).sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = stats.rankdata(score)
    return float((ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def predictor_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per predictor (the total, the seven sections, the 45 items): Spearman's rho
    with the share of wards embedded (90% interval) and with final habit, and the AUC for an
    embedded initiative."""
    embedded_frac = runs["embedded_ward_fraction"].to_numpy(float)
    habit = runs["habit_rate"].to_numpy(float)
    positive = runs["embedded"].to_numpy(bool)
    rows = []
    titles = {s.key: s.title for s in FFIT_SECTIONS}
    predictors = [("total", "ffit_total", "FFIT total (0-225)")]
    predictors += [("section", f"section_{k}", titles[k]) for k in FFIT_SECTION_KEYS]
    predictors += [("item", f"item_{i}", ITEMS[i].text) for i in FFIT_ITEM_IDS]
    for kind, col, text in predictors:
        x = runs[col].to_numpy(float)
        rho, lo, hi = spearman(x, embedded_frac)
        key = col.removeprefix("item_").removeprefix("section_")
        rows.append(
            {
                "kind": kind,
                "predictor": key if kind != "total" else "total",
                "text": text,
                "rho_embedded": rho,
                "rho_lo": lo,
                "rho_hi": hi,
                "rho_habit": spearman(x, habit)[0],
                "auc_embedded": auc(x, positive),
                "sets": MAPPING[key].sets if kind == "item" else "",
                "strength": MAPPING[key].strength if kind == "item" else "",
            }
        )
    return pd.DataFrame(rows)


def ffit_slots() -> set[str]:
    """The scenario paths some FFIT item sets (ward paths as ``wards.*.field``)."""
    return {path for row in MAPPING.values() for path in row.to_values(3)}


def hidden_inputs(runs: pd.DataFrame) -> list[str]:
    """Sampled inputs no FFIT item sets: what an audit cannot see."""
    slots = ffit_slots()
    out = []
    for col in runs.columns:
        if not col.startswith("input_"):
            continue
        parts = col.removeprefix("input_").split(".")
        if parts[0] == "wards" and len(parts) > 2:
            parts[1] = "*"
        if ".".join(parts) not in slots:
            out.append(col)
    return out


def hidden_table(runs: pd.DataFrame, quantile: float) -> pd.DataFrame:
    """For each sampled input no FFIT item sets, and each of its values (numbers in thirds of
    the sample): how often high-FFIT runs (total at or above the ``quantile``) with that value
    failed or embedded, beside all runs."""
    high = runs["ffit_total"] >= runs["ffit_total"].quantile(quantile)
    rows = []
    for col in hidden_inputs(runs):
        x = runs[col]
        if (
            pd.api.types.is_numeric_dtype(x)
            and not pd.api.types.is_bool_dtype(x)
            and x.nunique() > 6
        ):
            thirds = pd.qcut(x, 3, duplicates="drop")
            levels, order = thirds.astype(str), [str(c) for c in thirds.cat.categories]
        else:
            levels = x.astype(str)
            order = sorted(levels.unique())
        for value in order:
            m = (levels == value).to_numpy()
            h = m & high.to_numpy()
            rows.append(
                {
                    "attribute": col.removeprefix("input_"),
                    "value": value,
                    "high_ffit_runs": int(h.sum()),
                    "high_ffit_failed": float(runs["failed"].to_numpy()[h].mean())
                    if h.any()
                    else float("nan"),
                    "high_ffit_embedded": float(runs["embedded"].to_numpy()[h].mean())
                    if h.any()
                    else float("nan"),
                    "all_runs": int(m.sum()),
                    "all_failed": float(runs["failed"].to_numpy()[m].mean()),
                    "all_embedded": float(runs["embedded"].to_numpy()[m].mean()),
                }
            )
    return pd.DataFrame(rows)


def failure_table(runs: pd.DataFrame, quantile: float) -> pd.DataFrame:
    """The mechanisms failed runs are put down to: among high-FFIT failures (total at or above
    the ``quantile``) and among all failures."""
    high = runs["ffit_total"] >= runs["ffit_total"].quantile(quantile)
    rows = []
    for key, meaning in FACTORS.items():
        hi_fail = runs["failed"] & high & (runs["why"] == key)
        all_fail = runs["failed"] & (runs["why"] == key)
        rows.append(
            {
                "mechanism": key,
                "meaning": meaning,
                "high_ffit_failures": int(hi_fail.sum()),
                "share_of_high_ffit_failures": float(
                    hi_fail.sum() / max((runs["failed"] & high).sum(), 1)
                ),
                "all_failures": int(all_fail.sum()),
                "share_of_all_failures": float(all_fail.sum() / max(runs["failed"].sum(), 1)),
            }
        )
    return pd.DataFrame(rows).sort_values("high_ffit_failures", ascending=False, kind="stable")


__all__ = [
    "FACTORS",
    "NOT_MODELLED",
    "StudyConfig",
    "auc",
    "decode",
    "diagnose",
    "failure_table",
    "hidden_table",
    "load_config",
    "predictor_table",
    "run_study",
    "spearman",
    "study_run",
    "unit_sample",
    "why_failed",
]


# --- results ----------------------------------------------------------------------------------
def code_version() -> str:
    """qisim's version and, in a git checkout, the commit the study ran on (the mechanism
    constants are still being calibrated, so results belong to a commit)."""
    import subprocess

    import qisim

    here = Path(qisim.__file__).parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=here, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        if git("status", "--porcelain", "--", str(here), str(here.parent / "scenarios")):
            commit += " with local changes"
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"qisim {qisim.__version__}" + (f", commit {commit}" if commit else "")


def summarise(runs: pd.DataFrame, cfg: StudyConfig) -> dict[str, Any]:
    """The headline numbers of the study."""
    table = predictor_table(runs)
    total_row = table[table["kind"] == "total"].iloc[0]
    success = runs["status"].isin(["embedded", "patchy"]).to_numpy()
    high = runs["ffit_total"] >= runs["ffit_total"].quantile(cfg.high_ffit_quantile)
    return {
        "n": len(runs),
        "version": runs.attrs.get("version") or code_version(),
        # the model the runs came from (a hash of its code); runs analysed again keep theirs
        "model_fingerprint": runs.attrs["model_fingerprint"]
        if "model_fingerprint" in runs.attrs
        else model_fingerprint(),
        "days": cfg.days,
        "sampler": cfg.sampler,
        "seconds": float(runs.attrs.get("seconds", float("nan"))),
        "cpu_minutes": float(runs["cpu_seconds"].sum() / 60)
        if "cpu_seconds" in runs
        else float("nan"),
        "status_shares": runs["status"].value_counts(normalize=True).round(4).to_dict(),
        "rho_total": float(total_row["rho_embedded"]),
        "rho_total_ci": (float(total_row["rho_lo"]), float(total_row["rho_hi"])),
        "rho_total_habit": float(total_row["rho_habit"]),
        "auc_total_embedded": float(total_row["auc_embedded"]),
        "auc_total_success": auc(runs["ffit_total"].to_numpy(float), success),
        "high_ffit_threshold": float(runs["ffit_total"].quantile(cfg.high_ffit_quantile)),
        "high_ffit_runs": int(high.sum()),
        "high_ffit_failed": int((high & runs["failed"]).sum()),
        "high_ffit_embedded": int((high & runs["embedded"]).sum()),
    }


def write_results(runs: pd.DataFrame, cfg: StudyConfig) -> dict[str, Path]:
    """Write the study's tables, figure and note into ``cfg.out``."""
    from qisim.ffit.plots import plot_validity

    out = Path(cfg.out)
    make_folder(out)
    table = predictor_table(runs)
    failures = failure_table(runs, cfg.high_ffit_quantile)
    summary = summarise(runs, cfg)
    paths = {
        "runs": out / "validity_runs.csv.gz",
        "table": out / "validity_table.csv",
        "failures": out / "validity_failures.csv",
        "hidden": out / "validity_hidden.csv",
        "figure": out / "validity.png",
        "note": out / "validity.md",
        "summary": out / "validity_summary.json",
    }
    runs.to_csv(paths["runs"], index=False, float_format="%.6g")
    table.to_csv(paths["table"], index=False, float_format="%.4g")
    failures.to_csv(paths["failures"], index=False, float_format="%.4g")
    hidden = hidden_table(runs, cfg.high_ffit_quantile)
    hidden.to_csv(paths["hidden"], index=False, float_format="%.4g")
    plot_validity(runs, table, failures, summary, paths["figure"])
    paths["note"].write_text(note(summary, table, failures, hidden, runs, cfg))
    paths["summary"].write_text(json.dumps(summary, indent=2) + "\n")
    return paths


def _fmt_rho(row: pd.Series) -> str:
    return f"{row['rho_embedded']:+.2f} ({row['rho_lo']:+.2f} to {row['rho_hi']:+.2f})"


def note(
    summary: dict,
    table: pd.DataFrame,
    failures: pd.DataFrame,
    hidden: pd.DataFrame,
    runs: pd.DataFrame,
    cfg: StudyConfig,
) -> str:
    """The study's results in words and small tables (Markdown)."""
    shares = ", ".join(f"{k} {v:.0%}" for k, v in summary["status_shares"].items())
    lines = [
        "# How well FFIT predicts success in the model",
        "",
        "The FFIT profile a scenario launches with, set against whether its initiative embeds "
        "in the simulation: a test of the tool against the model's mechanisms, not against "
        "hospitals (the report's FFIT has not been validated in the field).",
        "",
        f"Generated by `qisim study ffit-validity` ({summary['version']}) from `{cfg.path.name}`: "
        f"{summary['n']} scenarios "
        f"({cfg.sampler.upper()} sample of {len(cfg.ranges)} attributes around "
        f"`{cfg.base.name}`), one run of {summary['days']} days each: "
        f"{summary['seconds'] / 60:.1f} minutes on {cfg.workers} worker(s), "
        f"{summary['cpu_minutes']:.1f} CPU-minutes in the runs themselves (so "
        f"{summary['cpu_minutes'] / cfg.workers:.1f} minutes on {cfg.workers} otherwise idle cores). "
        'Outcome: the share of target wards embedded at the end; "embedded" means at least 80% '
        "of them. The FFIT profile is the model's own, at launch (day 0).",
        "",
        f"Final status of the runs: {shares}.",
        "",
        "## Headline",
        "",
        f"- Spearman's rho of the FFIT total with the share of wards embedded: "
        f"**{summary['rho_total']:+.2f}** (90% interval {summary['rho_total_ci'][0]:+.2f} to "
        f"{summary['rho_total_ci'][1]:+.2f}); with final habit: {summary['rho_total_habit']:+.2f}.",
        f"- AUC of the FFIT total for an embedded initiative: **{summary['auc_total_embedded']:.2f}**; "
        f"for embedded or patchy: {summary['auc_total_success']:.2f} (0.5 is chance).",
        f"- High FFIT (total >= {summary['high_ffit_threshold']:.0f}, the top "
        f"{1 - cfg.high_ffit_quantile:.0%}): {summary['high_ffit_runs']} runs, of which "
        f"{summary['high_ffit_embedded']} embedded and {summary['high_ffit_failed']} failed "
        "(fizzled, halted, stalled, or under 20% of wards embedded).",
        "",
        "## Sections",
        "",
        "| predictor | rho with share embedded (90% interval) | rho with habit | AUC embedded |",
        "|---|---|---|---|",
    ]
    for _, row in table[table["kind"] != "item"].iterrows():
        lines.append(
            f"| {row['text']} | {_fmt_rho(row)} | {row['rho_habit']:+.2f} | {row['auc_embedded']:.2f} |"
        )
    items = table[table["kind"] == "item"].copy()
    items["abs"] = items["rho_embedded"].abs()
    best = items.sort_values("abs", ascending=False).head(10)
    lines += [
        "",
        "## The items that predict best (by |rho| with the share embedded)",
        "",
        "| item | text | rho (90% interval) | AUC | sets |",
        "|---|---|---|---|---|",
    ]
    for _, row in best.iterrows():
        lines.append(
            f"| {row['predictor']} | {row['text']} | {_fmt_rho(row)} | {row['auc_embedded']:.2f} "
            f"| {row['sets']} |"
        )
    worst = items.sort_values("abs").head(8)
    lines += [
        "",
        "Weakest predictors: "
        + ", ".join(f"{r['predictor']} ({r['rho_embedded']:+.2f})" for _, r in worst.iterrows())
        + ". Items the model does not represent ("
        + ", ".join(NOT_MODELLED)
        + ") are constant here and predict nothing by construction.",
        "",
        "## High FFIT, yet failed: why",
        "",
        "Each failed run is put down to the factor on which it fell furthest below the runs that "
        "succeeded (embedded or patchy): its lowest percentile rank among them. A run that never "
        "launched failed at design.",
        "",
        "| mechanism | meaning | high-FFIT failures | share | all failures | share |",
        "|---|---|---|---|---|---|",
    ]
    for _, row in failures.iterrows():
        lines.append(
            f"| {row['mechanism']} | {row['meaning']} | {row['high_ffit_failures']} | "
            f"{row['share_of_high_ffit_failures']:.0%} | {row['all_failures']} | "
            f"{row['share_of_all_failures']:.0%} |"
        )
    lines += [
        "",
        "## What the audit cannot see",
        "",
        "Attributes no FFIT item sets, sampled alongside: among high-FFIT runs, the share that "
        "failed and that embedded for each value (numbers in thirds of the sample), beside all "
        "runs.",
        "",
        "| attribute | value | high-FFIT runs | failed | embedded | all runs | failed | embedded |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, row in hidden.iterrows():
        lines.append(
            f"| {row['attribute']} | {row['value']} | {row['high_ffit_runs']} | "
            f"{row['high_ffit_failed']:.0%} | {row['high_ffit_embedded']:.0%} | {row['all_runs']} | "
            f"{row['all_failed']:.0%} | {row['all_embedded']:.0%} |"
        )
    return "\n".join(lines) + "\n"


def reload_runs(cfg: StudyConfig) -> pd.DataFrame:
    """The runs of a finished study (``cfg.out``), to analyse again without running them."""
    path = Path(cfg.out) / "validity_runs.csv.gz"
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file; run the study first (without --reanalyse).")
    runs = pd.read_csv(path)
    # the total and the section means again from the items, which the file keeps more exactly
    items = runs[[f"item_{i}" for i in FFIT_ITEM_IDS]]
    runs["ffit_total"] = items.sum(axis=1)
    for key in FFIT_SECTION_KEYS:
        runs[f"section_{key}"] = items[
            [f"item_{i}" for i in FFIT_ITEM_IDS if ITEMS[i].section == key]
        ].mean(axis=1)
    runs["why"] = why_failed(runs)
    summary = Path(cfg.out) / "validity_summary.json"
    previous = json.loads(summary.read_text()) if summary.is_file() else {}
    if previous:
        runs.attrs["seconds"] = previous.get("seconds", float("nan"))
        runs.attrs["version"] = previous.get("version")
    # the runs' model as recorded when they ran (None: not recorded), not the model of now
    runs.attrs["model_fingerprint"] = previous.get("model_fingerprint")
    return runs


def main(cfg: StudyConfig, reanalyse: bool = False) -> dict[str, Path]:
    """Run the study (or, with ``reanalyse``, reload its runs) and write its results; print
    the headline."""
    cells = len(cfg.ranges)
    if reanalyse:
        runs = reload_runs(cfg)
    else:
        print(f"How well FFIT predicts success in the model: {cfg.n} scenarios ({cfg.sampler}, "
              f"{cells} attributes), {cfg.days} days, {cfg.workers} worker(s)", file=sys.stderr)  # fmt: skip
        runs = run_study(cfg)
    paths = write_results(runs, cfg)
    s = summarise(runs, cfg)
    lo, hi = s["rho_total_ci"]
    print(f"rho(FFIT total, share embedded) = {s['rho_total']:+.2f} (90%: {lo:+.2f} to {hi:+.2f}); "
          f"AUC for embedded = {s['auc_total_embedded']:.2f}; "
          f"{s['high_ffit_failed']} of {s['high_ffit_runs']} high-FFIT runs failed")  # fmt: skip
    print(
        f"{s['n']} runs in {s['seconds'] / 60:.1f} min; wrote "
        + ", ".join(str(p) for p in paths.values())
    )
    return paths
