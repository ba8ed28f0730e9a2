"""The FFIT items as the model's inputs: each item's slot, the scale, and an audit turned into
scenario attributes (docs/ffit-mapping.md is the same table in words).

Each item of the Fitness for Improvement Tool (report Appendix 1) has one *slot*: the scenario
attribute that carries what the item audits into the model. A score sets its slot (FFIT ->
scenario) and each row says how the slot is read back from the model's state (model -> FFIT), so
an audit turned into a scenario and scored at day 0 gives the audit back. One item, one slot: two
items on one attribute could not both be read back.

Two items have no counterpart in the model (``NOT_MODELLED``): their score is carried in the
scenario's ``ffit`` table and read back from it (the scale's midpoint, 2.5, when a scenario has no
audit).

This is the domain's table, part of the model core: a scenario's audit (``[ffit]``,
``ffit_file``) sets attributes through it and roll-out readiness scores wards by it
(:mod:`qisim.strategies`). The FFIT tool (:mod:`qisim.ffit`) reads the model through it
(:func:`qisim.ffit.model_profile`, :func:`qisim.ffit.launch_profile`), never the reverse.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from qisim.domain import FFIT_ITEM_IDS
from qisim.mechanisms import initiativitis

if TYPE_CHECKING:
    from qisim.model import QIModel

TOP = 5  # the top of the FFIT scale (report Appendix 1: 0 = not at all ... 5 = to a very great extent)
NEUTRAL = 2.5  # the profile of an item the model cannot score, when no audit gave it
QI_TEAM_POSTS = 5  # the QI team an audit describes: `score` of five posts filled
OTHER_LOAD_AT_ZERO = 3.0  # other initiatives per ward at which "not too many" scores 0
# weeks between initiative log reviews for scores 1-5 (yearly ... monthly); no review scores 0
LOG_REVIEW_WEEKS = {1: 52, 2: 26, 3: 13, 4: 8, 5: 4}
WAVE_INTERVAL = (30, 120)  # days between roll-out waves that score 0 and 5


@dataclass(frozen=True)
class ItemMap:
    """How one FFIT item becomes scenario attributes and how the model scores it back.

    ``to_values(score)`` gives ``{dotted.path: value}``; ``read(model)`` gives the 0-5 score of the
    model's state today. ``sets``, ``reads`` and ``mechanism`` describe both in words for
    docs/ffit-mapping.md; ``strength`` is ``direct`` (the attribute is what the item asks about),
    ``proxy`` (the nearest attribute the model has) or ``not modelled``.
    """

    item: str
    sets: str
    reads: str
    mechanism: str
    strength: str
    to_values: Callable[[int], dict[str, Any]]
    read: Callable[[QIModel], float]


def _clip(score: float) -> float:
    return float(min(max(score, 0.0), TOP))


def _attr(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def _target(model: QIModel) -> np.ndarray:
    """The wards the audit describes: the initiative's target wards (all wards if none)."""
    t = model.wards.target
    return t if t.any() else np.ones(model.wards.n, dtype=bool)


# --- readers of the model's state -------------------------------------------------------------
def trust(field: str) -> Callable[[QIModel], float]:
    return lambda m: float(_attr(m.qi_scenario.trust, field))


def initiative(field: str) -> Callable[[QIModel], float]:
    return lambda m: float(_attr(m.initiative, field))


def team_skill(name: str) -> Callable[[QIModel], float]:
    """The QI team's skill today (it grows through mentoring and training, learning.py)."""
    return lambda m: float(m.team_skills[name])


def team(field: str) -> Callable[[QIModel], float]:
    return lambda m: float(getattr(m.qi_scenario.qi_team, field))


def ward(array: str) -> Callable[[QIModel], float]:
    """Mean over the target wards of a ward attribute as the model holds it today."""
    return lambda m: float(np.mean(getattr(m.wards, array)[_target(m)]))


