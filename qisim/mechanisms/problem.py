"""Problem clarity: without an agreed problem there is no priority and no senior backing.

Report §3 Understanding what is wrong and why: Handover at night "failed largely because of the
failure to establish exactly what problem they were wanting to solve ... Hence, there was no
agreement about its priority and no enthusiasm among senior clinicians who, instead of agreeing
to lead the project, stifled it."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qisim.constants import Constants
    from qisim.model import QIModel


def clarity_factor(clarity: float, k: Constants) -> float:
    """Share of ownership drive (priority) an initiative gets from how clear its problem is,
    ``clarity_floor`` (no agreement) to 1 (fully agreed)."""
    return k.clarity_floor + (1 - k.clarity_floor) * clarity


def agreed_clarity(model: QIModel) -> float:
    """How clearly the problem is defined and agreed, 0-1: the initiative's ``problem_clarity``
    less the scrutiny a suggestion culture skips (``suggestion_haste * rewarding_suggestions``;
    report §3 Resourcing and rewarding good suggestions: "The downside of this approach was that
    sometimes the nature of the problem and/or the proposed solution was not rigorously examined
    before proceeding"). A launch forced by a deadline also cuts it short (see
    :meth:`qisim.lifecycle.Lifecycle.cut_short`)."""
    clarity = model.initiative.problem_clarity
    if model.ablates("culture"):
        return clarity
    haste = model.constants.suggestion_haste * model.qi_scenario.trust.culture.rewarding_suggestions
    return clarity * (1 - haste)


def clarity(model: QIModel) -> float:
    """:func:`clarity_factor` of the model's agreed clarity (1 when problem clarity is
    ablated)."""
    if model.ablates("problem"):
        return 1.0
    return clarity_factor(agreed_clarity(model), model.constants)


def senior_support(model: QIModel) -> float:
    """Senior clinicians' practical backing, 0-1: what they were asked for, discounted by how far
    they agree there is a problem."""
    k = model.constants
    return model.initiative.senior_backing * clarity_factor(agreed_clarity(model), k)


def stifling(model: QIModel) -> float:
    """Daily erosion of doctors' ownership when consultants do not back the change (other
    professions are not stifled): 0 at senior support of ``stifling_threshold`` or more, rising
    to ``senior_stifling`` at none."""
    k = model.constants
    if model.ablates("problem"):
        return 0.0
    support = senior_support(model)
    return k.senior_stifling * max(0.0, k.stifling_threshold - support) / k.stifling_threshold
