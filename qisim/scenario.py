"""Scenario files: what a user edits. TOML, validated on load, overridable by dotted path.

A scenario describes a trust (culture, executives, wards and their staffing), one initiative
(design, messages, roll-out plan), its QI team, the competing initiatives and scheduled events. It
never sets a mechanism constant (those live in :mod:`qisim.constants`).

Errors are :class:`ScenarioError`: one paragraph naming the file, the dotted field path, the value
and what is allowed. The CLI prints it and exits with code 2.
"""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from qisim.constants import OUTCOME_BASE_RATES
from qisim.domain import LIFECYCLE, OUTCOMES, ROLES

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Role = Literal[
    "staff_nurse",
    "health_care_assistant",
    "junior_doctor",
    "consultant",
    "allied_health_professional",
    "agency_nurse",
]
assert set(Role.__args__) == set(ROLES)  # type: ignore[attr-defined]


class ScenarioError(Exception):
    """A scenario (or experiment, audit, plan) file that cannot be used, explained for a person."""


def close_names(name: str, known: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The known names spelt most like ``name``, best match first (difflib's score); names as
    close as each other in their natural order (``Medical 2`` before ``Medical 10``), where
    :func:`difflib.get_close_matches` would put them last first."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(name)
    scored = []
    for known_name in dict.fromkeys(known):
        matcher.set_seq1(known_name)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            if score >= cutoff:
                scored.append((-score, _natural(known_name), known_name))
    return [known_name for *_, known_name in sorted(scored)[:n]]


def _natural(name: str) -> list[tuple[int, int | str]]:
    """A sort key reading the numbers in a name as numbers."""
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p]


def did_you_mean(name: str, known: list[str] | set[str]) -> str:
    """' (did you mean 'Heron Ward'?)' for the nearest known names, or ''. A match ignoring case
    wins; then names that begin with the given word (``Heron`` for ``Heron Ward``); then close
    spellings."""
    known = sorted(set(known), key=_natural)
    key = name.lower().strip()
    hits = [k for k in known if k.lower() == key]
    hits = hits or [k for k in known if k.lower().split()[:1] == [key]]
    if not hits:
        lower = {k.lower(): k for k in known}
        hits = [lower[c] for c in close_names(key, lower)]
    return f" (did you mean {' or '.join(repr(h) for h in hits[:3])}?)" if hits else ""


def _takes_bool(annotation: Any) -> bool:
    """Whether a field's type admits true/false (bool itself, or a union or container of it)."""
    return annotation is bool or any(_takes_bool(a) for a in getattr(annotation, "__args__", ()))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_for_a_number(cls, value: Any, info: Any) -> Any:
        """true/false where a number or a name is expected is refused, not read as 1/0 (pydantic
        would turn `launch_deadline = true` into day 1)."""
        if isinstance(value, bool) and not _takes_bool(
            cls.model_fields[info.field_name].annotation
        ):
            raise ValueError(
                f"{str(value).lower()} is a yes/no value, but '{info.field_name}' takes a "
                "number or a name here"
            )
        return value


class Culture(Strict):
    """The seven features of the sound organisational base (report §3), each 0 (absent) to 1."""

    respectful_dialogue: Fraction = 0.5
    confronting_failure: Fraction = 0.5
    adducing_local_data: Fraction = 0.5
    collective_autonomy: Fraction = 0.5
    rewarding_suggestions: Fraction = 0.5
    extra_mile: Fraction = 0.5
    efficient_structures: Fraction = 0.5


class Executives(Strict):
    """The board members who set the tone and back (or ignore) initiatives."""

    ceo_tone: Fraction = 0.5
    director_of_nursing_backing: Fraction = 0.5
    medical_director_leadership: Fraction = 0.5


class Trust(Strict):
    name: str = "Trust"
    culture: Culture = Culture()
    executives: Executives = Executives()
    qi_training: Fraction = Field(0.5, description="QI training programme and release for it")
    mutual_mentoring: Fraction = Field(0.5, description="communities of practice among QI staff")
    initiative_push_rate: Annotated[float, Field(ge=0, le=24)] = Field(
        2.0, description="new top-down initiatives the executives launch per year"
    )
    initiative_log_review: bool = False
    log_review_weeks: Annotated[int, Field(ge=1, le=52)] = 8


class Manager(Strict):
    """A ward manager's SOFFT skills (style and tone, dedication, leading, shielding)."""

    enthusiasm: Fraction = 0.5
    role_modelling: Fraction = 0.5
    style_tone: Fraction = 0.5
    leadership: Fraction = 0.5
    shielding: Fraction = 0.5


PerThousand = Annotated[float, Field(ge=0.0, le=1000.0)]
RATE_UNIT = "per 1,000 occupied bed-days"


def _rate_text(outcome: str, words: str) -> str:
    default = f"{1000 * OUTCOME_BASE_RATES[outcome]:g}"
    return (
        f"{words}, 0-1000; empty: a ward takes its trust's, a trust {default} (qisim's assumption)"
    )


class OutcomeRates(Strict):
    """A trust's (or a ward's) own patient-outcome rates before any improvement, per 1,000
    occupied bed-days (a night emergency call rate per night on a ward of B beds is that rate x
    1000 / B). An empty rate falls back: a ward's to its trust's, the trust's to qisim's
    assumption (``qisim.constants.OUTCOME_BASE_RATES``: of the order seen in NHS acute wards;
    the report gives no rates). Only the initiative's outcome is simulated."""

    falls: PerThousand | None = Field(
        None, description=_rate_text("falls", "falls per 1,000 occupied bed-days")
    )
    pressure_sores: PerThousand | None = Field(
        None, description=_rate_text("pressure_sores", "pressure ulcers per 1,000 bed-days")
    )
    night_emergency_calls: PerThousand | None = Field(
        None,
        description=_rate_text("night_emergency_calls", "night emergency calls per 1,000 bed-days"),
    )
    discharge_delays: PerThousand | None = Field(
        None, description=_rate_text("discharge_delays", "delayed discharges per 1,000 bed-days")
    )
    source: str = Field("", description="where the rates come from, e.g. 'Datix, 2024-25'")


class Ward(Strict):
    name: str
    hospital: str = "main"
    specialty: str = "medicine"
    count: Annotated[int, Field(ge=1, le=200)] = 1
    beds: Annotated[int, Field(ge=4, le=80)] = 28
    establishment: Annotated[int, Field(ge=4, le=200)] = Field(
        30, description="funded nursing posts (staff nurses and HCAs)"
    )
    hca_share: Fraction = 0.35
    night_share: Fraction = 0.35
    rotating_share: Fraction = 0.2
    junior_doctors: Annotated[int, Field(ge=0, le=50)] = 4
    consultants: Annotated[int, Field(ge=0, le=30)] = 2
    allied_health_professionals: Annotated[int, Field(ge=0, le=30)] = 2
    vacancy: Fraction = 0.1
    sickness: Fraction = 0.05
    agency_fill: Fraction = 0.5
    turnover: Fraction = Field(
        0.12, description="share of the ward's permanent staff who leave and are replaced each year"
    )
    micro_culture: Fraction | None = Field(
        None,
        description="the ward's own culture; empty: the trust's, carried by the manager's style",
    )
    context_distance: Fraction = Field(
        0.3, description="how unlike the pilot/design context this ward is"
    )
    manager: Manager = Manager()
    outcome_rates: OutcomeRates = Field(
        OutcomeRates(), description="the ward's own outcome rates; empty: the trust's"
    )
    measured: list[str] = Field(
        [],
        description="the ward's fields measured locally (e.g. vacancy from a staffing sheet): "
        "an FFIT audit (`ffit`, `ffit_file`) never overwrites them",
    )


class Channels(Strict):
    """How the QI team communicates (report §3 Getting through)."""

    sessions: Fraction = Field(0.7, description="ward meetings, trolley dashes, coaching")
    night_sessions: Fraction = Field(0.1, description="share of sessions held on night shifts")
    written: Fraction = 0.5
    cascade_reliance: Fraction = 0.5


class Rollout(Strict):
    """The roll-out plan: when and how wards join (report §3 Timing, coordination and momentum;
    §5 Implications). docs/plan.md describes the strategies.

    ``strategy`` says how the target wards join: ``pilot_waves`` (the pilot wards for
    ``pilot_days``, then the others in waves of ``wave_size`` every ``wave_interval`` days, or,
    when not ``rigid``, once the live wards practise), ``big_bang`` (every target ward on launch
    day, no pilot) or ``readiness_paced`` (after any pilot, a ward joins a wave only once its own
    readiness passes ``readiness_threshold``). Any strategy may wait for a competing initiative
    to end (``defer_until``) and may be prepared for (``prepare_days``)."""

    start_day: Annotated[int, Field(ge=0)] = Field(
        0, description="planned launch day: the earliest day the first wards start"
    )
    pilot_wards: list[str] = []
    pilot_days: Annotated[int, Field(ge=0)] = 120
    wave_size: Annotated[int, Field(ge=1)] = 4
    wave_interval: Annotated[int, Field(ge=1)] = 60
    rigid: bool = True
    strategy: Literal["pilot_waves", "big_bang", "readiness_paced"] = "pilot_waves"
    pdsa_in_waves: bool = Field(
        True,
        description="PDSA goes on in the waves; false: the team stops it when the waves begin "
        "(Enhanced care, report §3 Using experience to modify the intervention)",
    )
    readiness_measure: Literal["ffit", "staffing"] = Field(
        "ffit",
        description="a ward's readiness (readiness_paced): 'ffit', the mean of its ward-level "
        "FFIT items (0-5) / 5; 'staffing', its nurses on duty / required over the last 4 weeks",
    )
    readiness_threshold: Fraction = 0.5
    readiness_max_wait: Annotated[int, Field(ge=0)] | None = Field(
        None,
        description="days after the roll-out begins when wards still not ready join anyway; "
        "empty: they wait",
    )
    launch_deadline: Annotated[int, Field(ge=0)] | None = Field(
        None,
        description="a fixed launch date: the day the first wards launch whatever the design's "
        "state; an unfinished design launches with its co-design and problem definition cut short "
        "in proportion (against Nurse-led discharge, 'Under no time pressure', report Table 3); "
        "empty: the launch waits for the design",
    )
    defer_until: str | None = Field(
        None, description="name of a competing initiative whose end the launch waits for"
    )
    defer_gap_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        0, description="days the launch waits after that initiative ends"
    )
    prepare_days: Annotated[int, Field(ge=0, le=730)] = Field(
        0,
        description="prepare first (report §5): days of a readiness audit and a SOFFT skills "
        "programme for the QI team and the target wards' managers before the design starts",
    )

    @model_validator(mode="after")
    def _deadline_after_preparing(self) -> Rollout:
        if self.launch_deadline is not None and self.launch_deadline < self.prepare_days:
            raise ValueError(
                f"launch_deadline (day {self.launch_deadline}) falls inside the prepare-first "
                f"programme (prepare_days = {self.prepare_days}), before the design even starts; "
                f"give a day after {self.prepare_days}, or no deadline"
            )
        return self


