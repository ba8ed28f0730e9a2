"""Running sweeps: identical rows across backends and worker counts, failures recorded, worker
deaths and kills lose no finished run, --resume finishes to exactly the uninterrupted rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import qisim
from qisim.cli import main as cli_main
from qisim.scenario import ScenarioError
from qisim.sweep import read_daily, read_runs, rerun_spec, run_sweep
from qisim.sweep.storage import Store
from qisim.sweep.worker import FAULTS_ENV

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "example.toml"

# Three wards, launched after 15 days, 80 days long: ~0.05 s a run.
SMALL = f"""
scenario = "{EXAMPLE}"
days = 80
seed = 11
[set]
"wards.0.count" = 2
"wards.1.count" = 1
"initiative.design_days" = 15
"initiative.rollout.pilot_wards" = []
"competing" = []
"""


def write_experiment(
    folder: Path, body: str, replications: int = 2, name: str = "exp", top: str = ""
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nreplications = {replications}\noutput = "out-{name}"\n'
        + top
        + SMALL
        + body
    )
    return path


GRID = """
[uncertainties]
"wards.*.vacancy" = [0.05, 0.25]
"constants.cascade_rate" = [0.04, 0.12]
[levers]
"initiative.pdsa_rollout" = [0.2, 0.8]
"""  # 4 points x 2 levers x 2 replications = 16 runs


def outcome_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["error", "traceback"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> pd.DataFrame:
    """The grid experiment, uninterrupted, on 2 local workers."""
    exp = write_experiment(tmp_path_factory.mktemp("base"), GRID)
    report = run_sweep(exp, workers=2, progress=False)
    assert report.done == 16 and report.failed == 0
    return read_runs(report.folder)


def test_rows_have_parameters_seed_and_summary(baseline):
    assert len(baseline) == 16 and baseline["run"].tolist() == list(range(16))
    for col in ("point", "lever", "replication", "wards.*.vacancy", "constants.cascade_rate",
                "initiative.pdsa_rollout", "seed", "status", "practice_rate", "habit_rate",
                "embedded_ward_fraction", "time_to_embed", "error"):  # fmt: skip
        assert col in baseline
    assert baseline["error"].isna().all()
    assert baseline["practice_rate"].gt(0).any()  # the runs got past design
    # common random numbers: both levers at a (point, replication) share the seed
    assert (baseline.groupby(["point", "replication"])["seed"].nunique() == 1).all()


def test_one_worker_gives_identical_rows(baseline, tmp_path):
    exp = write_experiment(tmp_path, GRID)
    report = run_sweep(exp, workers=1, progress=False)
    pd.testing.assert_frame_equal(read_runs(report.folder), baseline)


def test_rerun_from_sweep_reproduces_the_row(baseline, tmp_path):
    exp = write_experiment(tmp_path, GRID)
    folder = run_sweep(exp, workers=2, progress=False).folder
    row = read_runs(folder).iloc[13]
    scenario, seed, overrides, constants = rerun_spec(folder, "13")
    assert seed == row["seed"] and constants == {"cascade_rate": row["constants.cascade_rate"]}
    summary = qisim.run(scenario, seed=seed, overrides=overrides, constants=constants).summary
    for key in ("practice_rate", "habit_rate", "outcome_change", "initiative_load_days", "status"):
        assert summary[key] == row[key]
    out = tmp_path / "rerun"
    assert cli_main(["run", "--from-sweep", str(folder), "--run", "13", "--out", str(out),
                     "--no-figure"]) == 0  # fmt: skip
    import json

    assert json.loads((out / "summary.json").read_text())["habit_rate"] == row["habit_rate"]
    with pytest.raises(ScenarioError, match="no run 99"):
        rerun_spec(folder, 99)


def test_local_pool_failures_and_worker_death(baseline, tmp_path, monkeypatch):
    """Run 3 kills its worker process every time, run 5 raises: both are recorded with their
    errors, every other run finishes with exactly the rows of the clean sweep."""
    monkeypatch.setenv(FAULTS_ENV, "3:exit,5:raise")
    exp = write_experiment(tmp_path, GRID)
    report = run_sweep(exp, workers=2, progress=False)
    rows = read_runs(report.folder)
    assert report.done == 16 and report.failed == 2 and len(rows) == 16
    errors = rows.set_index("run")["error"]
    assert errors[3].startswith("WorkerDied") and "exit code 70" in errors[3]
    assert errors[5] == "RuntimeError: test fault injected in run 5"
    ok = ~rows["run"].isin([3, 5])
    pd.testing.assert_frame_equal(
        outcome_frame(rows[ok]), outcome_frame(baseline[ok]), check_dtype=False
    )


@pytest.mark.slow
def test_dask_identical_rows_and_worker_death(baseline, tmp_path, monkeypatch):
    """The Dask backend gives the same rows as the local pool; a worker process dying mid-run
    costs only its own run (see qisim/sweep/backends.py for why it cost others before)."""
    monkeypatch.setenv(FAULTS_ENV, "3:exit,5:raise")
    exp = write_experiment(tmp_path, GRID)
    report = run_sweep(exp, backend="dask", workers=2, progress=False)
    rows = read_runs(report.folder)
    assert len(rows) == 16 and report.failed == 2
    errors = rows.set_index("run")["error"]
    assert errors[3].startswith("KilledWorker")
    assert errors[5] == "RuntimeError: test fault injected in run 5"
    ok = ~rows["run"].isin([3, 5])
    pd.testing.assert_frame_equal(
        outcome_frame(rows[ok]), outcome_frame(baseline[ok]), check_dtype=False
    )


@pytest.mark.slow
def test_kill_and_resume_equals_uninterrupted(tmp_path):
    # 6 points x 2 lever rows x 4 replications; one lever row sets a list, the other nothing,
    # so that column is text in some runs and empty in others
    body = """
