"""Scenario files: validation errors a person can act on, overrides by dotted path."""

from __future__ import annotations

import subprocess
import sys

import pytest

import qisim
from qisim.scenario import ScenarioError, load_scenario, validate
from tests.conftest import SCENARIOS


def write(tmp_path, text: str):
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


MINIMAL = '[[wards]]\nname = "A"\n'


def test_all_shipped_scenarios_load():
    files = sorted(SCENARIOS.glob("*.toml"))
    assert len(files) >= 8
    for f in files:
        sc = load_scenario(f)
        # the loaded scenario is whole: its dump (what a sweep stores) validates to itself
        assert validate(sc.model_dump(mode="json"), str(f)) == sc, f


@pytest.mark.parametrize(
    "text, expect",
    [
        (
            MINIMAL + "[initiative]\nco_desing = 0.5\n",
            ["initiative.co_desing", "not a known field", "co_design"],
        ),
        (
            MINIMAL + "[initiative]\nco_design = 'lots'\n",
            ["initiative.co_design", "'lots'", "valid number"],
        ),
        (
            MINIMAL + "[initiative]\nco_design = 1.5\n",
            ["initiative.co_design", "1.5", "less than or equal to 1"],
        ),
        ("[trust]\nname = 'T'\n", ["'wards' is required but missing"]),
        ('[[wards]]\nhospital = "H"\n', ["wards.0.name", "required"]),
        (MINIMAL + "[initiative]\norigin = 'abroad'\n", ["initiative.origin", "'home_grown'"]),
        (MINIMAL + "[initiative]\ntarget_wards = ['Nowhere']\n", ["Nowhere", "known: A"]),
        (
            MINIMAL + "[[events]]\nday = 3\nset = { 'wards.0.count' = 2 }\n",
            ["cannot change mid-run"],
        ),
        (
            MINIMAL + "[[events]]\nday = 3\nset = { 'qi_team.size' = -1 }\n",
            ["events.0", "qi_team.size"],
        ),
    ],
)
def test_bad_fields_name_file_path_value_and_allowed(tmp_path, text, expect):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert str(path) in msg
    for part in expect:
        assert part in msg, msg
    assert "\n" not in msg.strip()  # one paragraph


def test_malformed_toml(tmp_path):
    path = write(tmp_path, "[[wards]\nname = 'A'\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(path)


def test_missing_file():
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario("nowhere.toml")


def test_overrides_by_dotted_path_index_name_and_star():
    sc = load_scenario(
        SCENARIOS / "example.toml",
        {
            "initiative.pdsa_rollout": "0.8",
            "wards.0.vacancy": 0.3,
            "wards.Surgical.manager.enthusiasm": 0.9,
            "wards.*.sickness": 0.1,
        },
    )
    assert sc.initiative.pdsa_rollout == 0.8
    assert sc.wards[0].vacancy == 0.3
    assert sc.wards[1].manager.enthusiasm == 0.9
    assert all(w.sickness == 0.1 for w in sc.wards)


def test_override_errors_are_clear():
    with pytest.raises(ScenarioError, match="names no element"):
        load_scenario(SCENARIOS / "example.toml", {"wards.Nowhere.vacancy": 0.1})
    with pytest.raises(ScenarioError, match="initiative.pdsa_rollout"):
        load_scenario(SCENARIOS / "example.toml", {"initiative.pdsa_rollout": 7})


def test_base_file_is_extended(tmp_path):
    (tmp_path / "trust.toml").write_text(MINIMAL + "[trust]\nname = 'Base'\nqi_training = 0.9\n")
    path = write(tmp_path, "base = 'trust.toml'\n[trust]\nqi_training = 0.2\n")
    sc = load_scenario(path)
    assert sc.trust.name == "Base" and sc.trust.qi_training == 0.2


def test_cli_bad_scenario_exit_2_no_traceback(tmp_path):
    path = write(tmp_path, MINIMAL + "[initiative]\nco_design = 3\n")
    proc = subprocess.run(
        [sys.executable, "-m", "qisim", "run", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "initiative.co_design" in proc.stderr and str(path) in proc.stderr


def test_python_overrides_match_cli_overrides():
    a = qisim.run(
        SCENARIOS / "example.toml", seed=3, days=120, overrides={"initiative.co_design": 0.9}
    )
    sc = load_scenario(SCENARIOS / "example.toml", {"initiative.co_design": "0.9"})
    b = qisim.run(sc, seed=3, days=120)
    assert a.summary == b.summary


@pytest.mark.parametrize(
    "path", ["initiative.rollout.launch_deadline", "initiative.tailoring", "events.0.after_days"]
)
def test_true_or_false_where_a_number_is_expected_is_refused(path):
    """pydantic would read `launch_deadline = true` as day 1; qisim says what is wrong."""
    base = {"events": [{"at": "rollout", "set": {"qi_team.size": 4}}]}
    with pytest.raises(ScenarioError, match=r"true is a yes/no value, but '\w+' takes a number"):
        load_scenario(SCENARIOS / "example.toml", {**base, path: True})
    # a yes/no field still takes one
    assert load_scenario(SCENARIOS / "example.toml", {"initiative.rollout.rigid": True})


def test_the_retired_framing_field_says_what_replaces_it(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text(f'base = "{SCENARIOS / "example.toml"}"\n[initiative]\nframing = "tailored"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert str(path) in text and "'initiative.framing'" in text
    assert "initiative.tailoring" in text and "initiative.inconsistent_motives" in text


def test_a_share_just_above_one_is_not_read_as_a_percentage():
    with pytest.raises(ScenarioError) as err:
        load_scenario(SCENARIOS / "example.toml", {"initiative.tailoring": 1.5})
    assert "(a share from 0 to 1)" in str(err.value) and "1.5% is" not in str(err.value)


def test_none_removes_a_setting_back_to_its_default():
    """`--set initiative.rollout.launch_deadline=none` clears a deadline; an event tied to a day
    can be moved to a stage by removing its day."""
    from qisim.cli.common import parse_sets

    timed = load_scenario(SCENARIOS / "example.toml", {"initiative.rollout.launch_deadline": 60})
    assert timed.initiative.rollout.launch_deadline == 60
    sets = parse_sets(["initiative.rollout.launch_deadline=none"])
    assert sets == {"initiative.rollout.launch_deadline": None}
    data = timed.model_dump()
    qisim.scenario.apply_overrides(data, sets)
    assert validate(data).initiative.rollout.launch_deadline is None
    ec = load_scenario(
        SCENARIOS / "middleswick_enhanced_care.toml",
        parse_sets(["events.0.at=none", "events.0.day=390"]),
    )
    assert ec.events[0].day == 390 and ec.events[0].at is None
    assert parse_sets(["trust.name=Nonesuch"]) == {"trust.name": "Nonesuch"}