class Initiative(Strict):
    name: str = "Initiative"
    outcome: Literal["falls", "pressure_sores", "night_emergency_calls", "discharge_delays"] = (
        "falls"
    )
    target_wards: list[str] | Literal["all"] = "all"
    target_roles: list[Role] = ["staff_nurse", "health_care_assistant", "agency_nurse"]
    target_shifts: Literal["all", "day", "night"] = "all"
    staffing_sensitivity: Fraction = 0.5
    joint_practice: bool = Field(
        False, description="the practice needs the target professions together (e.g. a meeting)"
    )
    problem_clarity: Fraction = 0.6
    baseline_audit: bool = True
    origin: Literal["home_grown", "imported", "top_down"] = "imported"
    co_design: Fraction = 0.4
    leadership_clarity: Fraction = 0.7
    senior_backing: Fraction = 0.5
    tailoring: Fraction = Field(
        0.0,
        description="how far the pitch is tailored to each audience by stakeholder mapping (0: one "
        "message for all); raises uptake (report §3 Framing: Nurse-led discharge)",
    )
    inconsistent_motives: Fraction = Field(
        0.0,
        description="how far the motives given differ between audiences ('a way to save "
        "resources' to some, 'more staff' to others); breeds cynicism when the practice falters "
        "(report §3 Framing: Enhanced care)",
    )
    messenger: Literal["nurse", "consultant", "both"] = "nurse"
    pdsa_pilot: Fraction = 0.5
    pdsa_rollout: Fraction = 0.5
    adaptation_allowed: Fraction = 0.5
    fidelity_conflict: Fraction = 0.0
    design_days: Annotated[int, Field(ge=1, le=2000)] = 90
    channels: Channels = Channels()
    rollout: Rollout = Rollout()


