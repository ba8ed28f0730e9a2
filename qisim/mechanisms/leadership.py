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
    """Share of the design work done today (of ``design_days`` at full speed): full speed under
    clear leadership, a fully staffed team and efficient structures; turf battles over fidelity
    vs adaptation slow it further when nobody leads. A short-handed team still designs, more
    slowly (speed ~ (staffing x time) ** ``team_size_exponent``)."""
    init, k = model.initiative, model.constants
    clarity = 1.0 if model.ablates("leadership") else init.leadership_clarity
    lead = k.unclear_lead_progress + (1 - k.unclear_lead_progress) * clarity
    fight = 1 - k.fidelity_fight * init.fidelity_conflict * (1 - clarity)
    spec = model.qi_scenario.qi_team
    staffed = min(1.0, len(model.qi_team) / spec.establishment)
    team = min(1.0, staffed * team_time(model)) ** k.team_size_exponent
    return lead * fight * team * follow_through(model) / init.design_days


def follow_through(model: QIModel) -> float:
    """Share of planned work the trust's structures and processes carry through, from
    ``structures_floor`` (wholly inefficient) to 1: design work and PDSA cycles (report §3
    Ensuring efficient structures and processes: "'Action plans here are actually closed!'";
    Upsworth's "Excessive bureaucracy, untethered committees"). 1 when culture is ablated."""
    if model.ablates("culture"):
        return 1.0
    k = model.constants
    structures = model.qi_scenario.trust.culture.efficient_structures
    return k.structures_floor + (1 - k.structures_floor) * structures


def executive_backing(model: QIModel) -> float:
    """The executives' backing for the initiative, 0-1: the CEO's tone and the backing of the
    executive who leads the QI team's profession, the medical director for a medical team (report
    §3 Leading staff: in Managing unprofessional behaviour "once the influential medical director
    took hold of the reins and gave it clear direction and drive from the executive board"), the
    director of nursing otherwise (Box 4; §3: "the director of nursing helping prepare beds")."""
    ex = model.qi_scenario.trust.executives
    if model.qi_scenario.qi_team.profession == "medical":
        own = ex.medical_director_leadership
    else:
        own = ex.director_of_nursing_backing
    backers = (float(own), float(ex.ceo_tone))
    return sum(backers) / len(backers)  # their mean (np.mean's to the bit, without its cost)


def team_time(model: QIModel) -> float:
    """Share of a QI team member's working time that goes to this initiative: their time share,
    as far as the executives back it with time and resources (report Box 4: "Once convinced they
    can do the job, giving staff the tools to do it properly, regardless of cost"; FFIT
    resourcing item "active backing and support from senior managers"): ``time_share *
    (unbacked_time + backing_time_gain * backing)`` (:func:`executive_backing`). With the
    defaults, middling backing (0.5) leaves the time share as it is; none takes a quarter of it
    away, full backing adds a quarter."""
    share = model.qi_scenario.qi_team.time_share
    if model.ablates("leadership"):
        return share
    k = model.constants
    return share * (k.unbacked_time + k.backing_time_gain * executive_backing(model))
