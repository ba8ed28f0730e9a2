"""Issues 11 and 13 together: the launch-relative outcomes (issue 13) under the field-fault fixes
(issue 11): one Parquet schema with and without the new columns, censored launch outcomes,
Morris convergence by the real step, labels edited on --resume."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qisim.cli import main as cli_main
from qisim.scenario import ScenarioError

LAUNCH = [
    "days_after_launch",
    *(f"{k}_{m}m" for k in ("practice", "embedded") for m in (6, 12, 24)),
]


def test_parts_with_and_without_launch_columns_read_as_one(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qisim.sweep.storage import Store

    store = Store(tmp_path)
    (tmp_path / "runs").mkdir()
    old = {"run": 0, "habit_rate": 0.4, "time_to_embed": None, "error": None, "traceback": None}
    short = {"run": 1, "habit_rate": 0.5, "time_to_embed": None, "error": None, "traceback": None,
             "days_after_launch": 200, "practice_6m": 0.3, "embedded_6m": 0.0,
             "practice_12m": None, "embedded_12m": None, "practice_24m": None,
             "embedded_24m": None}  # fmt: skip
    long = {**short, "run": 2, "days_after_launch": 800, "practice_12m": 0.5,
            "embedded_12m": 0.5, "practice_24m": 0.6, "embedded_24m": 1.0}  # fmt: skip
    failed = {"run": 3, "error": "WorkerDied: exit code 70", "traceback": None}
    for row in (old, short, long, failed):  # four sessions: a sweep begun before the columns
        store.write_run(row)
        store.compact()
    # a part whose launch outcomes are all empty is typed as numbers, not null
    second = pq.read_schema(sorted((tmp_path / "runs").glob("part-*.parquet"))[1])
    assert second.field("practice_24m").type == pa.float64()
    assert second.field("days_after_launch").type == pa.int64()
    schemas = [pq.read_schema(p).remove_metadata() for p in (tmp_path / "runs").glob("*.parquet")]
    assert len(schemas) == 4 and all(s.equals(schemas[0]) for s in schemas)
    df = pd.read_parquet(tmp_path / "runs").sort_values("run").reset_index(drop=True)
    assert set(LAUNCH) <= set(df.columns)
    assert df["practice_24m"].isna().tolist() == [True, True, False, True]
    assert df["practice_24m"].dtype == np.float64 and df.loc[2, "practice_24m"] == 0.6
    assert df["error"].notna().tolist() == [False, False, False, True]
    mine = store.read_arrow("runs").to_pandas().sort_values("run").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine[df.columns], df, check_dtype=False)


def _runs(days_after_launch, practice_12m):
    n = len(practice_12m)
    return pd.DataFrame({
        "point": range(n), "lever": 0, "days": 400, "first_launch_day": 10,
        "days_after_launch": days_after_launch, "practice_12m": practice_12m,
    })  # fmt: skip


def test_censored_launch_outcomes_are_explained_and_horizon_is_refused_for_shares():
    from qisim.sweep.analysis import censored_outcome

    runs = _runs([390, 390, 390], [0.4, None, 0.6])
    cols = ["days_after_launch", "practice_12m"]
    with pytest.raises(ScenarioError, match="1 of 3 runs have no value of practice_12m") as exc:
        censored_outcome(runs, "practice_12m", cols, None, "S")
    assert "less than 12 months after launch" in str(exc.value)
    with pytest.raises(ScenarioError, match="practice_12m is not a time"):
        censored_outcome(runs, "practice_12m", cols, "horizon", "S")
    y, n = censored_outcome(runs, "practice_12m", cols, 0, "S")
    assert n == 1 and y.tolist() == [0.4, 0.0, 0.6]
    y, n = censored_outcome(runs, "practice_12m > 0.5", cols, "0", "S")
    assert n == 1 and y.tolist() == [0.0, 0.0, 1.0]


SMALL = """
days = 60
seed = 3
[set]
"wards.0.count" = 2
"wards.1.count" = 1
"initiative.design_days" = 10
"initiative.rollout.pilot_wards" = []
"competing" = []
"""


def _experiment(folder, head: str, body: str):
    from pathlib import Path

    example = Path(__file__).resolve().parent.parent / "scenarios" / "example.toml"
    path = folder / "exp.toml"
    path.write_text(f'scenario = "{example}"\noutput = "out"\n{head}{SMALL}{body}')
    return path


def test_morris_convergence_at_full_r_matches_the_indices(tmp_path, capsys):
    """The convergence check and the indices divide each effect by the same real step."""
    from qisim.sweep import run_sweep

    body = (
        "[design]\nkind = 'morris'\nsamples = 4\nlevels = 4\n[uncertainties]\n"
        "'qi_team.size' = {range = [1, 3], integer = true, label = 'QI team size'}\n"
        "'qi_team.communication' = {range = [0.1, 0.9]}\n"
    )
    exp = _experiment(tmp_path, "replications = 1\n", body)
    folder = run_sweep(exp, workers=2, progress=False).folder
    assert cli_main(["sensitivity", str(folder)]) == 0
    table = pd.read_csv(folder / "sensitivity" / "habit_rate_morris.csv").set_index("parameter")
    conv = pd.read_csv(folder / "sensitivity" / "habit_rate_morris_convergence.csv")
    full = conv[conv["N"] == conv["N"].max()].set_index("parameter")
    assert "effects" in table  # qisim's own effects (pos: columns), not SALib's unit step
    for name in table.index:
        assert full.loc[name, "mu_star"] == pytest.approx(table.loc[name, "mu_star"], nan_ok=True)
    methods = (folder / "sensitivity" / "habit_rate_morris_methods.md").read_text()
    assert "real step" in methods


def test_resume_takes_in_edited_labels_with_added_replications(tmp_path, capsys):
    from qisim.sweep import run_sweep
    from qisim.sweep.storage import Store

    body = "[uncertainties]\n'qi_team.communication' = {values = [0.2, 0.8], label = 'comms'}\n"
    exp = _experiment(tmp_path, "replications = 1\n", body)
    folder = run_sweep(exp, workers=1, progress=False).folder
    exp.write_text(exp.read_text().replace("replications = 1", "replications = 2")
                   .replace("'comms'", "'QI team communication'"))  # fmt: skip
    report = run_sweep(exp, workers=1, progress=False, resume=True)
    assert report.done == 2
    manifest = Store(folder).manifest()
    assert manifest["labels"]["qi_team.communication"]["label"] == "QI team communication"
    runs = pd.read_parquet(folder / "runs")
    assert len(runs) == 4 and set(LAUNCH) <= set(runs.columns)
