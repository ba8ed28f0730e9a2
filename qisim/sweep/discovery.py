"""Scenario discovery: where in the parameter space is an outcome likely?

PRIM (the Patient Rule Induction Method of Friedman and Fisher, as used for scenario discovery by
Bryant and Lempert 2010) peels the space of uncertainties and levers into a box whose runs mostly
show the outcome of interest (density) while keeping most of those runs (coverage). This uses the
maintained implementation in the EMA Workbench (``ema_workbench.analysis.prim``), imported only
here because it is slow to import.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qisim.scenario import ScenarioError
from qisim.sweep.analysis import censored_outcome, ok_runs
from qisim.sweep.storage import Store


@dataclass
class Discovery:
    outcome: str
    cases: int  # runs analysed
    of_interest: int  # runs where the outcome holds
    chosen: int  # index on the peeling trajectory
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim per peel step
    limits: pd.DataFrame  # the chosen box: parameter, min/max (or allowed categories)
    box: object  # the ema_workbench PrimBox


def parameter_frame(store: Store, runs: pd.DataFrame) -> pd.DataFrame:
    """The uncertainties and levers as PRIM inputs: numbers stay numbers, the rest (named rows,
    lists, words) become categories."""
    manifest = store.manifest()
    cols = [c for c in manifest["uncertainties"] + manifest["levers"] if c in runs]
    for name in ("point_name", "lever_name"):
        if name in runs:
            cols.append(name)
    if not cols:
        raise ScenarioError(f"{store.folder}: the sweep varies no parameters to discover.")
    x = pd.DataFrame(index=runs.index)
    for c in cols:
        num = pd.to_numeric(runs[c], errors="coerce")
        if num.notna().all() and runs[c].dtype != bool:
            x[c] = num.astype(float)
        else:
            x[c] = pd.Categorical(runs[c].astype(str))
    varying = [c for c in x.columns if x[c].nunique() > 1]
    return x[varying].reset_index(drop=True)


def discover(
    store: Store,
    outcome: str,
    threshold: float = 0.8,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    censor_at: str | float | None = None,
) -> Discovery:
    """Find the box of parameters where ``outcome`` (a boolean expression over the results
    columns, e.g. ``status == 'fizzled'``) holds. The box chosen is the one on the peeling
    trajectory with the highest coverage among those with density >= ``threshold`` (or the
    densest, if none reaches it). Runs lacking a value the outcome reads (``time_to_embed`` of a
    run that never embedded) raise :class:`ScenarioError` unless ``censor_at`` says what they
    count as (:func:`qisim.sweep.analysis.censored_outcome`)."""
    runs = ok_runs(store.read("runs"))
    if runs.empty:
        raise ScenarioError(f"{store.folder}: no finished runs to analyse.")
    plan_columns = set(store.plan().columns)
    outcome_columns = [c for c in runs.columns if c not in plan_columns]
    y, _ = censored_outcome(runs, outcome, outcome_columns, censor_at, str(store.folder))
    values = set(np.unique(y.dropna()))
    if not values <= {0.0, 1.0}:
        raise ScenarioError(
            f"--outcome {outcome!r} must be true or false for each run (e.g. "
            f"\"status == 'fizzled'\" or 'habit_rate < 0.3'); it takes values like "
            f"{sorted(values)[:5]}."
        )
    y = y.fillna(0).to_numpy(dtype=bool)
    if not y.any() or y.all():
        raise ScenarioError(
            f"--outcome {outcome!r} is {'never' if not y.any() else 'always'} true in the "
            f"{len(y)} runs, so there is no box to find; choose another outcome or threshold."
        )
    x = parameter_frame(store, runs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        p = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
    traj = box.peeling_trajectory.copy()
    good = traj[traj["density"] >= threshold]
    chosen = int(good["coverage"].idxmax()) if len(good) else int(traj["density"].idxmax())
    box.select(chosen)
    return Discovery(
        outcome=outcome,
        cases=len(y),
        of_interest=int(y.sum()),
        chosen=chosen,
        trajectory=traj,
        limits=_limits(box, x, chosen),
        box=box,
    )


def _limits(box, x: pd.DataFrame, i: int) -> pd.DataFrame:
    lims = box.box_lims[i]
    full = box.box_lims[0]
    rows = []
    for c in lims.columns:
        lo, hi = lims[c].iloc[0], lims[c].iloc[1]
        if isinstance(lo, set):
            if lo == full[c].iloc[0]:
                continue
            rows.append({"parameter": c, "min": None, "max": None, "categories": sorted(lo)})
        else:
            if lo == full[c].iloc[0] and hi == full[c].iloc[1]:
                continue
            rows.append({"parameter": c, "min": float(lo), "max": float(hi), "categories": None})
    return pd.DataFrame(rows, columns=["parameter", "min", "max", "categories"])


def plot(d: Discovery, path: Path, labels=None, formats=("png",)) -> Path:
    """The peeling trajectory (coverage against density, the chosen box marked) and the chosen
    box's limits on each restricted parameter, as a share of its range."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    t = d.trajectory
    sc = a.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    a.scatter([t["coverage"].iloc[d.chosen]], [t["density"].iloc[d.chosen]], s=120,
              facecolors="none", edgecolors="red", label=f"chosen box ({d.chosen})")  # fmt: skip
    fig.colorbar(sc, ax=a, label="restricted parameters")
    a.set_xlabel("coverage (share of cases of interest inside the box)")
    a.set_ylabel("density (share of runs in the box that are cases)")
    a.set_title("PRIM peeling trajectory", fontsize=10)
    a.legend(fontsize=8)
    a.grid(alpha=0.3)
    lims = d.box.box_lims[d.chosen]
    full = d.box.box_lims[0]
    shown = [p for p in d.limits["parameter"]]
    for k, p in enumerate(shown):
        lo, hi = lims[p].iloc[0], lims[p].iloc[1]
        b.plot([0, 1], [k, k], color="lightgrey", lw=6, solid_capstyle="butt")
        if isinstance(lo, set):  # categories: the ones kept, in red, named on the right
            cats = sorted(full[p].iloc[0])
            xs = [j / max(len(cats) - 1, 1) for j in range(len(cats))]
            kept = [x for x, cat in zip(xs, cats) if cat in lo]
            b.scatter(kept, [k] * len(kept), color="tab:red", s=60, zorder=3)
            b.text(1.03, k, "in: " + "; ".join(sorted(map(str, lo))), va="center", fontsize=7)
            continue
        f_lo, f_hi = full[p].iloc[0], full[p].iloc[1]
        span = (f_hi - f_lo) or 1.0
        b.plot([(lo - f_lo) / span, (hi - f_lo) / span], [k, k], color="tab:red", lw=6,
               solid_capstyle="butt")  # fmt: skip
        b.text(1.03, k, f"{lo:.3g} to {hi:.3g}", va="center", fontsize=8)
    b.set_ylim(-0.7, len(shown) - 0.3)
    from qisim.sweep.publish import label_of, save_figure

    b.set_yticks(range(len(shown)), [label_of(p, labels)[0] for p in shown], fontsize=8)
    b.set_xlim(-0.02, 1.6)
    b.set_xticks([0, 0.5, 1], ["min", "", "max"])
    row = t.iloc[d.chosen]
    b.set_title(
        f"box {d.chosen}: coverage {row['coverage']:.2f}, density {row['density']:.2f}",
        fontsize=10,
    )
    fig.suptitle(f"Where is {d.outcome!s} likely? ({d.of_interest} of {d.cases} runs)", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, path, formats)[0]
