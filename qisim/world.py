"""The world: wards and their staff as arrays (struct of arrays), built from a scenario.

One row per member of staff in :class:`StaffArrays`, one row per ward in :class:`WardArrays`. The
mechanisms read and write these arrays for all agents of a kind at once; the Mesa agents in
:mod:`qisim.agents` are views of single rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from qisim.constants import DEFAULT_CONSTANTS, Constants
from qisim.domain import NURSING_ROLES, ROLE_TRIBE, ROLES, SHIFTS, TRIBES
from qisim.scenario import Scenario, outcome_base_rate
from qisim.streams import RandomStreams, member_slots, name_slots

ROLE = {r: i for i, r in enumerate(ROLES)}
TRIBE = {t: i for i, t in enumerate(TRIBES)}
SHIFT = {s: i for i, s in enumerate(SHIFTS)}
DAY, NIGHT = 0, 1  # shift of work on a given day (rotating staff alternate weekly)
# Structural constants (array shapes and the calendar), named once for the mechanisms
N_SHIFTS = len((DAY, NIGHT))  # the shifts one works on a given day
N_TRIBES = len(TRIBE)  # nursing, medical, allied
DAYS_PER_WEEK = 7
ROTA_DAYS = 2 * DAYS_PER_WEEK  # the rota repeats every two weeks (StaffArrays.build_rota)


def group_mean(key: np.ndarray, values: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1, the mean of ``values`` over the members selected by ``mask`` whose
    ``key`` is that group (0 for a group with none); ``key``, ``values`` and ``mask`` are
    per-person arrays of one length. E.g. each ward's mean ownership of its target staff."""
    return _group_mean(key, values, mask, n)


@numba.njit(cache=True)
def _group_mean(key, values, mask, n):
    # Each group's sum in the members' order, as numpy's bincount adds them (so the means are
    # bincount's to the bit), held in a register while the key repeats (staff are stored ward
    # by ward).
    sums = np.zeros(n)
    counts = np.zeros(n, dtype=np.int64)
    group, total, count = 0, 0.0, 0
    for i in range(key.size):
        if key[i] != group:
            sums[group], counts[group] = total, count
            group = key[i]
            total, count = sums[group], counts[group]
        if mask[i]:
            total += values[i]
            count += 1
    if key.size:
        sums[group], counts[group] = total, count
    return sums / np.maximum(counts, 1)


