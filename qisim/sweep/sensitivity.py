"""Global sensitivity of a sweep's outcome to its uncertainties (SALib).

Sobol designs give first-order (S1: the share of the outcome's variance a parameter explains alone)
and total-order (ST: alone and in all its interactions) indices with bootstrap confidence
intervals; Morris designs give mu* (mean absolute elementary effect, per unit of the parameter's
range) and sigma (its spread: non-linearity or interaction). Each lever row is analysed on its
own, so an experiment can ask "which skills matter most" separately in each trust culture.
Replications are averaged per design point first, so seed noise does not count as sensitivity.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from qisim.paths import shell_command
from qisim.scenario import ScenarioError
from qisim.sweep.analysis import censored_outcome, lever_labels, ok_runs
from qisim.sweep.storage import Store

RESAMPLES = 1000


def _problem(manifest: dict) -> dict:
    names = manifest["uncertainties"]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    if manifest["design"].get("grouped"):
        problem["groups"] = [manifest["groups"][n] for n in names]
    return problem


def point_means(
    store: Store, outcome: str, censor_at: str | float | None = None
) -> tuple[pd.DataFrame, dict]:
    """Outcome averaged over replications: one column per lever, one row per point.

    Every planned run must be on disk and finished: failed runs and runs not yet done raise
    :class:`ScenarioError` with the command that runs them. A finished run without a value of
    the outcome (``time_to_embed`` of a run that never embedded) is censored, not missing;
    averaging the others would bias the index, so that raises too, counting them, unless
    ``censor_at`` gives the value to use: a number, or ``"horizon"`` (see
    :func:`qisim.sweep.analysis.censored_outcome`).
    ``means.attrs["censored"]`` is the number of values so filled."""
    manifest = store.manifest()
    plan = store.plan()
    runs = store.read("runs")
    if runs.empty:
        raise ScenarioError(f"{store.folder}: no runs on disk yet.")
    ok = ok_runs(runs).copy()
    failed, absent = len(runs) - len(ok), len(plan) - len(runs)
    if failed or absent:
        cmd = shell_command(
            "qisim", "sweep", manifest["experiment"]["file"], "--resume", "--out", store.folder
        )
        raise ScenarioError(
            f"{store.folder}: sensitivity indices need every run of the design, and {failed} "
            f"run(s) failed and {absent} of {len(plan)} are not on disk. Run them (--resume "
            f"runs failed runs again) with: {cmd}"
        )
    outcome_columns = [c for c in ok.columns if c not in plan.columns]
    y, censored = censored_outcome(ok, outcome, outcome_columns, censor_at, str(store.folder))
    ok["_y"] = y.to_numpy()
    means = ok.groupby(["point", "lever"])["_y"].mean().unstack("lever")
    means = means.reindex(index=range(manifest["n_points"]), columns=range(manifest["n_levers"]))
    means.attrs["censored"] = censored
    return means, manifest


def analyse(
    store: Store, outcome: str, seed: int = 0, censor_at: str | float | None = None
) -> pd.DataFrame:
    """Sensitivity indices per lever row and parameter (or group). With a second-order Sobol
    design, ``result.attrs["S2"]`` holds the second-order indices, one row per pair;
    ``result.attrs["censored"]`` counts the censored values filled (see :func:`point_means`)."""
    means, manifest = point_means(store, outcome, censor_at)
    kind = manifest["design"]["kind"]
    if kind not in ("sobol", "morris"):
        raise ScenarioError(
            f"{store.folder}: sensitivity indices need a sobol or morris design; this sweep used "
            f"'{kind}'. Use `qisim analyse` for its statistics or `qisim discover` for PRIM."
        )
    problem = _problem(manifest)
    labels = lever_labels(store.plan(), manifest["levers"], manifest.get("labels"))
    design = store.design().sort_values("point") if kind == "morris" else None
    rows, pairs = [], []
    for lever in means.columns:
        y = means[lever].to_numpy(dtype=float)
        if np.ptp(y) == 0:
            raise ScenarioError(
                f"{store.folder}: {outcome!r} is the same ({y[0]}) at every design point of "
                f"lever {labels[lever]!r}, so it has no variance to apportion; choose another "
                "outcome or longer runs."
            )
        if kind == "sobol":
            res = _salib(kind, problem, manifest, y, None, seed)
            names = (
                problem.get("groups") and list(dict.fromkeys(problem["groups"])) or problem["names"]
            )
            if manifest["design"]["second_order"]:
                for a in range(len(names)):
                    for b in range(a + 1, len(names)):
                        pairs.append(
                            {
                                "lever": lever,
                                "lever_label": labels[lever],
                                "parameter": names[a],
                                "with": names[b],
                                "S2": res["S2"][a, b],
                                "S2_conf": res["S2_conf"][a, b],
                            }
                        )
            for k, name in enumerate(names):
                rows.append(
                    {
                        "lever": lever,
                        "lever_label": labels[lever],
                        "parameter": name,
                        "S1": res["S1"][k],
                        "S1_conf": res["S1_conf"][k],
                        "ST": res["ST"][k],
                        "ST_conf": res["ST_conf"][k],
                    }
                )
        else:
            for name, values in _morris(problem, design, manifest, y, seed):
                rows.append({"lever": lever, "lever_label": labels[lever], "parameter": name,
                             **values})  # fmt: skip
    out = pd.DataFrame(rows)
    out.attrs["censored"] = means.attrs["censored"]
    if pairs:  # second-order indices, one row per pair of parameters
        out.attrs["S2"] = pd.DataFrame(pairs)
    groups = manifest.get("groups") or {}
    if groups and not manifest["design"].get("grouped"):
        out.insert(3, "group", out["parameter"].map(groups))
    return out


def _salib(kind: str, problem: dict, manifest: dict, y: np.ndarray, x, seed: int) -> dict:
    """SALib's Sobol or Morris analysis of the point means ``y`` (Morris also needs the unit-cube
    design ``x``), with 95% bootstrap intervals over ``RESAMPLES`` resamples.

    SALib's Sobol analysis leaves its bootstrap unseeded when the seed is 0 (``if seed:``), so
    the intervals of ``--seed 0`` (the default) changed from call to call; it gets ``seed + 1``
    so that every seed, 0 included, gives the same intervals each time."""
    if kind == "sobol":
        from SALib.analyze import sobol

        return sobol.analyze(
            problem,
            y,
            calc_second_order=manifest["design"]["second_order"],
            num_resamples=RESAMPLES,
            conf_level=0.95,
            seed=seed + 1,
        )
    from SALib.analyze import morris

    return morris.analyze(
        problem,
        x,
        y,
        num_resamples=RESAMPLES,
        conf_level=0.95,
        num_levels=manifest["design"]["levels"],
        seed=seed,
    )


def _morris(problem: dict, design: pd.DataFrame, manifest: dict, y: np.ndarray, seed: int):
    """Morris statistics per parameter (or group): ``(name, {mu, mu_star, mu_star_conf, sigma,
    effects})``. Without groups, each elementary effect is the outcome's change divided by the
    real change of the parameter's position in its range (``pos:`` columns of the design): for a
    whole-number or listed parameter that is not the unit-cube step SALib divides by, and a step
    that leaves the value unchanged carries no effect at all. Grouped designs, and sweeps written
    before the ``pos:`` columns, use SALib's own analysis (:func:`_salib`). ``design`` holds
    the rows of ``y``'s points, in order (the whole design, or its first trajectories)."""
    names = problem["names"]
    unit = design[[f"unit:{n}" for n in names]].to_numpy(dtype=float)
    has_pos = all(f"pos:{n}" in design for n in names)
    if problem.get("groups") or not has_pos:
        res = _salib("morris", problem, manifest, y, unit, seed)
        for k, name in enumerate(res["names"]):
            yield name, {"mu": res["mu"][k], "mu_star": res["mu_star"][k],
                         "mu_star_conf": res["mu_star_conf"][k], "sigma": res["sigma"][k]}  # fmt: skip
        return
    pos = design[[f"pos:{n}" for n in names]].to_numpy(dtype=float)
    effects = elementary_effects(unit, pos, y)
    rng = np.random.default_rng(seed)
    z = stats.norm.ppf(0.5 + 0.95 / 2)
    for k, name in enumerate(names):
        e = effects[k][~np.isnan(effects[k])]
        if e.size:
            boot = np.abs(e[rng.integers(e.size, size=(RESAMPLES, e.size))]).mean(axis=1)
        yield (
            name,
            {
                "mu": e.mean() if e.size else np.nan,
                "mu_star": np.abs(e).mean() if e.size else np.nan,
                "mu_star_conf": z * boot.std(ddof=1) if e.size > 1 else np.nan,
                "sigma": e.std(ddof=1) if e.size > 1 else np.nan,
                "effects": int(e.size),
            },
        )