class QITeam(Strict):
    """The QI team: its size over time and its technical and SOFFT skills."""

    size: Annotated[int, Field(ge=0, le=50)] = 3
    establishment: Annotated[int, Field(ge=1, le=50)] = 3
    profession: Literal["nursing", "medical", "allied"] = "nursing"
    time_share: Fraction = Field(
        1.0, description="share of the team's working time given to this initiative"
    )
    technical: Fraction = 0.5
    communication: Fraction = 0.5
    co_design_skill: Fraction = 0.5
    contextual_empathy: Fraction = 0.5
    judgement: Fraction = Field(0.5, description="knowing when to stop and when to persist")


class Competing(Strict):
    """Another initiative on the calendar, loading the wards it covers from ``start`` to ``end``
    (report §3 Avoiding and shielding staff from 'initiativitis')."""

    name: str
    start: Annotated[int, Field(ge=0)] = 0
    end: Annotated[int, Field(ge=1)] = 365
    wards: list[str] | Literal["all"] = "all"
    load: Annotated[float, Field(ge=0, le=5)] = 1.0
    roles: list[Role] | Literal["all"] = Field(
        "all",
        description="roles it asks things of; its load counts in proportion to the share of "
        "this initiative's target staff in those roles",
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> Competing:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


Scalar = bool | int | float | str


EventStage = Literal[
    "launch", "pilot", "rollout", "embedding", "sustained", "stalled", "fizzled", "halted",
    "redesign",
]  # fmt: skip
EVENT_STAGES: tuple[str, ...] = EventStage.__args__  # type: ignore[attr-defined]
# every lifecycle stage but design (the run starts in it: use day = 0), and the first launch
assert set(EVENT_STAGES) == (set(LIFECYCLE) - {"design"}) | {"launch"}
_STAGES_TEXT = ", ".join(repr(s) for s in EVENT_STAGES)


class Event(Strict):
    """A scheduled change to the scenario, on a fixed ``day`` or ``at`` a lifecycle stage.

    ``at`` fires once, when the initiative first enters that stage (``launch``: the first wards
    start, the pilot or the first wave), ``after_days`` later; a stage entered again (roll-out
    after a redesign) or never does not fire it. Exactly one of ``day`` and ``at`` is given.
    Events happen between days: a ``day`` event before that day's step, an ``at`` event after
    the step of the day the stage began (plus ``after_days``), so in effect from the next day;
    the event log records the last day stepped (``day`` - 1, or the stage's day + after_days)."""

    day: Annotated[int, Field(ge=0)] | None = Field(
        None, description="day the event happens (or give `at`)"
    )
    at: EventStage | None = Field(
        None, description="lifecycle stage whose first entry fires the event (or give `day`)"
    )
    after_days: Annotated[int, Field(ge=0, le=3650)] = Field(
        0, description="days after entering the stage `at` that the event fires"
    )
    set: dict[str, Scalar]
    note: str = ""

    @field_validator("at", mode="before")
    @classmethod
    def _known_stage(cls, value: Any) -> Any:
        if value == "design":
            raise ValueError(
                "an event cannot fire at 'design': the run starts in it (give day = 0); an "
                f"event can fire at {_STAGES_TEXT}"
            )
        if isinstance(value, str) and value not in EVENT_STAGES:
            raise ValueError(
                f"no lifecycle stage {value!r}{did_you_mean(value, EVENT_STAGES)}; an event can "
                f"fire at {_STAGES_TEXT}"
            )
        return value

    @model_validator(mode="after")
    def _day_or_stage(self) -> Event:
        if (self.day is None) == (self.at is None):
            raise ValueError(
                "an event happens on a day or at a lifecycle stage: give exactly one of day = "
                f"<day of the run> and at = <stage> ({_STAGES_TEXT}; optionally with after_days "
                f"= <days after the stage begins>); this one gives "
                + ("both" if self.at else "neither")
            )
        if self.day is not None and self.after_days:
            raise ValueError(
                f"after_days = {self.after_days} counts from the stage given by 'at', and this "
                f"event has day = {self.day} instead; add the days to 'day', or give at = <stage> "
                f"({_STAGES_TEXT})"
            )
        return self

    @model_serializer(mode="wrap")
    def _given_fields(self, handler: Any) -> dict[str, Any]:
        # a day event dumps as before (no at, after_days); a stage event without its empty day
        data = handler(self)
        for name in ("at", "after_days") if self.at is None else ("day",):
            data.pop(name, None)
        return data

    @field_validator("set", mode="before")
    @classmethod
    def _dotted(cls, value: Any) -> Any:
        # `set.initiative.co_design = 0.9` reaches here as nested tables: one field each
        if isinstance(value, dict):
            try:
                return flatten_overrides(value)
            except ScenarioError as exc:
                raise ValueError(str(exc)) from None
        return value


Month = Annotated[int, Field(ge=1, le=12)]
WINTER_NOTE = "winter peak"  # notes of the events a winter peak adds (see Staffing)
MONTH_DAYS = 365 / 12


class Staffing(Strict):
    """Seasonal staffing pressure: the calendar month of day 0 and a winter peak of sickness
    absence, added to every ward's own from ``winter_from`` until ``winter_to`` each year. The
    peak becomes scheduled events (noted "winter peak ...") when the scenario is loaded. A
    what-if staffing level is an override of the wards (e.g. ``wards.*.vacancy = 0.25``)."""

    start_month: Month = Field(4, description="calendar month of day 0 (1 January .. 12 December)")
    winter_sickness: Annotated[float, Field(ge=0, le=0.5)] = Field(
        0.0, description="extra share of shifts lost to sickness in winter; 0: no winter peak"
    )
    winter_from: Month = Field(12, description="first month of the winter peak")
    winter_to: Month = Field(3, description="first month after the winter peak")

    @model_validator(mode="after")
    def _winter_has_months(self) -> Staffing:
        if self.winter_from == self.winter_to:
            raise ValueError(
                f"winter_from and winter_to are both {self.winter_from}: the winter peak needs "
                "at least one month (winter_to is the first month after it)"
            )
        return self


def month_start_day(month: int, start_month: int, year: int) -> int:
    """Day (from day 0) on which calendar ``month`` begins in the run's ``year`` (0, 1, ...)."""
    return round(((month - start_month) % 12 + 12 * year) * MONTH_DAYS)


def winter_events(scenario: Scenario) -> list[Event]:
    """The events of the scenario's winter peak: each winter, every ward's sickness rises by
    ``staffing.winter_sickness`` and falls back when it ends."""
    st = scenario.staffing
    if st.winter_sickness <= 0:
        return []
    base = {i: w.sickness for i, w in enumerate(scenario.wards)}
    peak = {i: min(1.0, round(s + st.winter_sickness, 6)) for i, s in base.items()}
    span = (st.winter_to - st.winter_from) % 12
    events = []
    for year in range(-1, scenario.days // 365 + 2):
        first = (st.winter_from - st.start_month) % 12 + 12 * year  # months from day 0
        start, end = round(first * MONTH_DAYS), round((first + span) * MONTH_DAYS)
        if end <= 0 or start >= scenario.days:
            continue
        events.append(
            Event(
                day=max(start, 0),
                set={f"wards.{i}.sickness": v for i, v in peak.items()},
                note=f"{WINTER_NOTE} begins (sickness +{st.winter_sickness:g})",
            )
        )
        if end < scenario.days:
            events.append(
                Event(
                    day=end,
                    set={f"wards.{i}.sickness": v for i, v in base.items()},
                    note=f"{WINTER_NOTE} ends",
                )
            )
    return events


class Scenario(Strict):
    name: str = "scenario"
    description: str = ""
    days: Annotated[int, Field(ge=1, le=3650)] = 730
    trust: Trust = Trust()
    wards: list[Ward] = Field(min_length=1)
    initiative: Initiative = Initiative()
    qi_team: QITeam = QITeam()
    competing: list[Competing] = []
    events: list[Event] = []
    staffing: Staffing = Staffing()
    ffit: dict[str, int] | None = Field(
        None, description="FFIT audit scores of the target wards (set by `ffit` or `ffit_file`)"
    )
    outcome_rates: OutcomeRates = Field(
        OutcomeRates(), description="the trust's own outcome rates; empty: qisim's assumption"
    )

    @model_validator(mode="after")
    def _ward_names_unique(self) -> Scenario:
        seen: dict[str, str] = {}
        for w in self.wards:
            names = (
                [w.name]
                if w.count == 1
                else [w.name] + [f"{w.name} {k + 1}" for k in range(w.count)]
            )
            for name in names:
                if name in seen:
                    raise ValueError(
                        f"wards: two wards are called {name!r} ({seen[name]} and "
                        f"{'the ward' if w.count == 1 else 'the group'} {w.name!r}); give every ward (and every ward group with a count) its "
                        "own name, so that pilots, overrides and tables can tell them apart"
                    )
                seen[name] = f"the ward {w.name!r}" if w.count == 1 else f"the group {w.name!r}"
        return self

    @model_validator(mode="after")
    def _names_exist(self) -> Scenario:
        names = (
            set(ward_names(self)) | {w.hospital for w in self.wards} | {w.name for w in self.wards}
        )
        refs: list[tuple[str, list[str] | str]] = [
            ("initiative.target_wards", self.initiative.target_wards),
            ("initiative.rollout.pilot_wards", self.initiative.rollout.pilot_wards),
        ] + [(f"competing.{i}.wards", c.wards) for i, c in enumerate(self.competing)]
        for path, value in refs:
            if value == "all":
                continue
            for name in value:
                if name not in names:
                    raise ValueError(
                        f"{path}: no ward or hospital called {name!r}{did_you_mean(name, names)}; "
                        "known: " + ", ".join(sorted(names))
                    )
        return self

    @model_validator(mode="after")
    def _deferral_names_competing(self) -> Scenario:
        name = self.initiative.rollout.defer_until
        known = [c.name for c in self.competing]
        if name is not None and name not in known:
            raise ValueError(
                f"initiative.rollout.defer_until: no competing initiative called {name!r}"
                f"{did_you_mean(name, known)}; "
                + (
                    "known: " + ", ".join(repr(k) for k in known)
                    if known
                    else "the scenario has none"
                )
                + " (add it to [[competing]])"
            )
        return self

    @model_validator(mode="after")
    def _winter_peak_events(self) -> Scenario:
        # regenerated on every validation, so a copy with other wards or days stays in step
        kept = [e for e in self.events if not e.note.startswith(WINTER_NOTE)]
        self.events[:] = kept + winter_events(self)
        return self


def outcome_base_rate(scenario: Scenario, ward: Ward) -> tuple[float, str]:
    """The initiative's outcome rate on ``ward`` before any improvement, in events per occupied
    bed-day, and where it comes from (the ward's own rate, the trust's, or qisim's assumption)."""
    outcome = scenario.initiative.outcome
    for rates, whose in (
        (ward.outcome_rates, "ward"),
        (scenario.outcome_rates, "trust"),
    ):
        value = getattr(rates, outcome)
        if value is not None:
            src = f"the {whose}'s own rate" + (f" ({rates.source})" if rates.source else "")
            return value / 1000, src
    return OUTCOME_BASE_RATES[outcome], (
        "qisim's assumption (qisim.constants.OUTCOME_BASE_RATES, of the order seen in NHS acute "
        "wards; the report gives no rates)"
    )


def ward_names(scenario: Scenario) -> list[str]:
    """Names of every ward, expanding ``count`` (``Medical`` x3 -> ``Medical 1..3``)."""
    out = []
    for w in scenario.wards:
        if w.count == 1:
            out.append(w.name)
        else:
            out.extend(f"{w.name} {k + 1}" for k in range(w.count))
    return out


# ---------------------------------------------------------------------------------------------
# Loading, overrides and errors


def _deep_merge(base: dict, top: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc}).") from None


def _resolve_base(path: Path, data: dict, seen: tuple[Path, ...] = ()) -> dict:
    """A scenario may name a ``base`` file (e.g. a trust file) that it extends: its tables merge
    field by field into the base's, its lists replace the base's. ``[[wards]]`` (a list) is the
    file's own set of wards; ``[wards."Medical 1"]`` (a table of ward names) changes those wards
    of the base and keeps the rest (:func:`change_wards`)."""
    base = data.pop("base", None)
    changes = data.pop("wards") if isinstance(data.get("wards"), dict) else None
    if base is None:
        if changes is not None:
            first = next(iter(changes), "")
            raise ScenarioError(
                f'{path}: [wards."{first}"] changes a ward of a base file, but this file names '
                'no base; add base = "<the file it changes>", or give the wards as [[wards]] '
                "entries."
            )
        return data
    if not isinstance(base, str):
        raise ScenarioError(f"{path}: field 'base' must be a path string, got {base!r}.")
    base_path = (path.parent / base).resolve()
    if base_path in seen:
        raise ScenarioError(f"{path}: 'base' files include each other ({base_path}).")
    base_data = _resolve_base(base_path, read_toml(base_path), (*seen, base_path))
    merged = _deep_merge(base_data, data)
    if changes is not None:
        change_wards(merged, changes, f"{path} (base {base})")
    return merged


def change_wards(data: dict, changes: dict[str, Any], source: str) -> None:
    """Change wards of a raw scenario by name, in place: ``{"Medical 1": {"vacancy": 0.3}}``.

    A name is a ``[[wards]]`` entry's (a whole group, with its ``count``) or one ward of a group
    (``Medical 1`` of ``Medical`` x4); the group is then written out one entry per ward (names,
    order and every reference kept, so the run is the same) and that ward alone changes. Fields
    merge as in a base file: a table (``manager``) field by field, anything else replaced.
    """
    wards = data.get("wards")
    if not isinstance(wards, list):
        raise ScenarioError(
            f'{source}: the base file has no [[wards]] for [wards."..."] to change.'
        )
    for name, change in changes.items():
        head = f'{source}: [wards."{name}"]'
        if not isinstance(change, dict):
            raise ScenarioError(
                f"{head} = {short_repr(change)} must be a table of the ward's fields to change, "
                f'e.g. [wards."{name}"] with vacancy = 0.2 on the next line.'
            )
        if "name" in change:
            raise ScenarioError(
                f"{head}: name = {short_repr(change['name'])} cannot rename a ward of the base "
                "(pilots, targets and events refer to it by name); change its other fields."
            )
        index = _ward_entry(wards, name)
        if index is None:
            group = next((i for i, w in enumerate(wards) if name in _members(w)), None)
            if group is None:
                known = [n for w in wards for n in _members(w) or [w.get("name")]]
                groups = [w["name"] for w in wards if _members(w)]
                raise ScenarioError(
                    f"{head} names no ward of the base{did_you_mean(name, known)}; its wards: "
                    + ", ".join(repr(n) for n in known)
                    + (
                        f" (a group with a count, such as {groups[0]!r}, also by its own name)"
                        if groups
                        else ""
                    )
                    + "."
                )
            if "count" in change:
                raise ScenarioError(
                    f"{head}: count = {short_repr(change['count'])} cannot be set for one ward of "
                    f"the group {wards[group]['name']!r}; change the group's count with "
                    f'[wards."{wards[group]["name"]}"].'
                )
            split_ward_group(data, group)
            wards = data["wards"]
            index = _ward_entry(wards, name)
        wards[index] = _deep_merge(wards[index], change)


def _ward_entry(wards: list, name: str) -> int | None:
    return next((i for i, w in enumerate(wards) if w.get("name") == name), None)


def _members(entry: dict) -> list[str]:
    """The ward names of a raw ``[[wards]]`` entry with ``count`` > 1 (else none)."""
    count = entry.get("count", 1)
    if not isinstance(count, int) or count <= 1:
        return []
    return [f"{entry.get('name')} {k + 1}" for k in range(count)]


def split_ward_group(data: dict, index: int) -> None:
    """Write the raw ``[[wards]]`` entry at ``index`` (a group with ``count`` > 1) out as one
    entry per ward, in place. Names and order stay, so the model built is the same; references
    to the group (target and pilot wards, competing initiatives, events) become its wards."""
    group = data["wards"][index]
    members = _members(group)
    data["wards"][index : index + 1] = [
        {**copy.deepcopy(group), "name": name, "count": 1} for name in members
    ]

    def expand(names: Any) -> Any:
        if not isinstance(names, list):
            return names  # "all", or a mistake validation will name
        return [m for n in names for m in (members if n == group["name"] else [n])]

    initiative = data.get("initiative", {})
    if "target_wards" in initiative:
        initiative["target_wards"] = expand(initiative["target_wards"])
    rollout = initiative.get("rollout", {})
    if "pilot_wards" in rollout:
        rollout["pilot_wards"] = expand(rollout["pilot_wards"])
    for competing in data.get("competing", []):
        if "wards" in competing:
            competing["wards"] = expand(competing["wards"])
    prefix = f"wards.{group['name']}."
    for event in data.get("events", []):
        if not isinstance(event.get("set"), dict):
            continue
        changes: dict[str, Any] = {}
        for path, value in flatten_overrides(event["set"]).items():
            if path.startswith(prefix):
                changes.update({f"wards.{m}.{path[len(prefix) :]}": value for m in members})
            else:
                changes[path] = value
        event["set"] = changes


def parse_value(text: str) -> Any:
    """Parse a ``--set`` value the way TOML would; bare words stay strings, except ``none`` (or
    ``null``), which is None: the setting is removed, back to its default."""
    if text.strip().lower() in ("none", "null"):
        return None
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def toml_key(parts: list[str]) -> str:
    """A key as TOML shows it: parts joined by dots, each quoted if it holds a dot or space."""
    return ".".join(f'"{p}"' if any(c in p for c in ". *") else p for p in parts)


def flatten_overrides(table: dict[str, Any], source: str = "", where: str = "") -> dict[str, Any]:
    """A table of overrides as ``{dotted.path: value}``.

    TOML reads a bare dotted key (``initiative.co_design = 0.9``) as nested tables
    (``{"initiative": {"co_design": 0.9}}``); here it becomes the path it spells, so it sets that
    one field and the rest of the scenario's table stays. Lists (``competing = [...]``) and empty
    tables stay whole values. The same path given twice, in two spellings (a quoted
    ``"qi_team.technical"`` and a bare ``qi_team.technical``), raises :class:`ScenarioError`
    naming both, instead of one silently winning.

    Args:
        table: the overrides as read (keys dotted, nested or both).
        source: file (or option) named in the error.
        where: the table's name in that file, e.g. ``"[set]"``.
    """
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}

    def walk(node: dict, prefix: list[str], shown: list[str]) -> None:
        for key, value in node.items():
            key = str(key)
            parts, names = [*prefix, *key.split(".")], [*shown, key]
            if isinstance(value, dict) and value:
                walk(value, parts, names)
                continue
            path = ".".join(parts)
            spelling = toml_key(names)
            if path in out:
                head = f"{source}: " if source else ""
                raise ScenarioError(
                    f"{head}{where + ': ' if where else ''}'{path}' is given twice, as "
                    f"{spelled[path]} = {out[path]!r} and as {spelling} = {value!r}; "
                    "keep one of them."
                )
            out[path], spelled[path] = value, spelling

    walk(table, [], [])
    return out


