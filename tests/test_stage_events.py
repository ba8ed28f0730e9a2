"""Issue 14 item 5: scenario events tied to a lifecycle stage (``at``) rather than a day."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import qisim
from qisim.model import QIModel
from qisim.scenario import EVENT_STAGES, ScenarioError, load_scenario, validate, with_overrides
from qisim.sweep import timing
from tests.conftest import SCENARIOS

EXAMPLE = SCENARIOS / "example.toml"
TEAM = {"qi_team.size": 5}  # observable: the team grows from 3


def run(events, days=500, seed=0, **overrides):
    sc = load_scenario(EXAMPLE, {"days": days, "events": events, **overrides})
    return qisim.run(sc, seed=seed).model


def entered(model, stage: str) -> int:
    return next(d for d, s in model.lifecycle.history if s == stage)


def test_a_stage_event_fires_on_the_day_the_stage_begins_and_moves_with_it():
    event = {"at": "rollout", "set": TEAM, "note": "team grows at roll-out"}
    fixed = {"day": 250, "set": {"initiative.pdsa_pilot": 0.6}, "note": "fixed"}
    quick = run([event, fixed], days=700, **{"initiative.design_days": 30})
    slow = run([event, fixed], days=700, **{"initiative.design_days": 150})
    for m in (quick, slow):
        assert dict((n, d) for d, n in m.event_log)["team grows at roll-out"] == entered(
            m, "rollout"
        )
        assert len(m.qi_team) == 5
    # the longer design moves the launch, the roll-out and the stage event; the day event stays
    assert entered(slow, "rollout") > entered(quick, "rollout") + 100
    assert [d for d, n in quick.event_log if n == "fixed"] == [249]  # logged the day before
    assert [d for d, n in slow.event_log if n == "fixed"] == [249]


def test_a_stage_event_is_a_day_event_on_the_day_after_the_stage_begins():
    """It fires after that day's step, as a day event on the next day does: the same run."""
    staged = run([{"at": "pilot", "set": TEAM, "note": "e"}], days=300, seed=2)
    day = entered(staged, "pilot")
    dated = run([{"day": day + 1, "set": TEAM, "note": "e"}], days=300, seed=2)
    assert staged.event_log == dated.event_log == [(day, "e")]
    a, b = staged.recorder.trust, dated.recorder.trust
    assert all(np.array_equal(a[k], b[k]) for k in a)


def test_after_days_delays_the_event_from_the_stage():
    m = run([{"at": "launch", "after_days": 45, "set": TEAM, "note": "later"}])
    assert m.event_log == [(m.lifecycle.first_launch_day + 45, "later")]


def test_launch_is_the_first_launch_of_any_ward():
    m = run([{"at": "launch", "set": TEAM, "note": "a"}, {"at": "pilot", "set": TEAM, "note": "b"}])
    launch = m.lifecycle.first_launch_day
    # the pilot begins, then its wards launch: events due the same day fire in that order
    assert launch == entered(m, "pilot") and m.event_log == [(launch, "b"), (launch, "a")]
    # no pilot: the launch is the first wave, when the roll-out begins
    m = run([{"at": "launch", "set": TEAM, "note": "a"}], **{"initiative.rollout.pilot_wards": []})
    assert m.event_log == [(entered(m, "rollout"), "a")]


def test_a_stage_event_fires_once_and_never_for_a_stage_not_reached():
    events = [
        {"at": "rollout", "set": TEAM, "note": "once"},
        {"at": "sustained", "set": TEAM, "note": "never"},
    ]
    m = QIModel(load_scenario(EXAMPLE, {"days": 600, "events": events}), rng=0)
    while m.lifecycle.stage != "rollout" and m.steps < 560:
        m.step()
    m.run_for(1)
    assert m.event_log == [(entered(m, "rollout"), "once")]
    m.lifecycle.enter(m, "rollout")  # entered again (as after a redesign): nothing new
    m.run_for(40)
    assert m.event_log == [(entered(m, "rollout"), "once")]


def test_events_without_at_dump_as_before_and_stage_events_round_trip():
    sc = load_scenario(SCENARIOS / "upsworth_tissue_viability.toml")
    assert set(sc.model_dump()["events"][0]) == {"day", "set", "note"}
    ec = load_scenario(SCENARIOS / "middleswick_enhanced_care.toml")
    dumped = ec.model_dump(mode="json")["events"]
    assert dumped == [
        {"at": "rollout", "after_days": 0, "set": {"initiative.pdsa_rollout": 0.0},
         "note": ec.events[0].note}
    ]  # fmt: skip
    assert validate(ec.model_dump(mode="json")) == ec
    assert with_overrides(ec, {"initiative.co_design": 0.4}).events == ec.events


