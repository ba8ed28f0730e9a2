"""The model behind the app: a lesson's scenario with the teacher's changes, and its QIModel.

Data flows one way, as everywhere in qisim: lesson scenario file -> the teacher's
:class:`Choices` as dotted-path overrides (:func:`qisim.scenario.with_overrides`) ->
:class:`TeachingModel` (a :class:`qisim.model.QIModel`) -> the page reads its arrays and recorder.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np

from qisim.app.presets import (
    ALL_CONTROLS,
    DEFAULT_LESSON,
    FALLBACK,
    LESSON_BY_KEY,
    SCENARIOS,
    Lesson,
)
from qisim.app.presets import custom_lesson as _custom_lesson
from qisim.domain import FEATURE_KEYS
from qisim.model import QIModel
from qisim.scenario import (
    WINTER_NOTE,
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_from_dict,
    ward_names,
    with_overrides,
)
from qisim.scenario import split_ward_group as scenario_split_ward_group

MESSENGERS = ("nurse", "consultant", "both")
MAX_VACANCY = 0.9
CUSTOM_ENV = "QISIM_APP_SCENARIO"  # set by `qisim app SCENARIO` for the page process


# A selected ward's settings the page can change: control name -> field inside the ward's
# ``[[wards]]`` entry. Micro-culture and shielding are what ``qisim deviance`` finds set the
# Upsworth deviant apart, besides its manager's enthusiasm, role modelling, style and tone.
WARD_FIELDS = {
    "micro_culture": "micro_culture",
    "enthusiasm": "manager.enthusiasm",
    "role_modelling": "manager.role_modelling",
    "style_tone": "manager.style_tone",
    "shielding": "manager.shielding",
}
TRUST_CONTROLS = ("culture", "staffing")
DESIGN_CONTROLS = ("co_design", "pdsa_rollout", "problem_clarity", "messenger")
# every control a lesson may list (``controls = [...]`` in its file; the vocabulary is the
# lesson loader's, qisim.app.presets.CONTROLS); none listed: all of them
CONTROLS = ALL_CONTROLS
CONTROL_LABELS = {
    "culture": "trust culture",
    "staffing": "staffing",
    "micro_culture": "micro-culture",
    "enthusiasm": "manager's enthusiasm",
    "role_modelling": "manager's role modelling",
    "style_tone": "manager's style and tone",
    "shielding": "manager's shielding from other initiatives",
    "co_design": "co-design",
    "pdsa_rollout": "PDSA cycles in the roll-out",
    "problem_clarity": "problem clarity",
    "messenger": "messenger",
}


@dataclass(frozen=True)
class Choices:
    """What the teacher has changed from the lesson's scenario; ``None`` keeps the scenario's own.

    ``culture`` is the trust culture index (mean of the seven features of the sound
    organisational base); ``staffing`` the mean share of funded nursing posts filled. Both move
    every feature / ward by the same amount, so each keeps its place relative to the others.
    ``wards`` holds ``(ward, control, value)`` for each setting of one ward that was changed,
    ``control`` a key of :data:`WARD_FIELDS`.
    """

    lesson: str = DEFAULT_LESSON
    culture: float | None = None
    staffing: float | None = None
    wards: tuple[tuple[str, str, float], ...] = ()
    co_design: float | None = None
    pdsa_rollout: float | None = None
    problem_clarity: float | None = None
    messenger: str | None = None

    def with_ward(self, ward: str, **values: float) -> Choices:
        """These choices with one ward's settings (``enthusiasm=0.9``, ...) changed."""
        unknown = set(values) - set(WARD_FIELDS)
        if unknown:
            raise KeyError(f"no ward control {sorted(unknown)}; known: {', '.join(WARD_FIELDS)}")
        others = tuple(s for s in self.wards if not (s[0] == ward and s[1] in values))
        new = tuple((ward, key, float(v)) for key, v in values.items())
        return replace(self, wards=(*others, *new))

    @property
    def changed(self) -> bool:
        return self != Choices(self.lesson)


# ---------------------------------------------------------------------------------------------
# Lessons and their scenarios


def lesson(key: str) -> Lesson:
    """The lesson for a key; ``custom`` is the scenario given to ``qisim app SCENARIO``."""
    if key == "custom":
        path = custom_scenario_path()
        if path is None:
            raise KeyError("custom")
        sc = _load(str(path), path.stat().st_mtime)
        return _custom_lesson(path, f"Your scenario: {sc.name}", sc.description)
    return LESSON_BY_KEY[key]


def custom_scenario_path() -> Path | None:
    value = os.environ.get(CUSTOM_ENV)
    return Path(value) if value else None