# --- item builders ----------------------------------------------------------------------------
def linear(
    item: str, path: str, reader: Callable[[QIModel], float], lo: float, hi: float,
    mechanism: str, strength: str, array: str | None = None,
) -> ItemMap:  # fmt: skip
    """Score 0 sets ``lo``, 5 sets ``hi``, linearly; the profile inverts it. Whole-number
    bounds (days) give whole-number values, chosen so each score maps exactly."""
    whole = isinstance(lo, int) and isinstance(hi, int) and abs(hi - lo) > 1

    def to_values(score: int) -> dict[str, Any]:
        value = lo + (hi - lo) * score / TOP
        return {path: int(round(value)) if whole else round(value, 6)}

    def read(model: QIModel) -> float:
        return _clip(TOP * (reader(model) - lo) / (hi - lo))

    if lo == 0 and hi == 1:
        how = "score / 5"
    elif lo == 1 and hi == 0:
        how = "1 - score / 5"
    elif hi > lo:
        how = f"{lo:g} + {hi - lo:g} x score / 5 ({lo:g} at 0, {hi:g} at 5)"
    else:
        how = f"{lo:g} - {lo - hi:g} x score / 5 ({lo:g} at 0, {hi:g} at 5)"
    if array:
        where = f"mean over the target wards of the model's `wards.{array}`"
    elif path.startswith("qi_team.") and path != "qi_team.judgement":
        where = "the QI team's skill today (`model.team_skills`, grows by mentoring)"
    else:
        where = "the same attribute, as the model holds it today"
    return ItemMap(item, f"`{path}` = {how}", where, mechanism, strength, to_values, read)


def qi_team_staffing(item: str) -> ItemMap:
    """The QI team's staffing: ``score`` of five posts filled; read as filled share of posts."""

    def to_values(score: int) -> dict[str, Any]:
        return {"qi_team.size": int(score), "qi_team.establishment": QI_TEAM_POSTS}

    def read(model: QIModel) -> float:
        posts = model.qi_scenario.qi_team.establishment
        return _clip(TOP * len(model.qi_team) / posts)

    return ItemMap(
        item,
        f"`qi_team.size` = score, `qi_team.establishment` = {QI_TEAM_POSTS}",
        "5 x QI team members today / `qi_team.establishment`",
        "reach.run_sessions, adaptation.pdsa_cycle, leadership.design_rate",
        "direct",
        to_values,
        read,
    )


def expected_pushed_load(push_rate: float) -> float:
    """Other initiatives a ward carries on average at a push rate (per year), in steady state:
    rate x mean duration x share of wards each reaches (initiativitis.push_new_initiatives)."""
    lo, hi = initiativitis.PUSHED_DURATION
    mean_days = (lo + hi - 1) / 2  # rng.integers(lo, hi) excludes hi
    return push_rate * mean_days / 365 * initiativitis.PUSHED_REACH


def other_initiatives(item: str) -> ItemMap:
    """'There are not too many other initiatives already underway': the other initiatives on
    the target wards today (the scenario's competing initiatives that are live, plus the
    executives' expected top-down pushes), 0 of them scoring 5 and three or more scoring 0."""

    def to_values(score: int) -> dict[str, Any]:
        load = OTHER_LOAD_AT_ZERO * (1 - score / TOP)
        return {"trust.initiative_push_rate": round(load / expected_pushed_load(1.0), 6)}

    def read(model: QIModel) -> float:
        c, day, target = model.competing, model.day, _target(model)
        live = (c.start <= day) & (day < c.end) & ~c.halted

        def load_of(which: np.ndarray) -> float:
            if not c.n:
                return 0.0
            return float(np.mean(((c.load * (live & which)) @ c.wards)[target]))

        # pushed initiatives: those live today, or the expected number if more (at launch none
        # has been pushed yet, but the executives' habit is known)
        expected = expected_pushed_load(model.qi_scenario.trust.initiative_push_rate)
        other = load_of(~c.pushed) + max(load_of(c.pushed), expected)
        return _clip(TOP * (1 - other / OTHER_LOAD_AT_ZERO))

    return ItemMap(
        item,
        f"`trust.initiative_push_rate` = the rate whose expected load is {OTHER_LOAD_AT_ZERO:g} x "
        f"(1 - score / 5) other initiatives per ward ({OTHER_LOAD_AT_ZERO / expected_pushed_load(1):.1f}"
        " a year at 0, none at 5)",
        "5 x (1 - (live competing load on target wards today + expected pushed load) / "
        f"{OTHER_LOAD_AT_ZERO:g})",
        "initiativitis.push_new_initiatives, update_load, update_fatigue",
        "direct",
        to_values,
        read,
    )


