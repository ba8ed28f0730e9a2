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


STATUS_COLOURS = {
    "embedded": "#1a9850",
    "patchy": "#91cf60",
    "in_progress": "#fee08b",
    "stalled": "#fc8d59",
    "fizzled": "#d73027",
    "halted": "#7f7f7f",
}


def plot_validity(runs, table, failures, summary: dict, path: str | Path) -> Path:
    """Six panels: FFIT total against the outcome; the ROC of the total for 'embedded'; rho of
    the total and sections; the best items; share embedded by FFIT decile; why high-FFIT runs
    failed."""
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    y = runs["embedded_ward_fraction"].to_numpy(float)
    x = runs["ffit_total"].to_numpy(float)

    ax = axes[0, 0]
    jitter = (np.random.default_rng(0).random(len(y)) - 0.5) * 0.03
    for status, colour in STATUS_COLOURS.items():
        m = (runs["status"] == status).to_numpy()
        if m.any():
            ax.scatter(x[m], y[m] + jitter[m], s=6, color=colour, alpha=0.6, lw=0,
                       label=f"{status} ({m.mean():.0%})")  # fmt: skip
    ax.axvline(summary["high_ffit_threshold"], color="grey", ls=":", lw=1)
    ax.set_xlabel("FFIT total at launch (of 225)")
    ax.set_ylabel("share of target wards embedded at the end")
    ax.set_title(f"FFIT total vs outcome: rho = {summary['rho_total']:+.2f}", loc="left")
    ax.legend(fontsize=7, frameon=False, markerscale=2, loc="upper left")

    ax = axes[0, 1]
    for label, positive, colour in (
        ("embedded", runs["embedded"].to_numpy(bool), "#1a9850"),
        ("embedded or patchy", runs["status"].isin(["embedded", "patchy"]).to_numpy(), "#4575b4"),
    ):
        if positive.any() and (~positive).any():
            order = np.argsort(-x, kind="stable")
            tpr = np.concatenate([[0], np.cumsum(positive[order]) / positive.sum()])
            fpr = np.concatenate([[0], np.cumsum(~positive[order]) / (~positive).sum()])
            from qisim.ffit.validity import auc

            ax.plot(fpr, tpr, color=colour, lw=2, label=f"{label}: AUC {auc(x, positive):.2f}")
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("FFIT total as a test for success (ROC)", loc="left")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False, loc="lower right")

    ax = axes[0, 2]
    sub = table[table["kind"] != "item"].iloc[::-1]
    pos = np.arange(len(sub))
    ax.barh(
        pos,
        sub["rho_embedded"],
        color=["#08519c" if k == "total" else "#6baed6" for k in sub["kind"]],
    )
    ax.errorbar(sub["rho_embedded"], pos, xerr=[sub["rho_embedded"] - sub["rho_lo"], sub["rho_hi"] - sub["rho_embedded"]],
                fmt="none", color="black", lw=1, capsize=3)  # fmt: skip
    ax.set_yticks(pos)
    ax.set_yticklabels(sub["text"], fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("rho with share embedded (90% interval)")
    ax.set_title("Total and sections", loc="left")

    ax = axes[1, 0]
    items = table[table["kind"] == "item"].copy()
    items["abs"] = items["rho_embedded"].abs()
    best = items.sort_values("abs", ascending=False).head(12).iloc[::-1]
    pos = np.arange(len(best))
    ax.barh(
        pos,
        best["rho_embedded"],
        color=["#1a9850" if r > 0 else "#d73027" for r in best["rho_embedded"]],
    )
    labels = [
        f"{p}: {textwrap.shorten(t, 46, placeholder='...')}"
        for p, t in zip(best["predictor"], best["text"])
    ]
    ax.set_yticks(pos)
    ax.set_yticklabels(labels, fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Spearman's rho with share embedded")
    ax.set_title("The 12 items that predict best", loc="left")

    ax = axes[1, 1]
    deciles = np.minimum((np.argsort(np.argsort(x, kind="stable")) * 10) // len(x), 9)
    present = [d for d in range(10) if (deciles == d).any()]
    success = runs["status"].isin(["embedded", "patchy"]).to_numpy()
    emb = [runs["embedded"].to_numpy()[deciles == d].mean() for d in present]
    suc = [success[deciles == d].mean() for d in present]
    mean_y = [y[deciles == d].mean() for d in present]
    ranks = [d + 1 for d in present]
    ax.plot(ranks, emb, "o-", color="#1a9850", label="embedded")
    ax.plot(ranks, suc, "s-", color="#4575b4", label="embedded or patchy")
    ax.plot(ranks, mean_y, "^--", color="#444444", label="mean share of wards embedded")
    ax.set_ylim(0, 1)
    ax.set_xticks(range(1, 11))
    ax.set_xlabel("FFIT total decile (1 = lowest)")
    ax.set_ylabel("share of runs")
    ax.set_title("Success by FFIT decile", loc="left")
    ax.legend(fontsize=8, frameon=False, loc="upper left")

    ax = axes[1, 2]
    f = failures.iloc[::-1]
    pos = np.arange(len(f))
    ax.barh(
        pos + 0.2,
        f["share_of_high_ffit_failures"],
        height=0.4,
        color="#d73027",
        label="high-FFIT failures",
    )
    ax.barh(
        pos - 0.2, f["share_of_all_failures"], height=0.4, color="#bbbbbb", label="all failures"
    )
    ax.set_yticks(pos)
    ax.set_yticklabels(f["mechanism"], fontsize=8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of failed runs put down to it")
    ax.set_title(f"High FFIT, yet failed ({summary['high_ffit_failed']} runs): why", loc="left")
    ax.legend(fontsize=8, frameon=False, loc="lower right")

    fig.suptitle(
        "How well FFIT predicts success in the model\n"
        f"{summary['n']} sampled scenarios ({summary['sampler'].upper()}), FFIT at launch vs "
        f"simulated outcome after {summary['days']} days", fontsize=13,
    )  # fmt: skip
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
