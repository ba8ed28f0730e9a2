"""Mechanism constants: one set for every scenario.

Scenarios describe a trust, its wards and an initiative; they never set these. A constant is how
strongly a mechanism acts, the same at Premton as at Upsworth (pattern-oriented modelling: one set
of constants must reproduce all six case studies). Sensitivity studies vary them through
``qisim.run(..., constants=...)``.

Each field carries its meaning, allowed range and the report passage it rests on, so the ODD
document and ``qisim constants`` can list them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any


def c(default: float, lo: float, hi: float, meaning: str, source: str) -> Any:
    return field(
        default=default, metadata={"range": (lo, hi), "meaning": meaning, "source": source}
    )


@dataclass(frozen=True)
class Constants:
    # --- reach -------------------------------------------------------------------------------
    visits_per_member_week: float = c(
        5.717,
        1,
        20,
        "ward sessions a full-time QI team member can run per week",
        "§3 Getting through: ward meetings, trolley dashes, ward visits, one-to-one coaching",
    )
    session_attendance: float = c(
        0.8689,
        0.1,
        1,
        "share of on-duty target staff a ward session reaches when fully staffed",
        "§3 Getting through: 'only able to reach staff who happened to be on duty'",
    )
    cascade_fidelity: float = c(
        0.45,
        0.1,
        1,
        "fidelity kept per hop when a message is passed on by colleagues",
        "§3 Getting through: 'trickle down ... altered, misrepresented and diluted'",
    )
    cascade_rate: float = c(
        0.08,
        0,
        1,
        "daily chance an on-duty colleague passes the message on, at full reliance",
        "§3 Framing: 'incorrect assumption that others would cascade the information'",
    )
    written_fidelity: float = c(
        0.25,
        0,
        1,
        "understanding given by written material alone",
        "§3 Getting through: packs, laminated cards, intranet; staff 'only vaguely aware'",
    )
    written_rate: float = c(
        0.01,
        0,
        0.2,
        "daily chance written material reaches an on-duty member of staff",
        "§3 Getting through",
    )
    session_persuasion: float = c(
        0.4,
        0,
        1,
        "ownership a session's relational work adds, at full communication skill",
        "§3 Style and tone: 'knowing the staff personally ... always being there ... supportive'",
    )
    coaching_rate: float = c(
        0.00907,
        0,
        0.1,
        "daily deepening of understanding by a fully capable ward manager",
        "Table 4 Leading staff: leaders 'communicated well, ... set clear direction'",
    )
    agency_turnover: float = c(
        0.03,
        0,
        0.5,
        "daily chance an agency post is taken by someone new, who has not heard",
        "Table 4 Getting through: 'including night shift and agency staff'",
    )
    fidelity_skill_floor: float = c(
        0.5,
        0,
        1,
        "fidelity of a first-hand message from a team with no communication skill, relative to full skill",
        "§3 Getting through; Table 4 Framing the message correctly. ASSUMPTION: form and value",
    )
    fidelity_clarity_floor: float = c(
        0.6,
        0,
        1,
        "fidelity of a first-hand message about a wholly unclear problem, relative to a clear one",
        "§3 Understanding what is wrong: 'could not agree on what problem ... attempting to solve'. ASSUMPTION: value",
    )
    session_need_floor: float = c(
        0.05,
        0.001,
        0.5,
        "weight a ward whose staff already understand fully keeps when the team chooses where to hold sessions",
        "§3 Getting through. ASSUMPTION: sessions go mostly where understanding is lowest",
    )
    staff_qi_skill_mean: float = c(
        0.3,
        0,
        1,
        "mean QI skill of a member of staff on arrival (start of the run, or a newcomer replacing a leaver)",
        "§3 Growing the necessary QI skills. ASSUMPTION: value",
    )
    staff_qi_skill_sd: float = c(
        0.1,
        0,
        0.3,
        "spread (sd) of QI skill among arriving staff",
        "ASSUMPTION: no figure in the report",
    )
    # --- staffing -----------------------------------------------------------------------------
    staffing_gap_scale: float = c(
        0.2645,
        0.05,
        1,
        "staffing shortfall at which a fully staffing-sensitive practice fails",
        "§3 Securing resources: Enhanced care 'unravelled on days when the ward was understaffed'",
    )
    release_threshold: float = c(
        0.85,
        0.5,
        1.1,
        "staffing ratio below which staff cannot be released for sessions",
        "§3 Learning: 'a matron had to stand in for a nurse ... so the nurse could attend'",
    )
    release_curve: float = c(
        2.0,
        1,
        4,
        "exponent of the chance of release against staffing below the threshold (2: a shortage bites harder than in proportion)",
        "§3 Learning: release needs cover. ASSUMPTION: form",
    )
    senior_cover: float = c(
        0.3,
        0,
        0.6,
        "staffing ratio that senior staff add by covering on the ward, so that others are released to learn, in a trust that wholly rewards the extra mile",
        "§3 Rewarding the extra mile: 'pitch in and help out when needed regardless of rank and role'; §3 Learning: 'a matron had to stand in for a nurse'",
    )
    # --- ownership ----------------------------------------------------------------------------
    ownership_rate: float = c(
        0.07221,
        0.001,
        0.2,
        "daily rate at which understanding turns into ownership",
        "§3 Fostering ownership",
    )
    imposed_resistance: float = c(
        0.007007,
        0,
        0.1,
        "daily erosion of ownership for an imposed, not co-designed change",
        "Box 5 Engagement: top-down initiatives 'result in resentment'",
    )
    home_grown_bonus: float = c(
        0.6,
        0,
        2,
        "extra ownership drive of a home-grown change",
        "§3 Fostering ownership: 'If it's home-grown, they'll own it'",
    )
    uncodesigned_drive: float = c(
        0.6,
        0.2,
        1,
        "ownership drive multiplier of a change nobody outside the team helped design (co-design 0)",
        "§3 Co-designing the QI work; §3 Fostering ownership. ASSUMPTION: value",
    )
    co_design_drive: float = c(
        0.8,
        0,
        2,
        "extra ownership drive per unit of co-design",
        "§3 Fostering ownership: 'By the time they were expected to implement the change they were already familiar with it'",
    )
    imported_imposition: float = c(
        0.5,
        0,
        1,
        "resistance an imported change meets, relative to a top-down one",
        "Box 5 Engagement: 'top-down, managerially-led initiatives can result in resentment'. ASSUMPTION: imported halfway",
    )
    abandonment_erosion: float = c(
        0.01,
        0,
        0.1,
        "daily erosion of ownership once the team has given up on the change",
        "Table 3 Handover at night: 'the project eventually fizzled out'. ASSUMPTION: value",
    )
    consult_rate: float = c(
        0.01,
        0,
        0.1,
        "daily chance an on-duty target member of staff is consulted during the design, at full co-design breadth",
        "§3 Co-designing: 'All the relevant parties had been carefully and appropriately involved'",
    )
    consult_understanding: float = c(
        0.5,
        0,
        1,
        "understanding a consultation gives at the narrowest co-design",
        "§3 Fostering ownership: 'already familiar with it'. ASSUMPTION: value",
    )
    consult_understanding_gain: float = c(
        0.4,
        0,
        0.5,
        "extra understanding a consultation gives at full co-design breadth",
        "ASSUMPTION: value",
    )
    consult_ownership: float = c(
        0.2,
        0,
        1,
        "share of the gap to full ownership a consultation closes at full breadth",
        "§3 Fostering ownership: 'They love it if it's their idea'",
    )
    co_design_time: float = c(
        0.6588,
        0,
        1.5,
        "extra design time full co-design takes, as a share of the design's own time",
        "Table 3 Nurse-led discharge: 'Under no time pressure, and developed and audited in an inclusive way'; §3 Timing: 'time to think the QI through'",
    )
    # --- problem clarity ----------------------------------------------------------------------
    clarity_floor: float = c(
        0.08729,
        0,
        1,
        "share of ownership drive left when nobody agrees what the problem is",
        "§3 Understanding what is wrong: 'no agreement about its priority'",
    )
    senior_stifling: float = c(
        0.02,
        0,
        0.2,
        "daily erosion of doctors' ownership when consultants reject the change",
        "§3 Understanding what is wrong: senior clinicians 'stifled it'",
    )
    problem_time: float = c(
        0.2186,
        0,
        1.5,
        "extra design time defining the problem fully takes, as a share of the design's own time",
        "§3 Understanding what is wrong and why: Handover at night's 'failure to establish exactly what problem they were wanting to solve at the start'",
    )
    stifling_threshold: float = c(
        0.5606,
        0.1,
        0.9,
        "senior support below which consultants stifle the change (stifling grows as support falls below it)",
        "§3 Understanding what is wrong: senior clinicians 'instead of agreeing to lead the project, stifled it'. ASSUMPTION: value",
    )
    suggestion_haste: float = c(
        0.2,
        0,
        0.5,
        "share of the problem's scrutiny skipped in a trust that wholly rewards suggestions",
        "§3 Resourcing and rewarding good suggestions: 'sometimes the nature of the problem and/or the proposed solution was not rigorously examined before proceeding'",
    )
    # --- tribes -------------------------------------------------------------------------------
    cross_tribe: float = c(
        0.3,
        0,
        1,
        "weight of a message from another profession, relative to one's own",
        "§3 Difficult conversations: junior doctors 'listening only to the consultant'",
    )
    peer_influence: float = c(
        0.02,
        0,
        0.2,
        "daily pull of one's ownership toward own tribe's mean ownership on the ward",
        "§3 Role modelling; Box 5 Crossing boundaries",
    )
    joint_solo_share: float = c(
        0.5,
        0,
        1,
        "share of a joint practice (a meeting of the professions) one can do without the others",
        "§3 Adapting prior experiential learning: day handover 'did not translate to the "
        "night-time multidisciplinary handover meetings'",
    )
    # --- role modelling -----------------------------------------------------------------------
    role_model_pull: float = c(
        1.2,
        0,
        4,
        "multiplier of ownership drive from a zealous, respected ward manager",
        "§3 Dedication: 'Their wards were the successful ones'",
    )
    norm_hold: float = c(
        0.6,
        0,
        1,
        "how much a role-modelling manager slows the decay of a habit",
        "§3 Dedication: 'reminding staff how important it was to uphold the values'",
    )
    role_model_tone_floor: float = c(
        0.5,
        0,
        1,
        "share of a zealous manager's pull kept when their style and tone is wholly poor",
        "§3 Leading staff: disparities 'due to the management style and tone adopted by "
        "front-line managers'",
    )
    # --- initiativitis ------------------------------------------------------------------------
    load_tolerance: float = c(
        0.8511,
        0,
        5,
        "concurrent initiatives a ward absorbs without fatigue",
        "§3 Initiativitis: 'I'm just one person and I'm already rushed off my feet'",
    )
    fatigue_gain: float = c(
        0.002,
        0,
        0.05,
        "daily rise of change fatigue per initiative above tolerance",
        "§3 Initiativitis",
    )
    fatigue_recovery: float = c(
        0.001856,
        0,
        0.05,
        "daily recovery from change fatigue (slow: it lingers)",
        "§3 Initiativitis: antipathy 'had lingered even when the pressures had subsided'",
    )
    shield_capacity: float = c(
        1.5,
        0,
        5,
        "extra initiatives a fully shielding ward manager keeps off the staff",
        "Table 4 Avoiding and shielding staff from 'initiativitis'",
    )
    pushed_days_min: float = c(
        90.0,
        14,
        365,
        "shortest run in days of a top-down initiative the executives push (rounded to a day)",
        "ASSUMPTION: the report says pushed initiatives were 'quickly implemented' with 'little "
        "time to achieve and sustain change' (§3 Initiativitis) but gives no durations",
    )
    pushed_days_span: float = c(
        180.0,
        1,
        720,
        "spread of pushed initiatives' runs: uniform over pushed_days_min + 0 .. span - 1 days",
        "ASSUMPTION: no durations in the report; three to nine months",
    )
    pushed_reach: float = c(
        0.6553,
        0.05,
        1,
        "chance each ward is loaded by a pushed top-down initiative",
        "ASSUMPTION: the report names trust-wide pushes (pressure sores, falls, dementia: §3 "
        "Initiativitis) but not their reach",
    )
    log_review_overload: float = c(
        1.0,
        0,
        5,
        "initiatives above load_tolerance at which the log review halts a ward's pushed ones",
        "§5 Implications: a senior manager 'empowered to halt projects that become burdensome'",
    )
    log_review_momentum: float = c(
        0.5,
        0,
        1,
        "team momentum below which the log review halts this initiative as not progressing",
        "§5 Implications: 'halt projects that become burdensome or do not progress'",
    )
    # --- adaptation ---------------------------------------------------------------------------
    context_penalty: float = c(
        0.6,
        0,
        1,
        "loss of fit of an unadapted change on a ward wholly unlike the pilot",
        "§3 Transforming: Postural blood pressure 'tried to make one size fit all'",
    )
    pdsa_gain: float = c(
        0.35,
        0,
        1,
        "share of remaining misfit one monthly PDSA cycle removes at full skill",
        "§3 Using experience to modify the intervention",
    )
    fidelity_fight: float = c(
        0.8,
        0,
        1,
        "share of design progress lost to the fidelity-vs-adaptation conflict",
        "§3 Transforming: Managing unprofessional behaviour 'almost derailed'",
    )
    empathy_softening: float = c(
        0.5,
        0,
        1,
        "share of the loss of fit with context that full contextual empathy avoids",
        "§3 Co-designing; FFIT contextual empathy. ASSUMPTION: value",
    )
    pdsa_cycles_per_member_month: float = c(
        2.0,
        0.5,
        6,
        "PDSA cycles a full-time QI team member can run a month",
        "§3 Using experience to modify the intervention. ASSUMPTION: value",
    )
    pdsa_skill_base: float = c(
        0.5,
        0,
        1,
        "weight of a PDSA cycle on a ward whose staff have no QI skill (each unit of staff QI skill adds one)",
        "§3 Growing the necessary QI skills; §3 Technical QI skills: PDSA. ASSUMPTION: value",
    )
    pdsa_culture_floor: float = c(
        0.5,
        0,
        1,
        "share of a PDSA cycle's gain left in a wholly hostile local environment",
        "§3 Upsworth: 'keeping your head down'. ASSUMPTION: value",
    )
    pdsa_trial_persuasion: float = c(
        0.05,
        0,
        0.3,
        "share of the gap to full ownership a month of small tests of change closes, at full intensity and coverage",
        "§3 Using experience: Enhanced care 'used PDSA successfully during the pilot phase'",
    )
    local_adaptation: float = c(
        0.15,
        0,
        0.5,
        "monthly share of a ward's misfit its own staff remove, at full collective autonomy, adaptation allowed and QI skill",
        "§3 Allowing collective autonomy: 'rely on colleagues to get on and do the job well ... not be micromanaged'; Table 3 Nurse-led discharge: 'varied according to each unit's differing needs'",
    )
    suggestion_gain: float = c(
        0.15,
        0,
        0.5,
        "monthly share of a ward's misfit removed by staff suggestions taken up, at full reward of suggestions, ownership and QI skill",
        "§3 Encouraging and rewarding good suggestions: the Nurse-led discharge team 'modified the scheme accordingly to suit the needs of the different wards'",
    )
    failure_learning: float = c(
        0.2,
        0,
        0.5,
        "share of a ward's misfit removed when a disappointing audit is confronted constructively (learn and adjust)",
        "§3 Confronting failure constructively: 'The response instead ... should be mutual support and development'",
    )
    structures_floor: float = c(
        0.7808,
        0,
        1,
        "share of planned design work and PDSA cycles followed through where structures and processes are wholly inefficient",
        "§3 Ensuring efficient structures and processes: 'Action plans here are actually closed!'; Upsworth: 'Excessive bureaucracy, untethered committees'",
    )
    # --- timing and momentum ------------------------------------------------------------------
    habit_rate: float = c(
        0.01279,
        0.001,
        0.2,
        "daily rate at which practice on duty becomes habit",
        "§3 Timing: 'time to embed the change little by little'",
    )
    embed_level: float = c(
        0.5215,
        0.3,
        0.95,
        "ward habit level at which the change counts as embedded",
        "Table 3 Nurse-led discharge: 'firmly embedded'",
    )
    sustain_days: float = c(
        90.0,
        30,
        365,
        "days with at least sustained_share of the target wards embedded before the change counts as sustained",
        "§3 Timing: 'to revisit and sustain change after the project was completed'. ASSUMPTION: value",
    )
    sustained_share: float = c(
        0.8,
        0.5,
        1,
        "share of the target wards embedded for the change to count as sustained",
        "Table 3 Nurse-led discharge: 'successfully implemented across all units'. ASSUMPTION: value",
    )
    stall_after: float = c(
        2.0,
        1.2,
        4,
        "design overrun, as a multiple of its planned time (co-design and problem work included), after which an unfinished design counts as stalled",
        "§3 Leading: 'held things up in the early stages'. ASSUMPTION: value",
    )
    redesign_share: float = c(
        0.5,
        0.2,
        1,
        "share of the original design work a redesign takes",
        "Table 3 Enhanced care: 'being redesigned and relaunched'. ASSUMPTION: value",
    )
    relaunch_co_design: float = c(
        0.5,
        0.2,
        1,
        "co-design a redesign reaches at least: the team involves staff more widely",
        "§3 Initiativitis: the QI team could 'repossess it and redesign it in a way that worked'. ASSUMPTION: value",
    )
    relaunch_pdsa: float = c(
        0.5,
        0.2,
        1,
        "PDSA intensity in the waves a redesign keeps at least",
        "§3 Using experience to modify the intervention. ASSUMPTION: value",
    )
    relaunch_momentum: float = c(
        0.8,
        0.4,
        1,
        "the team's momentum on relaunch",
        "ASSUMPTION: a fresh start, short of full",
    )
    momentum_loss: float = c(
        0.1341,
        0,
        1,
        "monthly loss of team momentum when practice does not progress",
        "§3 Using experience: 'pushed it for too long'",
    )
    momentum_gain: float = c(
        0.15,
        0,
        1,
        "monthly gain of momentum when practice or audit results progress",
        "§3 Timing, coordination and momentum",
    )
    stop_momentum: float = c(
        0.3611,
        0,
        1,
        "momentum at which a team with perfect judgement stops or redesigns",
        "§3 Using experience: 'Knowing when to stop and when to persist'",
    )
    progress_needed: float = c(
        0.02,
        0,
        0.2,
        "monthly rise in habit a team counts as progress",
        "§3 Timing: 'reflect on progress ... carry out adjustments if it begins to falter'",
    )
    wave_ready: float = c(
        0.4,
        0,
        1,
        "practice the previous wave must reach before a flexible timetable moves on",
        "§3 Timing: 'reading wards to know when to push and when hold back'",
    )
    early_wave: float = c(
        0.5,
        0.25,
        1,
        "share of the wave interval after which a flexible timetable may start the next wave once the live wards practise",
        "§3 Timing: 'reading wards to know when to push and when hold back'. ASSUMPTION: value",
    )
    late_wave: float = c(
        3.0,
        1.5,
        6,
        "multiple of the wave interval after which a flexible timetable starts the next wave regardless",
        "§3 Timing. ASSUMPTION: value",
    )
    stop_judgement_floor: float = c(
        0.3,
        0,
        1,
        "stopping point of a team with no judgement, as a share of stop_momentum (perfect)",
        "§3 Using experience: Handover at night's leads 'realised they had pushed it for too long'",
    )
    redesign_judgement: float = c(
        0.5,
        0,
        1,
        "QI-team judgement at or above which a stopping team redesigns (once), not gives up",
        "§3 Initiativitis: the collapse of an imposed initiative 'allowed the QI team to "
        "repossess it and redesign it in a way that worked'",
    )
    # --- leadership ---------------------------------------------------------------------------
    unclear_lead_progress: float = c(
        0.1,
        0,
        1,
        "design progress rate under wholly unclear leadership, relative to clear",
        "§3 Leading: 'a lack of clarity as to who was in charge held things up'",
    )
    team_size_exponent: float = c(
        0.3102,
        0.2,
        1,
        "exponent of design speed on the team's staffing and time (0.5: half the team designs at 71% speed)",
        "§3 Securing resources: Tissue viability team 'seriously understaffed'. ASSUMPTION: form",
    )
    unbacked_time: float = c(
        0.6565,
        0.25,
        1,
        "share of the team's time share left when the executives give no backing",
        "Box 4: 'giving staff the tools to do it properly, regardless of cost'. ASSUMPTION: value",
    )
    backing_time_gain: float = c(
        0.697,
        0,
        1,
        "extra share of the team's time share full executive backing brings",
        "FFIT resourcing: 'active backing and support from senior managers'. ASSUMPTION: value",
    )
    # --- framing ------------------------------------------------------------------------------
    tailoring_boost: float = c(
        0.5,
        0,
        2,
        "extra early ownership drive from a pitch wholly tailored to each audience",
        "§3 Framing: Enhanced care 'successfully sold the idea differently to different staff'",
    )
    cynicism_rate: float = c(
        0.01,
        0,
        0.1,
        "daily growth of cynicism per unit of failed practice, wholly inconsistent motives",
        "§3 Framing: 'there was cynicism from ward staff ... and conversely from managers'",
    )
    tailoring_days: float = c(
        180.0,
        30,
        720,
        "days over which a pitch tailored to each audience keeps its early pull (e-folding)",
        "§3 Framing: 'Mapping stakeholders and developing the best pitch for each of them'. ASSUMPTION: value",
    )
    cynicism_erosion: float = c(
        0.02,
        0,
        0.1,
        "daily erosion of ownership at full cynicism",
        "§3 Framing: 'there was cynicism from ward staff'. ASSUMPTION: value",
    )
    # --- culture ------------------------------------------------------------------------------
    micro_culture_weight: float = c(
        0.6,
        0,
        1,
        "weight of the ward's own micro-culture against the trust's",
        "§3 Leading: 'standards of practice could vary greatly between different parts'",
    )
    manager_tone_weight: float = c(
        0.5,
        0,
        1,
        "weight of the manager's style and tone (against the trust's climate) in a ward's "
        "micro-culture, where the scenario does not give it",
        "§3 Leading: disparities 'were due to the management style and tone adopted by "
        "front-line managers'. ASSUMPTION: equal weights",
    )
    initial_goodwill: float = c(
        0.5,
        0,
        1,
        "ownership on first hearing of a change, in a wholly open culture",
        "Table 3 Handover at night: 'Staff professed it to be a good idea in principle'",
    )
    culture_floor: float = c(
        0.2,
        0,
        1,
        "share of ownership drive left in a wholly hostile culture",
        "§3 Upsworth: 'Bullying' and 'keeping your head down'",
    )
    dialogue_bridging: float = c(
        0.5,
        0,
        1,
        "share of the gap between a cross-professional and an own-profession message, and between one's own profession's norm and the ward's, that a wholly respectful critical dialogue closes",
        "§3 Enabling difficult conversations: respectful critical dialogue includes 'the ability to manage interpersonal/interprofessional tensions, and to communicate across tribal borders'",
    )
    blame_erosion: float = c(
        0.1,
        0,
        0.5,
        "share of ownership lost on a ward whose audit disappoints, in a culture that wholly blames instead of confronting failure",
        "§3 Confronting failure constructively: 'Blame was considered inappropriate'; §3 Upsworth: 'blame and/or panicky, short-term fixes imposed from above'",
    )
    # --- learning -----------------------------------------------------------------------------
    learning_rate: float = c(
        0.004,
        0,
        0.05,
        "daily growth of staff QI skill from training and communities of practice",
        "§3 Growing the necessary QI skills",
    )
    team_learning: float = c(
        0.03,
        0,
        0.3,
        "monthly growth of the QI team's skills through mutual mentoring",
        "§3 Creating a culture of learning: 'A great deal of mutual mentoring'",
    )
    mentoring_weight: float = c(
        0.7111,
        0,
        1,
        "weight of mutual mentoring (against the training programme) in the QI team's learning",
        "§3 Creating a culture of learning: 'A great deal of mutual mentoring'. ASSUMPTION: equal weights",
    )
    # --- audit --------------------------------------------------------------------------------
    audit_feedback: float = c(
        0.118,
        0,
        1,
        "ownership boost when an audit shows local improvement, at full data culture",
        "§3 Adducing local data; Nurse-led discharge audit 'demonstrating to initially resistant staff'",
    )
    audit_skill_base: float = c(
        0.5,
        0,
        1,
        "weight of audit feedback on staff with no QI skill (each unit of QI skill adds one)",
        "§3 Technical QI skills: audit findings used 'strategically ... to influence others'. ASSUMPTION: value",
    )
    audit_noise: float = c(
        0.25,
        0,
        1,
        "relative sampling noise of a monthly audit of the patient outcome",
        "§3 Technical QI skills: audit",
    )
    outcome_effect: float = c(
        0.7073,
        0,
        1,
        "share of the patient-outcome rate removed by full practice",
        "Table 3: Handover at night audit 'reducing the number of emergency calls'",
    )
    # --- roll-out strategies ------------------------------------------------------------------
    readiness_window: float = c(
        28.0,
        7,
        90,
        "days over which a ward's staffing is averaged (exponentially) for its readiness",
        "ASSUMPTION: four weeks, a roster cycle; §5 asks for a 'rapid audit to determine the "
        "readiness for improvement' but gives no window",
    )
    programme_load: float = c(
        0.5,
        0,
        2,
        "initiative load the readiness audit and SOFFT programme put on target wards as it runs",
        "ASSUMPTION: half an initiative (managers and some staff are released for its sessions); "
        "§5 recommends SOFFT training but gives no cost",
    )
    programme_days_scale: float = c(
        300.0,
        60,
        1200,
        "days of SOFFT programme that close 1 - 1/e of the gap to full skill at full attendance",
        "ASSUMPTION: a four-month programme closes about a third of the gap; §5 'broadening QI "
        "training to ... encompass SOFFT skills development' gives no size",
    )

    def with_overrides(self, overrides: dict[str, float]) -> Constants:
        known = {f.name for f in fields(self)}
        bad = sorted(set(overrides) - known)
        if bad:
            raise KeyError(f"unknown mechanism constant(s): {', '.join(bad)}")
        return replace(self, **{k: float(v) for k, v in overrides.items()})


# The constants fitted by the declared calibration (docs/calibration.md: point 127 of
# results/calibration/, rounded to 4 significant figures); every other constant keeps its
# hand-set value. tests/test_calibration.py checks these values against calibrated.json.
CALIBRATED: tuple[str, ...] = (
    "audit_feedback", "backing_time_gain", "clarity_floor", "co_design_time",
    "coaching_rate", "embed_level", "fatigue_recovery", "habit_rate", "imposed_resistance",
    "load_tolerance", "mentoring_weight", "momentum_loss", "outcome_effect",
    "ownership_rate", "problem_time", "pushed_reach", "session_attendance",
    "staffing_gap_scale", "stifling_threshold", "stop_momentum", "structures_floor",
    "team_size_exponent", "unbacked_time", "visits_per_member_week",
)  # fmt: skip


DEFAULT_CONSTANTS = Constants()

# Patient-outcome events per occupied bed-day before any improvement. Assumptions (the report
# gives no rates): of the order seen in NHS acute wards, used only to make audits realistic.
OUTCOME_BASE_RATES: dict[str, float] = {
    "falls": 0.006,
    "pressure_sores": 0.004,
    "night_emergency_calls": 0.02,
    "discharge_delays": 0.08,
}


def constant_table() -> list[dict[str, Any]]:
    """Every constant with its default, range, meaning and source (for docs and the CLI)."""
    rows = []
    for f in fields(Constants):
        lo, hi = f.metadata["range"]
        rows.append(
            {
                "name": f.name,
                "default": f.default,
                "min": lo,
                "max": hi,
                "meaning": f.metadata["meaning"],
                "source": f.metadata["source"],
            }
        )
    return rows
