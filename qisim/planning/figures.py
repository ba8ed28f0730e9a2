"""The plan's figures: each strategy's trajectory with bands, and a heatmap of launch month by
staffing case for every strategy."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from qisim.planning.plan import METRICS, Plan  # noqa: E402
from qisim.planning.report import fmt, month_label  # noqa: E402

STAFFING_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def plot_trajectories(plan: Plan, runs: pd.DataFrame, path: str | Path) -> Path:
    """One panel per strategy: the share of target wards embedded, month by month from the
    planned launch, over every run (median, 50% and 90% bands, all launch months and staffing
    cases pooled), with each staffing case's median as a thin line."""
    strategies = plan.strategies
    rows, cols = _grid(len(strategies))
    fig, axes = plt.subplots(
        rows, cols, figsize=(4.2 * cols, 3.1 * rows), sharex=True, sharey=True, squeeze=False
    )
    for ax in axes.flat[len(strategies) :]:
        ax.set_visible(False)
    for ax, strategy in zip(axes.flat, strategies):
        g = runs[runs.strategy == strategy]
        traj = np.array(g.trajectory.tolist(), dtype=float)
        months = np.arange(traj.shape[1])
        q = np.nanquantile(traj, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(months, q[0], q[4], color="#9ecae1", alpha=0.5, lw=0, label="90% of runs")
        ax.fill_between(months, q[1], q[3], color="#4292c6", alpha=0.5, lw=0, label="50% of runs")
        ax.plot(months, q[2], color="#08306b", lw=2, label="median")
        for colour, case in zip(STAFFING_COLOURS, plan.staffing):
            c = np.array(g[g.staffing == case].trajectory.tolist(), dtype=float)
            if c.size:
                ax.plot(months, np.median(c, axis=0), color=colour, lw=0.9, ls="--", label=case)
        ax.set_title(textwrap.fill(strategy, 40), fontsize=9)
        ax.set_ylim(0, 1)
        ax.set_xlim(0, months[-1])
        ax.grid(alpha=0.3)
    for ax in axes[-1]:
        ax.set_xlabel("months after the planned launch")
    for ax in axes[:, 0]:
        ax.set_ylabel("share of target wards embedded")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=8)
    fig.suptitle(
        f"{plan.name}: wards embedded after the planned launch ({len(plan.launch_months)} "
        f"launch months x {len(plan.staffing)} staffing cases x {plan.replications} "
        f"seed{'s' if plan.replications > 1 else ''}, the same seeds for every strategy)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_heatmap(plan: Plan, cells: pd.DataFrame, path: str | Path) -> Path:
    """One heatmap per strategy: launch month (columns) by staffing case (rows), coloured and
    labelled by the ranking metric's mean over replications; one colour scale for all."""
    key = plan.spec.rank_by
    label, better = METRICS[key]
    strategies = plan.strategies
    rows, cols = _grid(len(strategies))
    months = plan.launch_months
    cases = plan.staffing
    panel_w = max(0.8 * len(months), 2.6)
    panel_h = 0.45 * len(cases) + 1.1
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(panel_w * cols + 2.8, (panel_h + 0.5) * rows + 0.6),
        squeeze=False,
        layout="constrained",
    )
    lo, hi = float(cells[key].min()), float(cells[key].max())
    if hi <= lo:
        hi = lo + 1e-9
    cmap = "viridis" if better else "viridis_r"
    image = None
    for ax in axes.flat[len(strategies) :]:
        ax.set_visible(False)
    ticks = [
        f"m{m:g}\n{plan.launch_date(m):%b %Y}"
        if plan.start_date
        else f"m{m:g}\n{month_label(m, plan.start_month).split('(')[1][:3]}"
        for m in months
    ]
    for i, (ax, strategy) in enumerate(zip(axes.flat, strategies)):
        g = cells[cells.strategy == strategy]
        grid = g.pivot(index="staffing", columns="launch_month", values=key)
        grid = grid.reindex(index=cases, columns=months)
        image = ax.imshow(grid.to_numpy(dtype=float), cmap=cmap, vmin=lo, vmax=hi, aspect="auto")
        for r in range(len(cases)):
            for c in range(len(months)):
                v = grid.iat[r, c]
                shade = (v - lo) / (hi - lo)
                dark = shade < 0.55 if better else shade > 0.45
                ax.text(
                    c, r, fmt(key, v), ha="center", va="center", fontsize=8,
                    color="white" if dark else "black",
                )  # fmt: skip
        ax.set_xticks(range(len(months)), ticks, fontsize=7)
        ax.set_yticks(range(len(cases)), cases if i % cols == 0 else [], fontsize=8)
        ax.set_title(textwrap.fill(strategy, 30), fontsize=8)
    if image is not None:
        bar = fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label=label)
        if key.startswith(("p_", "embedded")):
            bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    fig.suptitle(
        f"{plan.name}: {label} by launch "
        + ("date" if plan.start_date else "month (from day 0)")
        + " and staffing case",
        fontsize=10,
    )
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
