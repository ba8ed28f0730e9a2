"""Each mechanism moves outcomes in the direction the report describes.

Model-level tests compare two variants of a small scenario under the same seeds (common random
numbers), so the difference is the mechanism, not noise. Function-level tests pin the mechanism's
own rule.
"""

from __future__ import annotations

import numpy as np
import pytest

import qisim
from qisim.mechanisms import adaptation, leadership, reach, staffing
from qisim.model import QIModel
from qisim.world import DAY, TRIBE
from tests.conftest import small_scenario

SEEDS = range(4)


def mean_of(scenario, fn, seeds=SEEDS, **kw) -> float:
    return float(np.mean([fn(qisim.run(scenario, seed=s, **kw)) for s in seeds]))


def practice(r):
    return r.summary["practice_rate"]


def habit(r):
    return r.summary["habit_rate"]


def target_mean(r, field, mask=None):
    s = r.model.staff
    m = s.target if mask is None else s.target & mask(s)
    return float(getattr(s, field)[m].mean())


# --- 1. reach ---------------------------------------------------------------------------------
def test_session_reaches_only_staff_on_duty_on_that_shift():
    # no co-design, so nobody hears of it by being consulted during the design
    model = QIModel(small_scenario({"initiative.co_design": 0.0}), rng=1)
    model.step()
    model.wards.active[:] = True
    s = model.staff
    attended = reach.deliver_session(model, 0, DAY)
    assert attended.size > 0
    assert s.on_duty[attended].all() and (s.working_shift[attended] == DAY).all()
    heard = np.flatnonzero(s.understanding > 0)
    assert set(heard) == set(attended.tolist())
    off = np.flatnonzero(~s.on_duty & (s.ward == 0))
    assert (s.understanding[off] == 0).all()


def test_cascade_loses_fidelity_per_hop():
    model = QIModel(small_scenario({"initiative.channels.cascade_reliance": 1.0}), rng=2)
    model.step()
    k = model.constants
    model.constants = k.with_overrides({"cascade_rate": 1.0})
    s, w = model.staff, model.wards
    w.active[:] = True
    s.understanding[:] = 0
    peers = np.flatnonzero(
        s.on_duty
        & s.target
        & (s.ward == 0)
        & (s.working_shift == DAY)
        & (s.tribe == TRIBE["nursing"])
    )
    s.understanding[peers[0]] = 1.0
    reach.cascade(model)
    hop1 = s.understanding[peers[1:]]
    assert np.allclose(hop1, k.cascade_fidelity)
    # the next hop only passes on what the best-informed colleague has: a second-hand message
    # passed on again keeps cascade_fidelity of cascade_fidelity
    s.understanding[peers[0]] = 0
    s.understanding[peers[2:]] = 0
    reach.cascade(model)
    assert np.allclose(s.understanding[peers[2:]], k.cascade_fidelity**2)


def test_night_staff_are_missed_without_night_sessions():
    sc = small_scenario(
        {"initiative.channels.night_sessions": 0.0, "initiative.channels.cascade_reliance": 0.0}
    )

    def gap(r):
        night = target_mean(r, "understanding", lambda s: s.shift == 1)
        day = target_mean(r, "understanding", lambda s: s.shift == 0)
        return day - night

    assert mean_of(sc, gap, days=150) > 0.1
    sc2 = small_scenario(
        {"initiative.channels.night_sessions": 0.5, "initiative.channels.cascade_reliance": 0.0}
    )
    assert mean_of(sc2, gap, days=150) < mean_of(sc, gap, days=150)


# --- 2. staffing ------------------------------------------------------------------------------
def test_feasibility_falls_with_shortfall_and_sensitivity():
    staffing_levels = np.array([1.1, 1.0, 0.9, 0.8, 0.6])
    f = staffing.practice_feasibility(staffing_levels, 0.9, 0.25)
    assert f[0] == f[1] == 1.0 and np.all(np.diff(f) <= 0) and f[-1] == pytest.approx(0.1)
    assert np.all(staffing.practice_feasibility(staffing_levels, 0.2, 0.25) >= f)


def test_more_absence_means_less_practice_for_a_staffing_sensitive_change():
    sensitive = {"initiative.staffing_sensitivity": 0.9}
    low = small_scenario({**sensitive, "wards.*.sickness": 0.03})
    high = small_scenario({**sensitive, "wards.*.sickness": 0.2})
    assert mean_of(high, practice) < mean_of(low, practice) - 0.05


def test_understaffed_qi_team_reaches_fewer_staff():
    full = small_scenario({"qi_team.size": 4, "qi_team.establishment": 4})
    short = small_scenario({"qi_team.size": 1, "qi_team.establishment": 4})
    aware = lambda r: target_mean(r, "understanding")  # noqa: E731
    assert mean_of(short, aware, days=120) < mean_of(full, aware, days=120)