def set_path(data: dict, path: str, value: Any, source: str = "override") -> list[str]:
    """Set ``value`` at a dotted ``path`` in a raw scenario dict; returns the concrete paths set
    (list elements by index).

    List elements are addressed by index (``wards.0.vacancy``) or by name
    (``wards.Ward A.vacancy``); ``*`` addresses every element (``wards.*.vacancy``). A table
    value merges field by field into the table already there (``initiative = {co_design =
    0.9}`` changes co_design only); it never replaces the whole table. ``None`` removes the
    setting, so the field takes its default (``--set initiative.rollout.launch_deadline=none``).
    """
    parts = path.split(".")
    return _set(data, parts, value, path, source, [])


def _set(
    node: Any, parts: list[str], value: Any, path: str, source: str, at: list[str]
) -> list[str]:
    key, rest = parts[0], parts[1:]
    if isinstance(node, list):
        if key == "*":
            targets = list(enumerate(node))
        elif key.isdigit() and int(key) < len(node):
            targets = [(int(key), node[int(key)])]
        else:
            targets = [
                (i, e) for i, e in enumerate(node) if isinstance(e, dict) and e.get("name") == key
            ]
        if not targets:
            names = [
                e["name"] for e in node if isinstance(e, dict) and isinstance(e.get("name"), str)
            ]
            known = f"; known: {', '.join(repr(n) for n in names)}" if names else ""
            raise ScenarioError(
                f"{source}: '{path}' names no element {key!r}{did_you_mean(key, names)}{known} "
                "(use a name, an index or '*')."
            )
        if not rest:
            raise ScenarioError(f"{source}: '{path}' must name a field inside the element.")
        done: list[str] = []
        for i, t in targets:
            done += _set(t, rest, value, path, source, [*at, str(i)])
        return done
    if not isinstance(node, dict):
        raise ScenarioError(
            f"{source}: '{path}' goes inside {short_repr(node)}, which has no fields."
        )
    if not rest:
        if value is None:  # 'none': remove the setting, so the field takes its default
            node.pop(key, None)
            return [".".join([*at, key])]
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            node[key] = _deep_merge(node[key], value)
            return [".".join([*at, key, k]) for k in flatten_overrides(value)]
        node[key] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value
        return [".".join([*at, key])]
    if node.get(key) is None:  # absent or empty (e.g. no FFIT audit yet): a new table
        node[key] = {}
    return _set(node[key], rest, value, path, source, [*at, key])


