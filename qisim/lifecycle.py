"""The initiative's lifecycle: design -> pilot -> roll-out -> embedding -> sustained, with exits
to stalled, fizzled, halted and redesign -> relaunch (brief: An initiative)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from qisim import strategies
from qisim.mechanisms import adaptation, audit, leadership, ownership, problem

if TYPE_CHECKING:
    from qisim.model import QIModel

SUPPORTING = ("pilot", "rollout", "embedding", "sustained")
LONG_AGO = -math.inf  # a day before any run ("no wave yet")


def design_work(model: QIModel) -> float:
    """The design's work in units of ``design_days`` at full speed: the design itself (1), plus
    the slow work: co-designing (``co_design_time * co_design``) and defining the problem
    (``problem_time * agreed clarity``). Report Table 3 Nurse-led discharge: "Under no time
    pressure, and developed and audited in an inclusive way"; §3 Timing: "the time to think the
    QI through"; §3 Understanding what is wrong and why: Handover at night's "failure to
    establish exactly what problem they were wanting to solve at the start"."""
    k, init = model.constants, model.initiative
    slow = k.co_design_time * init.co_design + k.problem_time * problem.agreed_clarity(model)
    return 1.0 + slow


class Lifecycle:
    """Where the initiative is, and the roll-out plan's progress."""

    def __init__(self, model: QIModel) -> None:
        self.stage = "design"
        self.design_progress = 0.0
        self.design_effort = design_work(model)
        self.stage_start = 0
        self.momentum = 1.0
        self.redesigns = 0
        self.last_review_habit = 0.0
        self.last_wave_day = LONG_AGO
        self.first_launch_day: int | None = None
        self.embedded_since: int | None = None
        self.history: list[tuple[int, str]] = [(0, "design")]
        init = model.initiative
        r = init.rollout
        target = np.flatnonzero(model.wards.target)
        pilot = np.flatnonzero(model.wards.pilot)
        if r.strategy == "big_bang":
            pilot = pilot[:0]
            model.wards.pilot[:] = False
        rest = [int(i) for i in target if i not in set(pilot.tolist())]
        size = r.wave_size
        if r.strategy == "big_bang":
            size = max(len(rest), 1)
        self.waves: list[list[int]] = [rest[i : i + size] for i in range(0, len(rest), size)]
        if r.strategy == "readiness_paced":
            # one pool: each wave takes the wards that are ready when it is due
            self.waves = [rest] if rest else []
        self.pilot_wards = [int(i) for i in pilot]
        self.rollout_start_day: int | None = None
        # each ward's staffing over the last weeks (readiness); kept only where a strategy reads it
        self.recent_staffing: np.ndarray | None = None
        self.track_staffing = r.strategy == "readiness_paced" and r.readiness_measure == "staffing"
        # prepare first: the readiness audit and SOFFT skills programme run before the design
        self.prepare_until = r.prepare_days
        self.attendance = np.zeros(model.wards.n)
        if r.prepare_days:
            strategies.start_programme(model, r.prepare_days)
        strategies.weigh_competing_by_role(model)

    @property
    def supporting(self) -> bool:
        return self.stage in SUPPORTING

    @property
    def abandoned(self) -> bool:
        return self.stage in ("fizzled", "halted")

    def enter(self, model: QIModel, stage: str) -> None:
        self.stage = stage
        self.stage_start = model.day
        self.history.append((model.day, stage))
        model.stage_entered(stage)  # scenario events tied to the stage

    def launch(self, model: QIModel, wards: list[int]) -> None:
        if not wards:
            return
        idx = np.array(wards)
        w = model.wards
        w.active[idx] = True
        w.launch_day[idx] = model.day
        w.fit[idx] = adaptation.initial_fit(model, idx)
        self.last_wave_day = model.day
        if self.first_launch_day is None:
            self.first_launch_day = model.day
            model.stage_entered("launch")

    def daily(self, model: QIModel) -> None:
        init, k = model.initiative, model.constants
        if self.track_staffing:
            self.recent_staffing = strategies.track_staffing(model, self.recent_staffing)
        if model.day < self.prepare_until:
            self.prepare(model)
            return
        if self.stage in ("design", "stalled", "redesign"):
            self.design_progress += leadership.design_rate(model) / self.design_effort
            ownership.co_design_involvement(model)
            # a finished design waiting for its launch day (or a deferral) has not stalled
            waiting = self.design_progress >= 1.0
            planned = init.design_days * self.design_effort
            overdue = model.day - self.stage_start > k.stall_after * planned
            if self.stage == "design" and overdue and not waiting:
                self.enter(model, "stalled")
            deadline = init.rollout.launch_deadline
            due = deadline is not None and model.day >= deadline and self.stage != "redesign"
            if (waiting or due) and model.day >= init.rollout.start_day:
                if self.stage == "redesign":
                    self.relaunch(model)
                elif self.launch_allowed(model):
                    if not waiting:
                        self.cut_short(model)
                    self.first_launch(model)
            return
        if self.stage == "pilot" and model.day - self.stage_start >= init.rollout.pilot_days:
            self.start_rollout(model)
            self.last_wave_day = LONG_AGO
        if self.stage == "rollout":
            if self.wave_due(model):
                self.next_wave(model)
            if not self.waves:
                self.enter(model, "embedding")
        if self.stage in ("embedding", "sustained"):
            self.check_sustained(model)

    def cut_short(self, model: QIModel) -> None:
        """A rigid timetable launches an unfinished design (``rollout.launch_deadline``): the
        slow work is cut short in proportion to the design work left undone, so the co-design
        and the agreed definition of the problem reach only ``design_progress`` of what was
        planned (report Table 3 Enhanced care: "rolled out to a rigorous timetable", against
        Nurse-led discharge "Under no time pressure")."""
        done = min(max(self.design_progress, 0.0), 1.0)
        init = model.initiative
        init.co_design = init.co_design * done
        init.problem_clarity = init.problem_clarity * done
        model.event_log.append(
            (model.day, f"launched on the timetable with {done:.0%} of the design work done")
        )

    def first_launch(self, model: QIModel) -> None:
        """The pilot wards start, or without a pilot the first wave."""
        if self.pilot_wards:
            self.enter(model, "pilot")
            self.launch(model, self.pilot_wards)
        else:
            self.start_rollout(model)
            self.next_wave(model)

    def launch_allowed(self, model: QIModel) -> bool:
        """A deferred launch waits until the named competing initiative has ended."""
        r = model.initiative.rollout
        if r.defer_until is None:
            return True
        return strategies.competing_over(model, r.defer_until, r.defer_gap_days)

    def start_rollout(self, model: QIModel) -> None:
        """The waves begin; a team that thinks it has found the right formula stops PDSA here
        (report §3 Using experience to modify the intervention: Enhanced care)."""
        self.enter(model, "rollout")
        self.rollout_start_day = model.day
        if not model.initiative.rollout.pdsa_in_waves:
            model.initiative.pdsa_rollout = 0.0

    def prepare(self, model: QIModel) -> None:
        """A day of the prepare-first programme: the QI team runs it instead of designing, and
        each target ward's manager attends as far as the ward can release them. On its last day
        the skills rise and the readiness audit orders the waves, most ready wards first."""
        self.attendance += strategies.programme_attendance(model)
        if model.day == self.prepare_until - 1:
            days = self.prepare_until
            strategies.finish_programme(model, days, self.attendance / days)
            if model.initiative.rollout.strategy == "pilot_waves":
                rest = strategies.readiness_order(model, [i for wave in self.waves for i in wave])
                size = model.initiative.rollout.wave_size
                self.waves = [rest[i : i + size] for i in range(0, len(rest), size)]
            self.stage_start = model.day + 1  # the design starts now

    def wave_due(self, model: QIModel) -> bool:
        r = model.initiative.rollout
        since = model.day - self.last_wave_day
        if r.rigid:
            return since >= r.wave_interval
        live = model.wards.active & model.wards.target
        done = model.wards.practice[live]
        # their mean practice (np.mean's sum and division, without its overhead)
        ready = (
            not done.size or float(np.add.reduce(done)) / done.size >= model.constants.wave_ready
        )
        k = model.constants
        return (ready and since >= r.wave_interval * k.early_wave) or (
            since >= r.wave_interval * k.late_wave
        )

    def next_wave(self, model: QIModel) -> None:
        if model.initiative.rollout.strategy == "readiness_paced":
            self.next_ready_wave(model)
        elif self.waves:
            self.launch(model, self.waves.pop(0))

    def next_ready_wave(self, model: QIModel) -> None:
        """Readiness-paced: the waiting wards whose readiness has passed the threshold join, at
        most ``wave_size`` of them, the most ready first; after ``readiness_max_wait`` days of
        roll-out the rest join regardless (report §3 Timing: "'reading' wards to know when to
        push and when hold back")."""
        if not self.waves:
            return
        r = model.initiative.rollout
        pool = self.waves[0]
        ready = strategies.ward_readiness(model)
        waited = model.day - (self.rollout_start_day or model.day)
        overdue = r.readiness_max_wait is not None and waited >= r.readiness_max_wait
        eligible = [i for i in pool if overdue or ready[i] >= r.readiness_threshold]
        chosen = sorted(eligible, key=lambda i: -ready[i])[: r.wave_size]
        for i in chosen:
            pool.remove(i)
        if not pool:
            self.waves.pop(0)
        self.launch(model, chosen)

    def check_sustained(self, model: QIModel) -> None:
        frac = model.embedded_fraction()
        k = model.constants
        if frac >= k.sustained_share:
            if self.embedded_since is None:
                self.embedded_since = model.day
            if self.stage == "embedding" and model.day - self.embedded_since >= k.sustain_days:
                self.enter(model, "sustained")
        else:
            self.embedded_since = None
            if self.stage == "sustained":
                self.enter(model, "embedding")

    def monthly(self, model: QIModel, decision: str | None) -> None:
        if decision == "fizzled":
            self.enter(model, "fizzled")
        elif decision == "redesign":
            self.redesigns += 1
            self.enter(model, "redesign")
            self.design_progress = 0.0
            self.design_effort = model.constants.redesign_share * design_work(model)

    def relaunch(self, model: QIModel) -> None:
        """A redesign learns from the failure: the team involves staff more widely and keeps
        adapting in the roll-out (report §3 Initiativitis: the QI team could 'repossess it and
        redesign it in a way that worked'); launched wards restart with the new fit."""
        init, k = model.initiative, model.constants
        init.co_design = max(init.co_design, k.relaunch_co_design)
        init.pdsa_rollout = max(init.pdsa_rollout, k.relaunch_pdsa)
        self.momentum = k.relaunch_momentum
        live = np.flatnonzero(model.wards.active)
        if live.size:
            model.wards.fit[live] = np.maximum(
                model.wards.fit[live], adaptation.initial_fit(model, live)
            )
        self.enter(model, "rollout" if self.waves else "embedding")

    def halt(self, model: QIModel) -> None:
        self.enter(model, "halted")


def baseline(model: QIModel) -> None:
    if model.initiative.baseline_audit:
        audit.baseline_audit(model)