def lesson_keys() -> list[str]:
    keys = list(LESSON_BY_KEY)
    return (["custom"] + keys) if custom_scenario_path() else keys


@lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> Scenario:
    return load_scenario(path)


def lesson_scenario(key: str) -> tuple[Scenario, str]:
    """The lesson's scenario, and a note if its file is missing (then ``example.toml`` stands
    in, so the page still works while a case-study file is being written)."""
    path = lesson(key).path
    if path.exists():
        return _load(str(path), path.stat().st_mtime), ""
    fallback = SCENARIOS / FALLBACK
    note = (
        f"The scenario file scenarios/{lesson(key).scenario} is not in this copy of qisim, so "
        f"this lesson shows scenarios/{FALLBACK} instead."
    )
    return _load(str(fallback), fallback.stat().st_mtime), note


# ---------------------------------------------------------------------------------------------
# Choices -> scenario


def culture_index(scenario: Scenario) -> float:
    c = scenario.trust.culture
    return float(np.mean([getattr(c, k) for k in FEATURE_KEYS]))


def staffing_level(scenario: Scenario) -> float:
    """Mean share of funded nursing posts that are filled, over the wards."""
    return float(np.mean([1.0 - w.vacancy for w in scenario.wards for _ in range(w.count)]))


def ward_spec(scenario: Scenario, ward: str):
    """The ``[[wards]]`` entry a ward name (``Medical 3``) comes from."""
    for spec in scenario.wards:
        names = (
            [spec.name] if spec.count == 1 else [f"{spec.name} {k + 1}" for k in range(spec.count)]
        )
        if ward in names:
            return spec
    raise ScenarioError(f"no ward called {ward!r}; known: {', '.join(ward_names(scenario))}")


def split_ward_group(scenario: Scenario, ward: str) -> Scenario:
    """The same scenario with ``ward``'s group (a ``[[wards]]`` entry with ``count`` > 1) written
    out as one entry per ward, so one ward's manager can change alone
    (:func:`qisim.scenario.split_ward_group`: names, order and so the model built are unchanged)."""
    spec = ward_spec(scenario, ward)
    if spec.count == 1:
        return scenario
    data = scenario.model_dump()
    index = next(i for i, w in enumerate(data["wards"]) if w["name"] == spec.name)
    scenario_split_ward_group(data, index)
    return scenario_from_dict(data)


def build_scenario(choices: Choices) -> tuple[Scenario, list[str]]:
    """The lesson's scenario with the teacher's choices applied; and notes for the page."""
    base, note = lesson_scenario(choices.lesson)
    notes = [note] if note else []
    scenario = base
    names = set(ward_names(base))
    settings = [s for s in choices.wards if s[0] in names]
    for ward in dict.fromkeys(s[0] for s in settings):
        scenario = split_ward_group(scenario, ward)
    overrides: dict[str, Any] = {}
    if choices.culture is not None:
        shift = choices.culture - culture_index(scenario)
        for key in FEATURE_KEYS:
            value = getattr(scenario.trust.culture, key) + shift
            overrides[f"trust.culture.{key}"] = float(np.clip(value, 0.0, 1.0))
    if choices.staffing is not None:
        shift = (1.0 - choices.staffing) - (1.0 - staffing_level(scenario))
        for i, spec in enumerate(scenario.wards):
            overrides[f"wards.{i}.vacancy"] = float(np.clip(spec.vacancy + shift, 0.0, MAX_VACANCY))
    for ward, key, value in settings:
        overrides[f"wards.{ward}.{WARD_FIELDS[key]}"] = float(np.clip(value, 0.0, 1.0))
    for name in DESIGN_CONTROLS:
        value = getattr(choices, name)
        if value is not None:
            overrides[f"initiative.{name}"] = value
    if overrides:
        scenario = with_overrides(scenario, overrides)
    return scenario, notes


def lesson_controls(key: str) -> tuple[str, ...]:
    """The controls a lesson shows: those its file lists (known ones, in :data:`CONTROLS`
    order), or all of them."""
    listed = getattr(lesson(key), "controls", None)
    shown = tuple(c for c in CONTROLS if c in (listed or ()))
    return shown or CONTROLS


