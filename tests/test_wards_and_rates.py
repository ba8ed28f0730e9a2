"""Wards by name in every error, with "did you mean"; shipped scenarios by name; local outcome
rates as scenario fields."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import qisim
from qisim.cli import main as cli_main
from qisim.constants import OUTCOME_BASE_RATES
from qisim.domain import FFIT_ITEM_IDS
from qisim.model import QIModel
from qisim.planning import load_plan
from qisim.resources import find_scenario, scenario_names
from qisim.scenario import ScenarioError, outcome_base_rate, with_overrides

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "example.toml"
TRUST = """
name = "t"
days = 60
[[wards]]
name = "Heron Ward"
beds = 20
[[wards]]
name = "Kestrel Ward"
beds = 30
"""


@pytest.fixture
def trust(tmp_path) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(TRUST)
    return path


# --- errors name wards ------------------------------------------------------------------------------
def test_validation_error_names_the_ward_not_its_index(trust):
    with pytest.raises(ScenarioError) as exc:
        qisim.load_scenario(trust, {"wards.Kestrel Ward.vacancy": 1.4})
    msg = str(exc.value)
    assert "'wards.Kestrel Ward.vacancy' = 1.4 is not allowed" in msg and "wards.1" not in msg


def test_set_path_with_a_near_miss_suggests_the_ward(trust, capsys):
    code = cli_main(["run", str(trust), "--set", "wards.Heron.vacancy=0.1", "--no-figure",
                     "--out", str(trust.parent / "o")])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "names no element 'Heron' (did you mean 'Heron Ward'?)" in err
    assert "known: 'Heron Ward', 'Kestrel Ward'" in err


def test_a_percentage_for_a_share_gets_a_hint(trust):
    with pytest.raises(ScenarioError, match=r"'wards.Heron Ward.vacancy' = 14 is not allowed: .*"
                       r"\(a share from 0 to 1: 14% is 0.14\)"):  # fmt: skip
        qisim.load_scenario(trust, {"wards.Heron Ward.vacancy": 14})


def test_unknown_ward_field_suggests_the_field(trust):
    with pytest.raises(ScenarioError, match=r"'wards.Heron Ward.vacancyy' is not a known field "
                       r"\(did you mean 'vacancy'\?\)"):  # fmt: skip
        qisim.load_scenario(trust, {"wards.Heron Ward.vacancyy": 0.1})


def test_target_and_pilot_wards_suggest_near_misses(trust):
    with pytest.raises(ScenarioError) as exc:
        qisim.load_scenario(trust, {"initiative.target_wards": ["heron ward", "Kestrel Ward"]})
    msg = str(exc.value)
    assert "initiative.target_wards: no ward or hospital called 'heron ward' (did you mean " \
        "'Heron Ward'?)" in msg  # fmt: skip
    assert "{" not in msg  # the message, not a dump of the scenario
    with pytest.raises(ScenarioError, match=r"pilot_wards: no ward .*'Kestrel' \(did you mean "
                       r"'Kestrel Ward'\?\)"):  # fmt: skip
        qisim.load_scenario(trust, {"initiative.rollout.pilot_wards": ["Kestrel"]})


def test_plan_file_with_a_misspelt_ward(trust, capsys):
    plan = trust.parent / "plan.toml"
    plan.write_text(
        'scenario = "t.toml"\nlaunch_months = [1]\n'
        '[[strategies]]\nname = "pilot"\npilot_wards = ["Wren Ward"]\n'
    )
    assert cli_main(["plan", str(plan), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "strategy 'pilot'" in err and "no ward or hospital called 'Wren Ward'" in err
    plan.write_text(
        'scenario = "t.toml"\nlaunch_months = [1]\n[set]\n"wards.Heron.sickness" = 0.1\n'
        '[[strategies]]\nname = "pilot"\n'
    )
    assert cli_main(["plan", str(plan), "--quiet"]) == 2
    assert "did you mean 'Heron Ward'?" in capsys.readouterr().err


def test_plan_start_date_sets_the_calendar(trust):
    plan = trust.parent / "plan.toml"
    plan.write_text(
        'scenario = "t.toml"\nstart_date = 2027-10-01\nlaunch_months = [0, 3]\n'
        '[[strategies]]\nname = "waves"\n'
    )
    p = load_plan(plan)
    assert p.start_month == 10 and str(p.launch_date(3)) == "2028-01-01"  # the 1st of the month
    plan.write_text(plan.read_text() + '[set]\n"staffing.start_month" = 4\n')
    with pytest.raises(ScenarioError, match="start_date 2027-10-01 is in month 10"):
        load_plan(plan)


# --- shipped scenarios by name -------------------------------------------------------------------
def test_run_a_shipped_scenario_by_name(tmp_path, capsys):
    assert find_scenario("example") == EXAMPLE
    assert "premton_handover_at_night" in scenario_names()
    assert "upsworth" not in scenario_names()  # trusts are bases, not scenarios
    code = cli_main(["run", "example", "--days", "30", "--no-figure", "--out", str(tmp_path)])
    assert code == 0 and "example (seed 0, 30 days" in capsys.readouterr().out
    assert cli_main(["run", "exampel", "--out", str(tmp_path)]) == 2
    assert "did you mean 'example'" in capsys.readouterr().err.lower()


def test_init_copies_and_never_overwrites(tmp_path, capsys):
    assert cli_main(["init", str(tmp_path / "mine")]) == 0
    copied = tmp_path / "mine" / "scenarios" / "example.toml"
    assert copied.read_text() == EXAMPLE.read_text()
    copied.write_text("# mine now\n")
    assert cli_main(["init", str(tmp_path / "mine")]) == 2
    assert copied.read_text() == "# mine now\n"
    assert "nothing was copied" in capsys.readouterr().err


# --- local outcome rates --------------------------------------------------------------------------
def test_default_rates_are_the_constants(trust):
    sc = qisim.load_scenario(trust)
    for outcome in OUTCOME_BASE_RATES:
        s = with_overrides(sc, {"initiative.outcome": outcome})
        rate, source = outcome_base_rate(s, s.wards[0])
        assert rate == OUTCOME_BASE_RATES[outcome] and "qisim.constants" in source
        assert np.all(QIModel(s).wards.outcome_base_rate == OUTCOME_BASE_RATES[outcome])


def test_ward_rate_beats_trust_rate_beats_default(trust):
    sc = qisim.load_scenario(trust, {"outcome_rates.falls": 9.0, "outcome_rates.source": "Datix",
                                     "wards.Heron Ward.outcome_rates.falls": 3.0})  # fmt: skip
    assert outcome_base_rate(sc, sc.wards[0]) == (0.003, "the ward's own rate")
    assert outcome_base_rate(sc, sc.wards[1]) == (0.009, "the trust's own rate (Datix)")
    assert list(QIModel(sc).wards.outcome_base_rate) == [0.003, 0.009]


def test_a_higher_local_rate_means_more_events(trust):
    """Same seed, twice the falls rate: more falls (the practice is the same until the first
    audit, which the events then feed)."""
    low = qisim.run(trust, seed=3, overrides={"outcome_rates.falls": 4.0})
    high = qisim.run(trust, seed=3, overrides={"outcome_rates.falls": 16.0})
    assert high.summary["outcome_events"] > 2 * low.summary["outcome_events"] > 0


def test_bad_rate_is_refused(trust):
    with pytest.raises(ScenarioError, match=r"'outcome_rates.falls' = -1"):
        qisim.load_scenario(trust, {"outcome_rates.falls": -1})


@pytest.mark.parametrize("argv", [["deviance"], ["compare"], ["app"], ["ffit", "simulate"]])
def test_every_command_taking_a_scenario_knows_the_shipped_names(argv, tmp_path, capsys):
    if argv[0] == "ffit":
        audit = tmp_path / "audit.toml"
        audit.write_text("\n".join(f"{i} = 3" for i in FFIT_ITEM_IDS))
        argv = [*argv, str(audit), "--initiative"]
    assert cli_main([*argv, "exampel"]) == 2
    assert "did you mean 'example'" in capsys.readouterr().err.lower()
