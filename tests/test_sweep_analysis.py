"""analyse, sensitivity and discover, end to end on tiny sweeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qisim.cli import main as cli_main
from qisim.sweep import read_runs, run_sweep
from qisim.sweep.analysis import cv_curve, stable_from

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "example.toml"

HEAD = f"""
scenario = "{EXAMPLE}"
days = 80
seed = 3
[set]
"wards.0.count" = 2
"wards.1.count" = 1
"initiative.rollout.pilot_wards" = []
"competing" = []
"""


def sweep(folder: Path, top: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "exp.toml"
    path.write_text(f'output = "out"\n{top}{HEAD}{body}')
    return run_sweep(path, workers=2, progress=False).folder


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory) -> Path:
    """Sobol over design time (matters a lot in an 80-day run), QI team communication, and a
    dummy (the scenario's description) that cannot matter: 8 x (3 + 2) points x 2 replications."""
    body = (
        "[design]\nkind = 'sobol'\nsamples = 8\n[uncertainties]\n"
        "'initiative.design_days' = {range = [5, 40], integer = true, group = 'initiative'}\n"
        "'qi_team.communication' = {range = [0.1, 0.9], group = 'QI team'}\n"
        "description = {values = ['dummy a', 'dummy b'], group = 'none'}\n"
    )
    return sweep(tmp_path_factory.mktemp("sobol"), "replications = 2\n", body)


def test_sensitivity_sobol_cli(sobol_dir, capsys):
    assert cli_main(["sensitivity", str(sobol_dir), "--outcome", "habit_rate"]) == 0
    table = pd.read_csv(sobol_dir / "sensitivity" / "habit_rate_sobol.csv")
    assert (sobol_dir / "sensitivity" / "habit_rate_sobol.png").stat().st_size > 10_000
    st = table.set_index("parameter")["ST"]
    assert st["description"] == pytest.approx(0.0, abs=1e-12)  # no effect, shared seeds
    assert st["initiative.design_days"] > 0.3
    assert {"S1", "S1_conf", "ST_conf", "group"} <= set(table.columns)
    assert "initiative.design_days" in capsys.readouterr().out


def test_discover_cli(sobol_dir, capsys):
    runs = read_runs(sobol_dir)
    cut = float(runs["habit_rate"].quantile(0.3))
    assert cli_main(["discover", str(sobol_dir), "--outcome", f"habit_rate < {cut}"]) == 0
    out = capsys.readouterr().out
    box = next((sobol_dir / "discover").glob("*_box.csv"))
    limits = pd.read_csv(box)
    # late launches leave little time for habit: the box restricts design time from below
    assert "initiative.design_days" in set(limits["parameter"])
    row = limits.set_index("parameter").loc["initiative.design_days"]
    assert row["min"] > 5
    assert "coverage" in out and next((sobol_dir / "discover").glob("*.png")).exists()


def test_discover_rejects_non_boolean_outcome(sobol_dir, capsys):
    assert cli_main(["discover", str(sobol_dir), "--outcome", "habit_rate"]) == 2
    assert "true or false" in capsys.readouterr().err


def test_sensitivity_morris_cli(tmp_path, capsys):
    body = (
        "[design]\nkind = 'morris'\nsamples = 4\nlevels = 4\n[uncertainties]\n"
        "'initiative.design_days' = {range = [5, 60], integer = true}\n"
        "description = {values = ['dummy a', 'dummy b']}\n"
    )
    folder = sweep(tmp_path, "", body)
    assert cli_main(["sensitivity", str(folder)]) == 0
    table = pd.read_csv(folder / "sensitivity" / "habit_rate_morris.csv").set_index("parameter")
    assert table.loc["description", "mu_star"] == 0.0
    assert table.loc["initiative.design_days", "mu_star"] > 0
    assert (folder / "sensitivity" / "habit_rate_morris.png").exists()


def test_sensitivity_needs_sobol_or_morris(tmp_path, capsys):
    folder = sweep(tmp_path, "", '[uncertainties]\n"wards.*.vacancy" = [0.1, 0.2]\n')
    assert cli_main(["sensitivity", str(folder)]) == 2
    assert "sobol or morris" in capsys.readouterr().err


def test_analyse_cli(tmp_path, capsys):
    body = (
        '[uncertainties]\n"wards.*.vacancy" = [0.05, 0.3]\n'
        "[[levers.rows]]\nname = 'quick design'\n'initiative.design_days' = 10\n"
        "[[levers.rows]]\nname = 'slow design'\n'initiative.design_days' = 50\n"
    )
    folder = sweep(tmp_path, "replications = 8\n", body)
    assert cli_main(["analyse", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "quick design" in out and "replication adequacy" in out
    points = pd.read_csv(folder / "analysis" / "points.csv")
    hab = points[points["outcome"] == "habit_rate"]
    assert len(hab) == 4 and (hab["n"] == 8).all()
    assert (hab["ci_low"] <= hab["mean"]).all() and (hab["mean"] <= hab["ci_high"]).all()
    levers = pd.read_csv(folder / "analysis" / "levers.csv").set_index(["lever_label", "outcome"])
    # a later launch leaves less time for habit, over the same seeds
    assert levers.loc[("slow design", "habit_rate"), "diff_vs_lever0"] < 0
    reps = pd.read_csv(folder / "analysis" / "replications.csv")
    assert set(reps["outcome"]) >= {"habit_rate", "practice_rate"}
    assert (folder / "analysis" / "cv.png").exists()
    assert (folder / "analysis" / "habit_rate.png").exists()


def test_cv_stability_rule():
    rng = np.random.default_rng(0)
    settled = cv_curve(rng.normal(10, 1, 40))
    assert stable_from(settled) is not None and stable_from(settled) < 30
    drifting = cv_curve(np.r_[rng.normal(10, 0.1, 30), rng.normal(10, 5, 10)])
    assert stable_from(drifting) is None  # the CV still moves at the end
    assert stable_from(cv_curve(np.zeros(10))) is None  # undefined for a zero mean
