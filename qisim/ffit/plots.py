"""FFIT figures: the seven-section radar, scenarios side by side, the validity study."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from qisim.domain import FFIT_SECTIONS  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
SHORT = {
    "staff": "Front-line\nstaff",
    "resourcing": "Resourcing",
    "managers": "Managers",
    "confidence": "Confidence in\nproblem & solution",
    "messages": "Messages",
    "learning": "Learning",
    "context": "Fitting the\ncontext",
}


def radar(ax, means: dict[str, float], colour: str = COLOURS[0], label: str | None = None) -> None:
    """Draw the seven section means (0-5) on a polar axis."""
    keys = [s.key for s in FFIT_SECTIONS]
    angles = np.linspace(0, 2 * np.pi, len(keys), endpoint=False)
    values = np.array([means[k] for k in keys])
    closed_a = np.append(angles, angles[0])
    closed_v = np.append(values, values[0])
    ax.plot(closed_a, closed_v, color=colour, lw=2, label=label)
    ax.fill(closed_a, closed_v, color=colour, alpha=0.2)
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_xticks(angles)
    ax.set_xticklabels([SHORT[k] for k in keys], fontsize=8)
    ax.set_ylim(0, 5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_yticklabels(["1", "2", "3", "4", "5"], fontsize=6, color="grey")
    ax.tick_params(axis="x", pad=6)


def plot_audit(means: dict[str, float], title: str, path: str | Path) -> Path:
    """One audit's radar of section means."""
    fig = plt.figure(figsize=(6.4, 6.6))
    ax = fig.add_subplot(111, projection="polar")
    radar(ax, means)
    for angle, key in zip(np.linspace(0, 2 * np.pi, 7, endpoint=False), means):
        ax.text(angle, min(means[key] + 0.45, 5.2), f"{means[key]:.1f}", ha="center", fontsize=8)
    ax.set_title(title, pad=24, fontsize=11)
    fig.text(0.5, 0.02, "section means, 0 = not at all ... 5 = to a very great extent "
             "(FFIT, report Appendix 1)", ha="center", fontsize=8, color="grey")  # fmt: skip
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_compare(table: pd.DataFrame, sections: list[dict[str, float]], path: str | Path) -> Path:
    """Scenarios side by side: each one's FFIT radar (top) and its simulated outcome below
    (share of target wards embedded: median, 90% interval over replications, every run)."""
    n = len(table)
    fig = plt.figure(figsize=(max(3.2 * n, 7), 7.2))
    grid = fig.add_gridspec(2, n, height_ratios=[1.25, 1])
    for j, (row, means) in enumerate(zip(table.itertuples(), sections)):
        ax = fig.add_subplot(grid[0, j], projection="polar")
        radar(ax, means, COLOURS[j % len(COLOURS)])
        ax.set_title(
            "\n".join(textwrap.wrap(row.scenario.replace("_", " "), 26)), fontsize=9, pad=18
        )
        ax.text(np.pi, 7.6, f"FFIT total {row.ffit_total:.0f} / 225", ha="center", fontsize=8)
    ax = fig.add_subplot(grid[1, :])
    x = np.arange(n)
    for j, row in enumerate(table.itertuples()):
        colour = COLOURS[j % len(COLOURS)]
        runs = np.asarray(row.embedded_runs, dtype=float)
        jitter = (np.random.default_rng(j).random(len(runs)) - 0.5) * 0.25
        ax.scatter(x[j] + jitter, runs, s=8, color=colour, alpha=0.35, lw=0)
        ax.errorbar(x[j], row.embedded_median,
                    yerr=[[row.embedded_median - row.embedded_lo], [row.embedded_hi - row.embedded_median]],
                    fmt="o", color="black", capsize=6, lw=1.5, ms=7)  # fmt: skip
        ax.text(
            x[j] + 0.18, row.embedded_median, f"{row.embedded_median:.0%}", va="center", fontsize=8
        )
    ax.set_xticks(x)
    ax.set_xticklabels(
        ["\n".join(textwrap.wrap(s.replace("_", " "), 26)) for s in table["scenario"]], fontsize=8
    )
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlim(-0.6, n - 0.4)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("target wards embedded at the end")
    ax.set_title(f"Simulated outcome: median and 90% interval over {int(table['reps'].iloc[0])} "
                 "replications (dots: single runs)", loc="left", fontsize=10)  # fmt: skip
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    fig.suptitle("FFIT profiles at launch beside simulated outcomes", fontsize=12)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