[uncertainties]
"wards.*.vacancy" = [0.05, 0.15, 0.25]
"constants.cascade_rate" = [0.04, 0.12]
[[levers.rows]]
name = "all at once"
[[levers.rows]]
name = "pilot first"
"initiative.rollout.pilot_wards" = ["Elderly care 1"]
"initiative.rollout.pilot_days" = 20
"""
    exp = write_experiment(tmp_path / "a", body, replications=4)
    whole = read_runs(run_sweep(exp, workers=2, progress=False).folder)
    assert len(whole) == 48

    killed = write_experiment(tmp_path / "b", body, replications=4)
    runs_dir = killed.parent / "out-exp" / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "qisim", "sweep", str(killed), "--workers", "2", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if runs_dir.exists() and len(Store(runs_dir.parent).done_runs()) >= 8:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = read_runs(runs_dir.parent)
    assert 8 <= len(before) < 48  # killed in the middle
    # every run on disk is whole and equal to the uninterrupted sweep's
    pd.testing.assert_frame_equal(
        before.reset_index(drop=True),
        whole[whole["run"].isin(before["run"])].reset_index(drop=True),
        check_dtype=False,
    )
    with pytest.raises(ScenarioError, match="--resume"):
        run_sweep(killed, workers=2, progress=False)
    report = run_sweep(killed, workers=2, resume=True, progress=False)
    assert report.skipped == len(before) and report.done == 48 - len(before)
    pd.testing.assert_frame_equal(read_runs(report.folder), whole)
    manifest = Store(report.folder).manifest()
    assert len(manifest["sessions"]) == 2 and manifest["experiment"]["sha256"]
    # nothing left to do
    again = run_sweep(killed, workers=2, resume=True, progress=False)
    assert again.done == 0 and again.skipped == 48


def test_resume_refuses_a_changed_experiment(tmp_path):
    exp = write_experiment(tmp_path, '[uncertainties]\n"wards.*.vacancy" = [0.1]\n', 1)
    run_sweep(exp, workers=1, progress=False)
    exp.write_text(exp.read_text().replace("[0.1]", "[0.2]"))
    with pytest.raises(ScenarioError, match="changed since the sweep"):
        run_sweep(exp, workers=1, resume=True, progress=False)


def test_daily_tables_are_recorded_in_their_own_parts(tmp_path):
    body = '[uncertainties]\n"wards.*.vacancy" = [0.1, 0.2]\n'
    exp = write_experiment(tmp_path, body, 1, top='record = "daily"\nrecord_every = 10\n')
    folder = run_sweep(exp, workers=2, progress=False).folder
    daily, trust = read_daily(folder), read_daily(folder, "trust")
    assert set(daily["run"]) == {0, 1} and set(trust["run"]) == {0, 1}
    assert set(daily["day"]) == {*range(0, 80, 10), 79}
    assert len(daily) == 2 * 3 * 9  # runs x wards x recorded days
    assert {"ward", "practice", "staffing"} <= set(daily.columns)
    assert (folder / "daily" / "part-00000.parquet").exists()


def test_cli_sweep_reports(tmp_path, capsys):
    exp = write_experiment(tmp_path, '[uncertainties]\n"wards.*.vacancy" = [0.1, 0.2]\n', 1)
    assert cli_main(["sweep", str(exp), "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "2 of 2 runs on disk" in out and "qisim analyse" in out


def test_resume_refuses_a_changed_model(tmp_path, monkeypatch):
    exp = write_experiment(tmp_path, '[uncertainties]\n"wards.*.vacancy" = [0.1]\n', 1)
    run_sweep(exp, workers=1, progress=False)
    import qisim.sweep.runner as runner

    monkeypatch.setattr(runner, "model_fingerprint", lambda: "another model")
    with pytest.raises(ScenarioError, match="model code changed"):
        run_sweep(exp, workers=1, resume=True, progress=False)
    assert run_sweep(exp, workers=1, resume=True, allow_model_change=True, progress=False).done == 0


def test_columns_that_change_type_between_runs_still_stack():
    """A lever column is empty for one lever row and a list (stored as JSON text) for another;
    runs written before and after must still read as one table."""
    import pyarrow as pa

    from qisim.sweep.storage import _concat

    a = pa.table({"run": [0], "pilot": pa.array([float("nan")]), "x": [1]})
    b = pa.table({"run": [1], "pilot": ["[]"], "x": [2.5]})
    c = pa.table({"run": [2], "pilot": pa.array([None], pa.null()), "x": [3]})
    t = _concat([a, b, c])
    assert t.column("pilot").to_pylist() == [None, "[]", None]
    assert t.column("x").to_pylist() == [1.0, 2.5, 3.0]


def test_workers_that_always_die_stop_the_sweep(tmp_path, monkeypatch):
    monkeypatch.setenv(FAULTS_ENV, ",".join(f"{r}:exit" for r in range(16)))
    exp = write_experiment(tmp_path, GRID)
    with pytest.raises(RuntimeError, match="before finishing a single run"):
        run_sweep(exp, workers=1, progress=False)


def test_journal_survives_a_line_cut_short(tmp_path):
    """A kill in the middle of appending a row leaves a partial last line: it is ignored, the
    whole rows before it are kept, and merging them into a part loses nothing."""
    store = Store(tmp_path)
    (tmp_path / "runs").mkdir()
    for run in range(3):
        store.write_run({"run": run, "habit_rate": 0.1 * run, "error": None})
    store.close()
    journal = next((tmp_path / "runs").glob("journal-*.jsonl"))
    with open(journal, "a") as fh:
        fh.write('{"run": 3, "habit_ra')  # the kill
    assert store.done_runs() == {0, 1, 2}
    assert store.compact() == 3
    assert not list((tmp_path / "runs").glob("journal-*"))
    table = store.read_arrow("runs")
    assert sorted(table.column("run").to_pylist()) == [0, 1, 2]
    store.write_run({"run": 1, "habit_rate": 0.1, "error": None})  # a duplicate is dropped
    assert sorted(store.read_arrow("runs").column("run").to_pylist()) == [0, 1, 2]


def test_provenance_sees_uncommitted_changes_to_the_package(tmp_path):
    """The commit's 'dirty' flag looked for qisim/sweep/qisim and so was always false."""
    import subprocess

    from qisim.sweep.storage import git_commit

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    (tmp_path / "qisim" / "sweep").mkdir(parents=True)
    (tmp_path / "qisim" / "model.py").write_text("x = 1\n")
    (tmp_path / "qisim" / "sweep" / "storage.py").write_text("")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    here = tmp_path / "qisim" / "sweep"
    assert git_commit(here)["dirty"] is False
    (tmp_path / "qisim" / "model.py").write_text("x = 2\n")
    assert git_commit(here)["dirty"] is True
