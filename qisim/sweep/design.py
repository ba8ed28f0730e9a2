"""Design points, run plans and seeds.

The uncertainties are sampled by the experiment's design (a full grid, named rows, a Latin
hypercube from ``scipy.stats.qmc``, or SALib's Saltelli/Sobol and Morris samplers); the levers form
a grid or named rows; every lever row runs at every uncertainty point, ``replications`` times.

Seeds follow the one scheme of every study (:func:`replication_seed`: the k-th independent
replication runs with ``seed + k``): run (point, replication) of a sweep with R replications runs
with ``seed + replication * P + point`` (P design points, or blocks), so design points meet
independent random numbers, a sweep resumed with more replications keeps its runs' seeds, and
``qisim run --seed`` repeats any run. The lever is not in it, so every lever row sees the same
random numbers at a given point and replication (common random numbers), and no seed depends on
the order runs are done in, the number of workers or the backend.

Sobol and Morris designs come in blocks: a Saltelli block (rows A, B and the D mixed rows AB_i
built from them) or a Morris trajectory (D + 1 points one step apart). Their indices compare runs
within a block, so the block shares its seeds, i.e. "point" in the seed key is the block. A
parameter with no effect then gets a total-order index of exactly 0 instead of the seed noise
between two runs, and an elementary effect is the parameter's effect, not a reshuffle of staff.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qisim.sweep.experiment import Experiment, Parameter

# spawn key of the stream that drives the design samplers; run seeds use 2-element keys
# (point, replication), so the streams never meet
DESIGN_STREAM = (2**32 - 1,)


MAX_SEED = 2**63 - 1  # the largest seed `qisim run --seed` takes


def replication_seed(seed: int, replication: int) -> int:
    """The seed of replication ``replication`` of a study whose base seed is ``seed``:
    ``seed + replication``, the one scheme of :func:`qisim.sweep.replicate.replicate` (every
    arm of a study meets the same seeds; ``qisim run FILE --seed`` repeats any run).

    Raises:
        ValueError: the seed falls outside 0 .. 2**63 - 1.
    """
    value = int(seed) + int(replication)
    if not 0 <= int(seed) <= value <= MAX_SEED:
        raise ValueError(
            f"seed {seed}: replication {replication} would run with seed {value}, outside 0 to "
            "2**63 - 1; give a smaller --seed."
        )
    return value


def run_seed(root: int, point: int, replication: int, points: int) -> int:
    """The seed of run (point, replication) of a sweep over ``points`` design points (``point``:
    the seed block, see the module docstring; ``points``: the number of blocks): replication
    ``replication * points + point`` of :func:`replication_seed`, an int any ``qisim run
    --seed`` accepts. It does not depend on how many replications there are, so a sweep resumed
    with more replications keeps the seeds of the runs it has."""
    if not 0 <= point < points:
        raise ValueError(f"point {point}: give 0 to {points - 1}")
    return replication_seed(root, replication * points + point)


def design_seed(root: int) -> int:
    ss = np.random.SeedSequence(root, spawn_key=DESIGN_STREAM)
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@dataclass
class Point:
    """One row of a design: what the columns show and what the run receives."""

    name: str | None
    values: dict[str, Any]
    overrides: dict[str, Any]
    constants: dict[str, float]


@dataclass
class RunSpec:
    """Everything a worker needs for one run besides the base scenario."""

    run: int
    point: int
    lever: int
    replication: int
    seed: int
    overrides: dict[str, Any]
    constants: dict[str, float]


def _point(params: list[Parameter], values: list[Any]) -> Point:
    overrides: dict[str, Any] = {}
    constants: dict[str, float] = {}
    shown = {}
    for p, v in zip(params, values):
        v = v.item() if isinstance(v, np.generic) else v
        shown[p.name] = v
        (constants if p.target == "constants" else overrides).update(p.overrides(v))
    return Point(None, shown, overrides, constants)


def salib_problem(exp: Experiment) -> dict:
    """The SALib problem for the uncertainties, on the unit cube (values are mapped afterwards,
    so integer and categorical parameters work, and Morris effects are per unit of range)."""
    u = exp.uncertainties
    problem: dict[str, Any] = {
        "num_vars": len(u),
        "names": [p.name for p in u],
        "bounds": [[0.0, 1.0]] * len(u),
    }
    if exp.design.grouped:
        problem["groups"] = [p.group for p in u]
    return problem


def unit_sample(exp: Experiment) -> np.ndarray | None:
    """The design's sample on the unit cube (None for grid and named-row designs)."""
    d, u = exp.design, exp.uncertainties
    seed = design_seed(exp.spec.seed)
    if d.kind == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(len(u), rng=np.random.default_rng(seed)).random(d.samples)
    if d.kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(
            salib_problem(exp), d.samples, calc_second_order=d.second_order, seed=seed
        )
    if d.kind == "morris":
        from SALib.sample import morris

        return morris.sample(salib_problem(exp), d.samples, num_levels=d.levels, seed=seed)
    return None