# --- 3. ownership -----------------------------------------------------------------------------
def test_home_grown_co_designed_is_owned_more_than_imposed():
    owned = small_scenario({"initiative.origin": "home_grown", "initiative.co_design": 0.9})
    imposed = small_scenario({"initiative.origin": "top_down", "initiative.co_design": 0.0})
    own = lambda r: target_mean(r, "ownership")  # noqa: E731
    assert mean_of(owned, own) > mean_of(imposed, own) + 0.1
    assert mean_of(owned, practice) > mean_of(imposed, practice)


# --- 4. problem clarity -----------------------------------------------------------------------
def test_unclear_problem_means_less_ownership_and_practice():
    clear = small_scenario({"initiative.problem_clarity": 0.9})
    unclear = small_scenario({"initiative.problem_clarity": 0.1})
    assert mean_of(unclear, practice) < mean_of(clear, practice) - 0.05


def test_senior_clinicians_stifle_doctors_without_backing():
    roles = ["staff_nurse", "junior_doctor"]
    backed = small_scenario({"initiative.target_roles": roles, "initiative.senior_backing": 0.9})
    unbacked = small_scenario({"initiative.target_roles": roles, "initiative.senior_backing": 0.0})
    doctors = lambda r: target_mean(r, "ownership", lambda s: s.tribe == TRIBE["medical"])  # noqa: E731
    assert mean_of(unbacked, doctors) < mean_of(backed, doctors)


# --- 5. tribes --------------------------------------------------------------------------------
def test_consultant_messenger_persuades_doctors_more_than_nurse_messenger():
    # in a trust without respectful critical dialogue, which would bridge the professions
    base = {"initiative.target_roles": ["staff_nurse", "junior_doctor"]}
    base["trust.culture.respectful_dialogue"] = 0.0
    nurse = small_scenario({**base, "initiative.messenger": "nurse"})
    consultant = small_scenario({**base, "initiative.messenger": "consultant"})
    doctors = lambda r: target_mean(r, "understanding", lambda s: s.tribe == TRIBE["medical"])  # noqa: E731
    assert mean_of(consultant, doctors, days=200) > mean_of(nurse, doctors, days=200) + 0.1


# --- 6. role modelling ------------------------------------------------------------------------
def test_zealous_manager_ward_does_better():
    plain = small_scenario(
        {"wards.*.manager.enthusiasm": 0.3, "wards.*.manager.role_modelling": 0.3}
    )
    zealous = small_scenario(
        {"wards.*.manager.enthusiasm": 0.95, "wards.*.manager.role_modelling": 0.95}
    )
    assert mean_of(zealous, habit) > mean_of(plain, habit) + 0.05
    # ward by ward: with a zealous manager in the first three wards only, those wards end with
    # more habit than the same wards under a plain manager, on the same seeds
    one = small_scenario(
        {"wards.*.manager.enthusiasm": 0.3, "wards.*.manager.role_modelling": 0.3,
         "wards.0.manager.enthusiasm": 0.95, "wards.0.manager.role_modelling": 0.95}
    )  # fmt: skip
    names = qisim.scenario.ward_names(one)[:3]

    def first_wards(r):
        last = r.daily[r.daily["day"] == r.daily["day"].max()]
        return float(last[last["ward"].isin(names)]["habit"].mean())

    assert mean_of(one, first_wards) > mean_of(plain, first_wards) + 0.05


# --- 7. initiativitis -------------------------------------------------------------------------
def test_competing_initiatives_raise_fatigue_and_cut_practice_and_fatigue_lingers():
    many = [{"name": f"c{i}", "start": 0, "end": 200, "load": 1.0} for i in range(4)]
    quiet = small_scenario()
    busy = small_scenario({"competing": many})
    fat = lambda r: float(r.daily.groupby("day").fatigue.mean().iloc[199])  # noqa: E731
    assert mean_of(busy, fat) > mean_of(quiet, fat) + 0.1
    assert mean_of(busy, practice) < mean_of(quiet, practice)
    r = qisim.run(busy, seed=0)
    f = r.daily.groupby("day").fatigue.mean()
    # pressure ends on day 200; 60 days later fatigue is still most of its peak
    assert f.iloc[260] > 0.6 * f.iloc[199]


