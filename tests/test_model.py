"""The model as a whole: Mesa idiom, reproducibility, invariants under generated scenarios."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qisim
from qisim.agents import Executive, QITeamMember, StaffMember, WardManager
from qisim.domain import FFIT_ITEMS, FFIT_SECTIONS, ORGANISATIONAL_FEATURES, SOFFT_SETS
from qisim.model import QIModel
from tests.conftest import SCENARIOS, small_scenario


def test_domain_data_is_complete():
    assert len(SOFFT_SETS) == 6
    assert len(ORGANISATIONAL_FEATURES) == 7
    assert len(FFIT_SECTIONS) == 7 and len(FFIT_ITEMS) == 45
    per_section = {s.key: sum(i.section == s.key for i in FFIT_ITEMS) for s in FFIT_SECTIONS}
    assert per_section == {
        "staff": 11,
        "resourcing": 7,
        "managers": 7,
        "confidence": 7,
        "messages": 4,
        "learning": 4,
        "context": 5,
    }


def test_agents_are_mesa_agents_in_agent_sets(example):
    model = QIModel(example, rng=0)
    by_type = model.agents_by_type
    assert len(by_type[StaffMember]) == model.staff.n
    assert len(by_type[WardManager]) == model.wards.n
    assert len(by_type[QITeamMember]) == example.qi_team.size
    assert {e.role for e in by_type[Executive]} == {
        "ceo",
        "director_of_nursing",
        "medical_director",
    }
    member = next(iter(by_type[StaffMember]))
    model.step()
    assert member.role in (
        "staff_nurse",
        "health_care_assistant",
        "agency_nurse",
        "junior_doctor",
        "consultant",
        "allied_health_professional",
    )
    assert member.stage == "unaware" and isinstance(member.on_duty, bool)


def test_runs_without_deprecation_warnings(example):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        warnings.simplefilter("error", FutureWarning)
        qisim.run(example, seed=1, days=60)


def test_same_seed_same_results_bit_identical(example):
    a = qisim.run(example, seed=7, days=300)
    b = qisim.run(example, seed=7, days=300)
    assert a.summary == b.summary
    assert a.daily.equals(b.daily)
    c = qisim.run(example, seed=8, days=300)
    assert not a.daily.equals(c.daily)


def test_seed_sequence_seeds_work_and_are_reproducible(example):
    ss = np.random.SeedSequence(42, spawn_key=(3, 1))
    assert (
        qisim.run(example, seed=ss, days=60).summary
        == qisim.run(example, seed=np.random.SeedSequence(42, spawn_key=(3, 1)), days=60).summary
    )


def test_scheduled_event_changes_the_team(example):
    sc = qisim.scenario.with_overrides(
        example, {"events": [{"day": 10, "set": {"qi_team.size": 6}}]}
    )
    model = QIModel(sc, rng=0)
    model.run(9)
    assert len(model.qi_team) == example.qi_team.size
    model.run(2)
    assert len(model.qi_team) == 6


def test_memory_is_fixed_at_start(example):
    model = QIModel(example, rng=0)
    before = sum(a.nbytes for a in model.recorder.ward.values())
    model.run(400)
    assert sum(a.nbytes for a in model.recorder.ward.values()) == before


def test_daily_table_is_tidy(example):
    r = qisim.run(example, seed=0, days=50)
    d = r.daily
    assert len(d) == 50 * r.model.wards.n
    assert not d.duplicated(["day", "ward"]).any()
    for col in ("aware", "understanding", "owning", "practising", "practice", "habit"):
        assert d[col].between(0, 1).all()


fraction = st.floats(0, 1, allow_nan=False)


@st.composite
def scenarios(draw):
    n_groups = draw(st.integers(1, 3))
    wards = []
    for g in range(n_groups):
        wards.append({
            "name": f"W{g}", "hospital": draw(st.sampled_from(["H1", "H2"])),
            "count": draw(st.integers(1, 3)), "establishment": draw(st.integers(4, 40)),
            "vacancy": draw(fraction), "sickness": draw(st.floats(0, 0.5)),
            "agency_fill": draw(fraction), "context_distance": draw(fraction),
            "hca_share": draw(fraction), "night_share": draw(st.floats(0, 0.6)), "rotating_share": draw(st.floats(0, 0.4)),
            "junior_doctors": draw(st.integers(0, 5)), "consultants": draw(st.integers(0, 3)),
            "manager": {"enthusiasm": draw(fraction), "role_modelling": draw(fraction), "shielding": draw(fraction)},
        })  # fmt: skip
    return {
        "days": draw(st.integers(30, 200)),
        "wards": wards,
        "trust": {"initiative_push_rate": draw(st.floats(0, 12)), "culture": {"respectful_dialogue": draw(fraction)}},
        "initiative": {
            "origin": draw(st.sampled_from(["home_grown", "imported", "top_down"])),
            "co_design": draw(fraction), "problem_clarity": draw(fraction),
            "staffing_sensitivity": draw(fraction), "tailoring": draw(fraction), "inconsistent_motives": draw(fraction),
            "messenger": draw(st.sampled_from(["nurse", "consultant", "both"])),
            "leadership_clarity": draw(fraction), "design_days": draw(st.integers(1, 60)),
            "target_shifts": draw(st.sampled_from(["all", "day", "night"])),
            "rollout": {"wave_size": draw(st.integers(1, 5)), "wave_interval": draw(st.integers(1, 60)), "rigid": draw(st.booleans())},
        },
        "qi_team": {"size": draw(st.integers(0, 5)), "establishment": 5},
    }  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_invariants_under_generated_scenarios(data, seed):
    sc = qisim.scenario.scenario_from_dict(data)
    r = qisim.run(sc, seed=seed)
    s, w = r.model.staff, r.model.wards
    for arr in (
        s.understanding,
        s.ownership,
        s.habit,
        s.cynicism,
        s.fatigue,
        s.qi_skill,
        w.fit,
    ):
        assert np.all((arr >= 0) & (arr <= 1)), arr
    d = r.daily
    for col in ("aware", "understanding", "owning", "practising", "practice", "habit", "fit"):
        assert d[col].between(0, 1).all(), col
    assert (d.on_duty >= 0).all() and (d.required >= 0).all() and (d.outcome_events >= 0).all()
    # stages are nested: practising <= owning is not required, but aware >= understanding
    assert (d.aware >= d.understanding - 1e-9).all()
    summary = r.summary
    for key in ("practice_rate", "embedded_ward_fraction", "launched_ward_fraction"):
        assert 0 <= summary[key] <= 1
    assert summary["status"] in (
        "embedded",
        "patchy",
        "fizzled",
        "halted",
        "stalled",
        "in_progress",
    )
    # no event changes the team or the staff: the run keeps the scenario's numbers
    assert len(r.model.qi_team) == sc.qi_team.size
    assert s.n == r.summary["n_staff"] > 0 and w.n == len(qisim.scenario.ward_names(sc))


def test_small_scenario_fixture_runs():
    assert qisim.run(small_scenario(), seed=0, days=30).summary["days"] == 30


def test_benchmark_scenario_meets_size_floor():
    sc = qisim.load_scenario(SCENARIOS / "benchmark.toml")
    model = QIModel(sc, rng=0)
    assert (
        model.wards.n >= 24 and model.staff.n >= 800 and len(sc.competing) >= 1 and sc.days == 730
    )
