"""A declared calibration of the mechanism constants, and leave-one-case-out prediction.

The procedure (docs/calibration.md), fixed in a calibration file (``experiments/calibration.toml``)
before it runs:

1. **Frozen inputs.** The scenario files, the classes and the contrasts are not touched; their
   SHA-256 are recorded in the manifest, and a resumed calibration refuses inputs that changed.
2. **Search space.** Only mechanism constants (:mod:`qisim.constants`): those the committed
   Morris screening (``results/validation/robustness_indices.csv``) found to move at least one
   case (``mu*`` at or above ``screening_threshold``), each over ``relative`` times its default,
   clipped to its declared range. Every other constant keeps its default.
3. **Stage 1: a Latin hypercube** (``samples`` points, the defaults as point 0), every point run
   on the six cases and the changed arms of every contrast, ``reps`` replications each (seeds
   ``seed + r``: common random numbers across points). The sample does not depend on the
   objective, so the same runs serve the calibration and every leave-one-case-out fold.
4. **The objective** (:func:`objective`): the mean of per-case, per-contrast and per-pattern
   scores, each 1 exactly when the case passes the two-sided rule (the contrast holds, the
   pattern holds), falling linearly with the distance from passing; weighted ``weights``.
5. **Stage 2: refinement.** The ``refine_top`` best points by the objective are run again with
   ``refine_reps`` replications on fresh seeds (``seed + 100000 + r``), so the choice is not
   the luckiest of many noisy estimates (the winner's curse), together with each fold's best
   (step 6); the best of all refined points by the objective is the calibrated set.
6. **Leave one case out.** For each case, the objective without that case (its class, its
   contrasts and its finer patterns) chooses a point the same way (stage 1, then refinement);
   the held-out case is then run there with the validation's 30 seeds and judged by the
   two-sided rule: a hit or a miss.

Report §5 (pattern-oriented modelling is our reading, not the report's): one set of constants
must reproduce all six case studies; no case gets constants of its own.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field
from scipy.stats import qmc

from qisim import validation as v
from qisim.constants import DEFAULT_CONSTANTS, Constants
from qisim.scenario import ScenarioError

LOCO_SEED_SHIFT = 100_000  # refinement seeds: seed + 100000 + r, apart from stage 1's


class _Weights(v._Strict):
    cases: Annotated[float, Field(ge=0)]
    contrasts: Annotated[float, Field(ge=0)]
    patterns: Annotated[float, Field(ge=0)]


class _CalibrationFile(v._Strict):
    name: str
    description: str = ""
    screening: str
    screening_threshold: Annotated[float, Field(gt=0)]
    relative: Annotated[list[float], Field(min_length=2, max_length=2)]
    constants: Annotated[list[str], Field(min_length=1)]
    samples: Annotated[int, Field(ge=1, le=100_000)]
    reps: Annotated[int, Field(ge=1, le=1000)]
    refine_top: Annotated[int, Field(ge=1)]
    refine_reps: Annotated[int, Field(ge=1, le=1000)]
    loco_reps: Annotated[int, Field(ge=1, le=1000)] = 30
    seed: Annotated[int, Field(ge=0, lt=2**62)]
    batch: Annotated[int, Field(ge=1)] = 8
    weights: _Weights
    alternatives: dict[str, _Weights] = {}


@dataclass(frozen=True)
class Spec:
    """A calibration file, checked (see ``experiments/calibration.toml``)."""

    path: Path
    name: str
    constants: tuple[str, ...]
    lower: np.ndarray  # (k,) in the constants' units
    upper: np.ndarray
    samples: int
    reps: int
    refine_top: int
    refine_reps: int
    loco_reps: int
    seed: int
    batch: int
    weights: dict[str, float]
    alternatives: dict[str, dict[str, float]]
    screening: Path
    screening_threshold: float
    sha256: str
    relative: tuple[float, float] = (0.5, 1.5)


def search_range(name: str, centre: float, relative: tuple[float, float]) -> tuple[float, float]:
    """A constant's search range: ``relative`` times ``centre`` (its default when the
    calibration runs), clipped to the constant's declared range."""
    lo, hi = next(f for f in fields(Constants) if f.name == name).metadata["range"]
    return max(lo, centre * relative[0]), min(hi, centre * relative[1])


