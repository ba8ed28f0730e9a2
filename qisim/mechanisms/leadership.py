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
    clarity = init.leadership_clarity
    lead = k.unclear_lead_progress + (1 - k.unclear_lead_progress) * clarity
    fight = 1 - k.fidelity_fight * init.fidelity_conflict * (1 - clarity)
    # a short-handed team still designs, but more slowly
    spec = model.qi_scenario.qi_team
    team = (min(1.0, len(model.qi_team) / spec.establishment) * spec.time_share) ** 0.5
    return lead * fight * team / init.design_days
