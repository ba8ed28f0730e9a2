"""The app's lessons: lesson files (``*.lesson.toml``) read into :class:`Lesson`.

A lesson is a TOML file beside its scenario: a title, what the report saw (``story``), what to
watch on the page, what to try, the ward(s) to open on (``focus``), which controls to show and
the scenario it runs (a path relative to the lesson file). The shipped lessons live in
``scenarios/lessons/``; a teacher adds her own without Python, in a folder she names
(``qisim app --lessons DIR``) or as a file (``qisim app my.lesson.toml``). docs/app.md, "Writing a
lesson", describes the format. The texts quote the report (Gabbay, le May & Wright, "Able to
improve?").

A bad lesson file raises :class:`qisim.scenario.ScenarioError`: one paragraph naming the file,
the field, the value and what is allowed, as for a scenario.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator

from qisim.resources import data_dir
from qisim.scenario import (
    ScenarioError,
    Strict,
    _explain,
    did_you_mean,
    load_scenario,
    read_toml,
    ward_names,
)

SCENARIOS = data_dir("scenarios")  # the checkout's scenarios/, or the wheel's copy
SHIPPED = SCENARIOS / "lessons"
SUFFIX = ".lesson.toml"
FALLBACK = "example.toml"
LESSONS_ENV = "QISIM_APP_LESSONS"  # lesson files and folders for the page process (os.pathsep)
CUSTOM = "custom"  # the key of the scenario given to `qisim app SCENARIO`

# The controls a lesson can show, in the page's order, and what each changes. A lesson lists
# the ones its "try" needs; without `controls` it shows them all.
CONTROLS: dict[str, str] = {
    "culture": "the trust culture: the seven features of the sound organisational base, "
    "moved together",
    "staffing": "the share of funded nursing posts filled, on every ward alike",
    "micro_culture": "the selected ward's own micro-culture",
    "enthusiasm": "the selected ward's manager's enthusiasm",
    "role_modelling": "the selected ward's manager's role modelling",
    "style_tone": "the selected ward's manager's style and tone",
    "shielding": "how far the selected ward's manager shields staff from other initiatives",
    "co_design": "co-design of the initiative with staff",
    "pdsa_rollout": "PDSA cycles in the roll-out",
    "problem_clarity": "how clearly the problem is agreed",
    "messenger": "the messenger's profession (nurse, consultant or both)",
}
ALL_CONTROLS: tuple[str, ...] = tuple(CONTROLS)
DEFAULT_ORDER = 100

Text = Annotated[str, Field(min_length=1)]


@dataclass(frozen=True)
class Lesson:
    """A lesson: a scenario file (relative to ``scenarios/``, or absolute) and its texts."""

    key: str  # the lesson file's name without .lesson.toml
    title: str
    scenario: str
    focus: tuple[str, ...]  # wards the lesson is about; the page opens on the first
    story: str  # what the report saw
    watch: str  # what to look at on the page
    try_: str  # what to change
    controls: tuple[str, ...] = ALL_CONTROLS  # names from CONTROLS, in the page's order
    order: int = DEFAULT_ORDER  # place in the list, lowest first
    source: str = ""  # the lesson file ("" for the app's own lesson of a scenario)

    @property
    def path(self) -> Path:
        return SCENARIOS / self.scenario


class LessonFile(Strict):
    """What a ``*.lesson.toml`` file holds (docs/app.md, "Writing a lesson")."""

    title: Text = Field(description="the name shown in the lesson list")
    scenario: Text = Field(description="the scenario file, relative to the lesson file")
    focus: list[Text] = Field(
        [], description="ward(s) the lesson is about; the page opens on the first"
    )
    controls: list[str] = Field(list(ALL_CONTROLS), description="controls to show")
    story: Text = Field(description="what the report saw")
    watch: Text = Field(description="what to look at on the page")
    try_: Text = Field(alias="try", description="what to change")
    order: int = Field(DEFAULT_ORDER, description="place in the list of lessons, lowest first")

    @field_validator("focus", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("controls")
    @classmethod
    def _known_controls(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in CONTROLS:
                raise ValueError(
                    f"no control {name!r}{did_you_mean(name, list(CONTROLS))}; a lesson can "
                    f"show {', '.join(CONTROLS)}"
                )
        return value


def plain(text: str) -> str:
    """A text as the page shows it: one paragraph, the file's line breaks as spaces."""
    return " ".join(text.split())


def read_lesson(path: str | Path) -> Lesson:
    """A lesson file, validated (not its scenario: :func:`check_lesson` does that)."""
    path = Path(path)
    if not path.name.endswith(SUFFIX):
        raise ScenarioError(
            f"{path}: a lesson file's name ends in {SUFFIX} (e.g. my_ward{SUFFIX}); rename it."
        )
    data = read_toml(path)
    try:
        spec = LessonFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_explain(exc, str(path), data, LessonFile, "lesson")) from None
    key = path.name.removesuffix(SUFFIX)
    if key == CUSTOM:
        raise ScenarioError(
            f"{path}: the name {CUSTOM!r} is the app's own (for `qisim app SCENARIO`); "
            "rename the file."
        )
    scenario = (path.parent / spec.scenario).resolve()
    shipped = SCENARIOS.resolve()
    where = scenario.relative_to(shipped) if scenario.is_relative_to(shipped) else scenario
    return Lesson(
        key=key,
        title=plain(spec.title),
        scenario=str(where),
        focus=tuple(spec.focus),
        story=plain(spec.story),
        watch=plain(spec.watch),
        try_=plain(spec.try_),
        controls=tuple(c for c in CONTROLS if c in spec.controls),
        order=spec.order,
        source=str(path),
    )