def apply_overrides(data: dict, overrides: dict[str, Any], source: str = "override") -> None:
    """Apply one table of ``{dotted.path: value}`` overrides to a raw scenario dict, in order.

    Nested tables are flattened first (:func:`flatten_overrides`). Two keys that name the same
    field in different spellings (``wards.0.vacancy`` and ``wards.Ward A.vacancy``) raise
    :class:`ScenarioError`; a wildcard (``wards.*.vacancy``) followed by one element's own value
    is an ordinary refinement and allowed.
    """
    flat = flatten_overrides(overrides, source)
    by_field: dict[str, str] = {}
    for key, value in flat.items():
        for concrete in set_path(data, key, value, f"{source} (override {key})"):
            first = by_field.get(concrete)
            if first is not None and first != key and "*" not in first and "*" not in key:
                raise ScenarioError(
                    f"{source}: '{first}' and '{key}' both set the field "
                    f"'{named_path(concrete, data)}'; give it once."
                )
            by_field[concrete] = key


MAX_SHOWN = 80  # characters of a value an error message shows


def short_repr(value: Any) -> str:
    """A value for an error message: whole if short, else cut (a table is never printed whole)."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 5] + " ...)"


def _named_loc(loc: tuple, data: Any) -> str:
    """A dotted error location with list elements by name where they have one (``wards.Heron
    Ward.vacancy``, the form ``--set`` accepts), by index otherwise."""
    parts, node = [], data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            node = node[part]
            name = node.get("name") if isinstance(node, dict) else None
            parts.append(name if isinstance(name, str) and name else str(part))
        else:
            node = node.get(part) if isinstance(node, dict) else None
            parts.append(str(part))
    return ".".join(parts)


def named_path(path: str, data: Any) -> str:
    """A concrete dotted path (``wards.0.vacancy``, as :func:`set_path` returns) with list
    elements by name where they have one (``wards.Heron Ward.vacancy``), for error messages."""
    return _named_loc(tuple(int(p) if p.isdigit() else p for p in path.split(".")), data)


def _looks_like_percent(err: dict, value: Any) -> bool:
    """A share (0-1) given as a percentage, e.g. vacancy = 14."""
    limit = (err.get("ctx") or {}).get("le")
    return (
        err["type"] == "less_than_equal"
        and limit == 1
        and isinstance(value, int | float)
        and 1 < value <= 100
    )


# Fields that earlier versions accepted, and what replaces them (a plain message, not "unknown").
RETIRED = {
    "framing": "it was split in two (report §3 Framing the message correctly): "
    "'initiative.tailoring' (0-1: how far the pitch is tailored to each audience) and "
    "'initiative.inconsistent_motives' (0-1: how far the motives given differ between audiences, "
    "as in Enhanced care's mixed messages). For framing = 'tailored' write tailoring = 0.8, and "
    "inconsistent_motives = 0.8 only if different audiences heard different motives (else 0); "
    "for framing = 'single' leave both out (0)",
}


def _explain(
    exc: ValidationError,
    source: str,
    data: dict,
    root: type[BaseModel] | None = None,
    what: str = "scenario",
) -> str:
    """One paragraph for a validation error: each field by its dotted name, the value, what is
    allowed. ``root`` and ``what`` name the file's model when it is not a scenario (a lesson)."""
    lines = []
    for err in exc.errors():
        loc = _named_loc(err["loc"], data)
        kind = err["type"]
        value = err.get("input")
        if kind == "extra_forbidden" and str(err["loc"][-1]) in RETIRED:
            msg = f"'{loc}' = {short_repr(value)} is no longer a field: {RETIRED[str(err['loc'][-1])]}"
        elif kind == "extra_forbidden":
            parent = _allowed_fields(err["loc"][:-1], data, root or Scenario)
            msg = f"'{loc}' is not a known field{did_you_mean(str(err['loc'][-1]), parent)}" + (
                f"; allowed here: {', '.join(parent)}" if parent else ""
            )
        elif kind == "missing":
            meaning = _field_description(err["loc"], root or Scenario)
            msg = f"'{loc}' is required but missing" + (f" ({meaning})" if meaning else "")
        elif kind == "value_error" or isinstance(value, (dict, list)):
            # a cross-field check (ward names, deferral, winter months) names its fields itself;
            # its input is a whole table (the scenario, some 4 KB), which would bury the message
            msg = err["msg"].removeprefix("Value error, ")
            msg = f"'{loc}': {msg}" if loc and not msg.startswith(loc) else msg
        else:
            msg = f"'{loc}' = {short_repr(value)} is not allowed: {err['msg']}"
            if _looks_like_percent(err, value):  # 1.5 is more likely a slip than 1.5%
                as_percent = f": {value:g}% is {value / 100:g}" if value >= 2 else ""
                msg += f" (a share from 0 to 1{as_percent})"
        lines.append(msg)
    return f"{source}: invalid {what}. " + "; ".join(lines) + "."


