"""Reach: messages reach only the staff on duty; cascade loses fidelity at every hop.

Report §3 Getting through to the right people: the Tissue viability team "were still only able to
reach staff who happened to be on duty at the time and/or were able to leave their clinical duties
to attend. Their optimism that they had done enough to get the word through to the rest of the
staff by 'trickle down' ... was misplaced ... The message that was handed down had inevitably
become altered, misrepresented and diluted". Table 4: getting through means "everyone concerned
(including night shift and agency staff)" hears it first hand.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.mechanisms import culture, leadership, problem, staffing, tribes
from qisim.streams import draw_normal, draw_unit, fresh_slot
from qisim.world import DAY, DAYS_PER_WEEK, N_SHIFTS, N_TRIBES, NIGHT

WEEKDAYS = 5  # structural: the QI team works weekdays
MAX_SESSIONS = 1000  # structural: numbers a member's sessions of a day in the attendance stream
DAYS_PER_YEAR = 365  # structural: turnover is given per year
PROFESSIONS = np.arange(N_TRIBES)  # each profession's index: a message's weight per profession

if TYPE_CHECKING:
    from qisim.agents import QITeamMember
    from qisim.model import QIModel


def message_fidelity(model: QIModel) -> float:
    """How accurate and helpful a first-hand message is, 0-1: the team's communication skill
    and how clearly the problem has been defined and agreed (``(fidelity_skill_floor + (1 -
    fidelity_skill_floor) * communication) * (fidelity_clarity_floor + (1 -
    fidelity_clarity_floor) * agreed clarity)``)."""
    k, team = model.constants, model.team_skills
    skill = k.fidelity_skill_floor + (1 - k.fidelity_skill_floor) * team["communication"]
    clarity = problem.agreed_clarity(model)
    return skill * (k.fidelity_clarity_floor + (1 - k.fidelity_clarity_floor) * clarity)


def run_sessions(model: QIModel, member: QITeamMember) -> None:
    """One QI team member's working day: on weekdays, a few sessions on wards where the
    initiative is live, chosen where understanding is lowest; a share are held at night.
    ``visits_per_member_week / WEEKDAYS`` sessions a day at full time (x ``channels.sessions``
    x :func:`leadership.team_time`), the fraction held with that chance; a ward is chosen with
    weight ``1 + session_need_floor - understanding``; ``channels.night_sessions`` of the
    sessions are held at night.

    Common random numbers: each live ward draws its own number for each session (an
    exponential race: the ward with the least ``-log(1 - u) / weight`` is chosen, which picks
    each ward with chance weight / total weight), so a change on one ward moves the team's
    choice only when that ward wins or loses the race, not the choice among the others. A
    member of staff's attendance draw is numbered by the sessions already held on that
    ward-shift that day, not by who holds them."""
    _working_day(model, [member])


def run_team_sessions(model: QIModel) -> None:
    """The QI team's working day: the members act one after another in the day's random order
    (their draws from the team's own stream, so the order does not depend on other draws), each
    as :func:`run_sessions` says, each session reaching the staff as the sessions before it
    left them."""
    _working_day(model, list(model.qi_team))


def _working_day(model: QIModel, team: list[QITeamMember]) -> None:
    """:func:`run_sessions` for each member of ``team`` (in random order if more than one)."""
    if not model.lifecycle.supporting or model.day % DAYS_PER_WEEK >= WEEKDAYS:
        return
    if not team or not model.wards.active.any():
        return
    k, streams = model.constants, model.streams
    per_day = k.visits_per_member_week / WEEKDAYS * model.initiative.channels.sessions
    per_day = per_day * leadership.team_time(model)
    done = _team_day(
        np.array([m.slot for m in team], dtype=np.uint64),
        np.array([m.number for m in team], dtype=np.int64),
        per_day, model.wards.active, model.wards.slot, model.ward_understanding,
        k.session_need_floor,
        model.initiative.channels.night_sessions, streams.key("team_order"),
        streams.key("session_count"), streams.key("session_ward"), streams.key("session_night"),
        streams.fixed, model.day, _session_arguments(model),
    )  # fmt: skip
    for member, sessions in zip(team, done):
        member.sessions_done += int(sessions)


def deliver_session(model: QIModel, ward: int, shift: int, session: int = 0) -> np.ndarray:
    """A session on one ward-shift: on-duty target staff attend if they can be released, and
    take in the message weighted by the messenger's profession; repeated first-hand contact
    brings full understanding, a poor or cross-professional message only slowly. ``session``
    numbers the ward-shift's sessions of the day (0 for the first; the attendance stream's
    sub-counter, so two sessions draw differently). Returns who attended."""
    attended = np.empty(model.staff.n, dtype=np.int64)
    count = _deliver_session(ward, shift, session, model.day, _session_arguments(model), attended)
    return attended[:count]


def _session_arguments(model: QIModel) -> tuple:
    """What every session of the day shares (:func:`_deliver_session`): the staff, the
    attendance stream, ``session_attendance`` and the terms of :func:`staffing.release` for
    each ward-shift's staffing, the message's fidelity (:func:`message_fidelity`) and weight per
    profession (:func:`tribes.message_weight`), the persuasion of its relational work
    (``session_persuasion`` x communication, as far as people agree there is a problem:
    :func:`problem.clarity`) and each ward's goodwill on first hearing (:func:`culture.goodwill`)."""
    s, k, streams = model.staff, model.constants, model.streams
    weight = _weight_per_profession(model.initiative.messenger, tribes.cross_tribe(model))
    return (
        model.ward_staff, model.ward_bounds, s.on_duty, s.target, s.working_shift, s.tribe,
        s.slot, s.understanding, s.ownership, streams.key("attendance"), streams.fixed, k.session_attendance,
        model.wards.staffing, staffing.release_terms(model), message_fidelity(model), weight,
        k.session_persuasion * model.team_skills["communication"], problem.clarity(model),
        culture.goodwill(model),
    )  # fmt: skip