@lru_cache(maxsize=32)  # the lesson panel asks at every step
def changed_settings(choices: Choices) -> list[tuple[str, Any, Any]]:
    """What the choices change in the lesson's scenario, as ``(what, before, after)`` in plain
    words (``("Medical 1: manager's enthusiasm", 0.35, 0.95)``), in the controls' order."""
    base, _ = lesson_scenario(choices.lesson)
    out: list[tuple[str, Any, Any]] = []
    if choices.culture is not None:
        out.append(("trust culture", round(culture_index(base), 2), choices.culture))
    if choices.staffing is not None:
        out.append(("staffing", round(staffing_level(base), 2), choices.staffing))
    names = ward_names(base)
    model_wards = None
    for ward, key, value in sorted(choices.wards, key=lambda s: (names.index(s[0])
                                   if s[0] in names else len(names), list(WARD_FIELDS).index(s[1]))):  # fmt: skip
        if ward not in names:
            continue
        spec = ward_spec(base, ward)
        before = getattr(spec, key) if key == "micro_culture" else getattr(spec.manager, key)
        if before is None:  # micro-culture left to the trust and the manager: as the model sets it
            model_wards = model_wards or QIModel(base, rng=0).wards
            before = float(model_wards.micro_culture[names.index(ward)])
        out.append((f"{ward}: {CONTROL_LABELS[key]}", round(float(before), 2), value))
    for name in DESIGN_CONTROLS:
        value = getattr(choices, name)
        if value is not None:
            out.append((CONTROL_LABELS[name], getattr(base.initiative, name), value))
    return out