def uncertainty_points(exp: Experiment) -> tuple[list[Point], np.ndarray | None]:
    d, u = exp.design, exp.uncertainties
    if d.kind == "scenarios":
        return [
            Point(r.name, r.values, r.overrides, r.constants) for r in exp.uncertainty_rows
        ], None
    if d.kind == "grid":
        grids = [p.grid() for p in u]
        return [_point(u, list(combo)) for combo in itertools.product(*grids)], None
    unit = unit_sample(exp)
    return [_point(u, [p.from_unit(x) for p, x in zip(u, row)]) for row in unit], unit


def lever_points(exp: Experiment) -> list[Point]:
    if exp.lever_rows:
        return [Point(r.name, r.values, r.overrides, r.constants) for r in exp.lever_rows]
    grids = [p.grid() for p in exp.levers]
    return [_point(exp.levers, list(combo)) for combo in itertools.product(*grids)]


def cell(value: Any) -> Any:
    """A value as it appears in a table cell: scalars as they are, anything else as JSON."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.dumps(value, sort_keys=True)


@dataclass
class Plan:
    """Every run of an experiment, its parameters and seed, in run-id order."""

    table: pd.DataFrame  # one row per run: ids, names, parameter columns, seed
    runs: list[RunSpec]
    design: pd.DataFrame  # one row per uncertainty point (with unit-cube coordinates if sampled)
    points: list[Point]
    levers: list[Point]


def seed_block(exp: Experiment) -> int:
    """How many consecutive design points share seeds (1 unless Sobol or Morris)."""
    d = exp.design
    if d.kind not in ("sobol", "morris"):
        return 1
    k = len({p.group for p in exp.uncertainties}) if d.grouped else len(exp.uncertainties)
    if d.kind == "morris":
        return k + 1
    return 2 * k + 2 if d.second_order else k + 2


def make_plan(exp: Experiment) -> Plan:
    points, unit = uncertainty_points(exp)
    block = seed_block(exp)
    blocks = -(-len(points) // block)  # design points (or Sobol/Morris blocks) with own seeds
    levers = lever_points(exp)
    reps = exp.spec.replications
    root = exp.spec.seed
    fixed_constants = dict(exp.fixed_constants)
    columns = exp.columns
    rows, runs = [], []
    run = 0
    for i, pt in enumerate(points):
        for j, lv in enumerate(levers):
            for r in range(reps):
                seed = run_seed(root, i // block, r, blocks)
                row: dict[str, Any] = {"run": run, "point": i, "lever": j, "replication": r}
                if exp.uncertainty_rows:
                    row["point_name"] = pt.name
                if exp.lever_rows:
                    row["lever_name"] = lv.name
                merged = {**pt.values, **lv.values}
                for c in columns:
                    row[c] = cell(merged.get(c))
                row["seed"] = seed
                rows.append(row)
                runs.append(
                    RunSpec(
                        run=run,
                        point=i,
                        lever=j,
                        replication=r,
                        seed=seed,
                        overrides={**pt.overrides, **lv.overrides},
                        constants={**fixed_constants, **pt.constants, **lv.constants},
                    )
                )
                run += 1
    table = pd.DataFrame(rows)
    design = pd.DataFrame(
        [
            {
                "point": i,
                **({"point_name": p.name} if p.name else {}),
                **{c: cell(v) for c, v in p.values.items()},
            }
            for i, p in enumerate(points)
        ]
    )
    if unit is not None:
        # one concat, not a column at a time (pandas warns about a fragmented frame once an
        # experiment has more than about 100 inputs, e.g. every constant in a robustness study)
        extra = {f"unit:{p.name}": unit[:, k] for k, p in enumerate(exp.uncertainties)}
        # where each value lies in its range: a Morris effect is divided by its change
        extra |= {
            f"pos:{p.name}": [p.position(pt.values[p.name]) for pt in points]
            for p in exp.uncertainties
        }
        design = pd.concat([design, pd.DataFrame(extra, index=design.index)], axis=1)
    return Plan(table=table, runs=runs, design=design, points=points, levers=levers)
