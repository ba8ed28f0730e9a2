"""Reach: messages reach only the staff on duty; cascade loses fidelity at every hop.

Report §3 Getting through to the right people: the Tissue viability team "were still only able to
reach staff who happened to be on duty at the time and/or were able to leave their clinical duties
to attend. Their optimism that they had done enough to get the word through to the rest of the
staff by 'trickle down' ... was misplaced ... The message that was handed down had inevitably
become altered, misrepresented and diluted". Table 4: getting through means "everyone concerned
(including night shift and agency staff)" hears it first hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qisim.mechanisms import culture, leadership, problem, staffing, tribes
from qisim.streams import fresh_slots
from qisim.world import DAY, DAYS_PER_WEEK, N_SHIFTS, N_TRIBES, NIGHT, draw_qi_skill

WEEKDAYS = 5  # structural: the QI team works weekdays
MAX_SESSIONS = 1000  # structural: numbers a member's sessions of a day in the attendance stream
DAYS_PER_YEAR = 365  # structural: turnover is given per year

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
    initiative is live, chosen where understanding is lowest; a share are held at night."""
    if not model.lifecycle.supporting or model.day % DAYS_PER_WEEK >= WEEKDAYS:
        return
    active = np.flatnonzero(model.wards.active)
    if active.size == 0:
        return
    k, streams, day = model.constants, model.streams, model.day
    time = leadership.team_time(model)
    per_day = k.visits_per_member_week / WEEKDAYS * model.initiative.channels.sessions * time
    me = np.array([member.slot], dtype=np.uint64)
    n = int(per_day) + int(streams.uniform("session_count", day, me)[0] < per_day - int(per_day))
    if n == 0:
        return
    sessions = np.arange(n)  # each of today's sessions draws its own numbers (sub-counter)
    need = np.cumsum(1 + k.session_need_floor - model.ward_understanding[active])
    where = streams.uniform("session_ward", day, me, sessions) * need[-1]
    wards = active[np.searchsorted(need, where, side="right")]
    night = streams.uniform("session_night", day, me, sessions)
    for j, (ward, u) in enumerate(zip(wards, night)):
        shift = NIGHT if u < model.initiative.channels.night_sessions else DAY
        deliver_session(model, int(ward), shift, session=member.number * MAX_SESSIONS + j)
        member.sessions_done += 1


def deliver_session(model: QIModel, ward: int, shift: int, session: int = 0) -> np.ndarray:
    """A session on one ward-shift: on-duty target staff attend if they can be released, and
    take in the message weighted by the messenger's profession; repeated first-hand contact
    brings full understanding, a poor or cross-professional message only slowly. ``session``
    numbers the day's sessions (the attendance stream's sub-counter, so two sessions draw
    differently). Returns who attended."""
    s, k = model.staff, model.constants
    idx = model.ward_staff[ward]
    here = idx[s.on_duty[idx] & s.target[idx] & (s.working_shift[idx] == shift)]
    if here.size == 0:
        return here
    release = staffing.release(model, model.wards.staffing[ward, shift])
    u = model.streams.uniform("attendance", model.day, s.slot[here], session)
    attend = here[u < k.session_attendance * release]
    weight = tribes.message_weight(
        model.initiative.messenger, s.tribe[attend], tribes.cross_tribe(model)
    )
    received = message_fidelity(model) * weight
    first_time = s.understanding[attend] == 0
    # each first-hand session closes part of the gap to full understanding
    u = s.understanding[attend]
    s.understanding[attend] = u + received * (1 - u)
    # the relational work of a session: being there, encouraging, giving feedback
    o = s.ownership[attend]
    # persuasion works only as far as people agree there is a problem to solve
    clarity = problem.clarity(model)
    persuasion = k.session_persuasion * model.team_skills["communication"] * weight * clarity
    o = o + persuasion * (1 - o)
    goodwill = culture.goodwill(model, ward)
    s.ownership[attend] = np.where(first_time, np.maximum(o, goodwill), o)
    return attend


def coaching(model: QIModel) -> None:
    """Ward managers who lead well explain the change on the shop floor: the understanding of
    on-duty staff who have heard of it rises toward what their ward knows. Managers spread what
    the QI team brought to the ward; they add nothing it did not bring (Table 4 Leading staff;
    §3 Getting through: a message handed down without first-hand contact stays hazy)."""
    s, w, k = model.staff, model.wards, model.constants
    live = s.on_duty & s.target & w.active[s.ward] & (s.understanding > 0)
    ward_knows = model.ward_understanding[s.ward]
    rate = k.coaching_rate * w.manager_leadership[s.ward]
    gain = rate * np.maximum(ward_knows - s.understanding, 0.0)
    s.understanding = np.where(live, s.understanding + gain, s.understanding)


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
    live = s.on_duty & s.target & w.active[s.ward]
    if not live.any():
        return
    key = (s.ward * N_SHIFTS + s.working_shift) * N_TRIBES + s.tribe
    best = np.zeros(w.n * N_SHIFTS * N_TRIBES)
    np.maximum.at(best, key[live], s.understanding[live])
    passed = best[key] * k.cascade_fidelity
    u = model.streams.uniform("cascade", model.day, s.slot)
    hear = live & (u < rate) & (passed > s.understanding)
    s.understanding[hear] = passed[hear]


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
    rate = k.written_rate * model.initiative.channels.written
    live = s.on_duty & s.target & model.wards.active[s.ward]
    read = live & (model.streams.uniform("written_material", model.day, s.slot) < rate)
    s.understanding[read] = np.maximum(s.understanding[read], k.written_fidelity)


def staff_turnover(model: QIModel) -> None:
    """Staff leave and newcomers arrive who have heard nothing of the change: agency posts change
    hands often (``agency_turnover`` a day), permanent posts at the ward's turnover rate a year.
    A newcomer brings their own QI skill, drawn as at the start (``staff_qi_skill_mean``,
    ``staff_qi_skill_sd``). Getting through is never done (Table 4 Getting through: "including
    night shift and agency staff"; §3 Premton retained good staff "often for decades")."""
    s, w, k = model.staff, model.wards, model.constants
    daily = np.where(s.agency, k.agency_turnover, w.turnover[s.ward] / DAYS_PER_YEAR)
    new = model.streams.uniform("turnover", model.day, s.slot) < daily
    s.understanding[new] = 0.0
    s.ownership[new] = 0.0
    s.habit[new] = 0.0
    s.cynicism[new] = 0.0
    s.fatigue[new] = 0.0
    if new.any():  # a newcomer takes a fresh slot in every stream
        s.slot[new] = fresh_slots(s.slot[new])
        s.qi_skill[new] = draw_qi_skill(model.streams, model.day, s.slot[new], k)
