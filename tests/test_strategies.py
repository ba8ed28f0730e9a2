"""Roll-out strategies do what they say: waves, big bang, readiness-paced, deferred, prepare
first, PDSA in the waves; the winter peak, competing roles and the initiative log review."""

from __future__ import annotations

import numpy as np
import pytest

import qisim
from qisim import strategies
from qisim.model import QIModel
from qisim.scenario import ScenarioError, month_start_day, scenario_from_dict
from tests.conftest import small_scenario


def scenario(overrides: dict | None = None, **top) -> qisim.Scenario:
    """Six wards (three elderly care, three surgical), a 20-day design, no competing work."""
    return small_scenario({"days": 240, **top, **(overrides or {})})


def run_model(sc: qisim.Scenario, seed: int = 1, days: int | None = None) -> QIModel:
    model = QIModel(sc, rng=seed)
    model.run(days)
    return model


def test_pilot_waves_no_ward_starts_before_its_wave():
    sc = scenario(
        {
            "initiative.rollout.pilot_wards": ["Elderly care 1"],
            "initiative.rollout.pilot_days": 40,
            "initiative.rollout.wave_size": 2,
            "initiative.rollout.wave_interval": 30,
            "initiative.rollout.rigid": True,
        }
    )
    model = QIModel(sc, rng=1)
    waves = [list(w) for w in model.lifecycle.waves]
    assert [len(w) for w in waves] == [2, 2, 1]
    model.run()
    w, lc = model.wards, model.lifecycle
    pilot_day = lc.first_launch_day
    assert pilot_day is not None and w.launch_day[0] == pilot_day
    for k, wave in enumerate(waves):
        for ward in wave:
            assert w.launch_day[ward] == pilot_day + 40 + 30 * k


def test_flexible_waves_wait_for_the_live_wards():
    sc = scenario(
        {
            "initiative.rollout.wave_size": 2,
            "initiative.rollout.wave_interval": 30,
            "initiative.rollout.rigid": False,
        },
        days=400,
    )
    model = QIModel(sc, rng=2)
    waves = [list(w) for w in model.lifecycle.waves]
    model.run()
    days = [int(model.wards.launch_day[w[0]]) for w in waves if model.wards.launch_day[w[0]] >= 0]
    assert len(days) >= 3, days  # several waves launched: the gaps below are checked
    practice = model.recorder.ward["practice"]
    for prev, (day, wave) in enumerate(zip(days[1:], waves[1:])):
        gap = day - days[prev]
        live = np.flatnonzero(model.recorder.ward["active"][day - 1] > 0)
        ready = practice[day - 1, live].mean() >= model.constants.wave_ready
        # a flexible timetable moves on early only when the live wards practise
        assert gap >= 15 and (ready or gap >= 90), (wave, gap)


def test_big_bang_starts_every_target_ward_on_the_planned_day():
    sc = scenario(
        {
            "initiative.rollout.strategy": "big_bang",
            "initiative.rollout.pilot_wards": ["Elderly care 1"],
            "initiative.rollout.start_day": 60,
        }
    )
    model = run_model(sc)
    w = model.wards
    assert (w.launch_day[w.target] == 60).all()
    assert not w.pilot.any()
    assert [s for _, s in model.lifecycle.history][:3] == ["design", "rollout", "embedding"]


def test_deferred_launch_waits_for_the_named_initiative_to_end():
    falls = {"name": "Falls collaborative", "start": 0, "end": 150, "wards": "all", "load": 1.0}
    base = scenario(competing=[falls])
    now = run_model(base)
    assert now.lifecycle.first_launch_day < 100
    deferred = run_model(
        qisim.with_overrides(base, {"initiative.rollout.defer_until": "Falls collaborative"})
    )
    assert deferred.lifecycle.first_launch_day == 150
    gap = run_model(
        qisim.with_overrides(
            base,
            {
                "initiative.rollout.defer_until": "Falls collaborative",
                "initiative.rollout.defer_gap_days": 20,
            },
        )
    )
    assert gap.lifecycle.first_launch_day == 170


