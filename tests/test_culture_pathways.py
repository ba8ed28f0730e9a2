"""The seven features of the sound organisational base each act on their own pathway (report §3
Premton: an exemplary environment; qisim.mechanisms.culture lists the pathways).

Two kinds of test: swapping the values of two features changes the run (same seed), for every
pair, which fails when features are interchangeable (e.g. averaged into one index: on the model
before issue 14, 15 of the 21 pairs gave identical runs; the 6 with adducing local data differed,
as the audit read it apart); and each feature moves the quantity its pathway names, in the
report's direction (on set states: the form, not that a feature matters in a case)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import qisim
from qisim.domain import FEATURE_KEYS
from qisim.mechanisms import adaptation, audit, culture, leadership, problem, staffing, tribes
from qisim.model import QIModel
from tests.conftest import small_scenario

LOW, HIGH = 0.1, 0.9


def _features(**values: float) -> dict[str, float]:
    base = {f"trust.culture.{f}": 0.5 for f in FEATURE_KEYS}
    base.update({f"trust.culture.{k}": v for k, v in values.items()})
    return base


def _model(days: int = 40, **values: float) -> QIModel:
    """A small trust, launched early (design of 5 days, no pilot), its culture as given."""
    over = {"initiative.design_days": 5, "initiative.rollout.pilot_wards": []}
    over |= {"initiative.target_roles": ["staff_nurse", "junior_doctor"]}
    m = QIModel(small_scenario({**over, **_features(**values)}), rng=5)
    for _ in range(days):
        m.step()
    return m


def _fingerprint(r: qisim.RunResult) -> tuple:
    s, w = r.model.staff, r.model.wards
    return (
        float(s.ownership.sum()),
        float(s.understanding.sum()),
        float(s.habit.sum()),
        float(s.qi_skill.sum()),
        float(w.fit.sum()),
        r.model.lifecycle.first_launch_day,
    )


@pytest.mark.parametrize("a,b", list(itertools.combinations(FEATURE_KEYS, 2)))
def test_swapping_two_features_changes_the_run(a, b):
    over = {"initiative.design_days": 20, "days": 300}
    one = small_scenario({**over, **_features(**{a: HIGH, b: LOW})})
    other = small_scenario({**over, **_features(**{a: LOW, b: HIGH})})
    assert _fingerprint(qisim.run(one, seed=2)) != _fingerprint(qisim.run(other, seed=2))


def test_the_same_culture_gives_the_same_run():
    """The swap test's control: without a change, the same seed gives the same fingerprint."""
    sc = small_scenario({"initiative.design_days": 20, "days": 300})
    assert _fingerprint(qisim.run(sc, seed=2)) == _fingerprint(qisim.run(sc, seed=2))


def test_respectful_dialogue_carries_messages_across_professions():
    low, high = _model(days=0, respectful_dialogue=LOW), _model(days=0, respectful_dialogue=HIGH)
    assert tribes.cross_tribe(high) > tribes.cross_tribe(low) + 0.2
    assert culture.environment(high).mean() > culture.environment(low).mean()


def test_respectful_dialogue_blends_a_profession_with_its_ward():
    def pull_gap(m: QIModel) -> float:
        s = m.staff
        s.ownership[:] = np.where(s.tribe == 0, 0.9, 0.1)  # nurses own it, doctors do not
        docs = s.target & (s.tribe == 1)
        return float(tribes.peer_pull(m)[docs].mean())

    assert pull_gap(_model(days=0, respectful_dialogue=HIGH)) > pull_gap(
        _model(days=0, respectful_dialogue=LOW)
    )


@pytest.mark.parametrize("confronting", [LOW, HIGH])
def test_confronting_failure_learns_where_blame_loses_ownership(confronting):
    m = _model(confronting_failure=confronting)
    w, s = m.wards, m.staff
    w.fit[:] = 0.5
    s.ownership[:] = 0.6
    audit.confront_failure(m, w.active.copy())
    on = s.target & w.active[s.ward]
    learned = float(w.fit[w.active].mean()) - 0.5
    lost = 0.6 - float(s.ownership[on].mean())
    k = m.constants
    assert learned == pytest.approx(k.failure_learning * confronting * 0.5)
    assert lost == pytest.approx(0.6 * k.blame_erosion * (1 - confronting))


def _audit_boost(data: float) -> float:
    m = _model(adducing_local_data=data)
    w, s = m.wards, m.staff
    w.baseline_rate[:] = 1.0  # the audit will show a clear improvement on every live ward
    w.outcome_month[:] = 0.0
    s.ownership[:] = 0.2
    audit.monthly_audit(m)
    on = s.target & w.active[s.ward]
    return float(s.ownership[on].mean()) - 0.2


def test_adducing_local_data_is_the_pull_of_a_good_audit():
    assert _audit_boost(HIGH) > 2 * _audit_boost(LOW) > 0


def _local_fit_gain(**values: float) -> float:
    m = _model(**values)
    live = np.flatnonzero(m.wards.active)
    m.wards.fit[live] = 0.5
    m.staff.ownership[:] = 0.8
    adaptation.local_adjustments(m, live)
    return float(m.wards.fit[live].mean()) - 0.5


def test_collective_autonomy_lets_wards_adapt_the_change():
    hi = _local_fit_gain(collective_autonomy=HIGH, rewarding_suggestions=0.0)
    lo = _local_fit_gain(collective_autonomy=LOW, rewarding_suggestions=0.0)
    assert hi > 2 * lo > 0


def test_rewarding_suggestions_improves_the_fit_but_skips_scrutiny():
    hi = _local_fit_gain(rewarding_suggestions=HIGH, collective_autonomy=0.0)
    lo = _local_fit_gain(rewarding_suggestions=LOW, collective_autonomy=0.0)
    assert hi > 2 * lo > 0
    assert problem.agreed_clarity(_model(days=0, rewarding_suggestions=HIGH)) < (
        problem.agreed_clarity(_model(days=0, rewarding_suggestions=LOW))
    )


def test_extra_mile_releases_staff_to_learn():
    short = np.array([0.6])
    hi = staffing.release(_model(days=0, extra_mile=HIGH), short)[0]
    lo = staffing.release(_model(days=0, extra_mile=LOW), short)[0]
    assert hi > lo + 0.1


def test_efficient_structures_speed_the_design_and_follow_pdsa_through():
    hi, lo = _model(days=0, efficient_structures=HIGH), _model(days=0, efficient_structures=LOW)
    assert leadership.design_rate(hi) > leadership.design_rate(lo) * 1.2
    assert leadership.follow_through(hi) > leadership.follow_through(lo)