def _without_none(data: Any) -> Any:
    """A scenario dump without unset fields (TOML has no null; unset fields take defaults)."""
    if isinstance(data, dict):
        return {k: _without_none(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_none(v) for v in data]
    return data


def scenario_file_name(choices: Choices) -> str:
    stem = Path(lesson(choices.lesson).scenario).stem
    return f"{stem}_changed.toml" if choices.changed else f"{stem}.toml"


def scenario_file_text(choices: Choices, seed: int) -> str:
    """The lesson's scenario with the teacher's changes, as a TOML file ``qisim run`` reads:
    whole (no ``base`` to find), with a header saying where it came from and what changed."""
    from qisim.trust_import import scenario_toml  # the one TOML writer qisim has

    scenario, _ = build_scenario(choices)
    data = _without_none(scenario.model_dump())
    data["events"] = [e for e in data["events"] if not e["note"].startswith(WINTER_NOTE)]
    ls = lesson(choices.lesson)
    changes = changed_settings(choices)
    data["name"] = f"{scenario.name}_changed" if changes else scenario.name
    header = [
        f'Saved from qisim app: the lesson "{ls.title}" (scenario {ls.scenario}).',
        "",
    ]
    if changes:
        header.append("What was changed from the lesson (before -> after):")
        header += [f"  {what}: {before} -> {after}" for what, before, after in changes]
    else:
        header.append("Nothing was changed: this is the lesson's own scenario, written out whole.")
    header += [
        "",
        f"Run it with the page's seed:  qisim run {scenario_file_name(choices)} --seed {seed}",
    ]
    return scenario_toml(data, header)


# ---------------------------------------------------------------------------------------------
# A link to the view: lesson, seed, changed settings, selected ward, day


@dataclass(frozen=True)
class View:
    """What a link to the page holds: the choices, the seed, the selected ward, the day reached
    and whether the run is compared with the lesson's own."""

    choices: Choices = Choices()
    seed: int = 0
    ward: str | None = None
    day: int = 0
    compare: bool = True


def view_query(view: View) -> str:
    """The view as URL query parameters, e.g.
    ``lesson=upsworth_positive_deviant&seed=3&day=730&ward=Medical+1&Medical+1.enthusiasm=0.95``.
    Only settings that differ from the lesson are written; a ward's setting is ``WARD.CONTROL``."""
    c = view.choices
    params: list[tuple[str, str]] = [("lesson", c.lesson), ("seed", str(view.seed))]
    if view.day:
        params.append(("day", str(view.day)))
    if view.ward:
        params.append(("ward", view.ward))
    if not view.compare:
        params.append(("compare", "0"))
    for name in (*TRUST_CONTROLS, *DESIGN_CONTROLS):
        value = getattr(c, name)
        if value is not None:
            params.append((name, f"{value:g}" if isinstance(value, float) else str(value)))
    params += [(f"{ward}.{key}", f"{value:g}") for ward, key, value in c.wards]
    return urlencode(params)


class OutOfRange(ValueError):
    """A link's value that is a number, but not one its slider can take."""


def link_share(name: str, text: str) -> float:
    """A link's value for a 0-to-1 setting; :class:`OutOfRange` outside 0 to 1 (a link made by
    hand, e.g. ``enthusiasm=5``: said, not quietly moved to the slider's end)."""
    value = float(text)
    if not 0.0 <= value <= 1.0:  # NaN too
        raise OutOfRange(f"{name}={text}")
    return value


def view_from_query(query: str | None, default: Choices) -> tuple[View, list[str]]:
    """The view a link asks for, and a note for each part of it that was not understood (a
    link typed by hand, or made for another version of the page, still opens)."""
    notes: list[str] = []
    params = parse_qs(query or "", keep_blank_values=True)
    one = {k: v[-1] for k, v in params.items()}
    key = one.pop("lesson", default.lesson)
    if key not in lesson_keys():
        notes.append(f"The link names no lesson {key!r}; showing {lesson(default.lesson).title!r}.")
        key = default.lesson
    choices = Choices(key)
    seed = parse_seed(one.pop("seed", 0))
    base, _ = lesson_scenario(key)
    names = ward_names(base)
    ward = one.pop("ward", None)
    if ward is not None and ward not in names:
        notes.append(f"The link names no ward {ward!r} in this lesson.")
        ward = None
    compare = one.pop("compare", "1") not in ("0", "false", "no", "off")
    day = 0
    text = one.pop("day", "0")
    if not text.isdigit():
        notes.append(f"The link's day {text!r} is not a whole number; starting at day 0.")
    elif int(text) > base.days:
        notes.append(
            f"The link's day {text} is past the lesson's last day ({base.days}); "
            "running to the end."
        )
        day = base.days
    else:
        day = int(text)
    fields: dict[str, Any] = {}
    settings: list[tuple[str, str, float]] = []
    for name, text in one.items():
        where, _, control = name.rpartition(".")
        try:
            if name == "messenger":
                if text not in MESSENGERS:
                    raise ValueError(text)
                fields[name] = text
            elif name in (*TRUST_CONTROLS, *DESIGN_CONTROLS):
                fields[name] = link_share(name, text)
            elif where in names and control in WARD_FIELDS:
                settings.append((where, control, link_share(name, text)))
            else:
                notes.append(f"The link's setting {name!r} is not one this page knows; ignored.")
        except OutOfRange:
            notes.append(f"The link's value {name}={text} is out of range (0 to 1); ignored.")
        except ValueError:
            notes.append(f"The link's value {name}={text!r} is not understood; ignored.")
    choices = replace(choices, wards=tuple(settings), **fields)
    return View(choices, seed, ward, day, compare), notes


# ---------------------------------------------------------------------------------------------
# The lesson's own run, to compare with


@dataclass(frozen=True)
class Baseline:
    """The lesson's run with nothing changed, on one seed: what the page compares against."""

    practice: np.ndarray  # days x wards
    habit: np.ndarray  # days x wards
    trust_practice: np.ndarray  # days


@lru_cache(maxsize=8)
def _baseline(key: str, seed: int, mtime: float) -> Baseline:
    model = TeachingModel(Choices(key), rng=seed)
    while model.running:
        model.step()
    rec, d = model.recorder, model.recorder.n_recorded
    return Baseline(
        rec.ward["practice"][:d].copy(),
        rec.ward["habit"][:d].copy(),
        rec.trust["practice"][:d].copy(),
    )


def baseline(key: str, seed: int) -> Baseline:
    """The lesson's own run on ``seed``, to the end (about a second; kept for the next eight)."""
    path = lesson(key).path
    return _baseline(key, seed, path.stat().st_mtime if path.exists() else 0.0)


def parse_seed(value: Any) -> int:
    """A seed from what a person typed: a whole number from 0 as it is, any other text (a
    negative number too, which numpy cannot seed with) by its checksum."""
    if value is None or value == "":
        return 0
    if isinstance(value, (int, np.integer)) and value >= 0:
        return int(value)
    text = str(value).strip()
    try:
        number = int(text)
    except ValueError:
        number = -1
    return number if number >= 0 else zlib.crc32(text.encode()) % 2**31


# ---------------------------------------------------------------------------------------------
# The model


class TeachingModel(QIModel):
    """A :class:`~qisim.model.QIModel` built from a lesson and the teacher's choices.

    Args:
        choices: the teacher's choices, or a function returning them. The page passes a function
            so that Mesa's Reset button rebuilds the model from the controls as they are now.
        rng: the seed (an int, or any text).
    """

    def __init__(self, choices: Choices | Callable[[], Choices] | None = None, rng: Any = 0):
        if callable(choices):
            choices = choices()
        self.choices = choices or Choices()
        self.seed = parse_seed(rng)
        scenario, self.notes = build_scenario(self.choices)
        super().__init__(scenario, rng=self.seed)
        self.lesson = lesson(self.choices.lesson)
        self.days = scenario.days

    def step(self) -> None:
        """One day; the run stops at the scenario's horizon (Mesa's controls then grey out)."""
        if self.steps > self.days:
            self.running = False
            return
        super().step()
        if self.day >= self.days - 1:
            self.running = False

    @property
    def days_done(self) -> int:
        """Days simulated so far (0 before the first step)."""
        return self.recorder.n_recorded
