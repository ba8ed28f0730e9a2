"""``qisim plan``: plan files, common random numbers, the ranked table and the CLI end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qisim.cli import main as cli_main
from qisim.planning import load_plan, ranked_table, run_plan
from qisim.planning.report import chance_interval, mean_interval, paired
from qisim.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
# the plan's pool forks; numpy's own threads in the test process make Python warn about it
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)

SCENARIO = f"""
base = "{ROOT / "scenarios" / "example.toml"}"
name = "tiny"
[[wards]]
name = "Elderly care"
hospital = "North"
count = 2
vacancy = 0.12
context_distance = 0.2
[[wards]]
name = "Surgical"
hospital = "South"
count = 2
vacancy = 0.15
context_distance = 0.6
[initiative]
design_days = 20
[initiative.rollout]
pilot_wards = ["Elderly care 1"]
pilot_days = 30
wave_size = 2
wave_interval = 30
"""

PLAN = """
name = "tiny_plan"
scenario = "tiny.toml"
replications = 2
seed = 7
output = "out"
launch_months = [0, 1]
[set]
"trust.initiative_push_rate" = 0.0
[[competing]]
name = "Falls collaborative"
start = 0
end = 45
[[strategies]]
name = "Pilot and waves"
[[strategies]]
name = "Same again"
[[strategies]]
name = "Deferred"
defer_until = "Falls collaborative"
[[staffing]]
name = "as is"
[[staffing]]
name = "winter"
winter_sickness = 0.05
"""


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("plan")
    (d / "tiny.toml").write_text(SCENARIO)
    (d / "tiny_plan.toml").write_text(PLAN)
    return d


@pytest.fixture(scope="module")  # runs the whole plan (12 s): the tests using it are slow
def runs(plan_dir) -> pd.DataFrame:
    return run_plan(load_plan(plan_dir / "tiny_plan.toml", replications=1), workers=2)


def test_plan_builds_every_combination_with_its_launch_day(plan_dir):
    plan = load_plan(plan_dir / "tiny_plan.toml")
    assert len(plan.cells) == 3 * 2 * 2 and plan.n_runs == 24
    days = {c.launch_month: c.launch_day for c in plan.cells}
    assert days == {0: 0, 1: 30}
    winter = [c for c in plan.cells if c.staffing == "winter"][0].scenario
    assert any(e.note.startswith("winter peak") for e in winter.events)
    assert [c.name for c in winter.competing] == ["Dementia care bundle", "Falls collaborative"]
    assert plan.output == (plan_dir / "out").resolve()


@pytest.mark.slow
def test_common_random_numbers_same_seeds_for_every_strategy(plan_dir, runs):
    plan = load_plan(plan_dir / "tiny_plan.toml")
    # replication r of every cell runs with the plan's seed + r
    assert (runs.seed == plan.spec.seed + runs.replication).all()
    # two strategies with the same settings give the same runs, bit for bit
    a = runs[runs.strategy == "Pilot and waves"].drop(columns=["strategy", "cpu_s"])
    b = runs[runs.strategy == "Same again"].drop(columns=["strategy", "cpu_s"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    p = paired(runs, ("Pilot and waves", 0), ("Same again", 0), "embedded_24m")
    assert p.diff == 0 and p.n == 2


@pytest.mark.slow
def test_deferred_strategy_starts_after_the_competing_initiative(runs):
    early = runs[(runs.launch_month == 0)]
    deferred = early[early.strategy == "Deferred"].delay_days
    now = early[early.strategy == "Pilot and waves"].delay_days
    assert (deferred >= 45).all() and (now < 45).all()


@pytest.mark.slow
def test_ranked_table_has_every_metric_with_an_interval(plan_dir, runs):
    plan = load_plan(plan_dir / "tiny_plan.toml")
    table = ranked_table(plan, runs)
    assert len(table) == 6 and list(table["rank"]) == list(range(1, 7))
    key = table.embedded_24m.to_numpy()
    assert (np.diff(key) <= 1e-12).all()
    for metric in ("p_embedded", "embedded_6m", "outcome_avoided", "burden_days", "p_fizzled"):
        assert (table[f"{metric}_lo"] <= table[metric] + 1e-12).all()
        assert (table[metric] <= table[f"{metric}_hi"] + 1e-12).all()


def test_intervals():
    p, lo, hi = chance_interval(np.zeros(10))
    assert p == 0 and lo == 0 and 0 < hi < 0.3
    m, lo, hi = mean_interval(np.array([1.0, 2.0, 3.0]))
    assert m == 2 and lo < 2 < hi


def test_plan_command_end_to_end(plan_dir, capsys):
    small = PLAN.replace("launch_months = [0, 1]", "launch_months = [1]").replace(
        '[[strategies]]\nname = "Same again"\n', ""
    )
    (plan_dir / "small_plan.toml").write_text(small)
    out = plan_dir / "cli_out"
    code = cli_main(["plan", str(plan_dir / "small_plan.toml"), "--out", str(out), "--reps", "1"])
    assert code == 0
    captured = capsys.readouterr()
    assert "4 runs on 2 worker(s)" in captured.err
    text = captured.out
    assert "same 1 seeds" in text
    # it leads with a recommendation only when the top row is clearly best, never with both
    assert ("Recommendation:" in text) != ("No clear difference:" in text)
    for name in ("report.txt", "table.csv", "runs.csv", "trajectories.csv", "heatmap.csv",
                 "trajectories.png", "heatmap.png", "manifest.json"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    assert len(pd.read_csv(out / "runs.csv")) == 4
    assert len(pd.read_csv(out / "table.csv")) == 2
    assert len(pd.read_csv(out / "trajectories.csv")) == 4 * 25


BAD_PLANS = {
    "unknown roll-out setting": (
        PLAN.replace('defer_until = "Falls collaborative"', "pace = 3"),
        "unknown roll-out setting(s) pace",
    ),
    "rank_by": ('rank_by = "fun"\n' + PLAN, "rank_by = 'fun': choose one of"),
    "no strategies": (PLAN.split("[[strategies]]")[0], "'strategies' is required"),
    "scenario missing": (PLAN.replace("tiny.toml", "nope.toml"), "no such file"),
    "deferral names no initiative": (
        PLAN.replace('defer_until = "Falls collaborative"', 'defer_until = "Flu"'),
        "strategy 'Deferred' with staffing case 'as is'",
    ),
    "bad toml": ("name = ", "not valid TOML"),
    "bad value": (PLAN.replace("replications = 2", "replications = 0"), "'replications' = 0"),
}


@pytest.mark.parametrize("case", sorted(BAD_PLANS))
def test_bad_plan_file_exits_2_with_a_clear_message(plan_dir, case, capsys):
    text, expected = BAD_PLANS[case]
    path = plan_dir / f"bad_{case.replace(' ', '_')}.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError):
        load_plan(path)
    assert cli_main(["plan", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err, err


def test_bad_plan_file_from_the_shell(plan_dir):
    path = plan_dir / "bad_shell.toml"
    path.write_text(BAD_PLANS["unknown roll-out setting"][0])
    result = subprocess.run(
        [sys.executable, "-m", "qisim", "plan", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "pace" in result.stderr


def test_recommendation_names_the_mechanism_that_differs():
    from qisim.planning.report import INDICATORS, mechanisms

    rng = np.random.default_rng(0)
    rows = []
    for strategy, fit in (("PDSA goes on", 0.95), ("PDSA stops", 0.80)):
        for rep in range(6):
            row = {"strategy": strategy, "launch_month": 10, "staffing": "as is"}
            row |= {key: 0.5 + 0.001 * rng.random() for key in INDICATORS}
            row |= {"replication": rep, "fit": fit + 0.01 * rng.random()}
            rows.append(row)
    runs = pd.DataFrame(rows)
    why = mechanisms(runs, ("PDSA goes on", 10), ("PDSA stops", 10))
    assert len(why) == 1 and why[0].startswith("fit of the change") and "PDSA" in why[0]
    assert "in its favour" in why[0]
    against = mechanisms(runs, ("PDSA stops", 10), ("PDSA goes on", 10))
    assert "against it" in against[0]
