"""Leadership clarity: ambiguity delays design until someone senior takes the reins.

Report §3 Leading staff: in Managing unprofessional behaviour "a lack of clarity as to who was in
charge held things up in the early stages. Turf battles emerged ... However, once the influential
medical director took hold of the reins and gave it clear direction and drive from the executive
board, others in the team felt more able to exert their own influence."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qisim.model import QIModel


def design_rate(model: QIModel) -> float:
    """Share of the design work done today: full speed under clear leadership and a fully
    staffed team; turf battles over fidelity vs adaptation slow it further when nobody leads."""
    init, k = model.initiative, model.constants
    clarity = 1.0 if model.ablates("leadership") else init.leadership_clarity
    lead = k.unclear_lead_progress + (1 - k.unclear_lead_progress) * clarity
    fight = 1 - k.fidelity_fight * init.fidelity_conflict * (1 - clarity)
    # a short-handed team still designs, but more slowly
    spec = model.qi_scenario.qi_team
    team = min(1.0, min(1.0, len(model.qi_team) / spec.establishment) * team_time(model)) ** 0.5
    return lead * fight * team / init.design_days


def team_time(model: QIModel) -> float:
    """Share of a QI team member's working time that goes to this initiative: their time share,
    as far as the executives back it with time and resources. Senior managers' backing is the
    director of nursing's and the CEO's (report Box 4: "Once convinced they can do the job,
    giving staff the tools to do it properly, regardless of cost"; FFIT resourcing item "active
    backing and support from senior managers"). Middling backing (0.5) leaves the time share as
    it is; none takes a quarter of it away, full backing adds a quarter."""
    ex = model.qi_scenario.trust.executives
    if model.ablates("leadership"):
        return model.qi_scenario.qi_team.time_share
    backing = 0.5 * (ex.director_of_nursing_backing + ex.ceo_tone)
    return model.qi_scenario.qi_team.time_share * (0.75 + 0.5 * backing)
