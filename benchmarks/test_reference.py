"""The per-agent reference (benchmarks/reference_model.py) implements the model's rules.

Two checks keep the reference honest when the model changes:

1. Rule by rule, from the same mid-run state and with every random draw fixed to the same value,
   each stage of the per-agent reference gives exactly what the array model's mechanisms give.
2. Whole runs on a small scenario agree statistically (mean outcomes within 3 standard errors,
   Welch), since the two draw their random numbers differently.

Speed is measured by benchmarks/bench_run.py only; nothing here is timed. These tests run with
the benchmarks (``make bench`` runs them first), not in the everyday suite; the 50-seed
statistical agreement on the benchmark scenario is bench_run.py's.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

import qisim
from benchmarks.bench_run import METRICS, agreement, outcomes
from benchmarks.reference_model import ReferenceModel, run_reference
from qisim.mechanisms import (
    framing,
    initiativitis,
    learning,
    momentum,
    ownership,
    reach,
    staffing,
)
from qisim.streams import FixedStreams
from tests.conftest import small_scenario

STAFF_STATE = ("understanding", "ownership", "habit", "cynicism", "fatigue", "qi_skill")
# the array model's rules exercised from every branch: joint practice across professions, a
# pitch tailored to each audience (early boost) with inconsistent motives (cynicism), a messenger
# of both professions, stifling consultants, dialogue that bridges professions (cross-tribe
# messages, peer norms blended with the ward's), senior staff covering so that others are
# released to learn, and a suggestion culture that scrutinises the problem less (agreed clarity)
RICH = {
    "initiative.joint_practice": True,
    "initiative.tailoring": 0.8,
    "initiative.inconsistent_motives": 0.8,
    "initiative.messenger": "both",
    "initiative.senior_backing": 0.1,
    "initiative.origin": "top_down",
    "initiative.target_roles": [
        "staff_nurse",
        "health_care_assistant",
        "junior_doctor",
        "allied_health_professional",
    ],
    "initiative.channels.night_sessions": 0.5,
    "trust.culture.respectful_dialogue": 0.9,
    "trust.culture.extra_mile": 0.4,
    "trust.culture.rewarding_suggestions": 0.8,
}


class FixedDraws:
    """Stands in for both numpy's Generator and stdlib's Random: every uniform draw is ``u``,
    every normal draw is the same quantile ``z`` (from ``u``, kept off the tails so that a
    newcomer's QI skill is not clipped and its mean and spread matter), shuffles keep the
    order, so both implementations see the same 'random' numbers."""

    def __init__(self, u: float) -> None:
        self.u = u
        self.z = NormalDist().inv_cdf(min(max(u, 0.01), 0.99))

    def random(self, size=None):
        return self.u if size is None else np.full(size, self.u)

    def normal(self, loc=0.0, scale=1.0, size=None):  # numpy's Generator.normal
        value = loc + scale * self.z
        return value if size is None else np.full(size, value)

    def gauss(self, mu=0.0, sigma=1.0):  # stdlib's Random.gauss
        return mu + sigma * self.z

    def shuffle(self, items) -> None:
        return None


def mid_run(overrides: dict, days: int = 60) -> ReferenceModel:
    """A reference model some way into the roll-out, its arrays in step with its agents."""
    model = ReferenceModel(small_scenario(overrides), rng=7)
    model.run_for(days)
    model.sync_arrays()
    return model


def agents(model: ReferenceModel, name: str) -> np.ndarray:
    return np.array([getattr(a, name) for a in model.ref_staff], dtype=float)


def assert_same(model: ReferenceModel, expected: dict[str, np.ndarray]) -> None:
    for name, values in expected.items():
        np.testing.assert_allclose(agents(model, name), values, rtol=0, atol=1e-12, err_msg=name)


def arrays(model: ReferenceModel, names) -> dict[str, np.ndarray]:
    return {n: getattr(model.staff, n).astype(float).copy() for n in names}


def hearing_and_owning_match(m: ReferenceModel) -> None:
    """The array model's cascade, written material, coaching and ownership, then the
    reference's hear_and_own stage from the same state: the same staff state."""
    reach.cascade(m)
    reach.written_material(m)
    reach.coaching(m)
    ownership.update_ownership(m)
    expected = arrays(m, STAFF_STATE)
    m._before_hearing()
    for a in m.ref_staff:
        a.hear_and_own()
    assert_same(m, expected)


@pytest.mark.parametrize("overrides", [{}, RICH], ids=["example", "joint-tailored"])
@pytest.mark.parametrize("u", [0.0, 0.05, 0.5, 0.999999])
def test_each_stage_matches_the_array_model(overrides, u):
    m = mid_run(overrides)
    assert m.wards.active.any() and m.lifecycle.supporting
    m.rng = m.random = FixedDraws(u)
    m.streams = FixedStreams(u)

    # roster, turnover, fatigue
    m.day = m.steps
    initiativitis.update_load(m)
    staffing.roster(m)
    reach.staff_turnover(m)
    initiativitis.update_fatigue(m)
    expected = arrays(m, STAFF_STATE + ("on_duty", "working_shift"))
    staffing_expected = m.wards.staffing.copy(), m.wards.feasibility.copy()
    m._ward_conditions()
    for a in m.ref_staff:
        a.start_shift()
    m._fill_gaps()
    # which agency nurses of a ward's pool are called in may differ (ties in the order of the
    # pool); how many, on which shift, and everyone else's roster are the same
    agency = m.staff.agency
    assert_same(m, {k: v for k, v in expected.items() if k not in ("on_duty", "working_shift")})
    for name in ("on_duty", "working_shift"):
        np.testing.assert_array_equal(agents(m, name)[~agency], expected[name][~agency])
    for shift in (0, 1):
        called = (agents(m, "on_duty") > 0) & (agents(m, "working_shift") == shift) & agency
        wanted = (expected["on_duty"] > 0) & (expected["working_shift"] == shift) & agency
        np.testing.assert_array_equal(
            np.bincount(m.staff.ward[called], minlength=m.wards.n),
            np.bincount(m.staff.ward[wanted], minlength=m.wards.n),
        )
    np.testing.assert_allclose(m.wards.staffing, staffing_expected[0], atol=1e-12)
    np.testing.assert_allclose(m.wards.feasibility, staffing_expected[1], atol=1e-12)
    m._ward_means()
    m._initiative_today()
    m.sync_arrays()

    # the QI team's choice of wards and shifts, and its sessions there
    before = arrays(m, ("understanding", "ownership"))
    for member in m.qi_team:
        reach.run_sessions(m, member)
    expected = arrays(m, ("understanding", "ownership"))
    m.staff.understanding, m.staff.ownership = before["understanding"], before["ownership"]
    for member in m.qi_team:
        member.step()
    assert_same(m, expected)
    if u == 0.5:  # nobody off sick, day sessions, half attend: sessions reached people
        assert (expected["understanding"] != before["understanding"]).any()
    m.sync_arrays()

    # a session on every live ward-shift
    for ward in np.flatnonzero(m.wards.active):
        for shift in (0, 1):
            reach.deliver_session(m, int(ward), shift)
            expected = arrays(m, ("understanding", "ownership"))
            m.deliver_session(m.ref_wards[ward], shift)
            assert_same(m, expected)
            m.sync_arrays()

    # cascade, written material, coaching, ownership
    hearing_and_owning_match(m)
    m.sync_arrays()

    # practice (joint where the scenario says), habit, cynicism, QI skills
    momentum.practise(m)
    framing.grow_cynicism(m)
    learning.grow_staff_skills(m)
    expected = arrays(m, STAFF_STATE)
    practice = m.wards.practice.copy(), m.wards.night_practice.copy()
    m._joint_intent()
    for a in m.ref_staff:
        a.practise_and_learn()
    m._ward_practice()
    assert_same(m, expected)
    np.testing.assert_allclose(m.wards.practice, practice[0], atol=1e-12)
    np.testing.assert_allclose(m.wards.night_practice, practice[1], atol=1e-12)
    if u >= 0.5:  # nobody off sick or leaving: the stages did real work
        assert (practice[0] > 0).any()

    habit = momentum.ward_habit(m)
    m._ward_habit()
    np.testing.assert_allclose(m.ward_habit, habit, atol=1e-12)


@pytest.mark.parametrize("u", [0.05, 0.5])
def test_hearing_and_owning_match_once_the_team_gives_up(u):
    """The abandoned initiative's branch (ownership erodes once the team has given up), which
    a run reaches only late: halted mid-run, the wards still live, hearing and owning agree."""
    m = mid_run(RICH)
    m.lifecycle.halt(m)
    assert m.lifecycle.abandoned and not m.lifecycle.supporting and m.wards.active.any()
    m.rng = m.random = FixedDraws(u)
    m.streams = FixedStreams(u)
    m._initiative_today()
    m.sync_arrays()
    hearing_and_owning_match(m)


@pytest.mark.slow
@pytest.mark.parametrize("overrides", [{}, RICH], ids=["example", "joint-tailored"])
def test_reference_and_array_model_agree_statistically(overrides):
    """16 seeds each on a small scenario from design to roll-out: mean outcomes agree."""
    scenario = small_scenario({"days": 200} | overrides)
    seeds = range(16)
    array_runs = [outcomes(qisim.run(scenario, seed=s)) for s in seeds]
    reference_runs = [outcomes(run_reference(scenario, seed=s)) for s in seeds]
    table = agreement(array_runs, reference_runs)
    assert set(table) == set(METRICS)
    # the runs are not degenerate: the change got going in both
    assert table["practice_rate"]["array_mean"] > 0.2
    assert table["mean_ownership"]["reference_mean"] > 0.2
    for name, row in table.items():
        assert row["agree"], f"{name}: {row}"


def test_agreement_notices_a_changed_rule():
    """The statistical check has teeth: a reference with a different ownership rate disagrees."""
    scenario = small_scenario({"days": 200})
    seeds = range(8)
    array_runs = [outcomes(qisim.run(scenario, seed=s)) for s in seeds]
    slower = [
        outcomes(qisim.run(scenario, seed=s, constants={"ownership_rate": 0.03})) for s in seeds
    ]
    table = agreement(array_runs, slower)
    assert not all(row["agree"] for row in table.values())