MINIMAL = '[[wards]]\nname = "A"\n[[events]]\nset = { "qi_team.size" = 4 }\n'


@pytest.mark.parametrize(
    "extra, expect",
    [
        ("", ["'events.0'", "exactly one of day", "neither", "'rollout'", "'launch'"]),
        ("day = 3\nat = 'rollout'\n", ["'events.0'", "exactly one of day", "both"]),
        ("at = 'roll-out'\n", ["'events.0.at'", "'roll-out'", "did you mean 'rollout'"]),
        ("at = 'design'\n", ["'events.0.at'", "the run starts in it", "day = 0", "'redesign'"]),
        ("day = 3\nafter_days = 10\n", ["'events.0'", "after_days = 10", "at = <stage>"]),
        ("at = 'pilot'\nafter_days = -1\n", ["'events.0.after_days'", "-1"]),
    ],
)
def test_day_or_stage_errors_name_the_file_field_and_stages(tmp_path, extra, expect):
    path = tmp_path / "s.toml"
    path.write_text(MINIMAL + extra)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg.strip()
    for part in expect:
        assert part in msg, msg
    if "exactly one" in msg:
        assert all(repr(s) in msg for s in EVENT_STAGES)


def test_cli_exits_2_on_an_event_with_neither_day_nor_stage(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(MINIMAL)
    proc = subprocess.run(
        [sys.executable, "-m", "qisim", "run", str(path), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "events.0" in proc.stderr and "exactly one of day" in proc.stderr


def test_enhanced_care_stops_pdsa_when_its_roll_out_begins():
    """The case's PDSA stop (report §3: "they stopped using PDSA when Enhanced care was rolled
    out") comes with the roll-out wherever the launch falls, not on day 390."""
    for overrides in ({}, {"initiative.design_days": 120}):
        sc = load_scenario(SCENARIOS / "middleswick_enhanced_care.toml", overrides)
        m = qisim.run(sc, seed=0).model
        rollout = entered(m, "rollout")
        assert [d for d, n in m.event_log if n.startswith("PDSA stopped")] == [rollout]
        assert m.initiative.pdsa_rollout == 0.0
    assert rollout < 390  # a quick design rolls out before the planned day 390


def test_timing_check_leaves_out_stage_events():
    sc = load_scenario(
        EXAMPLE,
        {
            "events": [
                {"at": "rollout", "set": TEAM, "note": "staged"},
                {"day": 150, "set": TEAM, "note": "dated"},
            ]
        },
    )
    runs = pd.DataFrame({"f": [1, 1, 2, 2], "first_launch_day": [100, 100, 200, 200],
                         "days": [900] * 4})  # fmt: skip
    result = timing.check(runs, ["f"], sc)
    assert [c for c in result.table.columns if c.startswith("before:")] == ["before:150"]
    assert any("day 150 ('dated')" in w for w in result.warnings)
    assert not any("staged" in w for w in result.warnings)


def test_the_null_model_applies_a_stage_event_when_it_reaches_the_stage():
    from qisim.null import run_null

    hard = {"wards.*.sickness": 0.5}
    base = load_scenario(EXAMPLE)
    summary, plain = run_null(base, 0)
    launch = summary["first_launch_day"]
    _, staged = run_null(with_overrides(base, {"events": [{"at": "launch", "set": hard}]}), 0)
    _, dated = run_null(with_overrides(base, {"events": [{"day": launch, "set": hard}]}), 0)
    np.testing.assert_array_equal(staged, dated)  # both apply from the day after the launch
    assert (staged[: launch + 1] == plain[: launch + 1]).all() and staged[-1] < plain[-1]


def test_case_figure_marks_a_stage_event_at_the_runs_median_stage_day():
    from qisim.validation_report import event_days

    sc = load_scenario(
        EXAMPLE,
        {"events": [{"day": 10, "set": TEAM}, {"at": "pilot", "after_days": 5, "set": TEAM}]},
    )
    rows = [{"summary": {"stages": [[0, "design"], [d, "pilot"]]}} for d in (100, 120, 200)]
    assert event_days(sc, rows) == [10.0, 125.0]
    assert event_days(sc, [{"summary": {"stages": [[0, "design"]]}}]) == [10.0]
