"""Planning a roll-out before launch: compare strategies, launch months and staffing cases.

>>> from qisim.planning import load_plan, run_plan
>>> plan = load_plan("experiments/enhanced_care_rollout.toml")
>>> runs = run_plan(plan, workers=2)              # one row per run, same seeds everywhere

``qisim plan PLAN.toml`` does this and writes the ranked table, the recommendation, the figures
and CSV files (:func:`write_outputs`). docs/plan.md describes the plan file and the strategies.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qisim import __version__
from qisim.paths import check_outputs, make_folder
from qisim.planning.plan import MEASURE_MONTHS, METRICS, Plan, load_plan
from qisim.planning.report import (
    STATUS_WORDS,
    crn_note,
    heatmap_table,
    month_label,
    ranked_table,
    recommendation,
    robustness_text,
    table_text,
    when,
)
from qisim.planning.run import measure, run_plan


@dataclass
class PlanResult:
    """A plan's runs and what they say."""

    plan: Plan
    runs: pd.DataFrame  # one row per run
    table: pd.DataFrame  # one row per strategy and launch month, ranked
    text: str  # the printed report: table, robustness, recommendation
    files: list[Path]


def report_text(plan: Plan, runs: pd.DataFrame, table: pd.DataFrame) -> str:
    outcome = plan.cells[0].scenario.initiative.outcome
    key = plan.spec.rank_by
    robust, _ = robustness_text(plan, runs)
    if plan.start_date:
        launches = f"day 0 is {when(plan, 0)}; launches " + ", ".join(
            f"{when(plan, m)} (month {m:g})" for m in plan.launch_months
        )
    else:
        launches = "launch months (from day 0): " + ", ".join(
            month_label(m, plan.start_month) for m in plan.launch_months
        )
    return "\n".join(
        [
            f"qisim plan {plan.name}: {plan.description}".rstrip(": "),
            f"scenario {plan.scenario_path.name}; {len(plan.strategies)} strategies x "
            f"{len(plan.launch_months)} launch months x {len(plan.staffing)} staffing cases x "
            f"{plan.replications} replications = {plan.n_runs} runs",
            launches,
            "",
            crn_note(plan),
            "",
            f"Ranked by {METRICS[key][0]}. Each row pools its staffing cases and replications "
            f"({len(plan.staffing) * plan.replications} runs); under each estimate, its 90% "
            "interval. Wards embedded are counted 6, 12 and 24 months after the planned launch; "
            "burden is the initiative's own load on the wards (ward-days, with any preparation "
            "programme).",
            "",
            table_text(plan, table, outcome),
            "",
            f"{METRICS[key][0]} under each staffing case (pooled over launch months; * best):",
            robust,
            "",
            recommendation(plan, runs, table, outcome),
            "",
            "What the outcomes mean: "
            + "; ".join(f"{k}: {v}" for k, v in STATUS_WORDS.items())
            + ".",
        ]
    )


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=Path(__file__).parent, timeout=5
        )
        return out.stdout.strip() if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit() -> str | None:
    """The code's commit, with ``+changes`` when the model's code differs from it."""
    commit = _git("rev-parse", "HEAD")
    if commit and _git("status", "--porcelain", "--", str(Path(__file__).parent.parent)):
        commit += "+changes"
    return commit or None


def output_names(figures: bool = True, pdf: bool = False) -> list[str]:
    """The files :func:`write_outputs` writes into the plan's output folder."""
    names = ["report.txt", "table.csv", "runs.csv", "trajectories.csv", "heatmap.csv"]
    names += ["trajectories.png", "heatmap.png"] if figures else []
    names += ["wards.csv", "report.html", *(["report.pdf"] if pdf else []), "manifest.json"]
    return names


