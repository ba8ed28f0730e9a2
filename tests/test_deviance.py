"""Positive deviance: the Upsworth lesson's deviant ward is found and what sets it apart is
reported; the expectation accounts for the environment; experiments work as inputs."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qisim
from qisim import deviance
from qisim.cli import main as cli

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "scenarios" / "lessons" / "upsworth_positive_deviant.toml"


@pytest.fixture(scope="module")
def upsworth(tmp_path_factory):
    """`qisim deviance` on the Upsworth lesson, as a user runs it (few replications)."""
    out = tmp_path_factory.mktemp("deviance")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = cli(["deviance", str(LESSON), "--reps", "4", "--workers", "1", "--out", str(out)])
    return code, out, stdout.getvalue()


def test_upsworth_lesson_deviant_ward_is_found(upsworth):
    code, out, text = upsworth
    assert code == 0
    wards = pd.read_csv(out / "deviance_wards.csv")
    assert wards.loc[wards["deviant"], "ward"].tolist() == ["Outstanding unit"]
    top = wards.iloc[0]
    assert top["ward"] == "Outstanding unit" and top["share_far_above"] == 1.0
    assert top["observed"] > top["expected"] and top["residual_low"] > 0
    assert "Outstanding unit" in text and "positive deviant" in text


def test_what_sets_the_deviant_apart_is_its_manager_and_micro_culture(upsworth):
    _, out, text = upsworth
    effects = pd.read_csv(out / "deviance_attributes.csv").set_index("attribute")
    for name in (
        "manager_enthusiasm",
        "manager_role_modelling",
        "manager_style_tone",
        "micro_culture",
    ):
        assert effects.loc[name, "standardised_low"] > 1.0, name
        assert effects.loc[name, "deviants"] > effects.loc[name, "others"]
    # the attributes the lesson gave it come first; staff traits drawn at random do not lead
    assert set(effects["group"].iloc[:6]) <= {"manager", "ward"}
    assert "What sets Outstanding unit apart" in text
    assert (out / "deviance.png").stat().st_size > 20_000


def _synthetic(rng: np.random.Generator, lift: float) -> pd.DataFrame:
    """Ten wards x eight runs; the outcome follows staffing, except 'Ward 3' by ``lift``."""
    rows = []
    staffing = np.linspace(0.6, 1.0, 10)
    for run in range(8):
        for w in range(10):
            s = staffing[w] + rng.normal(0, 0.02)
            rows.append(
                {
                    "point": "",
                    "run": str(run),
                    "ward": f"Ward {w}",
                    "hospital": "H",
                    "specialty": "medicine",
                    "habit": 0.1 + 0.6 * s + (lift if w == 3 else 0.0) + rng.normal(0, 0.02),
                    "practice": 0.0,
                    "staffing": s,
                    "initiative_load": 2 + rng.normal(0, 0.3),
                    "manager_enthusiasm": 0.9 if w == 3 else 0.4 + 0.01 * w,
                    "staff_morale": rng.normal(0.6, 0.05),
                }
            )
    return pd.DataFrame(rows)


def test_expectation_accounts_for_the_environment():
    """The best-staffed ward does best, as expected: not a deviant. The ward doing better than
    its staffing predicts is, and its manager's enthusiasm is what sets it apart."""
    table = _synthetic(np.random.default_rng(1), lift=0.2)
    result = deviance.analyse(table, features=("staffing", "initiative_load"), n_boot=300)
    assert result.deviants == ["Ward 3"]
    wards = result.wards.set_index("ward")
    others = wards.drop(index="Ward 3")
    assert others["observed"].idxmax() == "Ward 9"  # best staffed, best outcome
    assert abs(wards.loc["Ward 9", "z"]) < 2  # ... just as expected
    assert result.effects.iloc[0]["attribute"] == "manager_enthusiasm"
    assert result.effects.iloc[0]["standardised_low"] > 0


def test_no_deviant_when_no_ward_beats_its_environment():
    table = _synthetic(np.random.default_rng(2), lift=0.0)
    result = deviance.analyse(table, features=("staffing", "initiative_load"), n_boot=200)
    assert result.deviants == []
    assert result.effects.empty
    assert "No ward is consistently far above" in deviance.report(result)


def test_an_experiment_is_an_input(tmp_path):
    """Every design point x replication; replication r with the experiment's seed + r."""
    exp = tmp_path / "exp.toml"
    exp.write_text(
        f'scenario = "{LESSON}"\nname = "tiny"\ndays = 60\nseed = 5\nreplications = 2\n'
        '[uncertainties]\n"trust.initiative_push_rate" = [2.0, 8.0]\n'
    )
    assert deviance.is_experiment(exp) and not deviance.is_experiment(LESSON)
    name, arms, reps, seed = deviance.experiment_runs(exp)
    assert (name, reps, seed) == ("tiny", 2, 5)
    assert [a.name for a in arms] == ["point 0", "point 1"]
    assert arms[1].scenario.trust.initiative_push_rate == 8.0 and arms[1].scenario.days == 60
    table = deviance.collect(arms[:1], reps, seed)
    again = deviance.ward_table(qisim.run(arms[0].scenario, seed=6), run="1", point="point 0")
    second = table[table["run"] == "1"].reset_index(drop=True)
    pd.testing.assert_frame_equal(second, again)
    # the rows do not depend on how many processes ran them
    pd.testing.assert_frame_equal(deviance.collect(arms[:1], reps, seed, workers=2), table)


def test_cli_rejects_bad_requests(tmp_path, capsys):
    assert cli(["deviance", str(tmp_path / "none.toml")]) == 2
    assert cli(["deviance", str(LESSON), "--reps", "1"]) == 2
    assert "at least 2" in capsys.readouterr().err