def elementary_effects(unit: np.ndarray, pos: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elementary effects of Morris trajectories, shape (parameters, trajectories).

    Args:
        unit: the sample on the unit cube, (k + 1) rows per trajectory, k parameters; one
            parameter moves at each step.
        pos: the realised position of each value in its parameter's range, 0 to 1, same shape.
        y: the outcome at each row.

    Each effect is (y after - y before) / (position after - position before) of the parameter
    that moved: per unit of its range, by its real step. A step whose realised value did not
    change (two unit values in the same whole-number bin) gives NaN.
    """
    k = unit.shape[1]
    trajectories = len(y) // (k + 1)
    out = np.full((k, trajectories), np.nan)
    for t in range(trajectories):
        rows = slice(t * (k + 1), (t + 1) * (k + 1))
        u, p, yy = unit[rows], pos[rows], y[rows]
        for step in range(k):
            moved = np.flatnonzero(u[step + 1] != u[step])
            if moved.size != 1:
                continue
            j = moved[0]
            change = p[step + 1, j] - p[step, j]
            if change != 0:
                out[j, t] = (yy[step + 1] - yy[step]) / change
    return out


# Convergence check: thresholds beyond which the indices are not to be trusted
WIDE = 0.1  # Sobol: a 95% interval wider than +-0.1 cannot rank parameters
OUT_OF_RANGE = 0.05  # Sobol: S1 or ST beyond [0, 1] by more than this is sampling error
DRIFT = 0.05  # Sobol: ST moving more than this from N/2 to N has not settled
MORRIS_WIDE = 0.5  # Morris: mu* interval wider than half of mu* itself
TOP = 3  # the leading parameters whose order must hold from N/2 to N


def convergence(
    store: Store, outcome: str, seed: int = 0, censor_at: str | float | None = None
) -> pd.DataFrame:
    """The indices recomputed on the first N/8, N/4, N/2 and all N base samples (Sobol; the
    Saltelli design's blocks in order are a valid design at each power of 2) or trajectories
    (Morris, each effect divided by its real step as in :func:`analyse`), each with its 95%
    bootstrap interval: one row per lever, sample size ``N`` and parameter. Where the indices
    still move between N/2 and N, N was too small. Censored values are handled as in
    :func:`point_means`."""
    means, manifest = point_means(store, outcome, censor_at)
    kind = manifest["design"]["kind"]
    problem = _problem(manifest)
    names = list(dict.fromkeys(problem["groups"])) if "groups" in problem else problem["names"]
    k = len(names)
    block = (
        k + 1 if kind == "morris" else (2 * k + 2 if manifest["design"]["second_order"] else k + 2)
    )
    total = len(means) // block
    sizes = sorted({max(total // d, 2) for d in (8, 4, 2, 1) if total // d >= 2} | {total})
    design = store.design().sort_values("point") if kind == "morris" else None
    labels = lever_labels(store.plan(), manifest["levers"], manifest.get("labels"))
    rows = []
    for lever in means.columns:
        y_all = means[lever].to_numpy(dtype=float)
        for n in sizes:
            y = y_all[: n * block]
            if np.ptp(y) == 0:
                continue
            if kind == "sobol":
                res = _salib(kind, problem, manifest, y, None, seed)
                stats_of = {
                    name: {key: float(res[key][j]) for key in ("S1", "S1_conf", "ST", "ST_conf")}
                    for j, name in enumerate(names)
                }
            else:
                stats_of = {
                    name: {key: float(v[key]) for key in ("mu_star", "mu_star_conf", "sigma")}
                    for name, v in _morris(problem, design.iloc[: n * block], manifest, y, seed)
                }
            for name in names:
                row = {"lever": lever, "lever_label": labels[lever], "N": n, "parameter": name}
                row.update(stats_of[name])
                rows.append(row)
    return pd.DataFrame(rows)


def convergence_warnings(conv: pd.DataFrame) -> list[str]:
    """Sentences saying why the indices at the largest N are not to be trusted (none when they
    are): estimates outside [0, 1], intervals too wide to rank, indices still moving or the
    leading parameters changing order between N/2 and N."""
    out: list[str] = []
    if conv.empty:
        return out
    sobol = "ST" in conv
    key = "ST" if sobol else "mu_star"
    for _, d in conv.groupby("lever", sort=True):
        where = f"{d['lever_label'].iloc[0]}: " if conv["lever"].nunique() > 1 else ""
        n_max = int(d["N"].max())
        last = d[d["N"] == n_max].set_index("parameter")
        earlier = d[d["N"] < n_max]
        half = (
            earlier[earlier["N"] == earlier["N"].max()].set_index("parameter")
            if len(earlier)
            else None
        )
        if sobol:
            low = last[last["S1"] < -OUT_OF_RANGE]
            high = last[last["ST"] > 1 + OUT_OF_RANGE]
            if len(low) or len(high):
                bits = [f"S1 = {v:.2f} for {p}" for p, v in low["S1"].items()]
                bits += [f"ST = {v:.2f} for {p}" for p, v in high["ST"].items()]
                out.append(
                    f"{where}indices outside [0, 1] at N = {n_max} ({'; '.join(bits[:4])}): "
                    "shares of variance cannot be, so this is sampling error; N is too small."
                )
            wide = float(last[["S1_conf", "ST_conf"]].max().max())
            if wide > WIDE:
                out.append(
                    f"{where}95% bootstrap intervals reach +-{wide:.2f} at N = {n_max}, too wide "
                    "to rank the parameters."
                )
        else:
            top = last.sort_values("mu_star", ascending=False).head(TOP)
            rel = (top["mu_star_conf"] / top["mu_star"].where(top["mu_star"] > 0)).max()
            if rel == rel and rel > MORRIS_WIDE:
                out.append(
                    f"{where}the leading parameters' mu* intervals reach {rel:.0%} of mu* at "
                    f"r = {n_max} trajectories: too wide to rank them."
                )
        if half is not None:
            n_half = int(earlier["N"].max())
            top_now = list(last[key].sort_values(ascending=False).index[:TOP])
            top_half = list(half[key].sort_values(ascending=False).index[:TOP])
            if top_now != top_half:
                out.append(
                    f"{where}the leading parameters by {key} change order from N = {n_half} "
                    f"({', '.join(top_half)}) to N = {n_max} ({', '.join(top_now)}): not "
                    "converged."
                )
            elif sobol:
                drift = float((last["ST"] - half["ST"].reindex(last.index)).abs().max())
                if drift > DRIFT:
                    out.append(
                        f"{where}ST still moves by up to {drift:.2f} from N = {n_half} to N = "
                        f"{n_max}: not converged."
                    )
    if out:
        n_max = int(conv["N"].max())
        unit = "design.samples" if sobol else "design.samples (trajectories)"
        out.append(
            f"raise {unit} (now {n_max}) to {4 * n_max} or more and run the sweep again; read "
            "the indices as a rough ordering until then."
        )
    return out


def plot_convergence(
    conv: pd.DataFrame, outcome: str, path: Path, labels=None, formats=("png",), top: int = 8
) -> list[Path]:
    """The leading parameters' ST (Sobol) or mu* (Morris) against the sample size, with 95%
    bootstrap intervals, one panel per lever row: flat lines with narrowing bars have converged."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qisim.sweep.publish import axis_label, label_of, save_figure

    key = "ST" if "ST" in conv else "mu_star"
    levers = list(dict.fromkeys(conv["lever"]))
    fig, axes = plt.subplots(1, len(levers), figsize=(max(5.0 * len(levers), 6), 4.2),
                             squeeze=False, sharey=True)  # fmt: skip
    # the same leading parameters, in the same colours, in every panel
    last = conv[conv["N"] == conv["N"].max()]
    lead = list(last.groupby("parameter")[key].mean().sort_values(ascending=False).index[:top])
    for ax, lever in zip(axes[0], levers):
        d = conv[conv["lever"] == lever]
        for k, name in enumerate(lead):
            line = d[d["parameter"] == name].sort_values("N")
            ax.errorbar(line["N"] * (1 + 0.03 * (k - len(lead) / 2)), line[key],
                        yerr=line[f"{key}_conf"], marker="o", ms=3, capsize=2, lw=1,
                        color=plt.cm.tab10(k % 10), label=label_of(name, labels)[0])  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted(d["N"].unique()), [str(n) for n in sorted(d["N"].unique())])
        ax.set_xlabel("base samples N" if key == "ST" else "trajectories r")
        ax.set_title(str(d["lever_label"].iloc[0]), fontsize=9)
        ax.grid(alpha=0.3)
        if key == "ST":  # shares of variance: beyond [0, 1] (shaded) is sampling error
            ax.axhspan(1, 1.5, color="grey", alpha=0.1)
            ax.axhspan(-0.5, 0, color="grey", alpha=0.1)
            ax.set_ylim(-0.5, 1.5)
    axes[0][0].set_ylabel(("total-order index ST" if key == "ST" else "mu*") + ", 95% bootstrap CI")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"Convergence of the indices of {axis_label(outcome, labels)}"
                 + ("\nwhiskers cut at the axis" if key == "ST" else ""), fontsize=10)  # fmt: skip
    fig.tight_layout()
    return save_figure(fig, path, formats)