def test_shielding_manager_protects_staff():
    many = [{"name": f"c{i}", "start": 0, "end": 300, "load": 1.0} for i in range(3)]
    unshielded = small_scenario({"competing": many, "wards.*.manager.shielding": 0.0})
    shielded = small_scenario({"competing": many, "wards.*.manager.shielding": 1.0})
    fat = lambda r: float(r.daily.fatigue.mean())  # noqa: E731
    assert mean_of(shielded, fat) < mean_of(unshielded, fat)


# --- 8. adaptation ----------------------------------------------------------------------------
def test_initial_fit_falls_with_distance_unless_co_designed():
    model = QIModel(small_scenario({"initiative.co_design": 0.0}), rng=0)
    model.wards.context_distance[:] = np.linspace(0, 1, model.wards.n)
    fit = adaptation.initial_fit(model, np.arange(model.wards.n))
    assert np.all(np.diff(fit) < 0)
    model.initiative.co_design = 0.9
    assert np.all(adaptation.initial_fit(model, np.arange(model.wards.n))[1:] > fit[1:])


def test_continued_pdsa_fits_the_change_to_unlike_wards():
    # ward staff's own adjustments (collective autonomy, suggestions) switched off: PDSA alone
    far = {"wards.*.context_distance": 0.9, "initiative.co_design": 0.0}
    far |= {"trust.culture.collective_autonomy": 0.0, "trust.culture.rewarding_suggestions": 0.0}
    stopped = small_scenario({**far, "initiative.pdsa_rollout": 0.0})
    continued = small_scenario({**far, "initiative.pdsa_rollout": 0.9})
    fit = lambda r: float(r.model.wards.fit[r.model.wards.target].mean())  # noqa: E731
    assert mean_of(continued, fit) > mean_of(stopped, fit) + 0.1
    assert mean_of(continued, practice) > mean_of(stopped, practice)


def test_fidelity_conflict_slows_design_when_nobody_leads():
    calm = small_scenario(
        {"initiative.fidelity_conflict": 0.0, "initiative.leadership_clarity": 0.3}
    )
    fight = small_scenario(
        {"initiative.fidelity_conflict": 1.0, "initiative.leadership_clarity": 0.3}
    )
    assert leadership.design_rate(QIModel(fight, rng=0)) < leadership.design_rate(
        QIModel(calm, rng=0)
    )


# --- 9. timing and momentum -------------------------------------------------------------------
def test_habit_needs_time_to_embed():
    sc = small_scenario({"initiative.origin": "home_grown", "initiative.co_design": 0.9})
    r = qisim.run(sc, seed=1)
    h = r.trust.habit.to_numpy()
    launch = r.summary["first_launch_day"]
    assert h[launch + 30] < h[launch + 150] < h[-1] + 1e-9


def test_poor_judgement_pushes_a_failing_change_for_longer():
    failing = {
        "initiative.problem_clarity": 0.05, "initiative.origin": "top_down",
        "initiative.co_design": 0.0, "initiative.senior_backing": 0.0, "days": 900,
    }  # fmt: skip

    def stop_day(r):
        for day, stage in r.summary["stages"]:
            if stage in ("fizzled", "redesign"):
                return day
        return r.summary["days"]

    wise = small_scenario({**failing, "qi_team.judgement": 0.9})
    stubborn = small_scenario({**failing, "qi_team.judgement": 0.1})
    assert mean_of(stubborn, stop_day) > mean_of(wise, stop_day)


# --- 10. leadership clarity -------------------------------------------------------------------
def test_unclear_leadership_delays_launch_until_someone_takes_the_reins():
    launch = lambda r: r.summary["first_launch_day"] or r.summary["days"]  # noqa: E731
    clear = small_scenario({"initiative.leadership_clarity": 0.9, "initiative.design_days": 60})
    unclear = small_scenario({"initiative.leadership_clarity": 0.1, "initiative.design_days": 60})
    reins = small_scenario({
        "initiative.leadership_clarity": 0.1, "initiative.design_days": 60,
        "events": [{"day": 30, "set": {"initiative.leadership_clarity": 0.9}}],
    })  # fmt: skip
    assert (
        launch(qisim.run(clear, seed=0))
        < launch(qisim.run(reins, seed=0))
        < launch(qisim.run(unclear, seed=0))
    )


# --- 11. framing: tailoring and inconsistent motives ----------------------------------------
def test_tailoring_with_consistent_motives_raises_ownership_over_a_single_message():
    one = small_scenario({"initiative.tailoring": 0.0, "initiative.inconsistent_motives": 0.0})
    tailored = small_scenario({"initiative.tailoring": 0.9, "initiative.inconsistent_motives": 0.0})
    own = lambda r: target_mean(r, "ownership")  # noqa: E731
    assert mean_of(tailored, own, days=150) > mean_of(one, own, days=150) + 0.01
    cyn = lambda r: target_mean(r, "cynicism")  # noqa: E731
    assert mean_of(tailored, cyn) == 0.0  # consistent motives breed no cynicism


