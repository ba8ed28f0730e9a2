"""A per-agent reference of qisim's daily staff rules, written the way a Mesa user would write them.

qisim's model (:mod:`qisim.model`) keeps staff state in numpy arrays and each day's mechanisms
update every member of staff at once. This module writes the *same rules* the way the Mesa
tutorials teach: every member of staff is a :class:`mesa.Agent` that keeps its state in plain
attributes and applies the daily rules to itself, one scalar at a time, in its own methods,
activated through ``AgentSet.shuffle_do``. The benchmark (``benchmarks/bench_run.py``) times the
two on the same scenario and checks that they agree statistically; ``benchmarks/test_reference.py``
keeps this reference honest when the model changes.

What is per agent, and what is not:

- Per agent (:class:`RefStaffMember`), in the order :meth:`qisim.model.QIModel.step` runs them:
  the roster (rota, sickness), staff turnover, change fatigue (``staffing.roster``,
  ``reach.staff_turnover``, ``initiativitis.update_fatigue``); QI team sessions with persuasion
  and goodwill (``reach.run_sessions`` / ``deliver_session``, per QI team member and per attendee);
  cascade, written material, coaching (``reach``); ownership with culture, manager pull, problem
  clarity and stifling, a tailored pitch, cynicism, peer pull toward one's profession blended
  with one's ward, origin and resistance (``ownership.update_ownership``); practice, joint
  participation and habit (``momentum.practise``); cynicism from inconsistent motives
  (``framing.grow_cynicism``); QI skills, with release for learning helped by senior staff's
  cover (``learning.grow_staff_skills``). A leaver's replacement arrives with a QI skill of their
  own (``reach.staff_turnover``).
- Per ward, in Python loops over the ward's agents: agency fill of each ward-shift's gap, ward
  means, the best-informed colleague per ward-shift-profession (cascade), mean ownership per
  ward-profession (peer pull), mean intent per ward-shift-profession (joint practice), the ward's
  best QI skill (mentoring), the ward's practice and habit.
- Reused unchanged from qisim, because it is model-level and not per agent: building the world,
  the initiative load per ward, the lifecycle (with co-design), patient outcomes, the monthly
  audit (and how a disappointing one is confronted), PDSA and the ward staff's own adjustments,
  review, executives and the recorder; and the scalars every agent reads that the scenario and
  the model's state fix for the day (message fidelity, agreed problem clarity, senior support,
  the weight of a message from another profession, bridging, senior cover, origin, resistance,
  the team's time), called from qisim's mechanisms as they are. Those read (and a few write) the model's staff arrays, so the
  reference copies its agents' attributes into the arrays before calling them and back after.

Staged activation (Mesa 3's replacement for ``StagedActivation``): each day the staff are
activated twice, ``start_shift`` then ``step``, because the agency fill, the sessions and the
cascade need every colleague's roster first; when the practice is joint (a handover meeting) the
``step`` is split into ``hear_and_own`` and ``practise_and_learn``, since joint participation
needs every colleague's intent for the day. Within a stage every rule reads only the agent's own
state and ward aggregates taken before the stage, exactly as the array model does, so the two
implement the same rules; only the random draws differ (stdlib ``model.random`` per agent here,
numpy arrays there), so they agree in distribution, not bit for bit.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import mesa
import numpy as np

from qisim.agents import QITeamMember, StaffMember
from qisim.constants import Constants
from qisim.mechanisms import (
    audit,
    culture,
    initiativitis,
    leadership,
    momentum,
    ownership,
    problem,
    reach,
    role_modelling,
    staffing,
    tribes,
)
from qisim.model import QIModel
from qisim.results import RunResult
from qisim.scenario import Scenario, load_scenario, with_overrides
from qisim.world import DAY, NIGHT, SHIFT, TRIBE

MEDICAL = TRIBE["medical"]
DAY_PATTERN, NIGHT_PATTERN = SHIFT["day"], SHIFT["night"]
DESIGNING = ("design", "stalled", "redesign")
# per-agent state the model-level code shares with the agents through the staff arrays
STATE = ("understanding", "ownership", "habit", "cynicism", "fatigue", "qi_skill")
RECORDED = ("understanding", "ownership", "habit", "fatigue", "on_duty")


class Ward:
    """One ward's conditions and today's aggregates, as plain Python numbers."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.staff: list[RefStaffMember] = []
        self.agency_pool: list[RefStaffMember] = []
        self.n_target = 0
        self.n_permanent_target = 0


