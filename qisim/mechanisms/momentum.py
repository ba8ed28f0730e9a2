"""Timing and momentum: practice becomes habit little by little; teams must know when to stop.

Report §3 Timing, coordination and momentum: Nurse-led discharge "was deliberately afforded all
the time it needed ... time to embed the change little by little". §3 Using experience to modify
the intervention: "Knowing when to stop and when to persist was a particularly important skill";
of Handover at night, "the clinical leads realised they had pushed it for too long".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.mechanisms import role_modelling, tribes
from qisim.world import NIGHT, group_mean

if TYPE_CHECKING:
    from qisim.model import QIModel


def practise(model: QIModel) -> None:
    """Today's practice and the routine it builds.

    Each on-duty target member of staff on a live ward does the new practice as far as they
    know it, own it and it fits the ward, or out of habit, and as far as today's staffing allows.
    Habit (the routine) grows by doing: toward their intent on the days the practice can be
    done. It fades toward their intent when commitment falls, and it unravels on days the ward
    is too short-staffed to do it; a role-modelling manager slows both (report §3 Timing:
    "time to embed the change little by little"; §3 Securing resources: "it unravelled on days
    when the ward was understaffed"; §3 Dedication: managers "reminding staff")."""
    s, w, k = model.staff, model.wards, model.constants
    joint = model.initiative.joint_practice
    w.practice, w.night_practice = _practise(
        s.habit, s.understanding, s.ownership, s.on_duty, s.target, s.ward, s.working_shift,
        s.tribe, w.active, w.feasibility, w.fit, role_modelling.habit_hold(model), k.habit_rate,
        joint, joint and not model.ablates("tribes"), k.joint_solo_share,
    )  # fmt: skip


@numba.njit(cache=True)
def _practise(
    habit, understanding, ownership, on_duty, target, ward, working_shift, tribe, active,
    feasibility, fit, habit_hold, habit_rate, joint, by_profession, joint_solo_share,
):  # fmt: skip
    # Written without branches on who is on duty (a select, not a jump), since the roster
    # changes every day and the jumps would be mispredicted.
    n_wards = active.size
    live = np.empty(habit.size, dtype=np.bool_)
    intent = np.empty(habit.size)
    for i in range(habit.size):
        live[i] = on_duty[i] & target[i] & active[ward[i]]
        # as far as one understands it, owns it and it fits the ward
        intent[i] = understanding[i] * ownership[i] * fit[ward[i]]
    if by_profession:  # tribes.joint_participation
        others = tribes._joint_participation(
            ward, working_shift, tribe, target, np.maximum(intent, habit), live, n_wards
        )
    else:
        others = np.ones(habit.size)
    # each ward's sum and count of practice (all live staff, and those on nights), added in the
    # staff's order as group_mean adds them, held in registers while the ward repeats
    practice_sum = np.zeros(n_wards)
    practice_count = np.zeros(n_wards, dtype=np.int64)
    night_practice_sum = np.zeros(n_wards)
    night_practice_count = np.zeros(n_wards, dtype=np.int64)
    group, done_sum, done_count, night_sum, night_count = 0, 0.0, 0, 0.0, 0
    for i in range(habit.size):
        w = ward[i]
        if w != group:
            practice_sum[group], practice_count[group] = done_sum, done_count
            night_practice_sum[group], night_practice_count[group] = night_sum, night_count
            group, done_sum, done_count = w, practice_sum[w], practice_count[w]
            night_sum, night_count = night_practice_sum[w], night_practice_count[w]
        feas = feasibility[w, working_shift[i]]
        if joint:  # one's own part alone; the rest needs the other professions there
            feas = feas * (joint_solo_share + (1 - joint_solo_share) * others[i])
        h = habit[i]
        # today's practice: one's intent, or one's habit, as far as staffing allows
        done = feas * max(intent[i], h)
        # habit grows toward intent when it can be done, fades (slowed by the manager) when
        # intent falls, and unravels on short-staffed days
        slack = habit_rate * (1 - habit_hold[w])
        learn = (habit_rate * feas if intent[i] > h else slack) * (intent[i] - h)
        unravel = slack * (1 - feas) * h
        habit[i] = min(max(h + learn - unravel, 0.0), 1.0) if live[i] else h
        done_sum += done if live[i] else 0.0
        done_count += live[i]
        night = live[i] & (working_shift[i] == NIGHT)
        night_sum += done if night else 0.0
        night_count += night
    if habit.size:
        practice_sum[group], practice_count[group] = done_sum, done_count
        night_practice_sum[group], night_practice_count[group] = night_sum, night_count
    return (
        practice_sum / np.maximum(practice_count, 1),
        night_practice_sum / np.maximum(night_practice_count, 1),
    )


def ward_habit(model: QIModel) -> np.ndarray:
    """Per ward, mean habit of its permanent target staff (agency staff come and go)."""
    s, w = model.staff, model.wards
    return group_mean(s.ward, s.habit, model.permanent_target, w.n)


def update_embedded(model: QIModel) -> None:
    """A live ward is embedded while its habit level is at or above ``embed_level``."""
    w = model.wards
    w.embedded = w.active & (model.ward_habit >= model.constants.embed_level)


def monthly_review(model: QIModel) -> str | None:
    """The QI team's monthly look at progress. Momentum rises while practice or audits improve
    or the goal is reached, and drains while practice stalls short of it. When it drains below
    the team's stopping point the team stops: with good judgement (``redesign_judgement`` or
    more) it redesigns (once), without it the initiative fizzles out; poor judgement sets the
    stopping point low (down to ``stop_judgement_floor`` of ``stop_momentum``), so the team
    pushes on long after the horse has died. Returns ``"redesign"``, ``"fizzled"`` or None."""
    k, lc = model.constants, model.lifecycle
    if not lc.supporting or lc.stage == "sustained" or model.ablates("momentum"):
        return None
    live = model.wards.active & model.wards.target
    if not live.any():
        return None
    habit = float(np.mean(model.ward_habit[live]))
    progress = habit - lc.last_review_habit
    lc.last_review_habit = habit
    audit_shows = model.last_audit_improvement > k.audit_noise and not model.ablates("audit")
    improving = progress > k.progress_needed or audit_shows
    if improving or habit >= k.embed_level:
        lc.momentum += k.momentum_gain * (1 - lc.momentum)
    else:
        lc.momentum -= k.momentum_loss * lc.momentum
    judgement = model.qi_scenario.qi_team.judgement
    floor = k.stop_judgement_floor
    stop_at = k.stop_momentum * (floor + (1 - floor) * judgement)
    if lc.momentum >= stop_at:
        return None
    if judgement >= k.redesign_judgement and lc.redesigns == 0:
        return "redesign"
    return "fizzled"
