"""The teaching app without a browser: lessons, the teacher's choices -> scenario -> model, the
page rendered server-side, the offline front end, and the CLI's error path."""

from __future__ import annotations

import numpy as np
import pytest

solara = pytest.importorskip("solara", reason="the app extra (solara) is not installed")

import qisim  # noqa: E402
from qisim.app import server  # noqa: E402
from qisim.app.model import (  # noqa: E402
    CUSTOM_ENV,
    Choices,
    TeachingModel,
    build_scenario,
    culture_index,
    lesson_scenario,
    parse_seed,
    split_ward_group,
    staffing_level,
)
from qisim.app.page import Page  # noqa: E402
from qisim.app.presets import LESSONS, SCENARIOS  # noqa: E402
from qisim.cli import main as cli  # noqa: E402
from qisim.scenario import ward_names  # noqa: E402

UPSWORTH = "upsworth_positive_deviant"


def test_front_end_files_are_installed_for_offline_use():
    """Solara would fetch these from a CDN at run time; the app extra installs them."""
    needed = server.needed_assets()
    assert any(p.startswith("@widgetti/solara-vuetify-app@") for p in needed)
    assert any(p.startswith("requirejs@") for p in needed)
    assert any(p.startswith("@widgetti/vue-grid-layout@") for p in needed)
    assert server.missing_assets() == []


@pytest.mark.parametrize("lesson", LESSONS, ids=[ls.key for ls in LESSONS])
def test_each_lesson_has_its_scenario_text_and_focus_ward(lesson):
    assert lesson.path.exists(), f"{lesson.title}: scenarios/{lesson.scenario} is missing"
    scenario, note = lesson_scenario(lesson.key)
    assert note == ""
    assert any(name in ward_names(scenario) for name in lesson.focus), "no focus ward exists"
    for text in (lesson.story, lesson.watch, lesson.try_):
        assert len(text) > 40


def test_culture_and_staffing_move_every_feature_and_ward_together():
    base, _ = lesson_scenario(UPSWORTH)
    scenario, _ = build_scenario(Choices(UPSWORTH, culture=0.6, staffing=0.9))
    assert culture_index(scenario) == pytest.approx(0.6)
    assert staffing_level(scenario) == pytest.approx(0.9)
    shift = scenario.trust.culture.respectful_dialogue - base.trust.culture.respectful_dialogue
    assert shift == pytest.approx(0.6 - culture_index(base))
    # the wards keep their order of staffing
    before = [w.vacancy for w in base.wards]
    after = [w.vacancy for w in scenario.wards]
    assert np.argsort(before, kind="stable").tolist() == np.argsort(after, kind="stable").tolist()


def test_a_selected_wards_manager_changes_alone():
    choices = Choices(UPSWORTH).with_ward("Medical 2", enthusiasm=0.9, role_modelling=0.8)
    model = TeachingModel(choices, rng=1)
    names = model.wards.names
    i = names.index("Medical 2")
    assert model.wards.manager_enthusiasm[i] == pytest.approx(0.9)
    assert model.wards.manager_role_modelling[i] == pytest.approx(0.8)
    others = [j for j, n in enumerate(names) if n.startswith("Medical") and j != i]
    assert np.allclose(model.wards.manager_enthusiasm[others], 0.35)
    assert names == ward_names(lesson_scenario(UPSWORTH)[0])


def test_splitting_a_ward_group_leaves_the_run_unchanged():
    base, _ = lesson_scenario(UPSWORTH)
    split = split_ward_group(base, "Surgical 3")
    assert len(split.wards) == len(base.wards) + 3
    a = qisim.run(base, seed=4, days=120).summary
    b = qisim.run(split, seed=4, days=120).summary
    assert a == b


def test_design_choices_reach_the_initiative():
    model = TeachingModel(
        Choices(UPSWORTH, co_design=0.9, pdsa_rollout=0.1, problem_clarity=0.2, messenger="both")
    )
    init = model.initiative
    assert (init.co_design, init.pdsa_rollout, init.problem_clarity, init.messenger) == (
        0.9,
        0.1,
        0.2,
        "both",
    )


def test_the_run_stops_at_the_scenarios_horizon():
    model = TeachingModel(Choices(UPSWORTH))
    while model.running:
        model.step()
    assert model.days_done == model.days == 730
    model.step()  # Mesa's Step after the end changes nothing
    assert model.days_done == 730


def test_seeds_from_what_a_teacher_types():
    assert parse_seed("42") == parse_seed(42) == 42
    assert parse_seed(" 7 ") == 7
    assert parse_seed("monday") == parse_seed("monday") != parse_seed("tuesday")
    assert parse_seed(None) == parse_seed("") == 0
    # numpy seeds only from 0 up: a negative number is a word like any other
    assert parse_seed("-5") == parse_seed(-5) >= 0 and parse_seed("-5") != parse_seed("-6")


def test_a_missing_case_study_file_falls_back_clearly(monkeypatch):
    from qisim.app import presets

    lesson = presets.Lesson("gone", "Gone", "no_such_case.toml", (), "s" * 50, "w" * 50, "t" * 50)
    monkeypatch.setitem(presets.LESSON_BY_KEY, "gone", lesson)
    scenario, note = lesson_scenario("gone")
    assert scenario.name == "example"
    assert "no_such_case.toml" in note and "example.toml" in note


def _texts(rc) -> str:
    import solara.widgets

    return " ".join(w.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML).widgets)


def test_page_steps_and_switches_lesson_server_side():
    """The SolaraViz page, rendered without a browser: Mesa's Step advances a week; choosing a
    lesson rebuilds the model from its scenario."""
    import ipyvuetify as v

    from qisim.app.page import DAYS_PER_STEP

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert "Day 0 of 730" in _texts(rc)
        assert len(rc.find(v.Html, class_="qisim-ward-tile").widgets) == 12
        rc.find(v.Btn, children=["Step"]).widget.click()
        assert f"Day {DAYS_PER_STEP} of 730" in _texts(rc)
        select = rc.find(v.Select, label="Lesson").widget
        select.v_model = "Why Handover at night fizzled out"
        text = _texts(rc)
        handover = lesson_scenario("premton_handover_at_night")[0]
        assert f"Day 0 of {handover.days}" in text and "Handover at night" in text
        tiles = rc.find(v.Html, class_="qisim-ward-tile").widgets
        assert len(tiles) == len(ward_names(handover))
    finally:
        rc.close()


def test_app_opens_your_own_scenario(monkeypatch):
    import ipyvuetify as v

    monkeypatch.setenv(CUSTOM_ENV, str(SCENARIOS / "example.toml"))
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        assert "Your scenario: example" in _texts(rc)
        assert len(rc.find(v.Html, class_="qisim-ward-tile").widgets) == 8
    finally:
        rc.close()


def test_cli_rejects_a_bad_scenario_before_serving(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[wards]]\nname = "A"\nvacancy = 2.0\n')
    assert cli(["app", str(bad), "--port", "0"]) == 2
    assert "vacancy" in capsys.readouterr().err
