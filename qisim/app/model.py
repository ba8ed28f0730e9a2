"""The model behind the app: a lesson's scenario with the teacher's changes, and its QIModel.

Data flows one way, as everywhere in qisim: lesson scenario file -> the teacher's
:class:`Choices` as dotted-path overrides (:func:`qisim.scenario.with_overrides`) ->
:class:`TeachingModel` (a :class:`qisim.model.QIModel`) -> the page reads its arrays and recorder.
"""

from __future__ import annotations

import copy
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qisim.app.presets import DEFAULT_LESSON, FALLBACK, LESSON_BY_KEY, SCENARIOS, Lesson
from qisim.app.presets import custom_lesson as _custom_lesson
from qisim.domain import FEATURE_KEYS
from qisim.model import QIModel
from qisim.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_from_dict,
    ward_names,
    with_overrides,
)

MESSENGERS = ("nurse", "consultant", "both")
MAX_VACANCY = 0.9
CUSTOM_ENV = "QISIM_APP_SCENARIO"  # set by `qisim app SCENARIO` for the page process


@dataclass(frozen=True)
class Choices:
    """What the teacher has changed from the lesson's scenario; ``None`` keeps the scenario's own.

    ``culture`` is the trust culture index (mean of the seven features of the sound
    organisational base); ``staffing`` the mean share of funded nursing posts filled. Both move
    every feature / ward by the same amount, so each keeps its place relative to the others.
    ``managers`` holds ``(ward, enthusiasm, role_modelling)`` for wards whose manager was changed.
    """

    lesson: str = DEFAULT_LESSON
    culture: float | None = None
    staffing: float | None = None
    managers: tuple[tuple[str, float, float], ...] = ()
    co_design: float | None = None
    pdsa_rollout: float | None = None
    problem_clarity: float | None = None
    messenger: str | None = None

    def with_manager(self, ward: str, enthusiasm: float, role_modelling: float) -> Choices:
        others = tuple(m for m in self.managers if m[0] != ward)
        return replace(self, managers=(*others, (ward, float(enthusiasm), float(role_modelling))))

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
    out as one entry per ward, so one ward's manager can change alone.

    Names, order and therefore the model built from it are unchanged; references to the group
    (target and pilot wards, competing initiatives, scheduled events) are expanded to its wards.
    """
    spec = ward_spec(scenario, ward)
    if spec.count == 1:
        return scenario
    data = scenario.model_dump()
    members = [f"{spec.name} {k + 1}" for k in range(spec.count)]
    index = next(i for i, w in enumerate(data["wards"]) if w["name"] == spec.name)
    single = []
    for name in members:
        entry = copy.deepcopy(data["wards"][index])
        entry.update(name=name, count=1)
        single.append(entry)
    data["wards"][index : index + 1] = single

    def expand(names):
        if names == "all":
            return names
        out = []
        for n in names:
            out.extend(members if n == spec.name else [n])
        return out

    init = data["initiative"]
    init["target_wards"] = expand(init["target_wards"])
    init["rollout"]["pilot_wards"] = expand(init["rollout"]["pilot_wards"])
    for comp in data["competing"]:
        comp["wards"] = expand(comp["wards"])
    prefix = f"wards.{spec.name}."
    for event in data["events"]:
        changes = {}
        for path, value in event["set"].items():
            if path.startswith(prefix):
                for name in members:
                    changes[f"wards.{name}.{path[len(prefix) :]}"] = value
            else:
                changes[path] = value
        event["set"] = changes
    return scenario_from_dict(data)


def build_scenario(choices: Choices) -> tuple[Scenario, list[str]]:
    """The lesson's scenario with the teacher's choices applied; and notes for the page."""
    base, note = lesson_scenario(choices.lesson)
    notes = [note] if note else []
    scenario = base
    names = set(ward_names(base))
    managers = [m for m in choices.managers if m[0] in names]
    for ward, _, _ in managers:
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
    for ward, enthusiasm, role_modelling in managers:
        overrides[f"wards.{ward}.manager.enthusiasm"] = float(enthusiasm)
        overrides[f"wards.{ward}.manager.role_modelling"] = float(role_modelling)
    for name in ("co_design", "pdsa_rollout", "problem_clarity", "messenger"):
        value = getattr(choices, name)
        if value is not None:
            overrides[f"initiative.{name}"] = value
    if overrides:
        scenario = with_overrides(scenario, overrides)
    return scenario, notes


def parse_seed(value: Any) -> int:
    """A seed from what a person typed: an integer as it is, any other text by its checksum."""
    if value is None or value == "":
        return 0
    if isinstance(value, (int, np.integer)):
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return zlib.crc32(text.encode()) % 2**31


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