def screened_constants(path: Path, threshold: float) -> list[str]:
    """The constants whose Morris ``mu*`` reaches ``threshold`` for at least one case in a
    screening table (``case, input, mu_star`` columns, inputs ``constants.NAME``), by name."""
    d = pd.read_csv(path)
    d = d[d["input"].str.startswith("constants.") & (d["mu_star"] >= threshold - 1e-9)]
    return sorted({s.removeprefix("constants.") for s in d["input"]})


def _read_spec(path: Path) -> _CalibrationFile:
    """Read and check a calibration file; a fault is one ScenarioError paragraph naming the
    file, the field, the value and what is allowed (a misspelt field is named before the
    missing one it stands for)."""
    from pydantic import ValidationError

    from qisim.scenario import read_toml

    data = read_toml(path)
    try:
        return _CalibrationFile.model_validate(data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        err = errors[0]
        where = ".".join(str(x) for x in err["loc"])
        value = err.get("input")
        if err["type"] == "missing":
            problem = f"'{where}' is missing"
        elif err["type"] == "extra_forbidden":
            problem = f"'{where}' is not a field of a calibration file"
        else:
            shown = "a table" if isinstance(value, dict) else repr(value)
            problem = f"'{where}' = {shown} is not allowed: {err['msg']}"
        raise ScenarioError(
            f"{path}: {problem}. The fields are described in "
            "experiments/calibration/calibration.toml and docs/calibration.md."
        ) from None


def load_spec(path: str | Path) -> Spec:
    """Read and check a calibration file.

    Raises:
        ScenarioError: a TOML or field fault (one paragraph naming the file and field), an
            unknown constant, or a constants list that is not what the screening rule gives.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such calibration file.")
    f = _read_spec(path)
    screening = (path.parent / f.screening).resolve()
    if not screening.is_file():
        raise ScenarioError(f"{path}: 'screening' = {f.screening!r}: no such file ({screening}).")
    known = {fl.name: fl for fl in fields(Constants)}
    for name in f.constants:
        if name not in known:
            raise ScenarioError(
                f"{path}: 'constants' names {name!r}, which is not a mechanism constant "
                "(`qisim constants` lists them)."
            )
    rule = screened_constants(screening, f.screening_threshold)
    if not rule:
        raise ScenarioError(
            f"{path}: 'screening_threshold' = {f.screening_threshold}: no constant reaches "
            f"mu* >= {f.screening_threshold} in {f.screening}; give a lower threshold."
        )
    if sorted(f.constants) != rule:
        missing = sorted(set(rule) - set(f.constants))
        extra = sorted(set(f.constants) - set(rule))
        raise ScenarioError(
            f"{path}: 'constants' must be exactly the constants the screening rule gives "
            f"(mu* >= {f.screening_threshold} in {f.screening}), {len(rule)} of them: "
            + "; ".join(
                x
                for x in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"not given by the rule {', '.join(extra)}" if extra else "",
                )
                if x
            )
            + "."
        )
    lo_rel, hi_rel = f.relative
    if not 0 <= lo_rel < hi_rel:
        raise ScenarioError(
            f"{path}: 'relative' = {f.relative}: give [low, high], 0 <= low < high."
        )
    lower, upper = [], []
    for name in f.constants:
        default = getattr(DEFAULT_CONSTANTS, name)
        lo, hi = search_range(name, default, (lo_rel, hi_rel))
        if not hi > lo:
            raise ScenarioError(f"{path}: constant {name!r} (default {default}) has no range.")
        lower.append(lo)
        upper.append(hi)
    for where, w in [
        ("weights", f.weights),
        *((f"alternatives.{k}", w) for k, w in f.alternatives.items()),
    ]:
        if sum(w.model_dump().values()) <= 0:
            raise ScenarioError(
                f"{path}: '{where}' must not all be 0 (give cases, contrasts or patterns a weight above 0)."
            )
    return Spec(
        path, f.name, tuple(f.constants), np.array(lower), np.array(upper), f.samples, f.reps,
        f.refine_top, f.refine_reps, f.loco_reps, f.seed, f.batch, f.weights.model_dump(),
        {k: w.model_dump() for k, w in f.alternatives.items()}, screening,
        f.screening_threshold, v.file_hash(path), (lo_rel, hi_rel),
    )  # fmt: skip


def design(spec: Spec) -> pd.DataFrame:
    """Stage 1's points: the defaults (point 0), then ``samples`` Latin-hypercube points over
    the search space (scipy's ``LatinHypercube``, seeded by ``spec.seed``). One row per point,
    one column per constant, index ``point``."""
    unit = qmc.LatinHypercube(len(spec.constants), rng=np.random.default_rng(spec.seed)).random(
        spec.samples
    )
    values = qmc.scale(unit, spec.lower, spec.upper)
    default = np.array([getattr(DEFAULT_CONSTANTS, n) for n in spec.constants])
    table = pd.DataFrame(np.vstack([default, values]), columns=list(spec.constants))
    table.index.name = "point"
    return table


def frozen_inputs() -> dict[str, str]:
    """SHA-256 of every file a case reads that the calibration must not change: the scenario
    files (cases, trusts, lessons: every TOML under scenarios/), the classes and the
    contrasts."""
    root = v.SCENARIO_DIR
    out = {p.relative_to(root).as_posix(): v.file_hash(p) for p in sorted(root.rglob("*.toml"))}
    out["classes.toml"] = v.file_hash(v.CLASSES_FILE)
    out["contrasts.toml"] = v.file_hash(v.CONTRASTS_FILE)
    return out


# ---------------------------------------------------------------------------------------------
# Evaluating points


def _row(task: v.Task, seed: int) -> dict:
    """One run, cut down to what the judgement needs (the summary's scalars, class, patterns)."""
    row = v.run_task(task, seed)
    row.pop("trust_practice", None)
    row.pop("ward_habit_final", None)
    row["summary"] = {
        k: x for k, x in row["summary"].items() if x is None or isinstance(x, (int, float, str))
    }
    return row


def _task_constants(values) -> tuple[tuple[str, float], ...]:
    """A point's constants (a mapping or a design row) as a Task's sorted overrides."""
    return tuple(sorted((n, float(x)) for n, x in values.items()))


def point_tasks(constants: dict[str, float], contrasts: v.ContrastSet) -> list[v.Task]:
    """Every arm one point runs: the six cases (also the contrasts' base arms, with their
    finer patterns) and each contrast's changed arm, all with ``constants``."""
    k = _task_constants(constants)
    with_patterns = {p.case for p in v.PATTERNS}
    tasks = [
        v.Task(c.file, tag="base", detail=c.file in with_patterns, constants=k) for c in v.CASES
    ]
    for c in contrasts.contrasts:
        tasks.append(
            v.Task(c.file, tuple(c.set.items()), c.drop_events, tag=c.name, detail=False,
                   constants=k)
        )  # fmt: skip
    return tasks


def judge(rows: list[dict], contrasts: v.ContrastSet) -> dict[str, Any]:
    """One point's figures from its runs: per case the share in the expected class, the largest
    contradicting share and pass; per contrast the mean effect, right-sign share and holds; per
    finer pattern the share holding and pass. Flat keys ``case.NAME.*``, ``contrast.NAME.*``,
    ``pattern.I.*``."""
    out: dict[str, Any] = {}
    for case in v.CASES:
        cls = [r["cls"] for r in rows if r["case"] == case.file and r["tag"] == "base"]
        verdict = v.case_verdict(case, cls)
        out[f"case.{case.name}.expected"] = verdict.expected_share
        out[f"case.{case.name}.contradicting"] = verdict.worst_contradiction[1]
        out[f"case.{case.name}.modal"] = max(verdict.shares, key=verdict.shares.get)
        out[f"case.{case.name}.pass"] = verdict.passed
    for cv in v.judge_contrasts(rows, contrasts):
        name = cv.contrast.name
        out[f"contrast.{name}.effect"] = cv.mean_effect
        out[f"contrast.{name}.share"] = cv.direction_share
        out[f"contrast.{name}.holds"] = cv.holds
    for i, p in enumerate(v.PATTERNS):
        vals = [r[p.name] for r in rows if r["case"] == p.case and r["tag"] == "base"]
        share = float(np.mean([p.holds(x) for x in vals])) if vals else 0.0
        out[f"pattern.{i}.share"] = share
        out[f"pattern.{i}.pass"] = share >= v.PASS_SHARE
    return out


def evaluate(
    points: pd.DataFrame, reps: int, seed: int, workers: int | None, contrasts: v.ContrastSet
) -> pd.DataFrame:
    """Run every point of ``points`` (rows: constants) ``reps`` times per arm, replication r on
    seed ``seed + r``, and judge each; one row per point (same index)."""
    tasks, owner = [], []
    for point, row in points.iterrows():
        ts = point_tasks(row.to_dict(), contrasts)
        tasks += ts
        owner += [point] * len(ts)
    by_task: dict[int, list[dict]] = {}
    for r in v.run_tasks(tasks, reps, seed, workers, measure=_row):
        by_task.setdefault(owner[r["arm"]], []).append(r)
    judged = [judge(by_task[p], contrasts) for p in points.index]
    return pd.DataFrame(judged, index=points.index)


# ---------------------------------------------------------------------------------------------
# The objective


def scores(table: pd.DataFrame, contrasts: v.ContrastSet) -> dict[str, pd.DataFrame]:
    """Each point's score per case, contrast and pattern, in [0, 1], 1 exactly when it passes:

    - case: ``min(1, expected / E) * (1 - max(0, contradicting - C) / (1 - C))`` with E, C the
      two-sided rule's shares (0.8 and 0.1);
    - contrast: ``clip(signed mean effect / min_effect, 0, 1) * min(1, right-sign share / D)``
      with D the contrasts' ``direction_share``;
    - pattern: ``min(1, share holding / E)``.
    """
    E, C = v.TARGETS.expected_share, v.TARGETS.contradicting_share
    case = pd.DataFrame(index=table.index)
    for c in v.CASES:
        exp = table[f"case.{c.name}.expected"].astype(float)
        con = table[f"case.{c.name}.contradicting"].astype(float)
        case[c.name] = np.minimum(1, exp / E) * (1 - np.maximum(0, con - C) / (1 - C))
    con_t = pd.DataFrame(index=table.index)
    D = contrasts.direction_share
    for c in contrasts.contrasts:
        sign = 1.0 if c.direction == "higher" else -1.0
        eff = sign * table[f"contrast.{c.name}.effect"].astype(float).fillna(0)
        size = np.clip(eff / c.min_effect, 0, 1) if c.min_effect > 0 else (eff > 0).astype(float)
        share = np.minimum(1, table[f"contrast.{c.name}.share"].astype(float) / D)
        con_t[c.name] = size * share
    pat = pd.DataFrame(index=table.index)
    for i in range(len(v.PATTERNS)):
        pat[f"{i}"] = np.minimum(1, table[f"pattern.{i}.share"].astype(float) / E)
    return {"cases": case, "contrasts": con_t, "patterns": pat}


def objective(
    table: pd.DataFrame,
    weights: dict[str, float],
    contrasts: v.ContrastSet,
    leave_out: str | None = None,
) -> pd.Series:
    """The calibration's objective per point (higher is better, 1 when every case passes and
    every contrast and pattern holds): the weighted mean of the mean case, contrast and pattern
    scores (:func:`scores`). ``leave_out`` (a case's name) drops that case, the contrasts on it
    and its finer patterns: the objective of a leave-one-case-out fold."""
    s = scores(table, contrasts)
    file_of = {c.name: c.file for c in v.CASES}
    if leave_out is not None:
        if leave_out not in file_of:
            raise ValueError(f"no case named {leave_out!r}")
        f = file_of[leave_out]
        s["cases"] = s["cases"].drop(columns=[leave_out])
        s["contrasts"] = s["contrasts"].drop(
            columns=[c.name for c in contrasts.contrasts if c.file == f]
        )
        s["patterns"] = s["patterns"].drop(
            columns=[f"{i}" for i, p in enumerate(v.PATTERNS) if p.case == f]
        )
    total, wsum = 0.0, 0.0
    for part, w in weights.items():
        if w > 0 and s[part].shape[1]:
            total = total + w * s[part].mean(axis=1)
            wsum += w
    return total / wsum


def counts(table: pd.DataFrame) -> pd.DataFrame:
    """Per point: cases passed, contrasts holding, patterns passing."""
    return pd.DataFrame(
        {
            "cases_passed": table.filter(regex=r"^case\..*\.pass$").astype(bool).sum(axis=1),
            "contrasts_holding": table.filter(regex=r"^contrast\..*\.holds$")
            .astype(bool)
            .sum(axis=1),
            "patterns_passing": table.filter(regex=r"^pattern\..*\.pass$").astype(bool).sum(axis=1),
        }
    )


# ---------------------------------------------------------------------------------------------
# The whole procedure, resumable


def _manifest(spec: Spec) -> dict:
    from qisim.sweep.storage import git_commit, model_fingerprint, package_versions

    return {
        "name": spec.name,
        "spec": spec.path.name,
        "spec_sha256": spec.sha256,
        "frozen_inputs": frozen_inputs(),
        "model_fingerprint": model_fingerprint(),
        "code": git_commit(),
        "packages": package_versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _check_resume(out: Path, manifest: dict) -> None:
    old_path = out / "manifest.json"
    if not old_path.exists():
        return
    old = json.loads(old_path.read_text())
    what = {
        "spec_sha256": "another calibration file (or this one changed since: any edit counts)",
        "frozen_inputs": "other scenario, classes or contrasts files",
        "model_fingerprint": "another version of the model's code or constants",
    }
    for key, said in what.items():
        if old.get(key) != manifest[key]:
            raise ScenarioError(
                f"{out}: holds a calibration made with {said} (its {old_path.name} records "
                f"{key} {str(old.get(key))[:16]}, now {str(manifest[key])[:16]}); its runs "
                "cannot be mixed with these. Give another --out, or delete the folder to "
                "start again."
            )


def _stage(
    out: Path, name: str, points: pd.DataFrame, reps: int, seed: int, batch: int,
    workers: int | None, contrasts: v.ContrastSet, progress,
) -> pd.DataFrame:  # fmt: skip
    """Evaluate ``points`` in batches, each batch written to ``out/name/`` as it finishes;
    points already on disk are read, not run again."""
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    done = [pd.read_csv(p, index_col="point") for p in sorted(folder.glob("points_*.csv"))]
    have = pd.concat(done) if done else pd.DataFrame()
    todo = [p for p in points.index if p not in have.index]
    if len(have) and todo:
        progress(
            f"{name}: resuming, {len(points) - len(todo)} of {len(points)} points already done"
        )
    for start in range(0, len(todo), batch):
        chunk = points.loc[todo[start : start + batch]]
        t0 = time.perf_counter()
        judged = evaluate(chunk, reps, seed, workers, contrasts)
        judged.index.name = "point"
        tmp = folder / f".points_{chunk.index[0]:05d}.tmp"
        judged.to_csv(tmp)
        tmp.replace(folder / f"points_{chunk.index[0]:05d}.csv")
        have = pd.concat([have, judged]) if len(have) else judged
        progress(
            f"{name}: {len(have.index.intersection(points.index))}/{len(points)} points "
            f"({time.perf_counter() - t0:.0f} s for the last {len(chunk)})"
        )
    return have.loc[points.index]


@dataclass
class Calibration:
    """What :func:`calibrate` found: stage 1's table, the refined table, the chosen point and
    its constants, the leave-one-case-out folds and the objective sensitivity."""

    design: pd.DataFrame
    stage1: pd.DataFrame
    refined: pd.DataFrame
    chosen: int
    constants: dict[str, float]
    loco: pd.DataFrame
    sensitivity: pd.DataFrame


def calibrate(spec: Spec, out: Path, workers: int | None = None, progress=print) -> Calibration:
    """Run the declared procedure (module docstring) into ``out``: ``manifest.json``,
    ``design.csv``, ``stage1/``, ``refine/``, ``loco/`` (runs), then ``stage1.csv``,
    ``refined.csv``, ``loco.csv``, ``sensitivity.csv`` and ``calibrated.json`` (tables). A
    stopped calibration resumes where it stopped (the same spec, inputs and model).

    Raises:
        ScenarioError: ``out`` holds a calibration of another spec, other inputs or model.
    """
    contrasts = v.load_contrasts()
    manifest = _manifest(spec)
    _check_resume(out, manifest)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "manifest.json").exists():
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    pts = design(spec)
    pts.to_csv(out / "design.csv", float_format="%.6g")
    stage1 = _stage(out, "stage1", pts, spec.reps, spec.seed, spec.batch, workers, contrasts,
                    progress)  # fmt: skip
    j1 = objective(stage1, spec.weights, contrasts)
    ranked = list(j1.sort_values(ascending=False, kind="stable").index[: spec.refine_top])
    # every fold's candidates are refined together with the full objective's
    folds = {}
    for case in v.CASES:
        jk = objective(stage1, spec.weights, contrasts, leave_out=case.name)
        folds[case.name] = list(
            jk.sort_values(ascending=False, kind="stable").index[: spec.refine_top]
        )
    union = list(dict.fromkeys(ranked + [p for f in folds.values() for p in f]))
    refined = _stage(
        out, "refine", pts.loc[union], spec.refine_reps, spec.seed + LOCO_SEED_SHIFT,
        spec.batch, workers, contrasts, progress,
    )  # fmt: skip
    # the calibrated set: the best of every refined point by the declared objective (a fold's
    # choice, below, sees only its own candidates, so no fold sees its held-out case)
    chosen = int(objective(refined, spec.weights, contrasts).idxmax())
    # leave one case out: choose without the case, then predict it on the validation's seeds
    loco_rows = []
    for case in v.CASES:
        jk = objective(refined.loc[folds[case.name]], spec.weights, contrasts, case.name)
        point = int(jk.idxmax())
        k = _task_constants(pts.loc[point])
        path = out / "loco" / f"{case.name}.json"
        if path.exists():
            cls = json.loads(path.read_text())["classes"]
        else:
            rows = v.run_tasks(
                [v.Task(case.file, detail=False, constants=k)], spec.loco_reps, v.SEED,
                workers, measure=_row,
            )  # fmt: skip
            cls = [r["cls"] for r in rows]
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps({"point": point, "classes": cls}) + "\n")
        verdict = v.case_verdict(case, cls)
        loco_rows.append({
            "case": case.name, "expected": case.expected, "point": point,
            "objective_without_case": float(jk.max()),
            "predicted_class": max(verdict.shares, key=verdict.shares.get),
            "share_expected": verdict.expected_share,
            "worst_contradiction": (
                f"{verdict.worst_contradiction[0]} {verdict.worst_contradiction[1]:.0%}"
                if verdict.worst_contradiction[1] > 0 else "none"
            ),
            "hit": verdict.passed,
            "same_point_as_full": point == chosen,
        })  # fmt: skip
        progress(f"leave out {case.name}: point {point}, {'hit' if verdict.passed else 'miss'}")
    loco = pd.DataFrame(loco_rows)
    sens = sensitivity(spec, stage1, refined, contrasts)
    constants = {n: float(x) for n, x in pts.loc[chosen].items()}
    _write_tables(out, spec, pts, stage1, refined, chosen, loco, sens, contrasts)
    return Calibration(pts, stage1, refined, chosen, constants, loco, sens)


def sensitivity(
    spec: Spec, stage1: pd.DataFrame, refined: pd.DataFrame, contrasts: v.ContrastSet
) -> pd.DataFrame:
    """How the choice depends on the objective: for the declared weights and each alternative,
    the point each would choose among the refined points, its refined counts, and the rank
    correlation (Spearman) of its stage-1 objective with the declared one."""
    base = objective(stage1, spec.weights, contrasts)
    rows = []
    options = {"declared": spec.weights, **spec.alternatives}
    n = counts(refined)
    for name, w in options.items():
        j1 = objective(stage1, w, contrasts)
        jr = objective(refined, w, contrasts)
        p = int(jr.idxmax())
        rows.append({
            "objective": name, "weights": json.dumps(w), "chosen_point": p,
            "objective_value": float(jr.max()), **n.loc[p].to_dict(),
            "spearman_with_declared": float(j1.corr(base, method="spearman")),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _write_tables(out, spec, pts, stage1, refined, chosen, loco, sens, contrasts) -> None:
    j1 = objective(stage1, spec.weights, contrasts).rename("objective")
    pd.concat([pts.loc[stage1.index], j1, counts(stage1), stage1], axis=1).to_csv(
        out / "stage1.csv", float_format="%.6g"
    )
    jr = objective(refined, spec.weights, contrasts).rename("objective")
    pd.concat([pts.loc[refined.index], jr, counts(refined), refined], axis=1).to_csv(
        out / "refined.csv", float_format="%.6g"
    )
    loco.to_csv(out / "loco.csv", index=False)
    sens.to_csv(out / "sensitivity.csv", index=False)
    default = {n: getattr(DEFAULT_CONSTANTS, n) for n in spec.constants}
    (out / "calibrated.json").write_text(
        json.dumps(
            {
                "point": chosen,
                "objective_refined": float(jr.loc[chosen]),
                "counts_refined": {k: int(x) for k, x in counts(refined).loc[chosen].items()},
                "constants": {n: float(pts.loc[chosen, n]) for n in spec.constants},
                "defaults": default,
                "loco_hits": int(loco["hit"].sum()),
            },
            indent=2,
        )
        + "\n"
    )


# ---------------------------------------------------------------------------------------------
# The tables of docs/calibration.md, made from a calibration's folder


def _md(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(str(x) for x in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def doc_blocks(out: Path, spec: Spec) -> dict[str, str]:
    """The markdown tables docs/calibration.md shows, from a finished calibration folder
    ``out``: ``space`` (the constants searched and chosen), ``result`` (stage 1 and the refined
    points), ``loco`` and ``sensitivity``. Keys are the markers' names."""
    contrasts = v.load_contrasts()
    chosen = json.loads((out / "calibrated.json").read_text())
    known = {fl.name: fl for fl in fields(Constants)}
    # the search space as the calibration had it: around the defaults of its day (point 0)
    before = pd.read_csv(out / "design.csv", index_col="point").loc[0]
    ranges = [search_range(n, before[n], spec.relative) for n in spec.constants]
    space = pd.DataFrame(
        {
            "constant": [f"`{n}`" for n in spec.constants],
            "default before": [f"{before[n]:.4g}" for n in spec.constants],
            "range searched": [f"{lo:.4g}-{hi:.4g}" for lo, hi in ranges],
            "calibrated": [f"{chosen['constants'][n]:.4g}" for n in spec.constants],
            "x default before": [
                f"{chosen['constants'][n] / before[n]:.2f}" for n in spec.constants
            ],
            "meaning": [known[n].metadata["meaning"] for n in spec.constants],
        }
    )
    stage1 = pd.read_csv(out / "stage1.csv", index_col="point")
    refined = pd.read_csv(out / "refined.csv", index_col="point")
    n1 = counts(stage1)
    dist = n1["cases_passed"].value_counts().sort_index()
    lines = [
        f"Stage 1: {len(stage1)} points (the defaults and {len(stage1) - 1} Latin-hypercube "
        f"points) x 26 arms x {spec.reps} runs = {len(stage1) * 26 * spec.reps:,} runs. "
        f"Refinement: {len(refined)} points x 26 arms x {spec.refine_reps} runs = "
        f"{len(refined) * 26 * spec.refine_reps:,} runs; leave-one-case-out: 6 x "
        f"{spec.loco_reps} runs.",
        "",
        "Stage-1 points by the number of cases passing (at "
        f"{spec.reps} runs a case, a screening): "
        + ", ".join(f"{k} cases: {x}" for k, x in dist.items())
        + f". All six together: {int((n1['cases_passed'] == 6).sum())} of {len(stage1)} points.",
        "",
        "How often each case passes and each contrast holds across stage 1's points:",
        "",
    ]
    share = [
        (c.name, f"{stage1[f'case.{c.name}.pass'].astype(bool).mean():.0%}") for c in v.CASES
    ] + [
        (c.name, f"{stage1[f'contrast.{c.name}.holds'].astype(bool).mean():.0%}")
        for c in contrasts.contrasts
    ]
    lines.append(_md(pd.DataFrame(share, columns=["case or contrast", "points passing"])))
    jr = objective(refined, spec.weights, contrasts)
    nr = counts(refined)
    top = pd.DataFrame(
        {
            "point": [f"**{p}**" if p == chosen["point"] else str(p) for p in refined.index],
            "objective": [f"{x:.3f}" for x in jr],
            "cases": nr["cases_passed"].to_numpy(),
            "contrasts": nr["contrasts_holding"].to_numpy(),
            "patterns": nr["patterns_passing"].to_numpy(),
            **{
                c.name.split("_", 1)[1]: [
                    f"{x:.0%}" for x in refined[f"case.{c.name}.expected"].astype(float)
                ]
                for c in v.CASES
            },
        }
    ).iloc[np.argsort(-jr.to_numpy(), kind="stable")]
    lines += [
        "",
        f"Refined points ({spec.refine_reps} runs per case and arm, fresh seeds), best first; "
        "the case columns give the share of runs in the report's class; the chosen point in "
        "bold (point 0 is the defaults before calibration):",
        "",
        _md(top),
    ]
    loco = pd.read_csv(out / "loco.csv")
    loco_t = pd.DataFrame(
        {
            "held-out case": loco["case"],
            "report's class": loco["expected"],
            "point chosen without it": loco["point"],
            "runs in the report's class": [f"{x:.0%}" for x in loco["share_expected"]],
            "most runs": loco["predicted_class"],
            "largest contradicting class": loco["worst_contradiction"],
            "prediction": ["hit" if h else "miss" for h in loco["hit"]],
        }
    )
    sens = pd.read_csv(out / "sensitivity.csv")
    sens_t = pd.DataFrame(
        {
            "objective": sens["objective"],
            "weights (cases, contrasts, patterns)": [
                ", ".join(f"{x:g}" for x in json.loads(w).values()) for w in sens["weights"]
            ],
            "chooses point": sens["chosen_point"],
            "cases": sens["cases_passed"],
            "contrasts": sens["contrasts_holding"],
            "patterns": sens["patterns_passing"],
            "Spearman with declared (stage 1)": [
                f"{x:.2f}" for x in sens["spearman_with_declared"]
            ],
        }
    )
    return {
        "space": _md(space),
        "result": "\n".join(lines),
        "loco": _md(loco_t)
        + f"\n{int(loco['hit'].sum())} of 6 held-out cases predicted (two-sided rule, "
        f"{spec.loco_reps} runs on the validation's seeds).\n",
        "sensitivity": _md(sens_t),
    }


def write_doc(out: Path, spec: Spec, doc: Path) -> None:
    """Replace each ``<!-- NAME:start -->...<!-- NAME:end -->`` block of ``doc`` with
    :func:`doc_blocks`'s table of that name."""
    text = doc.read_text()
    for name, block in doc_blocks(out, spec).items():
        start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
        head, rest = text.split(start, 1)
        text = head + start + block + end + rest.split(end, 1)[1]
    doc.write_text(text)


SHIPPED_SPEC = v.VALIDATION_DIR.parent / "calibration" / "calibration.toml"

if __name__ == "__main__":  # python -m qisim.calibration FOLDER DOC: refresh the doc's tables
    import sys

    write_doc(Path(sys.argv[1]), load_spec(SHIPPED_SPEC), Path(sys.argv[2]))
