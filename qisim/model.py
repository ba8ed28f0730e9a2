"""The model: a trust's wards and SOFFT-skilled agents living through one QI initiative.

Data flows one way: scenario -> :class:`QIModel` (agents + arrays) -> daily step (mechanisms in a
visible order) -> recorder -> :class:`qisim.results.RunResult`.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
from mesa.time import Schedule

from qisim.agents import Executive, QITeamMember, StaffMember, WardManager
from qisim.constants import DEFAULT_CONSTANTS, Constants
from qisim.domain import EXECUTIVE_ROLES
from qisim.lifecycle import Lifecycle, baseline
from qisim.mechanisms import (
    adaptation,
    audit,
    check_ablations,
    culture,
    framing,
    initiativitis,
    learning,
    momentum,
    ownership,
    reach,
    staffing,
)
from qisim.recorder import Recorder
from qisim.scenario import Scenario, set_path, validate
from qisim.streams import RandomStreams, name_slots
from qisim.world import build_staff, build_wards, expand_wards, group_mean, resolve_names

MONTH = 30


@dataclass
class CompetingInitiatives:
    """Other initiatives loading the same wards: from the scenario and pushed by executives."""

    names: list[str]
    start: np.ndarray
    end: np.ndarray
    load: np.ndarray
    wards: np.ndarray  # (C, W) bool
    pushed: np.ndarray
    halted: np.ndarray

    @property
    def n(self) -> int:
        return len(self.names)

    def add(self, name: str, start: int, end: int, wards: np.ndarray, load: float, pushed=True):
        self.names.append(name)
        self.start = np.append(self.start, start)
        self.end = np.append(self.end, end)
        self.load = np.append(self.load, load)
        self.wards = np.vstack([self.wards, wards[None, :].astype(bool)])
        self.pushed = np.append(self.pushed, pushed)
        self.halted = np.append(self.halted, False)


def stages(understanding: np.ndarray, ownership: np.ndarray, habit: np.ndarray) -> np.ndarray:
    """Stage toward the initiative from understanding, ownership and habit (brief: awareness ->
    understanding -> ownership -> practice -> habit)."""
    knows = understanding >= 0.5
    stage = (understanding >= 0.05).astype(np.int8) + knows + (knows & (ownership >= 0.5))
    stage[habit >= 0.5] = 4
    stage[habit >= 0.8] = 5
    return stage


class ScenarioEvent:
    """A scheduled change to the scenario (e.g. the QI team becomes fully staffed)."""

    def __init__(self, model: QIModel, changes: dict, note: str) -> None:
        self.model, self.changes, self.note = model, changes, note

    def __call__(self) -> None:
        self.model.apply_changes(self.changes, self.note)


class QIModel(mesa.Model):
    """One trust, its wards and staff, one QI initiative, one QI team, its executives.

    Args:
        scenario: a validated :class:`qisim.scenario.Scenario`.
        rng: seed (an int or ``numpy.random.SeedSequence``) or ``numpy.random.Generator``; all
            randomness flows from ``self.streams`` (:class:`qisim.streams.RandomStreams`, one
            stream per random quantity, keyed by this seed), so two runs on one seed draw the
            same numbers wherever they differ in nothing that decides who draws.
        constants: mechanism constants (defaults: :data:`qisim.constants.DEFAULT_CONSTANTS`).
        ablate: mechanism families to replace by their neutral element (names from
            :data:`qisim.mechanisms.ABLATIONS`); raises ValueError for an unknown name.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng=0,
        constants: Constants | None = None,
        ablate=(),
    ) -> None:
        super().__init__(rng=rng)
        self.streams = RandomStreams(rng)
        self.ablated = check_ablations(ablate)
        self.qi_scenario = scenario.model_copy(deep=True)
        self.launch_scenario = scenario.model_copy(deep=True)  # as it was on day 0 (FFIT)
        self.initiative = self.qi_scenario.initiative
        self.constants = constants or DEFAULT_CONSTANTS
        self.day = 0
        trust_culture = culture.climate(self.qi_scenario.trust.culture)
        self.wards = build_wards(self.qi_scenario, trust_culture, self.constants)
        self.wards.night_practice = np.zeros(self.wards.n)
        self.ward_names = self.wards.names
        self.staff = build_staff(self.qi_scenario, self.streams, self.wards.slot, self.constants)
        self._index_staff()
        self.team_slots_used = 0  # QI team members take slots 0, 1, ... as they join
        self.executive_slots = dict(zip(EXECUTIVE_ROLES, name_slots("executive", EXECUTIVE_ROLES)))
        self.team_skills = {
            name: float(getattr(self.qi_scenario.qi_team, name)) for name in learning.TEAM_SKILLS
        }
        self.competing = self._build_competing()

        self._staff_viewed = False  # StaffMember views are made when first asked for
        for w in range(self.wards.n):
            WardManager(self, w)
        for _ in range(self.qi_scenario.qi_team.size):
            self._add_team_member()
        for role in EXECUTIVE_ROLES:
            Executive(self, role)

        self.team_staffed_day: int | None = None  # first day the QI team is at establishment
        self._note_team_staffed()
        self.lifecycle = Lifecycle(self)
        self.audits: list[tuple[int, float, float]] = []
        self.last_audit_day = 0
        self.last_audit_improvement = 0.0
        self.event_log: list[tuple[int, str]] = []
        self.ward_understanding = np.zeros(self.wards.n)
        self.ward_qi_skill = np.zeros(self.wards.n)
        self.ward_habit = np.zeros(self.wards.n)
        self.environment = culture.environment(self)
        baseline(self)
        self.recorder = Recorder(self, self.qi_scenario.days)

        self._callbacks = [ScenarioEvent(self, ev.set, ev.note) for ev in self.qi_scenario.events]
        self._stage_events: dict[str, list[tuple[int, ScenarioEvent]]] = {}  # fire once
        for ev, cb in zip(self.qi_scenario.events, self._callbacks):
            if ev.at is None:
                self.schedule_event(cb, at=ev.day + 0.5)
            else:
                self._stage_events.setdefault(ev.at, []).append((ev.after_days, cb))
        self.schedule_recurring(self.monthly, Schedule(interval=MONTH, start=MONTH + 0.5))

    def _add_team_member(self) -> None:
        """A new QI team member, numbered in order of joining (its slot in the streams)."""
        QITeamMember(self, self.team_slots_used)
        self.team_slots_used += 1

    def ablates(self, family: str) -> bool:
        """Whether the mechanism family is replaced by its neutral element in this run."""
        return family in self.ablated

    def _note_team_staffed(self) -> None:
        if self.team_staffed_day is None and len(self.qi_team) >= max(
            self.qi_scenario.qi_team.establishment, 1
        ):
            self.team_staffed_day = self.day

    # --- agent sets ---------------------------------------------------------------------------
    # Staff live in ``self.staff``; their :class:`StaffMember` views (one Mesa agent per row,
    # for inspection, the app and tests) are made the first time any agent set is asked for, so
    # a run that never looks at them does not build a thousand agents.
    def _view_staff(self) -> None:
        if not self._staff_viewed:
            self._staff_viewed = True
            for i in range(self.staff.n):
                StaffMember(self, i)

    @property
    def agents(self):
        self._view_staff()
        return super().agents

    @property
    def agents_by_type(self):
        self._view_staff()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._view_staff()
        return super().agent_types

    @property
    def qi_team(self) -> mesa.agent.AgentSet:
        team = self._agents_by_type.get(QITeamMember)
        return team if team is not None else mesa.agent.AgentSet([], random=self.random)

    @property
    def executives(self) -> mesa.agent.AgentSet:
        return self._agents_by_type[Executive]

    @property
    def staff_agents(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[StaffMember]

    @property
    def ward_managers(self) -> mesa.agent.AgentSet:
        return self._agents_by_type[WardManager]

    # --- the schedule -------------------------------------------------------------------------
    def step(self) -> None:
        """One day, mechanisms in the order they happen on a ward."""
        self.day = self.steps - 1
        staffing.roster(self)  # who is on duty; how short each ward-shift is
        reach.staff_turnover(self)  # leavers replaced by newcomers who have not heard
        initiativitis.update_load(self)  # competing initiatives on each ward
        initiativitis.update_fatigue(self)  # change fatigue, shielded by managers
        self._ward_means()
        self.environment = culture.environment(self)  # trust culture and ward micro-culture
        self.lifecycle.daily(self)  # design progress, pilot, waves of roll-out
        reach.run_team_sessions(self)  # QI team members run sessions on duty, in random order
        reach.cascade(self)  # trickle down, losing fidelity per hop
        reach.written_material(self)  # packs and posters: vaguely aware
        reach.coaching(self)  # ward managers explain it on the shop floor
        ownership.update_ownership(self)  # culture, managers, clarity, framing, tribes
        momentum.practise(self)  # practice on shift, limited by staffing; habit
        framing.grow_cynicism(self)  # mixed messages sour when practice fails
        learning.grow_staff_skills(self)  # communities of practice, release to learn
        audit.patient_outcomes(self)  # falls, pressure sores, night calls, delays
        self.ward_habit = momentum.ward_habit(self)
        momentum.update_embedded(self)
        self.recorder.record(self)

    def monthly(self) -> None:
        """Monthly: audit, PDSA cycle, the team's review of momentum, skills, executives."""
        audit.monthly_audit(self)
        adaptation.pdsa_cycle(self)
        decision = momentum.monthly_review(self)
        self.lifecycle.monthly(self, decision)
        learning.grow_team_skills(self)
        self.executives.do("monthly_review")
        trust = self.qi_scenario.trust
        if trust.initiative_log_review and (self.day // 7) % trust.log_review_weeks < 5:
            initiativitis.log_review(self)

    def run(self, days: int | None = None) -> None:
        self.run_for(days if days is not None else self.qi_scenario.days)

    # --- helpers ------------------------------------------------------------------------------
    def _index_staff(self) -> None:
        s = self.staff
        # staff by ward: ward w's are ward_staff[ward_bounds[w] : ward_bounds[w + 1]]
        self.ward_staff = np.argsort(s.ward, kind="stable")
        self.ward_bounds = np.searchsorted(s.ward[self.ward_staff], np.arange(self.wards.n + 1))
        self.agency_index = np.flatnonzero(s.agency)
        self.permanent_target = s.target & ~s.agency  # target staff on the ward's own books
        ag_wards = s.ward[self.agency_index]
        self.agency_start = np.searchsorted(np.sort(ag_wards), np.arange(self.wards.n))

    def _build_competing(self) -> CompetingInitiatives:
        wards = expand_wards(self.qi_scenario)
        comps = self.qi_scenario.competing
        return CompetingInitiatives(
            names=[c.name for c in comps],
            start=np.array([c.start for c in comps], dtype=float),
            end=np.array([c.end for c in comps], dtype=float),
            load=np.array([c.load for c in comps], dtype=float),
            wards=np.array([resolve_names(c.wards, wards) for c in comps], dtype=bool).reshape(
                len(comps), len(wards)
            ),
            pushed=np.zeros(len(comps), dtype=bool),
            halted=np.zeros(len(comps), dtype=bool),
        )

    def _ward_means(self) -> None:
        s, n = self.staff, self.wards.n
        self.ward_understanding = group_mean(s.ward, s.understanding, s.target, n)
        self.ward_qi_skill = group_mean(s.ward, s.qi_skill, s.target, n)

    def embedded_fraction(self) -> float:
        t = self.wards.target
        n = np.count_nonzero(t)  # the mean of a boolean array, as a count (the same number)
        return np.count_nonzero(self.wards.embedded & t) / n if n else 0.0

    def staff_stages(self) -> np.ndarray:
        """Each person's stage: 0 unaware, 1 aware, 2 understanding, 3 ownership, 4 practice,
        5 habit (see :data:`qisim.domain.STAGES`)."""
        s = self.staff
        return stages(s.understanding, s.ownership, s.habit)

    def stage_entered(self, stage: str) -> None:
        """The lifecycle entered ``stage`` (or ``"launch"``, the first wards started) today:
        schedule the scenario events tied to it, the first time only. An event ``at`` a stage
        fires ``after_days`` after the step of the day the stage began, like a day event on the
        next day (which the event log records as that day)."""
        for after_days, cb in self._stage_events.pop(stage, ()):
            self.schedule_event(cb, at=self.day + after_days + 1.5)

    def apply_changes(self, changes: dict, note: str = "") -> None:
        """Apply a scheduled scenario event: set fields by dotted path, then bring the model's
        arrays and agents in line with them."""
        data = self.qi_scenario.model_dump()
        for path, value in changes.items():
            set_path(data, path, value, "event")
        data["events"] = []
        new = validate(data, "event")
        self.event_log.append((self.day, note or ", ".join(f"{k}={v}" for k, v in changes.items())))
        for name in type(self.initiative).model_fields:
            setattr(self.initiative, name, getattr(new.initiative, name))
        self.qi_scenario.trust = new.trust
        self.qi_scenario.qi_team = new.qi_team
        for name in learning.TEAM_SKILLS:
            if any(p == f"qi_team.{name}" for p in changes):
                self.team_skills[name] = float(getattr(new.qi_team, name))
        size = new.qi_team.size
        members = list(self.qi_team)
        for member in members[size:]:
            member.remove()
        for _ in range(size - len(members)):
            self._add_team_member()
        self._note_team_staffed()
        self.qi_scenario.wards = new.wards
        trust_culture = culture.climate(new.trust.culture)
        fresh = build_wards(new, trust_culture, self.constants)
        for name in (
            "sickness", "agency_fill", "turnover", "micro_culture", "context_distance", "manager_enthusiasm",
            "manager_role_modelling", "manager_style_tone", "manager_leadership",
            "manager_shielding",
        ):  # fmt: skip
            setattr(self.wards, name, getattr(fresh, name))
