"""The app's preset lessons: a scenario each, the ward to look at first, and a short text.

Each lesson says what the report saw, what to watch on the page and one or two things to change.
The texts quote the report (Gabbay, le May & Wright, "Able to improve?"); the scenarios are the
case-study files in ``scenarios/`` (and one teaching scenario in ``scenarios/lessons/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qisim.resources import data_dir

SCENARIOS = data_dir("scenarios")  # the checkout's scenarios/, or the wheel's copy
FALLBACK = "example.toml"


@dataclass(frozen=True)
class Lesson:
    """A preset: a scenario file (relative to ``scenarios/``) and a short lesson text."""

    key: str
    title: str
    scenario: str
    focus: tuple[str, ...]  # wards to select first, in order of preference
    story: str  # what the report saw
    watch: str  # what to look at on the page
    try_: str  # what to change

    @property
    def path(self) -> Path:
        return SCENARIOS / self.scenario


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        key="upsworth_positive_deviant",
        title="A positive deviant at Upsworth",
        scenario="lessons/upsworth_positive_deviant.toml",
        focus=("Outstanding unit",),
        story=(
            "Upsworth is in special measures: 'bullying' and 'keeping your head down', a dire "
            "staffing shortage and a plethora of top-down initiatives. Yet it had 'wards and "
            "departments widely regarded as delivering exceptionally good care - including one "
            "unit rated by the CQC as outstanding. Very often such disparities were due to the "
            "management style and tone adopted by front-line managers' (report §3). Here every "
            "ward has the same staffing and the same initiatives; only the Outstanding unit's "
            "manager, and the micro-culture she has built, differ."
        ),
        watch=(
            "Press Step (or ▶) and watch the Outstanding unit's tile turn a deeper green than "
            "the others. Its staff move on to ownership and practice; elsewhere far fewer get "
            "past understanding."
        ),
        try_=(
            "Lower the Outstanding unit's manager's enthusiasm and role modelling: does it still "
            "stand out? Or click Medical 1 and give it an exceptional manager. Then raise the "
            "trust culture: how much does the whole trust gain?"
        ),
    ),
    Lesson(
        key="premton_handover_at_night",
        title="Why Handover at night fizzled out",
        scenario="premton_handover_at_night.toml",
        focus=("Medical ward North 1",),
        story=(
            "Premton is an outstanding trust, yet its Handover at night meeting fizzled out. "
            "'Staff professed it to be a good idea in principle but could not agree on what "
            "problem Handover at night meetings were attempting to solve ... nor was the "
            "practical backing of key senior clinicians ever forthcoming. Attendance was poor "
            "and the project eventually fizzled out' (report Table 3). Doctors listened to "
            "consultants, not to the nursing QI lead, and the message went out by cascade to night "
            "staff whom sessions rarely reach."
        ),
        watch=(
            "Watch the lifecycle stage, and the night staff in the selected ward's table: few "
            "are on duty when a session runs, and ownership comes late and little."
        ),
        try_=(
            "Raise problem clarity, make the messenger a consultant, or raise co-design. Which "
            "single change rescues it, and which does nothing on its own?"
        ),
    ),
    Lesson(
        key="premton_nurse_led_discharge",
        title="What made Nurse-led discharge stick",
        scenario="premton_nurse_led_discharge.toml",
        focus=("Specialised surgical unit 1", "Surgical ward North 1"),
        story=(
            "Nurse-led discharge was home-grown at Premton: 'If it's home-grown, they'll own it. "
            "They love it if it's their idea.' Under no time pressure, and developed and audited "
            "in an inclusive way that varied according to each unit's differing needs, it 'was "
            "successfully implemented across all units and appeared to be firmly embedded' "
            "(report §3, Table 3)."
        ),
        watch=(
            "Watch the surgical tiles turn green wave by wave after the two specialised units "
            "pilot it, and the staff move from awareness to habit. The medical wards are not "
            "targets."
        ),
        try_=(
            "Set co-design and PDSA in roll-out to 0, or drop the trust culture to Upsworth's "
            "level (about 0.2). Which of these does the most damage?"
        ),
    ),
    Lesson(
        key="middleswick_enhanced_care",
        title="Enhanced care on a short-staffed day",
        scenario="middleswick_enhanced_care.toml",
        focus=("Medical District 1", "Elderly care University 1"),
        story=(
            "At Middleswick, Enhanced care's 'principle and the new paperwork were generally "
            "accepted but - apart from the wards of the enthusiasts - the practice ... was "
            "patchy, muddled and challenging'. Its feasibility 'did depend on staffing levels - "
            "even on some wards where the project was accepted, it unravelled on days when the "
            "ward was understaffed' (report Table 3, §3)."
        ),
        watch=(
            "Follow the selected ward's practice and its day-shift staffing on the chart: "
            "practice dips on the days staffing falls. The enthusiasts' pilot wards (University "
            "elderly care) do better than the rest."
        ),
        try_=(
            "Lower the staffing level to 70%, then raise it to 100%. Click a District ward and "
            "give it an enthusiastic manager: does that make up for short staffing?"
        ),
    ),
)

LESSON_BY_KEY = {lesson.key: lesson for lesson in LESSONS}
LESSON_BY_TITLE = {lesson.title: lesson for lesson in LESSONS}
DEFAULT_LESSON = LESSONS[0].key


def custom_lesson(path: Path, title: str, description: str) -> Lesson:
    """A lesson for a scenario the user opened (``qisim app SCENARIO``)."""
    return Lesson(
        key="custom",
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