def write_outputs(
    plan: Plan,
    runs: pd.DataFrame,
    table: pd.DataFrame,
    text: str,
    figures: bool = True,
    pdf: bool = False,
) -> list[Path]:
    """Write report.txt, table.csv (ranked), runs.csv (one row per run), trajectories.csv,
    heatmap.csv, wards.csv (each ward's chance of embedding under every option), the figures,
    report.html (the one-page board report; report.pdf too with ``pdf`` when Chromium and
    Playwright are installed) and manifest.json into the plan's output folder."""
    out = plan.output
    make_folder(out)
    files = []
    (out / "report.txt").write_text(text + "\n")
    files.append(out / "report.txt")
    table.to_csv(out / "table.csv", index=False, float_format="%.4g")
    files.append(out / "table.csv")
    runs.drop(columns=["trajectory", "ward_embedded", "ward_live"]).to_csv(
        out / "runs.csv", index=False, float_format="%.5g"
    )
    files.append(out / "runs.csv")
    traj = runs[["strategy", "launch_month", "staffing", "replication", "trajectory"]].explode(
        "trajectory"
    )
    traj.insert(4, "month", traj.groupby(level=0).cumcount())
    traj = traj.rename(columns={"trajectory": "embedded_ward_fraction"})
    traj.to_csv(out / "trajectories.csv", index=False, float_format="%.4g")
    files.append(out / "trajectories.csv")
    cells = heatmap_table(plan, runs)
    cells.to_csv(out / "heatmap.csv", index=False, float_format="%.4g")
    files.append(out / "heatmap.csv")
    figs = []
    if figures:
        from qisim.planning.figures import plot_heatmap, plot_trajectories

        figs.append(plot_trajectories(plan, runs, out / "trajectories.png"))
        figs.append(plot_heatmap(plan, cells, out / "heatmap.png"))
        files += figs
    from qisim.planning.html import report_html, report_pdf, ward_table
    from qisim.sweep.storage import model_fingerprint

    wards = pd.concat(
        [
            ward_table(plan, runs, r.strategy, r.launch_month).assign(
                strategy=r.strategy, launch_month=r.launch_month, rank=r.rank
            )
            for r in table.itertuples()
        ]
    )
    lead_cols = ["rank", "strategy", "launch_month"]
    wards = wards[lead_cols + [c for c in wards.columns if c not in lead_cols]]
    wards.to_csv(out / "wards.csv", index=False, float_format="%.4g")
    files.append(out / "wards.csv")
    (out / "report.html").write_text(report_html(plan, runs, table, figs))
    files.append(out / "report.html")
    if pdf:
        made = report_pdf(out / "report.html", out / "report.pdf")
        if made:
            files.append(made)
    manifest = {
        "plan": str(plan.path),
        "plan_sha256": plan.sha256,
        "scenario": str(plan.scenario_path),
        "seed": plan.spec.seed,
        "replications": plan.replications,
        "common_random_numbers": "replication r of every cell runs with seed + r",
        "runs": plan.n_runs,
        "cpu_s_runs": round(float(runs.cpu_s.sum()), 2),
        "qisim_version": __version__,
        "git_commit": git_commit(),
        "model_fingerprint": model_fingerprint(),
        "python": platform.python_version(),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    files.append(out / "manifest.json")
    return files


def run(
    plan: Plan, workers: int = 2, figures: bool = True, progress=None, pdf: bool = False
) -> PlanResult:
    """Run a plan, rank it, write its outputs and return them with the report text. An output
    folder that is a file, or holds a folder where a file goes (``report.html``), is refused
    before any run."""
    check_outputs(plan.output, output_names(figures, pdf), "output folder")
    runs = run_plan(plan, workers=workers, progress=progress)
    table = ranked_table(plan, runs)
    text = report_text(plan, runs, table)
    files = write_outputs(plan, runs, table, text, figures=figures, pdf=pdf)
    return PlanResult(plan, runs, table, text, files)


__all__ = [
    "MEASURE_MONTHS",
    "Plan",
    "PlanResult",
    "load_plan",
    "measure",
    "output_names",
    "ranked_table",
    "run",
    "run_plan",
]