@functools.lru_cache(maxsize=1)
def _weight_per_profession(messenger: str, cross_tribe: float) -> np.ndarray:
    """:func:`tribes.message_weight` for each profession (kept while the messenger and the
    cross-profession weight stay as they are)."""
    weight = tribes.message_weight(messenger, PROFESSIONS, cross_tribe)
    weight.flags.writeable = False
    return weight


@numba.njit(cache=True)
def _team_day(
    member_slots, member_numbers, per_day, active, ward_slots, ward_understanding, need_floor,
    night_share, order_key, count_key, ward_key, night_key, fixed, day, session,
):  # fmt: skip
    # the members act in a random order: by their draws, ties in order of joining
    order = np.arange(member_slots.size)
    if member_slots.size > 1:
        draws = np.empty(member_slots.size)
        for m in range(member_slots.size):
            u = draw_unit(order_key, fixed, day, member_slots[m], 0)
            place = m
            while place > 0 and draws[place - 1] > u:  # insertion sort (a few members)
                draws[place], order[place] = draws[place - 1], order[place - 1]
                place -= 1
            draws[place], order[place] = u, m
    done = np.zeros(member_slots.size, dtype=np.int64)
    # wards are chosen in proportion to their need: lowest understanding likeliest
    wards = np.flatnonzero(active)
    need = np.empty(wards.size)
    for j in range(wards.size):
        need[j] = 1 + need_floor - ward_understanding[wards[j]]
    held = np.zeros((active.size, N_SHIFTS), dtype=np.int64)  # sessions so far per ward-shift
    attended = np.empty(session[0].size, dtype=np.int64)  # session[0]: staff by ward
    for m in order:
        me = member_slots[m]
        # whole sessions a day, and one more with the chance of the fraction
        n = int(per_day)
        if draw_unit(count_key, fixed, day, me, 0) < per_day - int(per_day):
            n += 1
        for j in range(n):
            # each live ward races for the session with its own draw, weighted by its need
            race = member_numbers[m] * MAX_SESSIONS + j
            ward, best = wards[0], np.inf
            for w in range(wards.size):
                u = draw_unit(ward_key, fixed, day, ward_slots[wards[w]], race)
                time = -np.log1p(-u) / need[w]
                if time < best:
                    ward, best = wards[w], time
            # a share of the sessions are held at night
            u = draw_unit(night_key, fixed, day, me, j)
            shift = NIGHT if u < night_share else DAY
            # staff draw for the ward-shift's first, second, ... session of the day
            _deliver_session(ward, shift, held[ward, shift], day, session, attended)
            held[ward, shift] += 1
        done[m] = n
    return done