def log_review(item: str) -> ItemMap:
    """'Appropriately coordinated with other improvements': the initiative log review of report
    §5. Score 0: no review; 1 to 5: a review yearly, half-yearly, quarterly, every two months,
    monthly. Intervals in between read by interpolation on a log scale."""
    weeks = np.array([LOG_REVIEW_WEEKS[s] for s in sorted(LOG_REVIEW_WEEKS)], dtype=float)
    scores = np.array(sorted(LOG_REVIEW_WEEKS), dtype=float)

    def to_values(score: int) -> dict[str, Any]:
        if score == 0:
            return {"trust.initiative_log_review": False, "trust.log_review_weeks": int(weeks[0])}
        return {
            "trust.initiative_log_review": True,
            "trust.log_review_weeks": LOG_REVIEW_WEEKS[score],
        }

    def read(model: QIModel) -> float:
        t = model.qi_scenario.trust
        if not t.initiative_log_review:
            return 0.0
        # np.interp wants rising x: -log(weeks) rises as reviews get more frequent
        return float(np.interp(-math.log(t.log_review_weeks), -np.log(weeks), scores))

    table = ", ".join(f"{w} at {s}" for s, w in LOG_REVIEW_WEEKS.items())
    return ItemMap(
        item,
        f"`trust.initiative_log_review` = score > 0; `trust.log_review_weeks` = {table}",
        "0 without a log review, else the score of its interval (log-interpolated)",
        "initiativitis.log_review (halts burdensome initiatives, and this one if it has stalled)",
        "direct",
        to_values,
        read,
    )


def not_modelled(item: str, why: str) -> ItemMap:
    """An item the model has no counterpart for: the score is carried as given."""

    def read(model: QIModel) -> float:
        audit = model.qi_scenario.ffit or {}
        return float(audit.get(item, NEUTRAL))

    return ItemMap(
        item,
        "nothing (kept in the scenario's `ffit` table)",
        f"the scenario's audit score, {NEUTRAL} without an audit",
        why,
        "not modelled",
        lambda score: {},
        read,
    )


