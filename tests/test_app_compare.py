"""The app's comparison and take-away without a browser: the lesson's own run beside a change
(common random numbers keep untouched wards in place), the controls a lesson shows, the scenario
file and the link a teacher takes away, the focus ward in `qisim run`'s figure, and the screenshot
tool's message when there is no browser."""

from __future__ import annotations

import types

import numpy as np
import pytest

pytest.importorskip("solara", reason="the app extra (solara) is not installed")

import qisim  # noqa: E402
from qisim.app import browser  # noqa: E402
from qisim.app import model as app_model  # noqa: E402
from qisim.app.components import points, recent_practice, week_before  # noqa: E402
from qisim.app.model import (  # noqa: E402
    CONTROLS,
    Choices,
    TeachingModel,
    View,
    baseline,
    build_scenario,
    changed_settings,
    lesson_controls,
    scenario_file_name,
    scenario_file_text,
    view_from_query,
    view_query,
)
from qisim.plots import standout_ward  # noqa: E402
from qisim.scenario import load_scenario  # noqa: E402

UPSWORTH = "upsworth_positive_deviant"
EXCEPTIONAL = dict(micro_culture=0.85, enthusiasm=0.95, role_modelling=0.95, style_tone=0.95,
                   shielding=0.95)  # fmt: skip


def test_a_change_to_one_ward_leaves_the_others_as_in_the_lessons_own_run():
    model = TeachingModel(Choices(UPSWORTH).with_ward("Medical 1", **EXCEPTIONAL), rng=2)
    for _ in range(400):
        model.step()
    base = baseline(UPSWORTH, 2)
    change = recent_practice(model) - week_before(base.practice, model.days_done)
    i = model.wards.names.index("Medical 1")
    assert change[i] > 0.05
    assert np.abs(np.delete(change, i)).max() < 0.005


def test_what_was_changed_in_plain_words():
    choices = Choices(UPSWORTH, culture=0.4, messenger="consultant").with_ward(
        "Medical 2", shielding=0.9, micro_culture=0.7
    )
    assert changed_settings(choices) == [
        ("trust culture", 0.16, 0.4),
        ("Medical 2: micro-culture", 0.22, 0.7),
        ("Medical 2: manager's shielding from other initiatives", 0.3, 0.9),
        ("messenger", "nurse", "consultant"),
    ]
    assert changed_settings(Choices(UPSWORTH)) == []


def test_a_lesson_shows_the_controls_it_lists(monkeypatch):
    unlisted = types.SimpleNamespace(controls=None)
    monkeypatch.setattr(app_model, "lesson", lambda key: unlisted)
    assert lesson_controls(UPSWORTH) == CONTROLS  # no list: every control
    listed = types.SimpleNamespace(controls=("shielding", "no such control", "culture"))
    monkeypatch.setattr(app_model, "lesson", lambda key: listed)
    assert lesson_controls(UPSWORTH) == ("culture", "shielding")


def test_the_scenario_file_is_the_changed_scenario(tmp_path):
    choices = Choices(UPSWORTH, staffing=0.7, co_design=0.8).with_ward("Surgical 2", **EXCEPTIONAL)
    path = tmp_path / scenario_file_name(choices)
    path.write_text(scenario_file_text(choices, seed=5))
    assert path.name == "upsworth_positive_deviant_changed.toml"
    loaded = load_scenario(path).model_dump()
    built = build_scenario(choices)[0].model_dump()
    assert loaded.pop("name") == "upsworth_positive_deviant_changed"
    built.pop("name")
    assert loaded == built
    assert "--seed 5" in path.read_text()


def test_a_link_holds_the_view_and_opens_it_again():
    choices = Choices(UPSWORTH, culture=0.35, messenger="both").with_ward(
        "Medical 3", **EXCEPTIONAL
    )
    view = View(choices, seed=7, ward="Medical 3", day=200, compare=False)
    query = view_query(view)
    assert query.startswith(f"lesson={UPSWORTH}&seed=7&day=200&ward=Medical+3&compare=0&")
    assert "Medical+3.shielding=0.95" in query
    assert view_from_query(query, Choices()) == (view, [])


def test_a_link_with_mistakes_still_opens():
    view, notes = view_from_query(
        "lesson=nope&seed=monday&day=soon&Ward+X.enthusiasm=1&Medical+1.enthusiasm=lots&culture=3",
        Choices(UPSWORTH),
    )
    assert view.choices == Choices(UPSWORTH)
    assert view.seed == app_model.parse_seed("monday") and view.day == 0
    assert len(notes) == 5 and any("'nope'" in n for n in notes)
    assert any("culture=3 is out of range" in n for n in notes)


@pytest.mark.parametrize(
    "part, said",
    [
        ("Medical+1.enthusiasm=5", "Medical 1.enthusiasm=5 is out of range (0 to 1); ignored"),
        ("Medical+1.shielding=-0.2", "Medical 1.shielding=-0.2 is out of range"),
        ("staffing=1.5", "staffing=1.5 is out of range"),
        ("co_design=nan", "co_design=nan is out of range"),
    ],
)
def test_a_link_value_out_of_range_is_said_and_not_applied(part, said):
    view, notes = view_from_query(f"lesson={UPSWORTH}&seed=0&{part}&culture=0.4", Choices())
    assert view.choices == Choices(UPSWORTH, culture=0.4)  # the rest opens
    assert len(notes) == 1 and said in notes[0]


def test_a_link_day_past_the_end_is_said_and_runs_to_the_end():
    days = app_model.lesson_scenario(UPSWORTH)[0].days
    view, notes = view_from_query(f"lesson={UPSWORTH}&day={days + 1}", Choices())
    assert (
        view.day == days and len(notes) == 1 and f"past the lesson's last day ({days})" in notes[0]
    )


def test_qisim_runs_figure_names_the_ward_that_stands_out():
    result = qisim.run(app_model.lesson_scenario(UPSWORTH)[0], seed=0, days=400)
    w = result.model.wards
    practice = result.model.recorder.ward["practice"][:400]
    assert w.names[standout_ward(practice, w.target)] == "Outstanding unit"


def test_the_screenshot_tool_says_what_is_missing(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(browser, "CHROMIUM", str(tmp_path / "no-chromium"))
    assert browser.main([str(tmp_path / "shots")]) == 1
    err = capsys.readouterr().err
    assert "Chromium is not installed" in err and ".ci/install-browser" in err
    assert "Traceback" not in err


def test_every_control_a_lesson_may_list_is_one_the_page_has():
    from qisim.app.model import DESIGN_CONTROLS, TRUST_CONTROLS, WARD_FIELDS

    assert set(CONTROLS) == {*TRUST_CONTROLS, *WARD_FIELDS, *DESIGN_CONTROLS}


def test_the_change_in_points_agrees_with_the_percents_shown():
    assert points(0.404, 0.406) == "-1"  # "40%, was 41%": not "0 points"
    assert points(0.3149, 0.3151) == "-1" and points(0.3151, 0.3149) == "+1"
    assert points(0.3101, 0.3149) == "0" and points(0.44, 0.31) == "+13"
    for now, then in np.random.default_rng(0).random((2000, 2)):
        shown = int(f"{now:.0%}"[:-1]) - int(f"{then:.0%}"[:-1])
        assert points(now, then) == (f"{shown:+d}" if shown else "0")
