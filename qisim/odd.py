"""Parameter tables for docs/ODD.md, generated from the code so the document cannot drift.

``python -m qisim.odd`` prints them; ``tests/test_docs.py`` checks that docs/ODD.md holds the
current tables.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from qisim.constants import constant_table
from qisim.scenario import Scenario

# meaning and report source of each scenario field (dotted path, lists by their element)
FIELD_NOTES: dict[str, tuple[str, str]] = {
    "name": ("scenario name, used in outputs", "-"),
    "description": ("one line saying what the scenario is", "-"),
    "days": ("days simulated", "§2: fieldwork over 14 months"),
    "trust.name": ("trust name", "§2 Case studies"),
    "trust.culture.respectful_dialogue": (
        "establishing respectful critical dialogue",
        "§3 sound organisational base",
    ),
    "trust.culture.confronting_failure": ("confronting failure constructively", "§3"),
    "trust.culture.adducing_local_data": ("adducing local data: audits persuade", "§3"),
    "trust.culture.collective_autonomy": ("allowing collective autonomy", "§3"),
    "trust.culture.rewarding_suggestions": ("resourcing and rewarding good suggestions", "§3"),
    "trust.culture.extra_mile": ("rewarding the extra mile", "§3"),
    "trust.culture.efficient_structures": ("ensuring efficient structures and processes", "§3"),
    "trust.executives.ceo_tone": (
        "the CEO's style and tone: with the DoN, backs the QI team's time",
        "Box 4",
    ),
    "trust.executives.director_of_nursing_backing": (
        "director of nursing's backing: the QI team's time and resources",
        "Box 4; FFIT resourcing",
    ),
    "trust.executives.medical_director_leadership": (
        "medical director's leadership: with the CEO's tone, backs a medical QI team's time",
        "§3 Leading",
    ),
    "trust.qi_training": (
        "QI training programme and release for it: staff QI skill growth",
        "§3 Creating a culture of learning",
    ),
    "trust.mutual_mentoring": (
        "communities of practice: staff and team skill growth",
        "§3 Growing QI skills",
    ),
    "trust.initiative_push_rate": (
        "new top-down initiatives launched per year (initiativitis)",
        "§3 Initiativitis",
    ),
    "trust.initiative_log_review": (
        "a senior manager reviews the initiative log and halts burdensome ones",
        "§5 Implications",
    ),
    "trust.log_review_weeks": ("weeks between log reviews", "§5 Implications"),
    "wards.name": ("ward name (or group name with count)", "-"),
    "wards.hospital": ("hospital the ward belongs to", "§2; Table 3 Postural blood pressure"),
    "wards.specialty": ("specialty (labels, FFIT context)", "§3 Transforming"),
    "wards.count": ("number of identical wards in this group", "-"),
    "wards.beds": ("beds (scales patient-outcome events)", "assumption"),
    "wards.establishment": (
        "funded nursing posts (staff nurses and HCAs)",
        "§3 Securing resources",
    ),
    "wards.hca_share": ("share of posts held by health care assistants", "Table 2"),
    "wards.night_share": ("share of staff on permanent nights", "Table 4 Getting through"),
    "wards.rotating_share": ("share of staff rotating day and night weeks", "assumption"),
    "wards.junior_doctors": ("junior doctors attached to the ward", "Table 2"),
    "wards.consultants": ("consultants attached to the ward", "§3 Premton's consultant ratio"),
    "wards.allied_health_professionals": ("AHPs attached to the ward", "Table 2"),
    "wards.vacancy": ("share of posts vacant", "§3 staffing shortages"),
    "wards.sickness": ("daily chance a member of staff is off sick", "§3 Securing resources"),
    "wards.agency_fill": (
        "share of each shift's gap filled by agency nurses",
        "Table 4 Getting through",
    ),
    "wards.turnover": (
        "share of permanent staff replaced per year",
        "§3 Premton retained staff for decades",
    ),
    "wards.micro_culture": (
        "the ward's own culture (empty: trust's, via the manager's style)",
        "§3 Leading; §4",
    ),
    "wards.context_distance": (
        "how unlike the design/pilot context the ward is",
        "§3 Transforming",
    ),
    "wards.manager.enthusiasm": ("ward manager's enthusiasm for the change", "§3 Dedication"),
    "wards.manager.role_modelling": ("ward manager's role modelling", "§3 Dedication"),
    "wards.manager.style_tone": (
        "ward manager's style and tone (sets micro-culture)",
        "§3 Style and tone",
    ),
    "wards.manager.leadership": (
        "ward manager's leading: coaching on the shop floor",
        "Table 4 Leading staff",
    ),
    "wards.manager.shielding": (
        "ward manager shields staff from initiativitis",
        "Table 4 Avoiding initiativitis",
    ),
    "initiative.name": ("initiative name", "Box 2"),
    "initiative.outcome": ("patient outcome the practice reduces", "Table 3"),
    "initiative.target_wards": ("wards, groups or hospitals targeted (or all)", "Table 3"),
    "initiative.target_roles": ("roles expected to adopt the change", "Table 3"),
    "initiative.target_shifts": ("shifts targeted (Handover at night: night)", "Table 3"),
    "initiative.staffing_sensitivity": (
        "how far the practice needs full staffing",
        "§3 Securing resources",
    ),
    "initiative.joint_practice": (
        "the practice needs the target professions together",
        "Table 3 Handover at night",
    ),
    "initiative.problem_clarity": (
        "agreement on what problem it solves",
        "§3 Understanding what is wrong",
    ),
    "initiative.baseline_audit": ("a baseline audit or benchmark exists", "§3 Technical QI skills"),
    "initiative.origin": ("home-grown, imported or top-down", "§3 Ownership; Box 5 Engagement"),
    "initiative.co_design": ("breadth of co-design with staff", "§3 Co-designing"),
    "initiative.leadership_clarity": ("clarity of who leads it", "§3 Leading"),
    "initiative.senior_backing": (
        "senior clinicians' practical backing",
        "Table 3 Handover at night",
    ),
    "initiative.tailoring": (
        "how far the pitch is tailored to each audience (stakeholder mapping): raises uptake",
        "§3 Framing: Nurse-led discharge",
    ),
    "initiative.inconsistent_motives": (
        "how far the motives given differ between audiences: cynicism when practice falters",
        "§3 Framing: Enhanced care; Table 3 'mixed messages'",
    ),
    "initiative.messenger": ("profession of the messengers", "§3 Difficult conversations"),
    "initiative.pdsa_pilot": ("PDSA intensity in the pilot", "§3 Using experience"),
    "initiative.pdsa_rollout": ("PDSA intensity in the roll-out", "§3 Using experience"),
    "initiative.adaptation_allowed": ("how much local adaptation is allowed", "§3 Transforming"),
    "initiative.fidelity_conflict": (
        "fight over fidelity vs adaptation in design",
        "§3 Transforming",
    ),
    "initiative.design_days": (
        "days of design work under clear leadership and a full team",
        "§3 Timing",
    ),
    "initiative.channels.sessions": (
        "ward meetings, trolley dashes, coaching",
        "§3 Getting through",
    ),
    "initiative.channels.night_sessions": (
        "share of sessions held at night",
        "Table 4 Getting through",
    ),
    "initiative.channels.written": ("written material, packs, posters", "§3 Getting through"),
    "initiative.channels.cascade_reliance": (
        "reliance on trickle-down",
        "§3 Getting through; §3 Framing",
    ),
    "initiative.rollout.start_day": ("earliest launch day", "§3 Timing"),
    "initiative.rollout.pilot_wards": ("pilot wards", "Table 3"),
    "initiative.rollout.pilot_days": ("days of pilot before roll-out", "§3 Using experience"),
    "initiative.rollout.wave_size": ("wards per roll-out wave", "Table 3 Enhanced care"),
    "initiative.rollout.wave_interval": ("days between waves", "Table 3 'a rigorous timetable'"),
    "initiative.rollout.launch_deadline": (
        "a fixed launch date: the first wards launch on this day whatever the design's state; the "
        "co-design and problem definition reach only the share of the design work done",
        "Table 3: Enhanced care 'a rigorous timetable', Nurse-led discharge 'Under no time pressure'",
    ),
    "initiative.rollout.rigid": ("waves on the timetable regardless of progress", "§3 Timing"),
    "qi_team.size": ("QI team members in post", "Table 3 Tissue viability"),
    "qi_team.establishment": ("QI team posts when fully staffed", "Table 3 Tissue viability"),
    "qi_team.profession": (
        "the team's profession: its executive (medical director or director of nursing) backs it",
        "Table 2; §3 Leading",
    ),
    "qi_team.time_share": (
        "share of the team's time on this initiative",
        "Table 3 'tackled on multiple fronts'",
    ),
    "qi_team.technical": ("technical QI skills: data, audit, PDSA", "Table 4"),
    "qi_team.communication": ("communicating effectively", "§3 Communicating"),
    "qi_team.co_design_skill": ("co-designing the QI work", "§3 Co-designing"),
    "qi_team.contextual_empathy": ("matching the change to its context", "§3 Transforming"),
    "qi_team.judgement": ("knowing when to stop and when to persist", "§3 Using experience"),
    "competing.name": ("competing initiative", "§3 Initiativitis"),
    "competing.start": ("first day it loads the wards", "§3 Initiativitis"),
    "competing.end": ("day it ends", "§3 Initiativitis"),
    "competing.wards": ("wards, groups or hospitals it loads", "§3 Initiativitis"),
    "competing.load": ("how heavily it loads staff", "§3 Initiativitis"),
    "events.day": (
        "day the event happens, 0 or later (or give `at`)",
        "Table 3 (team staffed, reins taken)",
    ),
    "events.at": (
        "lifecycle stage whose first entry fires the event, once (or give `day`)",
        "§3 Using experience (PDSA stopped at roll-out)",
    ),
    "events.after_days": ("days after entering the stage `at` that the event fires", "-"),
    "events.set": ("dotted paths and values it sets", "Table 3"),
    "events.note": ("what happened, in the report's words", "-"),
    "ffit": ("FFIT audit of the target wards (item id = score)", "Appendix 1"),
}


def _range(field) -> str:
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    ann = field.annotation
    args = typing.get_args(ann)
    if typing.get_origin(ann) is typing.Literal:
        return " / ".join(str(a) for a in args)
    for a in args:
        for m in getattr(a, "__metadata__", ()):
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        if typing.get_origin(a) is typing.Literal:
            return " / ".join(str(x) for x in typing.get_args(a))
    for m in getattr(ann, "__metadata__", ()):
        lo = getattr(m, "ge", lo)
        hi = getattr(m, "le", hi)
    if ann is bool:
        return "true / false"
    if lo is not None or hi is not None:
        return f"{'' if lo is None else lo} - {'' if hi is None else hi}"
    return "text" if ann is str else "list" if typing.get_origin(ann) is list else "-"


def _walk(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        inner = None
        for cand in (ann, *typing.get_args(ann)):
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                inner = cand
            for sub in typing.get_args(cand):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    inner = sub
        if inner is not None:
            rows.extend(_walk(inner, path + "."))
        else:
            rows.append((path, field))
    return rows


def scenario_table() -> str:
    lines = [
        "| field | meaning | allowed | default | source in the report |",
        "|---|---|---|---|---|",
    ]
    for path, field in _walk(Scenario):
        meaning, source = FIELD_NOTES.get(path, (field.description or "", ""))
        default = (
            "required"
            if field.is_required()
            else repr(field.get_default(call_default_factory=True))
        )
        lines.append(f"| `{path}` | {meaning} | {_range(field)} | {default} | {source} |")
    return "\n".join(lines)


def constants_table() -> str:
    lines = [
        "| constant | meaning | range | default | source in the report |",
        "|---|---|---|---|---|",
    ]
    for r in constant_table():
        lines.append(
            f"| `{r['name']}` | {r['meaning']} | {r['min']:g} - {r['max']:g} | {r['default']:g} | {r['source']} |"
        )
    return "\n".join(lines)


def tables() -> str:
    return (
        "<!-- generated by `python -m qisim.odd`: do not edit by hand -->\n\n"
        "### Scenario parameters\n\n" + scenario_table() + "\n\n"
        "### Mechanism constants (one set for all scenarios)\n\n" + constants_table() + "\n"
    )


def fill(path: str = "docs/ODD.md") -> None:
    """Write the current tables between the params markers of the ODD document."""
    from pathlib import Path

    doc = Path(path)
    text = doc.read_text()
    start, end = "<!-- params:start -->", "<!-- params:end -->"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(head + start + "\n" + tables() + end + tail)


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--write"]:
        fill()
    else:
        print(tables())