@numba.njit(cache=True)
def _deliver_session(ward, shift, sub, day, session, attended):
    (
        ward_staff, ward_bounds, on_duty, target, working_shift, tribe, slot, understanding,
        ownership,
        attendance_key, fixed, session_attendance, ward_staffing, release_terms, fidelity,
        weight, persuasion, clarity, goodwill,
    ) = session  # fmt: skip
    threshold, curve, cover = release_terms
    release = staffing._release_for_learning(ward_staffing[ward, shift], threshold, curve, cover)
    chance = session_attendance * release
    count = 0
    for i in ward_staff[ward_bounds[ward] : ward_bounds[ward + 1]]:
        # on-duty target staff on this ward-shift attend if they can be released
        if not (on_duty[i] and target[i] and working_shift[i] == shift):
            continue
        if not draw_unit(attendance_key, fixed, day, slot[i], sub) < chance:
            continue
        attended[count] = i
        count += 1
        u = understanding[i]
        # each first-hand session closes part of the gap to full understanding
        understanding[i] = u + fidelity * weight[tribe[i]] * (1 - u)
        # the relational work of a session: being there, encouraging, giving feedback
        o = ownership[i]
        o = o + persuasion * weight[tribe[i]] * clarity * (1 - o)
        # on first hearing, at least the goodwill of the ward's culture
        ownership[i] = max(o, goodwill[ward]) if u == 0 else o
    return count


def coaching(model: QIModel) -> None:
    """Ward managers who lead well explain the change on the shop floor: the understanding of
    on-duty staff who have heard of it rises toward what their ward knows. Managers spread what
    the QI team brought to the ward; they add nothing it did not bring (Table 4 Leading staff;
    §3 Getting through: a message handed down without first-hand contact stays hazy)."""
    s, w, k = model.staff, model.wards, model.constants
    _coaching(
        s.understanding, s.on_duty, s.target, s.ward, w.active, model.ward_understanding,
        w.manager_leadership, k.coaching_rate,
    )  # fmt: skip


@numba.njit(cache=True)
def _coaching(
    understanding, on_duty, target, ward, active, ward_understanding, leadership, coaching_rate
):
    for i in range(understanding.size):
        u = understanding[i]
        if on_duty[i] and target[i] and active[ward[i]] and u > 0:
            # the manager closes part of the gap to what the ward knows, as well as they lead
            rate = coaching_rate * leadership[ward[i]]
            understanding[i] = u + rate * max(ward_understanding[ward[i]] - u, 0.0)


def cascade(model: QIModel) -> None:
    """Trickle down: on each ward-shift the best-informed colleague of one's own profession may
    pass the message on, keeping only ``cascade_fidelity`` of it per hop."""
    s, k, w = model.staff, model.constants, model.wards
    if model.ablates("reach"):
        full_reach(model)
        return
    rate = k.cascade_rate * model.initiative.channels.cascade_reliance
    if rate <= 0:
        return
    _cascade(
        s.understanding, s.on_duty, s.target, s.ward, s.working_shift, s.tribe, s.slot,
        w.active, rate, k.cascade_fidelity, model.streams.key("cascade"), model.streams.fixed,
        model.day,
    )  # fmt: skip