# --- the table --------------------------------------------------------------------------------
def _build() -> dict[str, ItemMap]:
    T, I, W = "trust", "initiative", "wards.*"  # noqa: E741 (short names keep the table legible)
    # each feature of the sound organisational base acts on its own pathway (culture.py)
    use = {
        "confronting_failure": "audit.confront_failure (learn or blame after a disappointing audit)",
        "respectful_dialogue": "culture.environment, culture.goodwill, tribes.cross_tribe, tribes.peer_pull",
        "collective_autonomy": "adaptation.local_adjustments (wards adapt the change)",
        "adducing_local_data": "audit.monthly_audit (audit feedback)",
        "rewarding_suggestions": "adaptation.local_adjustments (suggestions), problem.agreed_clarity",
        "extra_mile": "staffing.release (senior cover)",
        "efficient_structures": "leadership.follow_through (design speed, PDSA)",
    }
    rows = [
        # Front-line staff
        linear("staff_01", f"{T}.culture.confronting_failure", trust("culture.confronting_failure"), 0, 1, use["confronting_failure"], "direct"),
        linear("staff_02", f"{T}.culture.respectful_dialogue", trust("culture.respectful_dialogue"), 0, 1, use["respectful_dialogue"], "direct"),
        linear("staff_03", f"{T}.culture.collective_autonomy", trust("culture.collective_autonomy"), 0, 1, use["collective_autonomy"], "proxy"),
        linear("staff_04", "qi_team.technical", team_skill("technical"), 0, 1, "adaptation.pdsa_cycle (PDSA skill)", "proxy"),
        linear("staff_05", f"{T}.culture.adducing_local_data", trust("culture.adducing_local_data"), 0, 1, use["adducing_local_data"], "direct"),
        linear("staff_06", f"{W}.micro_culture", ward("micro_culture"), 0, 1, "culture.environment (the ward's own culture)", "proxy", "micro_culture"),
        linear("staff_07", f"{T}.culture.rewarding_suggestions", trust("culture.rewarding_suggestions"), 0, 1, use["rewarding_suggestions"], "direct"),
        linear("staff_08", f"{T}.culture.extra_mile", trust("culture.extra_mile"), 0, 1, use["extra_mile"], "direct"),
        linear("staff_09", f"{T}.executives.ceo_tone", trust("executives.ceo_tone"), 0, 1, "leadership.team_time (the executives' backing of the QI team's time)", "proxy"),
        linear("staff_10", f"{W}.manager.role_modelling", ward("manager_role_modelling"), 0, 1, "role_modelling.manager_pull, habit_hold", "direct", "manager_role_modelling"),
        linear("staff_11", f"{W}.agency_fill", ward("agency_fill"), 0, 1, "staffing.roster (gaps filled by agency nurses)", "proxy", "agency_fill"),
        # Resourcing
        linear("resourcing_01", f"{W}.vacancy", ward("vacancy"), 0.4, 0.0, "staffing.roster, world.build_staff (posts filled)", "direct", "vacancy"),
        linear("resourcing_02", f"{I}.staffing_sensitivity", initiative("staffing_sensitivity"), 1, 0, "staffing.practice_feasibility", "proxy"),
        linear("resourcing_03", f"{I}.channels.written", initiative("channels.written"), 0, 1, "reach.written_material", "direct"),
        linear("resourcing_04", f"{T}.culture.efficient_structures", trust("culture.efficient_structures"), 0, 1, use["efficient_structures"], "direct"),
        linear("resourcing_05", f"{I}.channels.sessions", initiative("channels.sessions"), 0, 1, "reach.run_sessions (training sessions on the wards)", "direct"),
        linear("resourcing_06", f"{T}.executives.director_of_nursing_backing", trust("executives.director_of_nursing_backing"), 0, 1, "leadership.team_time (the executives' backing of the QI team's time)", "direct"),
        qi_team_staffing("resourcing_07"),
        # Managers
        linear("managers_01", f"{W}.manager.leadership", ward("manager_leadership"), 0, 1, "reach.coaching", "direct", "manager_leadership"),
        linear("managers_02", f"{W}.manager.enthusiasm", ward("manager_enthusiasm"), 0, 1, "role_modelling.manager_pull, habit_hold", "direct", "manager_enthusiasm"),
        linear("managers_03", f"{W}.manager.style_tone", ward("manager_style_tone"), 0, 1, "role_modelling.manager_pull", "direct", "manager_style_tone"),
        linear("managers_04", f"{W}.manager.shielding", ward("manager_shielding"), 0, 1, "initiativitis.update_fatigue", "direct", "manager_shielding"),
        linear("managers_05", f"{I}.rollout.wave_interval", initiative("rollout.wave_interval"), *WAVE_INTERVAL, "lifecycle.wave_due (pace of the roll-out)", "proxy"),
        linear("managers_06", f"{I}.leadership_clarity", initiative("leadership_clarity"), 0, 1, "leadership.design_rate", "proxy"),
        linear("managers_07", f"{I}.pdsa_rollout", initiative("pdsa_rollout"), 0, 1, "adaptation.pdsa_cycle (in the roll-out)", "direct"),
        # Confidence in problem and solution
        linear("confidence_01", f"{I}.problem_clarity", initiative("problem_clarity"), 0, 1, "problem.clarity_factor, reach.message_fidelity", "direct"),
        linear("confidence_02", f"{I}.pdsa_pilot", initiative("pdsa_pilot"), 0, 1, "adaptation.pdsa_cycle (in the pilot)", "proxy"),
        linear("confidence_03", f"{I}.senior_backing", initiative("senior_backing"), 0, 1, "problem.senior_support, problem.stifling", "proxy"),
        linear("confidence_04", f"{I}.co_design", initiative("co_design"), 0, 1, "ownership.origin_factor, resistance, co_design_involvement; adaptation.initial_fit", "direct"),
        not_modelled("confidence_05", "the model simulates whether staff come on board (ownership); it is an outcome, not an input"),
        other_initiatives("confidence_06"),
        log_review("confidence_07"),
        # Messages
        linear("messages_01", f"{I}.channels.night_sessions", initiative("channels.night_sessions"), 0, 0.5, "reach.run_sessions (sessions held at night)", "direct"),
        linear("messages_02", f"{I}.tailoring", initiative("tailoring"), 0, 1, "framing.early_boost (a pitch tailored to each audience)", "direct"),
        linear("messages_03", f"{I}.channels.cascade_reliance", initiative("channels.cascade_reliance"), 1, 0, "reach.cascade (trickle down)", "direct"),
        linear("messages_04", "qi_team.co_design_skill", team_skill("co_design_skill"), 0, 1, "ownership.co_design_involvement", "proxy"),
        # Learning
        linear("learning_01", f"{T}.mutual_mentoring", trust("mutual_mentoring"), 0, 1, "learning.grow_staff_skills, grow_team_skills", "direct"),
        linear("learning_02", f"{W}.sickness", ward("sickness"), 0.12, 0.02, "staffing.roster, release_for_learning", "proxy", "sickness"),
        linear("learning_03", f"{T}.qi_training", trust("qi_training"), 0, 1, "learning.grow_staff_skills, grow_team_skills", "direct"),
        not_modelled("learning_04", "the model has no clinical skills"),
        # Fitting the context
        linear("context_01", "qi_team.contextual_empathy", team_skill("contextual_empathy"), 0, 1, "adaptation.initial_fit, pdsa_cycle", "proxy"),
        linear("context_02", f"{W}.context_distance", ward("context_distance"), 1, 0, "adaptation.initial_fit", "direct", "context_distance"),
        linear("context_03", f"{I}.adaptation_allowed", initiative("adaptation_allowed"), 0, 1, "adaptation.pdsa_cycle", "direct"),
        linear("context_04", "qi_team.judgement", team("judgement"), 0, 1, "momentum.monthly_review (when to stop, redesign)", "direct"),
        linear("context_05", f"{I}.fidelity_conflict", initiative("fidelity_conflict"), 1, 0, "leadership.design_rate (the fidelity-vs-adaptation fight)", "direct"),
    ]  # fmt: skip
    table = {row.item: row for row in rows}
    assert tuple(table) == FFIT_ITEM_IDS, "the mapping must list every FFIT item once, in order"
    assert tuple(REASONS) == FFIT_ITEM_IDS, "every item needs its reason"
    return table