def _field(model: Any, part: Any) -> Any:
    """A model's field by its name or its alias (``try`` for ``try_``), or None."""
    fields = getattr(model, "model_fields", {})
    return fields.get(part) or next((f for f in fields.values() if f.alias == part), None)


def _model_at(loc: tuple, root: type[BaseModel]) -> Any:
    """The model a validation error's location (without its last part) points into, or None."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        fld = _field(model, part)
        if fld is None:
            return None
        ann = fld.annotation
        args = getattr(ann, "__args__", ())
        model = next(
            (a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None
        )
        if model is None:
            return None
    return model


def _allowed_fields(loc: tuple, data: dict, root: type[BaseModel]) -> list[str]:
    fields = getattr(_model_at(loc, root), "model_fields", {})
    return sorted(f.alias or name for name, f in fields.items())


def _field_description(loc: tuple, root: type[BaseModel]) -> str:
    """What a field is, from its ``description`` (``title``: the name shown in the lesson list)."""
    fld = _field(_model_at(loc[:-1], root), loc[-1]) if loc else None
    return (fld.description or "") if fld is not None else ""


def validate(data: dict, source: str = "scenario") -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_explain(exc, source, data)) from None
    # Scheduled events must name fields that can change mid-run, with allowed values: apply
    # each to a copy and validate it.
    for i, ev in enumerate(scenario.events):
        if ev.note.startswith(WINTER_NOTE):
            continue  # made by the scenario's winter peak, valid by construction
        trial = copy.deepcopy(data)
        for path, value in ev.set.items():
            if not event_path_allowed(path):
                raise ScenarioError(
                    f"{source}: events.{i}.set: '{path}' cannot change mid-run. Events may set "
                    "trust.*, qi_team.*, initiative.* (not target_*, outcome, name, rollout.*) "
                    "and wards.<name|index|*>.{" + ", ".join(MUTABLE_WARD_FIELDS) + "}."
                )
            set_path(trial, path, value, f"{source}: events.{i}.set")
        trial["events"] = []
        try:
            Scenario.model_validate(trial)
        except ValidationError as exc:
            raise ScenarioError(_explain(exc, f"{source}: events.{i}", trial)) from None
    return scenario


MUTABLE_WARD_FIELDS = (
    "sickness",
    "agency_fill",
    "turnover",
    "micro_culture",
    "context_distance",
    "manager",
)
FROZEN_INITIATIVE_FIELDS = (
    "target_wards",
    "target_roles",
    "target_shifts",
    "outcome",
    "name",
    "rollout",
)


def event_path_allowed(path: str) -> bool:
    """Whether a scheduled event may set this dotted path (staffing establishment, ward lists
    and the roll-out plan are fixed when the model is built)."""
    parts = path.split(".")
    if parts[0] in ("trust", "qi_team"):
        return len(parts) > 1
    if parts[0] == "initiative":
        return len(parts) > 1 and parts[1] not in FROZEN_INITIATIVE_FIELDS
    if parts[0] == "wards":
        return len(parts) > 2 and parts[2] in MUTABLE_WARD_FIELDS
    return False


def _apply_ffit(path: Path, data: dict) -> dict:
    """A scenario may give an FFIT audit of its target wards, inline (``[ffit]`` item = score)
    or as a file (``ffit_file``); its scores set the attributes it maps to (docs/ffit-mapping.md),
    on top of the file's own values, except a ward's ``measured`` fields (measured data wins)."""
    audit_file = data.pop("ffit_file", None)
    if audit_file is None and not isinstance(data.get("ffit"), dict):
        return data
    from qisim.ffit_audits import check_scores, read_audit
    from qisim.ffit_items import audit_to_overrides

    if audit_file is not None:
        scores = read_audit(path.parent / audit_file)
    else:
        scores = check_scores(data["ffit"], f"{path}: ffit")
    for key, value in audit_to_overrides(scores).items():
        ward_field = key.removeprefix("wards.*.")
        if ward_field != key and isinstance(data.get("wards"), list):
            # measured data wins: a ward's `measured` fields keep their values
            for i, ward in enumerate(data["wards"]):
                if ward_field not in ward.get("measured", []):
                    set_path(data, f"wards.{i}.{ward_field}", value, f"{path}: ffit")
        else:
            set_path(data, key, value, f"{path}: ffit")
    data["ffit"] = dict(scores)
    return data


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file, applying ``{dotted.path: value}`` overrides."""
    path = Path(path)
    data = _resolve_base(path.resolve(), read_toml(path))
    data.pop("base", None)
    data = _apply_ffit(path, data)
    parsed = {k: parse_value(v) if isinstance(v, str) else v for k, v in (overrides or {}).items()}
    apply_overrides(data, parsed, str(path))
    return validate(data, str(path))


def scenario_from_dict(data: dict, overrides: dict[str, Any] | None = None) -> Scenario:
    """Validate a raw scenario dict after applying ``{dotted.path: value}`` overrides (see
    :func:`apply_overrides`)."""
    data = copy.deepcopy(data)
    apply_overrides(data, overrides or {})
    return validate(data)


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with dotted-path overrides applied and validated."""
    return scenario_from_dict(scenario.model_dump(), overrides)


__all__ = [
    "OUTCOMES",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "scenario_from_dict",
    "with_overrides",
    "ward_names",
]