@numba.njit(cache=True)
def _cascade(
    understanding, on_duty, target, ward, working_shift, tribe, slot, active, rate, fidelity,
    key, fixed, day,
):  # fmt: skip
    # the best-informed colleague on duty per ward, shift and profession
    best = np.zeros((active.size, N_SHIFTS, N_TRIBES))
    for i in range(understanding.size):
        if on_duty[i] and target[i] and active[ward[i]]:
            group = (ward[i], working_shift[i], tribe[i])
            best[group] = max(best[group], understanding[i])
    for i in range(understanding.size):
        if on_duty[i] and target[i] and active[ward[i]]:
            # passed on with the chance ``rate``, keeping ``fidelity`` of it, if it tells more
            passed = best[ward[i], working_shift[i], tribe[i]] * fidelity
            if passed > understanding[i] and draw_unit(key, fixed, day, slot[i], 0) < rate:
                understanding[i] = passed


def full_reach(model: QIModel) -> None:
    """The neutral element of reach (ablation): every target member of staff on a live ward
    understands the change fully."""
    s = model.staff
    s.understanding[s.target & model.wards.active[s.ward]] = 1.0


def written_material(model: QIModel) -> None:
    """Information packs, laminated cards, intranet posts: they reach everyone on active wards
    now and then, but leave staff "only vaguely aware"."""
    s, k = model.staff, model.constants
    if not model.lifecycle.supporting:
        return
    _written_material(
        s.understanding, s.on_duty, s.target, s.ward, s.slot, model.wards.active,
        k.written_rate * model.initiative.channels.written, k.written_fidelity,
        model.streams.key("written_material"), model.streams.fixed, model.day,
    )  # fmt: skip


@numba.njit(cache=True)
def _written_material(
    understanding, on_duty, target, ward, slot, active, rate, fidelity, key, fixed, day
):
    for i in range(understanding.size):
        # read by on-duty staff of live wards now and then: a vague understanding at most
        if on_duty[i] and target[i] and active[ward[i]]:
            if draw_unit(key, fixed, day, slot[i], 0) < rate:
                understanding[i] = max(understanding[i], fidelity)


def staff_turnover(model: QIModel) -> None:
    """Staff leave and newcomers arrive who have heard nothing of the change: agency posts change
    hands often (``agency_turnover`` a day), permanent posts at the ward's turnover rate a year.
    A newcomer brings their own QI skill, drawn as at the start (``staff_qi_skill_mean``,
    ``staff_qi_skill_sd``). Getting through is never done (Table 4 Getting through: "including
    night shift and agency staff"; §3 Premton retained good staff "often for decades")."""
    s, w, k, streams = model.staff, model.wards, model.constants, model.streams
    _staff_turnover(
        s.agency, s.ward, s.slot, w.turnover, k.agency_turnover, streams.key("turnover"),
        streams.key("qi_skill"), streams.fixed, model.day, k.staff_qi_skill_mean,
        k.staff_qi_skill_sd, s.understanding, s.ownership, s.habit, s.cynicism, s.fatigue,
        s.qi_skill,
    )  # fmt: skip


@numba.njit(cache=True)
def _staff_turnover(
    agency, ward, slot, turnover, agency_turnover, key, skill_key, fixed, day, skill_mean,
    skill_sd, understanding, ownership, habit, cynicism, fatigue, qi_skill,
):  # fmt: skip
    for i in range(ward.size):
        # agency posts change hands daily at their rate, permanent posts at the ward's yearly one
        daily = agency_turnover if agency[i] else turnover[ward[i]] / DAYS_PER_YEAR
        if draw_unit(key, fixed, day, slot[i], 0) < daily:
            # the newcomer has heard nothing of the change
            understanding[i] = ownership[i] = habit[i] = cynicism[i] = fatigue[i] = 0.0
            # and takes a fresh slot in every stream
            slot[i] = fresh_slot(slot[i])
            # and brings their own QI skill, drawn as at the start (world.draw_qi_skill)
            skill = skill_mean + skill_sd * draw_normal(skill_key, fixed, day, slot[i], 0)
            qi_skill[i] = min(max(skill, 0.0), 1.0)