class Today:
    """Model-level numbers every agent reads today (the initiative, the team, the constants)."""


class RefStaffMember(mesa.Agent):
    """A member of front-line staff whose state lives in its own attributes.

    The methods below are the array model's staff rules, one person at a time."""

    model: ReferenceModel

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        s = model.staff
        self.index = index
        self.ward = int(s.ward[index])
        self.tribe = int(s.tribe[index])
        self.pattern = int(s.shift[index])
        self.agency = bool(s.agency[index])
        self.rota_offset = int(s.rota_offset[index])
        self.rotation_offset = int(s.rotation_offset[index])
        self.target = bool(s.target[index])
        self.nursing = bool(s.nursing[index])
        for name in STATE:
            setattr(self, name, float(getattr(s, name)[index]))
        self.on_duty = False
        self.working_shift = DAY
        self.practised = 0.0

    # --- stage 1: the roster, turnover and fatigue ----------------------------------------------
    def start_shift(self) -> None:
        """Work 4 shifts in 7 on one's pattern unless off sick (agency nurses wait to be called
        in); leave and be replaced by a newcomer (who brings their own QI skill); feel the
        initiatives one is not shielded from."""
        m = self.model
        w = m.ref_wards[self.ward]
        k = m.constants
        rand = m.random.random
        if self.pattern == DAY_PATTERN:
            shift = DAY
        elif self.pattern == NIGHT_PATTERN:
            shift = NIGHT
        else:  # rotating staff alternate day and night weeks
            shift = ((m.day + self.rotation_offset) // 7) % 2
        self.working_shift = shift
        works = (m.day + self.rota_offset) % 7 < 4
        sick = rand() < w.sickness
        self.on_duty = works and not sick and not self.agency

        leave = k.agency_turnover if self.agency else w.daily_turnover
        if rand() < leave:  # a newcomer, who has not heard, with a QI skill of their own
            self.understanding = self.ownership = self.habit = 0.0
            self.cynicism = self.fatigue = 0.0
            q = m.random.gauss(k.staff_qi_skill_mean, k.staff_qi_skill_sd)
            self.qi_skill = min(max(q, 0.0), 1.0)

        f = self.fatigue
        f = f + k.fatigue_gain * w.excess_load * (1 - f) - k.fatigue_recovery * f
        self.fatigue = min(max(f, 0.0), 1.0)

    # --- stage 2: hearing of the change and coming to own it -----------------------------------
    def hear_and_own(self) -> None:
        """Cascade from the best-informed colleague of one's profession on the shift, written
        material, the manager's coaching; then ownership."""
        m = self.model
        w = m.ref_wards[self.ward]
        k, t = m.constants, m.today
        rand = m.random.random
        live = self.on_duty and self.target and w.active
        if live:
            u = self.understanding
            if t.cascade_rate > 0 and rand() < t.cascade_rate:
                passed = w.best_understanding[self.working_shift][self.tribe] * k.cascade_fidelity
                if passed > u:
                    u = passed
            if t.supporting and rand() < t.written_rate and u < k.written_fidelity:
                u = k.written_fidelity
            if u > 0:
                u += t.coaching_rate * w.leadership * max(w.mean_understanding - u, 0.0)
            self.understanding = u

        if self.target and w.active:
            o = self.ownership
            drive = (
                k.ownership_rate
                * self.understanding
                * w.environment
                * w.manager_pull
                * t.clarity
                * t.origin
                * w.early_boost
                * (1.0 - self.fatigue)
            )
            erosion = t.erosion + k.cynicism_erosion * self.cynicism
            if self.tribe == MEDICAL:
                erosion += t.stifling
            peer = k.peer_influence * (w.peer_norm[self.tribe] - o)
            o = o + drive * (1 - o) + peer - erosion * o
            self.ownership = min(max(o, 0.0), 1.0)

    # --- stage 3: practice, habit, cynicism and skills -----------------------------------------
    def practise_and_learn(self) -> None:
        """Do the practice as far as one knows, owns and can do it today; build or lose the
        habit; grow cynical where inconsistent motives meet a practice that cannot be done;
        learn QI skills when released from the ward (or covered by senior staff)."""
        m = self.model
        w = m.ref_wards[self.ward]
        k, t = m.constants, m.today
        shift = self.working_shift
        if self.on_duty and self.target and w.active:
            base = w.feasibility[shift]
            feas = base
            h = self.habit
            intent = self.understanding * self.ownership * w.fit
            if t.joint:  # one's own part alone, the rest with the other professions there
                # the 0.5s are momentum.practise's (one's own share of a joint practice)
                feas = feas * (0.5 + 0.5 * self.joint_participation(w))
            done = feas * (intent if intent > h else h)
            slack = k.habit_rate * (1 - w.habit_hold)
            learn = (k.habit_rate * feas if intent > h else slack) * (intent - h)
            unravel = slack * (1 - feas) * h
            self.habit = min(max(h + learn - unravel, 0.0), 1.0)
            self.practised = done
            w.practice_sum += done
            w.n_live += 1
            if shift == NIGHT:
                w.night_practice_sum += done
                w.n_night += 1
            if t.motives > 0:  # inconsistent motives sour when the practice cannot be done
                c = self.cynicism
                self.cynicism = min(c + t.cynicism_rate * (1 - base) * (1 - c), 1.0)
        else:
            self.practised = 0.0

        if self.on_duty:
            q = self.qi_skill
            gain = (
                k.learning_rate
                * w.release[shift]
                * (t.training * (1 - q) + t.mentoring * max(w.best_qi_skill - q, 0.0))
            )
            self.qi_skill = min(q + gain, 1.0)

    def step(self) -> None:
        """The day's work once on the roster: hear of the change, own it, practise it, learn."""
        self.hear_and_own()
        self.practise_and_learn()

    def joint_participation(self, w: Ward) -> float:
        """Mean take-up of the *other* target professions on one's ward-shift."""
        present = self.model.tribes_present
        if len(present) < 2:
            return 1.0
        means = w.joint_mean[self.working_shift]
        other = 0.0
        n_other = 0
        for tribe in present:
            if tribe != self.tribe:
                other += means[tribe]
                n_other += 1
        return other / max(n_other, 1)


class RefQITeamMember(QITeamMember):
    """A QI team member who runs sessions and speaks to each attendee in turn."""

    model: ReferenceModel

    def step(self) -> None:
        m = self.model
        if not m.lifecycle.supporting or m.day % 7 >= 5:
            return
        active = [w.index for w in m.ref_wards if w.active]
        if not active:
            return
        rand = m.random.random
        per_day = m.today.sessions_per_day
        n = int(per_day) + int(rand() < per_day - int(per_day))
        if n == 0:
            return
        # wards where understanding is lowest are likelier: each races with its own draw
        floor = m.constants.session_need_floor
        need = [1 + floor - m.ref_wards[i].mean_understanding for i in active]
        for _ in range(n):
            times = [-math.log1p(-rand()) / weight for weight in need]
            ward = active[times.index(min(times))]
            shift = NIGHT if rand() < m.initiative.channels.night_sessions else DAY
            m.deliver_session(m.ref_wards[ward], shift)
            self.sessions_done += 1


class ReferenceModel(QIModel):
    """qisim's model with its staff rules run per agent (see the module docstring)."""

    def __init__(self, scenario: Scenario, rng: Any = 0, constants: Constants | None = None):
        super().__init__(scenario, rng=rng, constants=constants)
        for view in list(self.agents_by_type[StaffMember]):
            view.remove()
        for member in list(self.agents_by_type.get(QITeamMember, [])):
            member.remove()
            RefQITeamMember(self, member.number)
        self.ref_staff = [RefStaffMember(self, i) for i in range(self.staff.n)]
        self.ref_wards = [Ward(i) for i in range(self.wards.n)]
        for a in self.ref_staff:
            w = self.ref_wards[a.ward]
            w.staff.append(a)
            if a.agency:
                w.agency_pool.append(a)
            if a.target:
                w.n_target += 1
                w.n_permanent_target += not a.agency
        self.tribes_present = sorted({a.tribe for a in self.ref_staff if a.target})
        self.today = Today()

    @property
    def staff_agents(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[RefStaffMember]

    @property
    def qi_team(self) -> mesa.agent.AgentSet:
        return self.agents_by_type.get(RefQITeamMember, mesa.agent.AgentSet([], random=self.random))

    # --- the day --------------------------------------------------------------------------------
    def step(self) -> None:
        """One day, the same mechanisms in the same order as :meth:`QIModel.step`."""
        self.start_day()
        self.lifecycle_day()
        self.qi_team.shuffle_do("step")  # QI team members run sessions on duty
        self.work_day()
        self.end_day()

    def start_day(self) -> None:
        """Who is on duty, who has left, how tired staff are; agency fill; ward means."""
        self.day = self.steps - 1
        initiativitis.update_load(self)  # ward-level; reads yesterday's lifecycle, as there
        self._ward_conditions()
        self.staff_agents.shuffle_do("start_shift")
        self._fill_gaps()
        self._ward_means()

    def lifecycle_day(self) -> None:
        """The lifecycle (reused unchanged), then what agents read today about the initiative."""
        self.environment = culture.environment(self)  # trust culture and ward micro-culture
        if self.lifecycle.stage in DESIGNING:  # co-design touches staff: share state with it
            self._to_arrays(("on_duty", "understanding", "ownership"))
            self.lifecycle.daily(self)
            self._from_arrays(("understanding", "ownership"))
        else:
            self.lifecycle.daily(self)
        self._initiative_today()

    def work_day(self) -> None:
        """Cascade, written material, coaching, ownership, practice, habit, cynicism, skills."""
        staff = self.staff_agents
        self._before_hearing()
        if self.today.joint:
            staff.shuffle_do("hear_and_own")
            self._joint_intent()
            staff.shuffle_do("practise_and_learn")
        else:
            staff.shuffle_do("step")
        self._ward_practice()

    def end_day(self) -> None:
        """Patient outcomes, ward habit and embedding (ward-level), and the day's record."""
        audit.patient_outcomes(self)
        self._ward_habit()
        momentum.update_embedded(self)
        self._to_arrays(RECORDED)
        self.recorder.record(self)

    def monthly(self) -> None:
        """The model-level monthly review, reused unchanged; it reads and nudges staff state."""
        self._to_arrays(STATE)
        super().monthly()
        self._from_arrays(STATE)

    def run(self, days: int | None = None) -> None:
        super().run(days)
        self.sync_arrays()

    def sync_arrays(self) -> None:
        """Copy every agent's state into the model's staff arrays (for results and tests)."""
        self._to_arrays(STATE + ("on_duty", "working_shift"))

    def apply_changes(self, changes: dict, note: str = "") -> None:
        super().apply_changes(changes, note)
        for member in list(self.agents_by_type.get(QITeamMember, [])):
            member.remove()  # the array model's new team members: replace with ours
            RefQITeamMember(self, member.number)

    # --- ward-level aggregates, in Python loops ---------------------------------------------------
    def _ward_conditions(self) -> None:
        """Today's working conditions on each ward (scenario events can change them)."""
        w, k = self.wards, self.constants
        shielded = k.shield_capacity * w.manager_shielding
        excess = np.maximum(w.load - shielded - k.load_tolerance, 0.0)
        for i, ward in enumerate(self.ref_wards):
            ward.sickness = float(w.sickness[i])
            ward.daily_turnover = float(w.turnover[i]) / 365
            ward.agency_fill = float(w.agency_fill[i])
            ward.required = (float(w.required[i, DAY]), float(w.required[i, NIGHT]))
            ward.excess_load = float(excess[i])
            ward.leadership = float(w.manager_leadership[i])

    def _fill_gaps(self) -> None:
        """Agency nurses fill a share of each ward-shift's nursing gap, day needs first; then
        each ward-shift's staffing, the practice it allows and the release for learning."""
        rand = self.random.random
        sensitivity = self.initiative.staffing_sensitivity
        gap_scale = self.constants.staffing_gap_scale
        threshold = self.constants.release_threshold
        curve = self.constants.release_curve
        cover = staffing.senior_cover(self)  # senior staff stand in so others can learn
        ratios = np.ones((self.wards.n, 2))
        feasibility = np.ones((self.wards.n, 2))
        for w in self.ref_wards:
            nurses = [0, 0]
            for a in w.staff:
                if a.on_duty and a.nursing:
                    nurses[a.working_shift] += 1
            need = [
                math.floor(max(w.required[s] - nurses[s], 0.0) * w.agency_fill + rand())
                for s in (DAY, NIGHT)
            ]
            pool = list(w.agency_pool)
            self.random.shuffle(pool)
            for rank, a in enumerate(pool):
                if rank < need[DAY]:
                    shift = DAY
                elif rank < need[DAY] + need[NIGHT]:
                    shift = NIGHT
                else:
                    break
                a.on_duty = True
                a.working_shift = shift
                nurses[shift] += 1
            w.staffing = [nurses[s] / max(w.required[s], sys.float_info.min) for s in (DAY, NIGHT)]
            w.feasibility = [
                1.0 - sensitivity * min(max((1.0 - r) / gap_scale, 0.0), 1.0) for r in w.staffing
            ]
            w.release = [min(max((r + cover) / threshold, 0.0), 1.0) ** curve for r in w.staffing]
            ratios[w.index] = w.staffing
            feasibility[w.index] = w.feasibility
        self.wards.staffing = ratios
        self.wards.feasibility = feasibility

    def _ward_means(self) -> None:
        """Mean understanding and QI skill of each ward's target staff (after turnover)."""
        for w in self.ref_wards:
            su = sq = 0.0
            for a in w.staff:
                if a.target:
                    su += a.understanding
                    sq += a.qi_skill
            n = max(w.n_target, 1)
            w.mean_understanding = su / n
            self.ward_understanding[w.index] = su / n
            self.ward_qi_skill[w.index] = sq / n

    def _initiative_today(self) -> None:
        """What every agent reads today about the initiative and its team (after the lifecycle,
        which may have launched wards or redesigned the change)."""
        init, k, team, t = self.initiative, self.constants, self.team_skills, self.today
        trust = self.qi_scenario.trust
        t.supporting = self.lifecycle.supporting
        t.joint = init.joint_practice
        t.tailoring = init.tailoring
        t.motives = init.inconsistent_motives
        t.cynicism_rate = k.cynicism_rate * init.inconsistent_motives
        t.cascade_rate = k.cascade_rate * init.channels.cascade_reliance
        t.written_rate = k.written_rate * init.channels.written
        t.coaching_rate = k.coaching_rate
        t.clarity = problem.clarity(self)  # agreed clarity: a suggestion culture scrutinises less
        t.origin = ownership.origin_factor(self)
        t.erosion = ownership.resistance(self)
        if self.lifecycle.abandoned:
            t.erosion += k.abandonment_erosion
        support = problem.senior_support(self)
        threshold = k.stifling_threshold
        t.stifling = k.senior_stifling * max(0.0, threshold - support) / threshold
        t.training = trust.qi_training
        t.mentoring = trust.mutual_mentoring
        t.fidelity = reach.message_fidelity(self)
        t.persuasion = k.session_persuasion * team["communication"] * t.clarity
        t.own_tribes = tribes.MESSENGER_TRIBES[init.messenger]
        t.cross_tribe = tribes.cross_tribe(self)  # raised as far as dialogue bridges professions
        t.bridging = culture.bridging(self)  # how far each profession's norm is the ward's
        time = leadership.team_time(self)
        t.sessions_per_day = k.visits_per_member_week / 5 * init.channels.sessions * time
        w = self.wards
        env = self.environment
        pull = role_modelling.manager_pull(self)
        goodwill = culture.goodwill(self)
        hold = role_modelling.habit_hold(self)
        for i, ward in enumerate(self.ref_wards):
            ward.active = bool(w.active[i])
            ward.fit = float(w.fit[i])
            ward.environment = float(env[i])
            ward.manager_pull = float(pull[i])
            ward.goodwill = float(goodwill[i])
            ward.habit_hold = float(hold[i])
            if t.tailoring > 0:  # a pitch tailored to each audience, fading after launch
                since = max(self.day - int(w.launch_day[i]), 0)
                boost = math.exp(-since / k.tailoring_days)
                ward.early_boost = 1.0 + k.tailoring_boost * t.tailoring * boost
            else:
                ward.early_boost = 1.0

    def deliver_session(self, w: Ward, shift: int) -> None:
        """A session on one ward-shift: each on-duty target member of staff there attends if
        released, and takes in the message as their profession weighs the messenger."""
        k, t = self.constants, self.today
        rand = self.random.random
        attend = k.session_attendance * w.release[shift]
        for a in w.staff:
            if a.on_duty and a.target and a.working_shift == shift and rand() < attend:
                weight = 1.0 if a.tribe in t.own_tribes else t.cross_tribe
                u = a.understanding
                a.understanding = u + t.fidelity * weight * (1 - u)
                o = a.ownership
                o = o + t.persuasion * weight * (1 - o)
                a.ownership = max(o, w.goodwill) if u == 0 else o

    def _before_hearing(self) -> None:
        """After the sessions: per ward-shift-profession the best understanding among live
        staff (cascade), per ward-profession the norm of ownership that peers pull toward (the
        profession's mean among target staff, blended with the ward's as far as dialogue
        bridges professions), and the ward's best QI skill (mentoring)."""
        blend = self.today.bridging
        for w in self.ref_wards:
            best = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
            sums = [0.0, 0.0, 0.0]
            counts = [0, 0, 0]
            best_q = 0.0
            for a in w.staff:
                if a.target:
                    sums[a.tribe] += a.ownership
                    counts[a.tribe] += 1
                    if a.on_duty and w.active and a.understanding > best[a.working_shift][a.tribe]:
                        best[a.working_shift][a.tribe] = a.understanding
                if a.qi_skill > best_q:
                    best_q = a.qi_skill
            w.best_understanding = best
            ward_mean = sum(sums) / max(sum(counts), 1)
            w.peer_norm = [
                (1 - blend) * (sums[i] / max(counts[i], 1)) + blend * ward_mean for i in range(3)
            ]
            w.best_qi_skill = best_q
            w.practice_sum = w.night_practice_sum = 0.0
            w.n_live = w.n_night = 0

    def _joint_intent(self) -> None:
        """Per ward-shift-profession, mean take-up (intent or habit) of live staff today."""
        for w in self.ref_wards:
            sums = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
            counts = [[0, 0, 0], [0, 0, 0]]
            if w.active:
                for a in w.staff:
                    if a.on_duty and a.target:
                        intent = a.understanding * a.ownership * w.fit
                        sums[a.working_shift][a.tribe] += max(intent, a.habit)
                        counts[a.working_shift][a.tribe] += 1
            w.joint_mean = [
                [sums[s][i] / max(counts[s][i], 1) for i in range(3)] for s in (DAY, NIGHT)
            ]

    def _ward_practice(self) -> None:
        for w in self.ref_wards:
            self.wards.practice[w.index] = w.practice_sum / max(w.n_live, 1)
            self.wards.night_practice[w.index] = w.night_practice_sum / max(w.n_night, 1)

    def _ward_habit(self) -> None:
        """Mean habit of each ward's permanent target staff."""
        habit = np.zeros(self.wards.n)
        for w in self.ref_wards:
            total = 0.0
            for a in w.staff:
                if a.target and not a.agency:
                    total += a.habit
            habit[w.index] = total / max(w.n_permanent_target, 1)
        self.ward_habit = habit

    # --- sharing state with the model-level code ------------------------------------------------
    def _to_arrays(self, names: tuple[str, ...]) -> None:
        n, s = self.staff.n, self.staff
        for name in names:
            dtype = getattr(s, name).dtype
            setattr(s, name, np.fromiter((getattr(a, name) for a in self.ref_staff), dtype, n))

    def _from_arrays(self, names: tuple[str, ...]) -> None:
        s = self.staff
        for name in names:
            for a, value in zip(self.ref_staff, getattr(s, name).tolist()):
                setattr(a, name, value)


def run_reference(
    scenario: Scenario | str,
    seed: Any = 0,
    days: int | None = None,
    overrides: dict | None = None,
) -> RunResult:
    """Run the per-agent reference once, like :func:`qisim.run`."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        scenario = with_overrides(scenario, overrides)
    if days is not None:
        scenario = scenario.model_copy(update={"days": int(days)})
    model = ReferenceModel(scenario, rng=seed)
    model.run()
    return RunResult(model, seed)


__all__ = ["RefQITeamMember", "RefStaffMember", "ReferenceModel", "Ward", "run_reference"]