def test_deferred_launch_goes_ahead_when_the_log_review_halts_the_other_initiative():
    falls = {"name": "Falls collaborative", "start": 0, "end": 500, "wards": "all", "load": 1.0}
    sc = scenario({"initiative.rollout.defer_until": "Falls collaborative"}, competing=[falls])
    model = QIModel(sc, rng=1)
    model.run(60)
    assert model.lifecycle.first_launch_day is None
    model.competing.halted[0] = True
    model.run(2)
    assert model.lifecycle.first_launch_day == 60


def test_deferral_must_name_a_competing_initiative():
    with pytest.raises(ScenarioError, match="defer_until.*no competing initiative called 'Flu'"):
        scenario({"initiative.rollout.defer_until": "Flu"})


def mixed_readiness() -> qisim.Scenario:
    """Elderly care wards with able managers and full staffing; surgical wards with weak
    managers, many vacancies and no agency cover."""
    return scenario(
        {
            "wards.0.manager.leadership": 0.9,
            "wards.0.manager.style_tone": 0.9,
            "wards.0.vacancy": 0.0,
            "wards.1.manager.leadership": 0.1,
            "wards.1.manager.style_tone": 0.1,
            "wards.1.manager.shielding": 0.1,
            "wards.1.vacancy": 0.35,
            "wards.1.agency_fill": 0.0,
            "initiative.rollout.strategy": "readiness_paced",
            "initiative.rollout.wave_size": 6,
            "initiative.rollout.wave_interval": 10,
        },
        days=200,
    )


@pytest.mark.parametrize("measure,threshold", [("ffit", 0.5), ("staffing", 0.9)])
def test_readiness_paced_ward_joins_only_once_ready(measure, threshold):
    sc = qisim.with_overrides(
        mixed_readiness(),
        {
            "initiative.rollout.readiness_measure": measure,
            "initiative.rollout.readiness_threshold": threshold,
        },
    )
    model = QIModel(sc, rng=3)
    joined_ready = []
    for _ in range(sc.days):
        before = model.wards.active.copy()
        model.step()
        new = np.flatnonzero(model.wards.active & ~before)
        if new.size:
            ready = strategies.ward_readiness(model)
            joined_ready.extend(bool(ready[i] >= threshold) for i in new)
    w = model.wards
    assert joined_ready and all(joined_ready)
    assert w.active[:3].all()  # the ready elderly care wards
    assert not w.active[3:].any()  # the surgical wards never pass the bar


def test_readiness_paced_wards_join_after_the_longest_wait():
    sc = qisim.with_overrides(mixed_readiness(), {"initiative.rollout.readiness_max_wait": 60})
    model = run_model(sc)
    w, start = model.wards, model.lifecycle.rollout_start_day
    assert (w.launch_day[:3] == start).all()
    assert (w.launch_day[3:] >= start + 60).all()


def test_prepare_first_raises_skills_and_delays_launch():
    # an event after the programme rebuilds the ward arrays from the scenario: the raised
    # skills must survive it
    event = {"day": 150, "set": {"qi_team.size": 3}, "note": "an event"}
    plain = run_model(scenario(events=[event]), days=200)
    prepared_sc = scenario({"initiative.rollout.prepare_days": 90}, events=[event])
    prepared = QIModel(prepared_sc, rng=1)
    assert strategies.PROGRAMME in prepared.competing.names
    prepared.run(89)
    assert prepared.wards.load[prepared.wards.target].min() >= prepared.constants.programme_load
    assert prepared.lifecycle.design_progress == 0.0  # the team runs the programme
    prepared.run(111)
    assert prepared.lifecycle.first_launch_day >= plain.lifecycle.first_launch_day + 85
    for name in ("leadership", "role_modelling", "style_tone", "shielding"):
        raised = getattr(prepared.wards, f"manager_{name}")
        before = getattr(plain.wards, f"manager_{name}")
        assert (raised > before + 0.05).all(), name
    for name, value in prepared.team_skills.items():
        assert value > plain.team_skills[name], name
    assert prepared.qi_scenario.qi_team.judgement > plain.qi_scenario.qi_team.judgement