# Why each item sets the attribute it does, in the report's words (docs/ffit-mapping.md).
REASONS: dict[str, str] = {
    "staff_01": "§3 Confronting failure constructively: 'Blame was considered inappropriate if someone failed'",
    "staff_02": "Table 4: 'grown-up conversations that could challenge practice without triggering punitive action' (respectful critical dialogue)",
    "staff_03": "§3 Allowing collective autonomy: factional 'individualism, careerism, one-upmanship ... were frowned upon'",
    "staff_04": "the item's SOFFT is 'Ensuring the QI team use technical QI skills' (data collection, audit); staff's own QI skill is not a scenario attribute",
    "staff_05": "§3 Adducing local data: ideas 'had to be backed up with local data'; audit feedback moves staff",
    "staff_06": "§3 Leading: the local culture 'could vary greatly between different parts of the organisation' (the ward's own culture)",
    "staff_07": "§3 Resourcing and rewarding good suggestions",
    "staff_08": "§3 Rewarding the extra mile: 'We roll our sleeves up and do whatever is needed'",
    "staff_09": "Box 4: the CEO's 'clear, unwavering, consistent expectations and values'; in the model the CEO's tone is part of the executives' backing",
    "staff_10": "§3 Dedication: ward managers 'continually act as role models'",
    "staff_11": "Table 4 Securing resources: 'adequate staffing'; vacant shifts filled by agency nurses",
    "resourcing_01": "§3 Securing resources: 'Inadequate staffing undermined some of the case-studies'",
    "resourcing_02": "the model has no equipment: with the means in place, less of the practice hangs on spare staff time (Enhanced care 'unravelled on days when the ward was understaffed')",
    "resourcing_03": "§3 Getting through: 'information packs, laminated cards, notices, intranet posts'; Nurse-led discharge 'documents and checklists'",
    "resourcing_04": "§3 Efficient structures: 'the efficient administrative systems'",
    "resourcing_05": "§3 Getting through: 'ward meetings, trolley dashes, ... one-to-one coaching and on-site as well as sessional training'",
    "resourcing_06": "Box 4: 'Once convinced they can do the job, giving staff the tools to do it properly, regardless of cost'",
    "resourcing_07": "Table 3 Tissue viability: improved with 'a fully staffed Tissue viability QI team'",
    "managers_01": "Table 4 Leading staff: leaders 'communicated well, ... set clear direction'",
    "managers_02": "§3 Dedication: 'exceptionally zealous' ward managers; 'Their wards were the successful ones'",
    "managers_03": "§3 Difficult conversations: 'correcting poor behaviour without being censorious'; the manager's style and tone",
    "managers_04": "Table 4: staff 'protected from multiple, rushed QI imperatives'",
    "managers_05": "§3 Timing: 'time to embed the change little by little'; 'reading wards to know when to push and when hold back'",
    "managers_06": "§3 Timing: 'Coordinated leadership involved delivering change in the context of other changes, prioritising and maintaining a clear direction'",
    "managers_07": "§3 Using experience: Enhanced care 'stopped using PDSA when Enhanced care was rolled out'",
    "confidence_01": "§3 Understanding what is wrong: Handover at night failed to 'establish exactly what problem they were wanting to solve'",
    "confidence_02": "§3 Using experience: 'PDSA ... during the pilot phase ... arrived at a well-received scheme'",
    "confidence_03": "§3 Understanding: 'no agreement about its priority and no enthusiasm among senior clinicians who ... stifled it'",
    "confidence_04": "§3 Co-designing: 'wide discussion that genuinely took on board staff needs and concerns'",
    "confidence_05": "whether staff come on board is what the model simulates (ownership); it is not an input",
    "confidence_06": "§3 Initiativitis: 'Lots of different blue nurses ... I'm just one person'",
    "confidence_07": "§5 Implications: a senior manager reviews an initiative log and halts burdensome projects",
    "messages_01": "Table 4 Getting through: 'everyone concerned (including night shift and agency staff)' hears it first hand",
    "messages_02": "§3 Framing: 'Mapping stakeholders and developing the best pitch for each of them'; 'tailoring communication styles accordingly'",
    "messages_03": "§3 Framing: Handover at night's 'incorrect assumption that others would cascade the information'",
    "messages_04": "§3 Communicating: 'anticipating and eliciting needs and concerns'; co-design takes reactions on board",
    "learning_01": "§3 Culture of learning: 'A great deal of mutual mentoring went on in this office'",
    "learning_02": "§3 Culture of learning: 'a matron had to stand in for a nurse on the ward so the nurse could attend'; short shifts cannot release staff",
    "learning_03": "§3 Growing QI skills: Premton's leadership, change management and other QI-related training programmes",
    "learning_04": "the model has no clinical skills",
    "context_01": "§3 Adapting prior learning: 'what works in one environment may not translate to others' (contextual empathy)",
    "context_02": "§3 Transforming: Postural blood pressure 'tried to make one size fit all'",
    "context_03": "§3 Transforming: Nurse-led discharge 'enabled it to work differently in separate units'",
    "context_04": "§3 Using experience: 'Knowing when to stop and when to persist was a particularly important skill'",
    "context_05": "§3 Transforming: 'The continuing conflict over the question of fidelity versus adaptation almost derailed the project'",
}


MAPPING: dict[str, ItemMap] = _build()
NOT_MODELLED: tuple[str, ...] = tuple(k for k, v in MAPPING.items() if v.strength == "not modelled")


def audit_to_overrides(scores: dict[str, int]) -> dict[str, Any]:
    """Scenario attributes an audit sets: ``{dotted.path: value}`` for :func:`set_path`.

    Ward attributes are set on every ward (``wards.*``): the audit describes the target wards,
    and wards outside the target take no part in the initiative, so what they hold does not
    change its course.
    """
    out: dict[str, Any] = {}
    for item, row in MAPPING.items():
        if item in scores:
            out.update(row.to_values(int(scores[item])))
    return out
