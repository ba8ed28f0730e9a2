"""Beyond one machine: the batch-job recipe in docs/sweeps.md, run as it stands.

The recipe's scheduler and workers are separate processes started with Dask's own command-line
tools, as on a cluster; only SLURM's ``srun`` is replaced, by a stand-in that starts each task as
a background process here. The sweep they run must give the local pool's rows.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from qisim.sweep import read_runs, run_sweep
from tests.test_sweep_run import GRID, outcome_frame, write_experiment

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # this environment's qisim and dask
TIMEOUT_S = 90

# srun's stand-in: its options are dropped, --ntasks=N starts N copies in the background, and
# when it is stopped it stops them (a real srun ends its tasks too)
FAKE_SRUN = """#!/bin/bash
n=1
while [[ $1 == -* ]]; do
    case $1 in --ntasks=*) n=${1#--ntasks=} ;; esac
    shift
done
trap 'kill $(jobs -p) 2>/dev/null; exit 143' TERM INT
for ((i = 0; i < n; i++)); do "$@" & done
wait
"""


def recipe() -> str:
    doc = (ROOT / "docs" / "sweeps.md").read_text()
    block = re.search(
        r"<!-- cluster-recipe:start -->\n```sh\n(.*?)```\n<!-- cluster-recipe:end -->", doc, re.S
    )
    assert block, "docs/sweeps.md has no cluster recipe between its markers"
    return block.group(1)


def stop_session(job: subprocess.Popen) -> None:
    """Stop the job and everything it started (its session): SIGTERM, then SIGKILL after 10 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(job.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and session_alive(job.pid):
            time.sleep(0.1)
    job.wait()


def session_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow  # 10-50 s: a scheduler, two workers and two sweeps
def test_the_batch_recipe_gives_the_local_pools_rows(tmp_path):
    if shutil.which("dask", path=str(BIN)) is None:
        pytest.skip("the dask command-line tools are not installed (pip install qisim[sweep])")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "srun").write_text(FAKE_SRUN)
    (fake_bin / "srun").chmod(0o755)
    script = tmp_path / "sweep.sh"
    script.write_text(recipe())
    exp = write_experiment(tmp_path / "exp", GRID)  # 16 runs of 80 days
    out = tmp_path / "cluster"
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(fake_bin), str(BIN), os.environ.get("PATH", "")]),
        "EXPERIMENT": str(exp),
        "SCHEDULER_FILE": str(tmp_path / "scheduler.json"),
        "INTERFACE": "lo",  # 127.0.0.1 only; the scheduler and workers take free ports
        "SLURM_NTASKS": "3",  # a scheduler and two workers
    }
    # its own session, so that everything it starts can be stopped together whatever happens
    job = subprocess.Popen(
        ["bash", str(script), "--out", str(out), "--no-progress"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        log, _ = job.communicate(timeout=TIMEOUT_S)
    finally:
        stop_session(job)
    assert job.returncode == 0, log
    assert "16 of 16 runs on disk" in log, log

    manifest = (out / "manifest.json").read_text()
    assert '"scheduler": "tcp://127.0.0.1:' in manifest  # it went through the scheduler
    local = run_sweep(exp, workers=2, output=tmp_path / "local", progress=False)
    assert local.failed == 0
    pd.testing.assert_frame_equal(
        outcome_frame(read_runs(out)), outcome_frame(read_runs(local.folder))
    )


def test_scheduler_file_gives_its_address_or_a_clear_error(tmp_path):
    from qisim.cli.cmd_sweep import scheduler_address
    from qisim.scenario import ScenarioError

    path = tmp_path / "scheduler.json"
    with pytest.raises(ScenarioError, match="no scheduler address there after 0 s"):
        scheduler_address(str(path), wait=0.3)
    path.write_text('{"type": "Scheduler", "address": "tcp://127.0.0.1:8786"}')
    assert scheduler_address(str(path)) == "tcp://127.0.0.1:8786"


def test_a_scheduler_nobody_answers_at_is_one_paragraph_and_exit_2(tmp_path, monkeypatch, capsys):
    """A mistyped scheduler address: no traceback, the address and what to check (new-user
    check: it ended in a traceback after 30 s)."""
    from qisim.cli import main
    from qisim.sweep import backends

    monkeypatch.setattr(backends, "SCHEDULER_TIMEOUT_S", 2.0)
    exp = tmp_path / "e.toml"
    exp.write_text(
        f'scenario = "{Path(__file__).resolve().parent.parent / "scenarios" / "example.toml"}"\ndays = 20\nreplications = 1\n'
        '[uncertainties]\n"wards.*.vacancy" = [0.1, 0.2]\n'
    )
    code = main(
        ["sweep", str(exp), "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "--scheduler tcp://127.0.0.1:1: no Dask scheduler answered" in err


def test_backend_local_with_a_scheduler_is_refused(tmp_path, monkeypatch, capsys):
    from qisim.cli import main

    code = main(["sweep", "x.toml", "--backend", "local", "--scheduler-file", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and "--backend local and --scheduler-file" in err