@dataclass
class StaffArrays:
    slot: np.ndarray  # uint64: this person's slot in every random stream (qisim.streams)
    ward: np.ndarray
    role: np.ndarray
    tribe: np.ndarray
    shift: np.ndarray
    agency: np.ndarray
    rota_offset: np.ndarray
    rotation_offset: np.ndarray
    rotating: np.ndarray  # alternates day and night weeks
    fixed_shift: np.ndarray  # DAY or NIGHT for those who do not rotate
    target: np.ndarray  # is this person expected to adopt the change?
    nursing: np.ndarray  # counts toward the ward's nursing establishment
    # state toward the initiative
    understanding: np.ndarray
    ownership: np.ndarray
    habit: np.ndarray
    cynicism: np.ndarray
    # working conditions and skills
    fatigue: np.ndarray
    qi_skill: np.ndarray
    # today's roster
    on_duty: np.ndarray = field(default=None)  # type: ignore[assignment]
    working_shift: np.ndarray = field(default=None)  # type: ignore[assignment]

    @property
    def n(self) -> int:
        return len(self.ward)

    def build_rota(self) -> None:
        """The rota repeats every ``ROTA_DAYS`` (14) days (4 shifts in 7; rotating staff
        alternate weeks), so who works which shift is tabulated once for days 0-13."""
        days = np.arange(ROTA_DAYS)[:, None]
        self.rota_works = ((days + self.rota_offset) % DAYS_PER_WEEK) < 4
        rotating_shift = ((days + self.rotation_offset) // DAYS_PER_WEEK) % N_SHIFTS
        self.rota_shift = np.where(self.rotating, rotating_shift, self.fixed_shift).astype(np.int8)


@dataclass
class WardArrays:
    names: list[str]
    slot: np.ndarray  # uint64: the ward's slot in every random stream, from its name
    hospital: np.ndarray
    hospital_names: list[str]
    specialty: list[str]
    beds: np.ndarray
    outcome_base_rate: np.ndarray  # the outcome's events per occupied bed-day before improvement
    required: np.ndarray  # (W, 2) nurses expected on duty per shift at full establishment
    sickness: np.ndarray
    agency_fill: np.ndarray
    turnover: np.ndarray
    vacancy: np.ndarray
    micro_culture: np.ndarray
    context_distance: np.ndarray
    manager_enthusiasm: np.ndarray
    manager_role_modelling: np.ndarray
    manager_style_tone: np.ndarray
    manager_leadership: np.ndarray
    manager_shielding: np.ndarray
    target: np.ndarray
    pilot: np.ndarray
    # initiative state per ward
    active: np.ndarray
    launch_day: np.ndarray
    fit: np.ndarray
    embedded: np.ndarray
    load: np.ndarray
    staffing: np.ndarray  # (W, 2) today's ratio on duty / required
    feasibility: np.ndarray  # (W, 2) share of the practice today's staffing allows
    practice: np.ndarray  # today's realised practice among on-duty target staff
    outcome_events: np.ndarray  # patient-outcome events today
    outcome_month: np.ndarray  # events since the last audit
    baseline_rate: np.ndarray  # audited rate before launch (nan if none)

    @property
    def n(self) -> int:
        return len(self.names)


def expand_wards(scenario: Scenario) -> list[tuple[str, object, str]]:
    """(ward name, Ward spec, group name) for every ward, expanding ``count``."""
    out = []
    for w in scenario.wards:
        if w.count == 1:
            out.append((w.name, w, w.name))
        else:
            out.extend((f"{w.name} {k + 1}", w, w.name) for k in range(w.count))
    return out


def resolve_names(selection: list[str] | str, wards: list[tuple[str, object, str]]) -> np.ndarray:
    """Mask of wards selected by ward, group or hospital names (or ``"all"``)."""
    if selection == "all":
        return np.ones(len(wards), dtype=bool)
    chosen = set(selection)
    return np.array(
        [
            name in chosen or group in chosen or spec.hospital in chosen
            for name, spec, group in wards
        ],  # type: ignore[attr-defined]
        dtype=bool,
    )


def build_wards(
    scenario: Scenario, trust_culture: float, constants: Constants = DEFAULT_CONSTANTS
) -> WardArrays:
    """The wards as arrays. ``trust_culture``: the trust's climate (0-1, see
    :func:`qisim.mechanisms.culture.climate`), from which a ward's micro-culture defaults."""
    wards = expand_wards(scenario)
    n = len(wards)
    hospitals: list[str] = []
    for _, spec, _ in wards:
        if spec.hospital not in hospitals:  # type: ignore[attr-defined]
            hospitals.append(spec.hospital)  # type: ignore[attr-defined]

    def col(getter) -> np.ndarray:
        return np.array([getter(spec) for _, spec, _ in wards], dtype=float)

    required = np.zeros((n, 2))
    for i, (_, spec, _) in enumerate(wards):
        night = spec.night_share + spec.rotating_share / 2  # type: ignore[attr-defined]
        # a post works 4 shifts in 7 (see staffing.roster)
        required[i, DAY] = spec.establishment * (1 - night) * 4 / 7  # type: ignore[attr-defined]
        required[i, NIGHT] = spec.establishment * night * 4 / 7  # type: ignore[attr-defined]
    target = resolve_names(scenario.initiative.target_wards, wards)
    pilot = resolve_names(scenario.initiative.rollout.pilot_wards, wards) & target
    # unless the scenario says otherwise, a ward's micro-culture is the trust's as its manager's
    # style and tone carries it to the ward (report §3 Leading: disparities "were due to the
    # management style and tone adopted by front-line managers")
    micro = col(
        lambda s: (
            (1 - constants.manager_tone_weight) * trust_culture
            + constants.manager_tone_weight * s.manager.style_tone
            if s.micro_culture is None
            else s.micro_culture
        )
    )
    zeros = np.zeros(n)
    names = [name for name, _, _ in wards]
    return WardArrays(
        names=names,
        slot=name_slots("ward", names),
        hospital=np.array([hospitals.index(s.hospital) for _, s, _ in wards]),  # type: ignore[attr-defined]
        hospital_names=hospitals,
        specialty=[s.specialty for _, s, _ in wards],  # type: ignore[attr-defined]
        beds=col(lambda s: s.beds),
        outcome_base_rate=col(lambda s: outcome_base_rate(scenario, s)[0]),
        required=required,
        sickness=col(lambda s: s.sickness),
        agency_fill=col(lambda s: s.agency_fill),
        turnover=col(lambda s: s.turnover),
        vacancy=col(lambda s: s.vacancy),
        micro_culture=micro,
        context_distance=col(lambda s: s.context_distance),
        manager_enthusiasm=col(lambda s: s.manager.enthusiasm),
        manager_role_modelling=col(lambda s: s.manager.role_modelling),
        manager_style_tone=col(lambda s: s.manager.style_tone),
        manager_leadership=col(lambda s: s.manager.leadership),
        manager_shielding=col(lambda s: s.manager.shielding),
        target=target,
        pilot=pilot,
        active=np.zeros(n, dtype=bool),
        launch_day=np.full(n, -1),
        fit=np.ones(n),
        embedded=np.zeros(n, dtype=bool),
        load=zeros.copy(),
        staffing=np.ones((n, 2)),
        feasibility=np.ones((n, 2)),
        practice=zeros.copy(),
        outcome_events=zeros.copy(),
        outcome_month=zeros.copy(),
        baseline_rate=np.full(n, np.nan),
    )


def draw_qi_skill(streams: RandomStreams, day: int, slots: np.ndarray, k: Constants) -> np.ndarray:
    """QI skill (0-1) of arriving staff (one per slot), at the start or replacing leavers:
    normal(``staff_qi_skill_mean``, ``staff_qi_skill_sd``) clipped to 0-1."""
    q = streams.normal("qi_skill", day, slots, k.staff_qi_skill_mean, k.staff_qi_skill_sd)
    return np.minimum(np.maximum(q, 0.0, out=q), 1.0, out=q)  # clipped (np.clip, cheaper)


def build_staff(
    scenario: Scenario,
    streams: RandomStreams,
    ward_slots: np.ndarray,
    constants: Constants = DEFAULT_CONSTANTS,
) -> StaffArrays:
    """Staff for every ward: filled nursing posts (establishment less vacancies), a pool of
    agency nurses to fill vacant shifts, junior doctors, consultants and AHPs. Each post has its
    slot in the random streams: its ward's (``ward_slots``, :attr:`WardArrays.slot`, one per
    ward in :func:`expand_wards` order) and the post's place in the ward."""
    cols: dict[str, list] = {k: [] for k in ("ward", "role", "shift", "agency", "place")}
    for w_index, (_, spec, _) in enumerate(expand_wards(scenario)):
        est = spec.establishment  # type: ignore[attr-defined]
        filled = int(round(est * (1 - spec.vacancy)))  # type: ignore[attr-defined]
        n_hca = int(round(filled * spec.hca_share))  # type: ignore[attr-defined]
        roles = ["health_care_assistant"] * n_hca + ["staff_nurse"] * (filled - n_hca)
        # agency pool: enough people to cover the vacant posts' shifts with turnover
        n_agency = int(np.ceil((est - filled) * 1.5))
        roles += ["agency_nurse"] * n_agency
        roles += ["junior_doctor"] * spec.junior_doctors  # type: ignore[attr-defined]
        roles += ["consultant"] * spec.consultants  # type: ignore[attr-defined]
        roles += ["allied_health_professional"] * spec.allied_health_professionals  # type: ignore[attr-defined]
        cols["place"].extend(range(len(roles)))
        cols["ward"].extend([w_index] * len(roles))
        cols["role"].extend([ROLE[role] for role in roles])
        cols["agency"].extend([role == "agency_nurse" for role in roles])
        # the nursing rota holds the ward's night and rotating shares exactly, in random order
        night, rot = spec.night_share, spec.rotating_share  # type: ignore[attr-defined]
        n_night, n_rot = int(round(filled * night)), int(round(filled * rot))
        nurse_shifts = np.array(
            [SHIFT["night"]] * n_night + [SHIFT["rotating"]] * n_rot
            + [SHIFT["day"]] * max(filled - n_night - n_rot, 0)
        )[:filled]  # fmt: skip
        shift = np.full(len(roles), SHIFT["day"])
        posts = member_slots(np.full(filled, ward_slots[w_index]), np.arange(filled))
        shift[:filled] = nurse_shifts[streams.order("rota_pattern", 0, posts)]
        # doctors, consultants and AHPs work days here; doctors also cover nights by rota
        is_doc = np.array([r == "junior_doctor" for r in roles])
        is_day_only = np.array([r in ("consultant", "allied_health_professional") for r in roles])
        shift = np.where(is_day_only, SHIFT["day"], np.where(is_doc, SHIFT["rotating"], shift))
        cols["shift"].extend(shift.tolist())
    n = len(cols["ward"])
    role = np.array(cols["role"], dtype=np.int8)
    tribe = np.array([TRIBE[ROLE_TRIBE[r]] for r in ROLES], dtype=np.int8)[role]  # by role
    nursing_ids = [ROLE[r] for r in NURSING_ROLES]
    target_roles = [ROLE[r] for r in scenario.initiative.target_roles]
    ward_target = resolve_names(scenario.initiative.target_wards, expand_wards(scenario))
    ward = np.array(cols["ward"], dtype=np.int32)
    slot = member_slots(ward_slots[ward], np.array(cols["place"]))
    shift_arr = np.array(cols["shift"], dtype=np.int8)
    target = np.isin(role, target_roles) & ward_target[ward]
    if scenario.initiative.target_shifts == "night":
        target &= shift_arr != SHIFT["day"]
    elif scenario.initiative.target_shifts == "day":
        target &= shift_arr != SHIFT["night"]
    staff = StaffArrays(
        slot=slot,
        ward=ward,
        role=role,
        tribe=tribe,
        shift=shift_arr,
        agency=np.array(cols["agency"], dtype=bool),
        rota_offset=(streams.uniform("rota_offset", 0, slot) * DAYS_PER_WEEK).astype(np.int64),
        rotation_offset=(streams.uniform("rotation_offset", 0, slot) * ROTA_DAYS).astype(np.int64),
        rotating=shift_arr == SHIFT["rotating"],
        fixed_shift=np.where(shift_arr == SHIFT["night"], NIGHT, DAY).astype(np.int8),
        target=target,
        nursing=np.isin(role, nursing_ids),
        understanding=np.zeros(n),
        ownership=np.zeros(n),
        habit=np.zeros(n),
        cynicism=np.zeros(n),
        fatigue=np.zeros(n),
        qi_skill=draw_qi_skill(streams, 0, slot, constants),
        on_duty=np.zeros(n, dtype=bool),
        working_shift=np.zeros(n, dtype=np.int8),
    )
    staff.build_rota()
    return staff