def check_lesson(lesson: Lesson) -> None:
    """A lesson's scenario loads and has every focus ward; else :class:`ScenarioError`."""
    where = lesson.source or lesson.title
    if not lesson.path.is_file():
        raise ScenarioError(
            f"{where}: 'scenario' = {lesson.scenario!r}: no such file ({lesson.path}); give "
            "the scenario's path relative to the lesson file."
        )
    names = ward_names(load_scenario(lesson.path))
    for name in lesson.focus:
        if name not in names:
            raise ScenarioError(
                f"{where}: 'focus' = {name!r} names no ward of {lesson.path.name}"
                f"{did_you_mean(name, names)}; its wards: {', '.join(repr(n) for n in names)}."
            )


def lesson_files(place: str | Path) -> list[Path]:
    """The lesson files a place names: a lesson file itself, or a folder's ``*.lesson.toml``."""
    place = Path(place)
    if place.is_dir():
        found = sorted(place.glob(f"*{SUFFIX}"))
        if not found:
            raise ScenarioError(
                f"{place}: no lesson files (*{SUFFIX}) in this folder; docs/app.md, "
                "'Writing a lesson', shows one."
            )
        return found
    if not place.exists():
        raise ScenarioError(f"{place}: no such lesson file or folder.")
    return [place]


def _ordered(paths: Iterable[Path]) -> list[Lesson]:
    return sorted((read_lesson(p) for p in paths), key=lambda ls: (ls.order, ls.key))


def load_lessons(places: Iterable[str | Path] = ()) -> tuple[Lesson, ...]:
    """The teacher's lessons (from ``places``: files and folders), then the shipped ones.

    Within each, lessons come by their ``order``, then file name. A teacher's lesson with the
    same name as a shipped one (her edited copy) takes its place; two of hers with one name are
    an error."""
    own: dict[str, Lesson] = {}
    for lesson in _ordered(p for place in places for p in lesson_files(place)):
        if lesson.key in own and own[lesson.key].source != lesson.source:
            raise ScenarioError(
                f"{lesson.source}: another lesson is called {lesson.key!r} "
                f"({own[lesson.key].source}); rename one of the files."
            )
        own[lesson.key] = lesson
    shipped = [ls for ls in _ordered(SHIPPED.glob(f"*{SUFFIX}")) if ls.key not in own]
    titles: dict[str, Lesson] = {}
    # the page picks a lesson by its title; the shipped ones first, so that a clash names the
    # teacher's file, the one being added
    for lesson in (*shipped, *own.values()):
        if lesson.title in titles:
            other = titles[lesson.title]
            which = "the shipped lesson" if other in shipped else "the lesson"
            raise ScenarioError(
                f"{lesson.source}: 'title' = {lesson.title!r} is also the title of {which} "
                f"{other.source}; give each lesson its own title."
            )
        titles[lesson.title] = lesson
    return (*own.values(), *shipped)


def teacher_places() -> list[str]:
    """The lesson files and folders ``qisim app`` passed to the page process."""
    value = os.environ.get(LESSONS_ENV, "")
    return [p for p in value.split(os.pathsep) if p]


def __getattr__(name: str) -> Any:
    """``LESSONS``, ``LESSON_BY_KEY``, ``LESSON_BY_TITLE`` and ``DEFAULT_LESSON`` (the first
    lesson's key), read when first asked for, so that ``qisim app`` can name the teacher's
    lessons (:data:`LESSONS_ENV`) after importing this module."""
    if name not in ("LESSONS", "LESSON_BY_KEY", "LESSON_BY_TITLE", "DEFAULT_LESSON"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    lessons = load_lessons(teacher_places())
    globals().update(
        LESSONS=lessons,
        LESSON_BY_KEY={lesson.key: lesson for lesson in lessons},
        LESSON_BY_TITLE={lesson.title: lesson for lesson in lessons},
        DEFAULT_LESSON=lessons[0].key,
    )
    return globals()[name]


def custom_lesson(path: Path, title: str, description: str) -> Lesson:
    """A lesson for a scenario the user opened (``qisim app SCENARIO``)."""
    return Lesson(
        key=CUSTOM,
        title=title,
        scenario=str(path.resolve()),
        focus=(),
        story=description or "Your own scenario.",
        watch=(
            "Press Step or ▶ and watch which wards' tiles turn green, and what stage the "
            "selected ward's staff reach."
        ),
        try_="Change one thing at a time on the left, and watch what it does.",
    )