def test_inconsistent_motives_breed_cynicism_when_practice_falters():
    short = {"wards.*.sickness": 0.15, "initiative.staffing_sensitivity": 0.9}
    full = {"wards.*.sickness": 0.0, "wards.*.vacancy": 0.0, "initiative.staffing_sensitivity": 0.0}
    mixed = {"initiative.tailoring": 0.9, "initiative.inconsistent_motives": 0.9}
    cyn = lambda r: target_mean(r, "cynicism")  # noqa: E731
    falters = mean_of(small_scenario({**short, **mixed}), cyn)
    holds = mean_of(small_scenario({**full, **mixed}), cyn)
    assert falters > 0.05 and holds < falters / 5
    consistent = small_scenario({**short, **mixed, "initiative.inconsistent_motives": 0.0})
    assert mean_of(consistent, cyn) == 0.0
    own = lambda r: target_mean(r, "ownership")  # noqa: E731
    assert mean_of(small_scenario({**short, **mixed}), own) < mean_of(consistent, own)


# --- 12. culture ------------------------------------------------------------------------------
def test_sound_organisational_base_raises_uptake():
    feats = [
        "respectful_dialogue", "confronting_failure", "adducing_local_data", "collective_autonomy",
        "rewarding_suggestions", "extra_mile", "efficient_structures",
    ]  # fmt: skip
    good = small_scenario({f"trust.culture.{f}": 0.9 for f in feats})
    bad = small_scenario({f"trust.culture.{f}": 0.1 for f in feats})
    assert mean_of(good, practice) > mean_of(bad, practice) + 0.02
    own = lambda r: target_mean(r, "ownership")  # noqa: E731
    assert mean_of(good, own) > mean_of(bad, own) + 0.05


# --- 13. learning -----------------------------------------------------------------------------
def test_training_grows_skills_and_needs_release_from_the_ward():
    trained = small_scenario({"trust.qi_training": 0.9})
    untrained = small_scenario({"trust.qi_training": 0.0, "trust.mutual_mentoring": 0.0})
    skill = lambda r: float(r.model.staff.qi_skill.mean())  # noqa: E731
    assert mean_of(trained, skill, days=200) > mean_of(untrained, skill, days=200) + 0.05
    short = small_scenario(
        {"trust.qi_training": 0.9, "wards.*.vacancy": 0.35, "wards.*.agency_fill": 0.0}
    )
    assert mean_of(short, skill, days=200) < mean_of(trained, skill, days=200)
    assert (
        staffing.release_for_learning(np.array([0.5]), 0.85, 2.0)[0]
        < staffing.release_for_learning(np.array([1.0]), 0.85, 2.0)[0]
    )


# --- audit: adducing local data ----------------------------------------------------------------
def test_patient_outcome_falls_as_practice_rises():
    model = QIModel(small_scenario(), rng=0)
    model.wards.practice[:] = 0.0
    from qisim.mechanisms import audit

    none = audit.outcome_rate(model).copy()
    model.wards.practice[:] = 1.0
    assert np.all(audit.outcome_rate(model) < none)


def test_local_data_culture_makes_audits_persuade():
    data = small_scenario(
        {"trust.culture.adducing_local_data": 1.0, "initiative.baseline_audit": True}
    )
    nodata = small_scenario(
        {"trust.culture.adducing_local_data": 0.0, "initiative.baseline_audit": True}
    )
    own = lambda r: target_mean(r, "ownership")  # noqa: E731
    assert mean_of(data, own, seeds=range(6)) > mean_of(nodata, own, seeds=range(6))


def test_staff_qi_skill_fits_the_change_to_the_ward():
    """What learning grows matters: wards whose staff have more QI skill adapt the change further
    (their PDSA cycles, their own adjustments and suggestions), and embed more of it (report §3
    Growing the necessary QI skills)."""
    far = small_scenario({"wards.*.context_distance": 0.9, "initiative.co_design": 0.0})
    fit = lambda r: float(r.model.wards.fit[r.model.wards.target].mean())  # noqa: E731

    def run(mean: float):
        k = qisim.DEFAULT_CONSTANTS.with_overrides({"staff_qi_skill_mean": mean})
        return [qisim.run(far, seed=s, constants=k) for s in SEEDS]

    skilled, unskilled = run(0.7), run(0.1)
    assert np.mean([fit(r) for r in skilled]) > np.mean([fit(r) for r in unskilled]) + 0.05
    assert np.mean([practice(r) for r in skilled]) > np.mean([practice(r) for r in unskilled])