def test_prepare_first_orders_the_waves_most_ready_first():
    poor = {"leadership": 0.1, "style_tone": 0.1, "shielding": 0.1, "enthusiasm": 0.1}
    able = {"leadership": 0.9, "style_tone": 0.9, "shielding": 0.9, "enthusiasm": 0.9}
    sc = scenario(
        {
            "initiative.rollout.wave_size": 3,
            "initiative.rollout.prepare_days": 30,
            "wards.0.manager": poor,  # the elderly care wards, first in the file ...
            "wards.0.vacancy": 0.35,
            "wards.1.manager": able,  # ... are less ready than the surgical wards
            "wards.1.vacancy": 0.0,
        }
    )
    model = QIModel(sc, rng=1)
    assert model.lifecycle.waves == [[0, 1, 2], [3, 4, 5]]
    model.run(31)
    assert model.lifecycle.waves == [[3, 4, 5], [0, 1, 2]]
    ready = strategies.ward_readiness(model)
    assert ready[3:].min() > ready[:3].max()


@pytest.mark.parametrize("keep", [True, False])
def test_pdsa_in_the_waves(keep):
    sc = scenario({"initiative.pdsa_rollout": 0.8, "initiative.rollout.pdsa_in_waves": keep})
    model = run_model(sc, days=100)
    assert model.lifecycle.rollout_start_day is not None
    assert model.initiative.pdsa_rollout == (0.8 if keep else 0.0)


def test_log_review_halts_a_non_progressing_initiative():
    stuck = {
        "wards.*.vacancy": 0.4,
        "wards.*.agency_fill": 0.0,
        "initiative.staffing_sensitivity": 1.0,
        "initiative.problem_clarity": 0.0,
        "qi_team.judgement": 0.9,
        "trust.log_review_weeks": 4,
    }
    off = run_model(scenario(stuck, days=400), seed=4)
    on = run_model(scenario({**stuck, "trust.initiative_log_review": True}, days=400), seed=4)
    assert on.lifecycle.stage == "halted"
    assert "halted" not in [s for _, s in off.lifecycle.history]
    # a progressing initiative survives the same review
    fine = run_model(
        scenario({"trust.initiative_log_review": True, "trust.log_review_weeks": 4}, days=400)
    )
    assert "halted" not in [s for _, s in fine.lifecycle.history]


def test_winter_peak_raises_sickness_in_winter_only():
    sc = scenario({"staffing.winter_sickness": 0.04, "staffing.start_month": 4}, days=500)
    winter = [e for e in sc.events if e.note.startswith("winter peak")]
    dec, mar = month_start_day(12, 4, 0), month_start_day(3, 4, 0)  # Dec 1, Mar 1
    assert [e.day for e in winter] == [dec, mar]
    # copies and overrides regenerate the events rather than adding more
    again = qisim.with_overrides(sc, {"days": 500})
    assert len(again.events) == len(sc.events)
    base = sc.wards[0].sickness
    model = QIModel(sc, rng=0)
    model.run(dec + 2)
    assert model.wards.sickness[0] == pytest.approx(base + 0.04)
    model.run(mar - dec)
    assert model.wards.sickness[0] == pytest.approx(base)


def test_winter_peak_needs_a_month():
    with pytest.raises(ScenarioError, match="winter_from and winter_to"):
        scenario({"staffing.winter_sickness": 0.04, "staffing.winter_to": 12})


def test_competing_initiative_loads_only_the_roles_it_asks_things_of():
    doctors = {"name": "Sepsis", "start": 0, "end": 100, "roles": ["junior_doctor"]}
    nurses = {"name": "Sepsis", "start": 0, "end": 100, "roles": ["staff_nurse"]}
    everyone = {"name": "Sepsis", "start": 0, "end": 100}
    loads = []
    for comp in (doctors, nurses, everyone):
        model = QIModel(scenario(competing=[comp]), rng=0)
        loads.append(float(model.competing.load[0]))
    assert loads[0] == 0.0  # the initiative targets nurses and HCAs only
    assert 0.0 < loads[1] < 1.0
    assert loads[2] == 1.0


def test_strategy_settings_are_validated():
    data = scenario().model_dump()
    data["initiative"]["rollout"]["strategy"] = "all_at_once"
    with pytest.raises(ScenarioError, match="initiative.rollout.strategy"):
        scenario_from_dict(data)
