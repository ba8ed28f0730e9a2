"""Figures a person would rather look at than read."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from qisim.results import RunResult

STAGE_COLOURS = {
    "design": "#e0e0e0",
    "stalled": "#f4cccc",
    "pilot": "#d9ead3",
    "rollout": "#cfe2f3",
    "embedding": "#fff2cc",
    "sustained": "#b6d7a8",
    "fizzled": "#ea9999",
    "halted": "#cccccc",
    "redesign": "#f9cb9c",
}
HOSPITAL_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def shade_stages(ax, stages: list[tuple[int, str]], days: int) -> None:
    for i, (start, stage) in enumerate(stages):
        end = stages[i + 1][0] if i + 1 < len(stages) else days
        if end > start:
            ax.axvspan(start, end, color=STAGE_COLOURS.get(stage, "#eeeeee"), alpha=0.5, lw=0)
            ax.text(
                (start + end) / 2,
                1.01,
                stage,
                ha="center",
                va="bottom",
                fontsize=7,
                transform=ax.get_xaxis_transform(),
                clip_on=False,
            )


def smooth(x: np.ndarray, window: int = 14) -> np.ndarray:
    """Trailing mean over ``window`` days (shorter at the start)."""
    c = np.cumsum(np.asarray(x, dtype=float))
    out = c.copy()
    out[window:] = c[window:] - c[:-window]
    return out / np.minimum(np.arange(1, len(c) + 1), window)


def standout_ward(practice: np.ndarray, target: np.ndarray) -> int:
    """The target ward whose practice at the end lies furthest from the other target wards'
    median: the one a reader's eye should go to when no lesson names a focus ward."""
    end = smooth_end(practice)
    idx = np.flatnonzero(target)
    return int(idx[np.argmax(np.abs(end[idx] - np.median(end[idx])))])


def smooth_end(practice: np.ndarray, window: int = 14) -> np.ndarray:
    """Each ward's mean practice over the last ``window`` days (days x wards in)."""
    return practice[-window:].mean(axis=0) if len(practice) else np.zeros(practice.shape[1])


def draw_ward_practice(
    ax,
    practice: np.ndarray,
    wards,
    focus: list[int],
    alpha: float = 1.0,
    ls: str = "-",
    label_focus: bool = True,
    focus_colours: tuple[str, ...] = (),
) -> None:
    """Practice of each target ward (14-day mean), coloured by hospital; the ``focus`` wards
    drawn thick (in ``focus_colours``, in order, if given) and labelled with their names at the
    end of their line."""
    t = np.arange(len(practice))
    for i in np.flatnonzero(wards.target):
        colour = HOSPITAL_COLOURS[wards.hospital[i] % len(HOSPITAL_COLOURS)]
        y = smooth(practice[:, i])
        if i in focus:
            if focus_colours:
                colour = focus_colours[focus.index(i) % len(focus_colours)]
            ax.plot(t, y, color=colour, lw=2.4, alpha=alpha, ls=ls, zorder=3)
            if label_focus and len(t):
                ax.annotate(
                    wards.names[i], xy=(t[-1], y[-1]), xytext=(-4, 7), textcoords="offset points",
                    ha="right", fontsize=8, fontweight="bold", color=colour, zorder=4,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
                )  # fmt: skip
        else:
            ax.plot(t, y, color=colour, lw=0.8, alpha=0.5 * alpha, ls=ls)


def plot_run(result: RunResult, path: str | Path, focus: list[str] | None = None) -> Path:
    """Four panels: practice per ward and for the trust over the lifecycle, the ``focus`` wards
    (by default the one that stands out most from the others) drawn thick and named; stages of
    the target staff; staffing and initiative load; the patient outcome."""
    m = result.model
    rec, w = m.recorder, m.wards
    days = rec.n_recorded
    t = np.arange(days)
    s = result.summary
    fig, axes = plt.subplots(2, 2, figsize=(13, 8), sharex=True)
    ax = axes[0, 0]
    shade_stages(ax, [tuple(x) for x in s["stages"]], days)
    practice = rec.ward["practice"][:days]
    named = [w.names.index(n) for n in focus or () if n in w.names]
    draw_ward_practice(ax, practice, w, named or [standout_ward(practice, w.target)])
    ax.plot(
        t, smooth(rec.trust["practice"][:days]), color="black", lw=2.2, label="trust (target wards)"
    )
    for h, name in enumerate(w.hospital_names):
        ax.plot([], [], color=HOSPITAL_COLOURS[h % len(HOSPITAL_COLOURS)], label=f"wards: {name}")
    ax.axhline(m.constants.embed_level, color="grey", ls=":", lw=1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("practice (share done, 14-day mean)")
    ax.set_title(f"{m.initiative.name}: practice per ward", loc="left", pad=14)
    ax.legend(loc="upper left", fontsize=8, frameon=False)

    ax = axes[0, 1]
    tgt = w.target
    for name, colour in (
        ("aware", "#c6dbef"),
        ("understanding", "#6baed6"),
        ("owning", "#2171b5"),
        ("practising", "#08306b"),
    ):
        ax.plot(t, rec.ward[name][:days][:, tgt].mean(axis=1), color=colour, lw=2, label=name)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of target staff")
    ax.set_title("Stage toward the initiative (target wards)", loc="left", pad=14)
    ax.legend(loc="upper left", fontsize=8, frameon=False)

    ax = axes[1, 0]
    ax.plot(
        t,
        smooth(rec.ward["staffing"][:days].mean(axis=1), 7),
        color="#444",
        lw=1.5,
        label="day staffing (mean ward)",
    )
    ax.plot(
        t,
        smooth(rec.ward["staffing_night"][:days].mean(axis=1), 7),
        color="#888",
        lw=1.5,
        ls="--",
        label="night staffing",
    )
    ax.axhline(1.0, color="grey", ls=":", lw=1)
    ax.set_ylabel("nurses on duty / required")
    ax.set_xlabel("day")
    ax2 = ax.twinx()
    ax2.plot(
        t, rec.ward["load"][:days].mean(axis=1), color="#e6550d", lw=1.5, label="initiative load"
    )
    ax2.set_ylabel("initiatives per ward", color="#e6550d")
    ax.set_title("Staffing and initiative load", loc="left")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(
        lines[0] + lines2[0], lines[1] + lines2[1], loc="lower left", fontsize=8, frameon=False
    )

    ax = axes[1, 1]
    events = rec.ward["outcome_events"][:days][:, tgt].sum(axis=1)
    ax.plot(t, smooth(events, 30), color="#756bb1", lw=2)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("events per day (30-day mean)")
    ax.set_xlabel("day")
    ax.set_title(
        f"Patient outcome: {m.initiative.outcome.replace('_', ' ')} on target wards", loc="left"
    )
    fig.suptitle(
        f"{m.qi_scenario.name} — status {s['status']}, {s['embedded_ward_fraction']:.0%} of target wards "
        f"embedded, practice {s['practice_rate']:.2f} (seed {s['seed']})",
        fontsize=12,
    )
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
