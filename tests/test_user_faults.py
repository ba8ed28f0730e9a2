"""Faults a new user found: each with the behaviour a user should see."""

from __future__ import annotations

import pytest

from qisim.cli import main as cli


@pytest.mark.parametrize("days", ["0", "-5", "4000"])
def test_run_days_out_of_range_names_the_option_and_the_range(tmp_path, capsys, days):
    code = cli(["run", "scenarios/example.toml", "--days", days, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--days {days}" in err and "1 to 3650" in err
    assert not (tmp_path / "o").exists()
