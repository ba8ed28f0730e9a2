"""The report's vocabulary as data: SOFFT sets and tasks, the sound organisational base, FFIT.

Everything here is quoted from Gabbay, le May and Wright, *Able to improve?* (The Health
Foundation): Box 1 / Table 4 for the six SOFFT sets, section 3 for the seven features of the sound
organisational base, Appendix 1 for the Fitness for Improvement Tool (FFIT). Other modules refer to
these entries by key, so every skill attribute in the model can be traced to a named SOFFT task or
organisational feature.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SofftTask:
    key: str
    title: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class SofftSet:
    key: str
    title: str
    tasks: tuple[SofftTask, ...]


# Report Box 1 and Table 4: the six inter-linked sets of socio-organisational functional and
# facilitative tasks.
SOFFT_SETS: tuple[SofftSet, ...] = (
    SofftSet(
        "style_tone",
        "Adopting and promulgating the appropriate style and tone",
        (
            SofftTask("blame_free", "Ensuring a blame-free, nurturing and open environment"),
            SofftTask(
                "difficult_conversations",
                "Enabling staff to have difficult conversations",
                (
                    "respectful critical dialogue",
                    "challenging suboptimal practice",
                    "managing tensions and factions",
                ),
            ),
            SofftTask(
                "technical_qi",
                "Ensuring the QI team use technical QI skills",
                ("data collection", "utilisation and audit skills", "stakeholder mapping"),
            ),
            SofftTask("ownership", "Fostering a strong sense of ownership by the staff"),
            SofftTask("good_suggestions", "Encouraging and rewarding good suggestions"),
            SofftTask(
                "dedication",
                "Inculcating a sense of dedication to high-quality care",
                ("instilling high professional values", "role modelling"),
            ),
            SofftTask("resources", "Securing the resources to do the job"),
            SofftTask("leading", "Leading staff towards the achievement of improvement"),
        ),
    ),
    SofftSet(
        "roller_coaster",
        "Managing the QI roller-coaster",
        (
            SofftTask("shielding", "Avoiding and shielding staff from 'initiativitis'"),
            SofftTask("timing", "Timing, coordination and momentum"),
        ),
    ),
    SofftSet(
        "problem",
        "Getting the problem (and the intended solution) right",
        (
            SofftTask("understanding", "Understanding what is wrong and why it is wrong"),
            SofftTask("co_design", "Co-designing the QI work"),
        ),
    ),
    SofftSet(
        "message",
        "Communicating the right message to the right people",
        (
            SofftTask("getting_through", "Getting through to the right people"),
            SofftTask("framing", "Framing the message correctly"),
            SofftTask("communicating", "Communicating effectively"),
        ),
    ),
    SofftSet(
        "learning",
        "Enabling learning to occur",
        (
            SofftTask("learning_culture", "Creating the necessary culture of learning"),
            SofftTask("growing_skills", "Growing the necessary QI skills"),
        ),
    ),
    SofftSet(
        "context",
        "Contextualising experience",
        (
            SofftTask("prior_experience", "Adapting prior experiential learning"),
            SofftTask("transforming", "Transforming the original improvement to match the context"),
            SofftTask("modifying", "Using experience to modify the intervention"),
        ),
    ),
)

SOFFT_TASKS: dict[str, tuple[SofftSet, SofftTask]] = {
    task.key: (sset, task) for sset in SOFFT_SETS for task in sset.tasks
}


@dataclass(frozen=True)
class OrganisationalFeature:
    key: str
    title: str
    quote: str


# Report section 3, "Premton: an exemplary environment": the seven features of the sound
# organisational base, each with the senior staff's own words.
ORGANISATIONAL_FEATURES: tuple[OrganisationalFeature, ...] = (
    OrganisationalFeature(
        "respectful_dialogue",
        "Establishing respectful critical dialogue",
        "It's about listening and knowing you'll be listened to",
    ),
    OrganisationalFeature(
        "confronting_failure",
        "Confronting failure constructively",
        "If someone fails, we've let them down",
    ),
    OrganisationalFeature(
        "adducing_local_data",
        "Adducing local data",
        "These aren't just numbers, they're our own friends and neighbours who happen to be patients",
    ),
    OrganisationalFeature(
        "collective_autonomy",
        "Allowing collective autonomy",
        "You're working with intelligent, motivated people",
    ),
    OrganisationalFeature(
        "rewarding_suggestions",
        "Resourcing and rewarding good suggestions",
        "We don't talk crap about 'enabling people'. We give them what they need to do the job",
    ),
    OrganisationalFeature(
        "extra_mile",
        "Rewarding the extra mile",
        "We roll our sleeves up and do whatever is needed; pull together, rather than pull rank",
    ),
    OrganisationalFeature(
        "efficient_structures",
        "Ensuring efficient structures and processes",
        "Action plans here are actually closed!",
    ),
)
FEATURE_KEYS: tuple[str, ...] = tuple(f.key for f in ORGANISATIONAL_FEATURES)


@dataclass(frozen=True)
class FfitSection:
    key: str
    title: str
    stem: str


@dataclass(frozen=True)
class FfitItem:
    id: str
    section: str
    text: str
    sofft: str  # key into SOFFT_TASKS: the task the item audits


# Report Appendix 1: the Fitness for Improvement Tool. Stems and items verbatim.
FFIT_SCALE: dict[int, str] = {
    0: "Not at all",
    1: "To a small extent",
    2: "To some extent",
    3: "To a moderate extent",
    4: "To a great extent",
    5: "To a very great extent",
}

FFIT_SECTIONS: tuple[FfitSection, ...] = (
    FfitSection(
        "staff",
        "Front-line staff",
        "Thinking of the unit(s) where you wish to make the improvement, to what extent do the "
        "front-line staff:",
    ),
    FfitSection(
        "resourcing",
        "Resourcing",
        "Is there adequate resourcing to carry out the improvement in terms of:",
    ),
    FfitSection(
        "managers",
        "Managers",
        "Thinking of the managers who will be involved, will they be able to:",
    ),
    FfitSection(
        "confidence", "Confidence in problem and solution", "How confident do you feel that:"
    ),
    FfitSection("messages", "Messages", "To what extent have you thought about how you will:"),
    FfitSection(
        "learning",
        "Learning",
        "In terms of the new learning that will be required among the staff:",
    ),
    FfitSection(
        "context",
        "Fitting the context",
        "Most improvements need to be modified to suit the context. To what extent have you "
        "considered:",
    ),
)

_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("staff", "feel they are in a blame-free, nurturing and open environment?", "blame_free"),
    ("staff", "feel able to challenge suboptimal practice?", "difficult_conversations"),
    ("staff", "show an ability to manage tensions and factions?", "difficult_conversations"),
    ("staff", "have the capacity to collect the necessary data?", "technical_qi"),
    ("staff", "undertake successful audits and respond to them constructively?", "technical_qi"),
    ("staff", "feel a strong sense of ownership about the quality of care?", "ownership"),
    ("staff", "feel encouraged to make suggestions about improving care?", "good_suggestions"),
    ("staff", "show a sense of dedication to high-quality care?", "dedication"),
    ("staff", "aspire to high professional standards?", "dedication"),
    ("staff", "have good clinical role models?", "dedication"),
    ("staff", "feel they have the resources to do the job?", "resources"),
    ("resourcing", "staffing levels in the clinical units concerned?", "resources"),
    ("resourcing", "necessary equipment?", "resources"),
    ("resourcing", "appropriate documentation/admin procedures?", "resources"),
    ("resourcing", "administrative support?", "resources"),
    ("resourcing", "training support?", "resources"),
    ("resourcing", "active backing and support from senior managers?", "resources"),
    ("resourcing", "staffing levels and skill-mix among the QI team?", "resources"),
    ("managers", "lead staff capably towards achieving the improvement?", "leading"),
    (
        "managers",
        "inspire and nurture skilful, influential champions to help achieve the change?",
        "leading",
    ),
    ("managers", "skilfully handle resistance to change?", "difficult_conversations"),
    (
        "managers",
        "shield staff from dealing with too many improvement initiatives at once?",
        "shielding",
    ),
    ("managers", "make good judgements about the timing of the QI initiative?", "timing"),
    ("managers", "coordinate the QI initiative with all the other required tasks?", "timing"),
    ("managers", "follow through and maintain momentum?", "timing"),
    ("confidence", "you have fully understood what is wrong and why?", "understanding"),
    ("confidence", "the intended improvement will actually solve the problem?", "understanding"),
    (
        "confidence",
        "the managers, staff and service users would agree with that assessment?",
        "understanding",
    ),
    ("confidence", "you have fully assessed and involved all the main stakeholders?", "co_design"),
    ("confidence", "all the relevant staff will be fully on board?", "co_design"),
    ("confidence", "there are not too many other initiatives already underway?", "shielding"),
    (
        "confidence",
        "this initiative has been appropriately coordinated with other improvements?",
        "timing",
    ),
    (
        "messages",
        "make sure the right messages get through to all the right people?",
        "getting_through",
    ),
    ("messages", "reframe the message to suit all the various people involved?", "framing"),
    ("messages", "know that the message is being communicated effectively?", "communicating"),
    ("messages", "take account of people's reactions?", "communicating"),
    ("learning", "is there a good learning culture?", "learning_culture"),
    ("learning", "is there the capacity to undergo the necessary learning?", "learning_culture"),
    (
        "learning",
        "will they be able to acquire and develop the necessary QI skills?",
        "growing_skills",
    ),
    (
        "learning",
        "will they be able to acquire and develop the necessary clinical skills?",
        "growing_skills",
    ),
    (
        "context",
        "lessons learnt from previous attempted improvements in this context?",
        "prior_experience",
    ),
    (
        "context",
        "the degree to which the proposed changes will fit in the units concerned?",
        "transforming",
    ),
    (
        "context",
        "ensuring how the improvement could be sensibly adapted as it proceeds?",
        "transforming",
    ),
    (
        "context",
        "how you will take account of problems encountered as the work proceeds?",
        "modifying",
    ),
    (
        "context",
        "how much modification to the original intended change will be acceptable?",
        "modifying",
    ),
)


def _number_items() -> tuple[FfitItem, ...]:
    counts: dict[str, int] = {}
    out = []
    for section, text, sofft in _ITEMS:
        counts[section] = counts.get(section, 0) + 1
        out.append(FfitItem(f"{section}_{counts[section]:02d}", section, text, sofft))
    return tuple(out)


FFIT_ITEMS: tuple[FfitItem, ...] = _number_items()
FFIT_ITEM_IDS: tuple[str, ...] = tuple(item.id for item in FFIT_ITEMS)
FFIT_SECTION_KEYS: tuple[str, ...] = tuple(s.key for s in FFIT_SECTIONS)

# Roles, professions ("tribes") and shift patterns of front-line staff (report section 3: the
# front line includes nurses, health care assistants, doctors and allied professions; agency and
# night staff are the ones messages miss).
ROLES: tuple[str, ...] = (
    "staff_nurse",
    "health_care_assistant",
    "junior_doctor",
    "consultant",
    "allied_health_professional",
    "agency_nurse",
)
TRIBES: tuple[str, ...] = ("nursing", "medical", "allied")
ROLE_TRIBE: dict[str, str] = {
    "staff_nurse": "nursing",
    "health_care_assistant": "nursing",
    "agency_nurse": "nursing",
    "junior_doctor": "medical",
    "consultant": "medical",
    "allied_health_professional": "allied",
}
# Roles that count toward a ward's nursing establishment (staffing ratio).
NURSING_ROLES: tuple[str, ...] = ("staff_nurse", "health_care_assistant", "agency_nurse")
SHIFTS: tuple[str, ...] = ("day", "night", "rotating")
EXECUTIVE_ROLES: tuple[str, ...] = ("ceo", "director_of_nursing", "medical_director")
OUTCOMES: tuple[str, ...] = (
    "falls",
    "pressure_sores",
    "night_emergency_calls",
    "discharge_delays",
)
# Stages of a member of staff toward the initiative (brief: awareness -> understanding ->
# ownership -> practice -> habit).
STAGES: tuple[str, ...] = (
    "unaware",
    "aware",
    "understanding",
    "ownership",
    "practice",
    "habit",
)
LIFECYCLE: tuple[str, ...] = (
    "design",
    "pilot",
    "rollout",
    "embedding",
    "sustained",
    "stalled",
    "fizzled",
    "halted",
    "redesign",
)