def plot(
    indices: pd.DataFrame,
    outcome: str,
    path: Path,
    title: str = "",
    column_labels=None,
    formats=("png",),
) -> Path:
    """Sobol: S1 and ST with 95% intervals, one panel per lever row, parameters by ST.
    Morris: mu* against sigma, one panel per lever row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qisim.sweep.publish import axis_label, label_of, save_figure

    levers = list(dict.fromkeys(indices["lever"]))
    sobol = "ST" in indices
    n_par = indices["parameter"].nunique()
    height = max(3.5, 0.26 * n_par + 1.8) if sobol else 4.8
    width = min(max(5.2 * len(levers), 8.0), 16.0)
    fig, axes = plt.subplots(1, len(levers), figsize=(width, height), sharex=sobol, squeeze=False)
    groups = indices["group"] if "group" in indices else None
    palette = {}
    if groups is not None:
        for k, g in enumerate(dict.fromkeys(groups.dropna())):
            palette[g] = plt.cm.tab10(k % 10)
    order = (
        indices.groupby("parameter")["ST" if sobol else "mu_star"]
        .mean()
        .sort_values()
        .index.tolist()
    )
    for ax, lever in zip(axes[0], levers):
        d = indices[indices["lever"] == lever].set_index("parameter")
        if sobol:
            d = d.reindex(order)
            ypos = np.arange(len(d))
            colours = (
                [palette.get(g, "tab:blue") for g in d["group"]] if "group" in d else "tab:blue"
            )
            ax.barh(ypos + 0.2, d["ST"], height=0.4, color=colours, alpha=0.9, label="total (ST)")
            ax.errorbar(d["ST"], ypos + 0.2, xerr=d["ST_conf"], fmt="none", ecolor="k", lw=0.8)
            ax.barh(ypos - 0.2, d["S1"], height=0.4, color="lightgrey", edgecolor="grey",
                    label="first order (S1)")  # fmt: skip
            ax.errorbar(d["S1"], ypos - 0.2, xerr=d["S1_conf"], fmt="none", ecolor="k", lw=0.8)
            ax.set_yticks(ypos, [label_of(p, column_labels)[0] for p in d.index], fontsize=8)
            ax.set_ylim(-0.6, len(d) - 0.4)
            ax.axvline(0, color="k", lw=0.5)
            # indices are shares of variance; estimates and intervals beyond are sampling error
            ax.set_xlim(-0.15, 1.05)
            ax.set_xlabel("Sobol index (share of variance)")
        else:
            ax.scatter(d["mu_star"], d["sigma"], color="tab:blue")
            ax.errorbar(
                d["mu_star"], d["sigma"], xerr=d["mu_star_conf"], fmt="none", ecolor="grey", lw=0.8
            )
            for p, r in d.iterrows():
                ax.annotate(label_of(p, column_labels)[0], (r["mu_star"], r["sigma"]), fontsize=7, xytext=(3, 2),
                            textcoords="offset points")  # fmt: skip
            ax.set_xlabel("mu* (mean |effect| per unit of range)")
            ax.set_ylabel("sigma (non-linearity, interactions)")
        ax.set_title(str(d["lever_label"].iloc[0]), fontsize=10)
        ax.grid(alpha=0.3, axis="x" if sobol else "both")
    if sobol:
        handles, labels = axes[0][0].get_legend_handles_labels()
        if palette:
            from matplotlib.patches import Patch

            handles = [Patch(color=c, label=g) for g, c in palette.items()] + handles[1:]
            labels = [h.get_label() for h in handles]
        fig.legend(handles, labels, loc="lower center", ncol=min(len(handles), 6), fontsize=8,
                   frameon=False)  # fmt: skip
    import textwrap

    heading = textwrap.fill(
        title or f"Sensitivity of {axis_label(outcome, column_labels)}", width=int(width * 11)
    )
    if sobol:
        heading += "\nwhiskers: 95% bootstrap intervals, cut at the axis"
    fig.suptitle(heading, fontsize=10)
    top = 1.0  # tight_layout leaves room for the title itself
    fig.tight_layout(rect=(0, 0.5 / height if sobol else 0, 1, top))
    return save_figure(fig, path, formats)[0]
