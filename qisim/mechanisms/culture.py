"""Culture: the seven features of the sound organisational base, each on its own pathway, and
the ward's own micro-culture.

Report §3 Premton: an exemplary environment names seven features; each acts here where the
report says it acts, and nowhere else (ODD §7, mechanism 12, lists them side by side):

==========================  ===============================================  ====================
feature                     what it does in the model                        where
==========================  ===============================================  ====================
respectful_dialogue         the trust's climate (ward environment, goodwill  :func:`climate`,
                            on first hearing); messages cross professional   :func:`bridging`
                            borders and factions blend with the ward
confronting_failure         a disappointing audit is answered by learning    ``audit``
                            (the ward adjusts the change) or by blame
                            (ownership lost)
adducing_local_data         the pull of an audit that shows improvement      ``audit``
collective_autonomy         ward staff adapt the change to their ward        ``adaptation``
                            themselves
rewarding_suggestions       staff suggestions improve the fit, but the       ``adaptation``,
                            problem is scrutinised less                      ``problem``
extra_mile                  senior staff cover so that others are released   ``staffing``
                            to learn
efficient_structures        design work and PDSA cycles are followed         ``leadership``,
                            through                                          ``adaptation``
==========================  ===============================================  ====================

At Upsworth "'Bullying' and 'keeping your head down' were the terms most often used" (the
opposite of respectful critical dialogue). §3 Leading: "The local culture and, consequently, the
standards of practice could vary greatly between different parts of the organisation in all three
trusts".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

if TYPE_CHECKING:
    from qisim.model import QIModel
    from qisim.scenario import Culture


def climate(culture: Culture) -> float:
    """The trust's climate for change, 0 (hostile) to 1 (exemplary): its respectful critical
    dialogue, "listening and knowing you'll be listened to" (report §3 Establishing respectful
    critical dialogue). The other six features act on their own pathways, not through it.
    A ward's micro-culture defaults to this climate carried by its manager's style and tone
    (:func:`qisim.world.build_wards`)."""
    return float(culture.respectful_dialogue)


def environment(model: QIModel) -> np.ndarray:
    """Per ward, the share of ownership drive the local environment allows (``culture_floor`` to
    1): the ward's micro-culture weighed against the trust's climate (:func:`climate`).
    Computed once a day (see ``QIModel.step``) and read from ``model.environment``."""
    k = model.constants
    if model.ablates("culture"):
        return np.ones(model.wards.n)
    trust = climate(model.qi_scenario.trust.culture)
    return _environment(model.wards.micro_culture, k.micro_culture_weight, trust, k.culture_floor)


@numba.njit(cache=True)
def _environment(micro_culture, weight, trust, floor):
    out = np.empty(micro_culture.size)
    for w in range(micro_culture.size):
        # the ward's micro-culture weighed against the trust's climate
        mix = weight * micro_culture[w] + (1 - weight) * trust
        # allows from culture_floor to all of the drive
        out[w] = floor + (1 - floor) * mix
    return out


def goodwill(model: QIModel, ward: int | np.ndarray | slice = slice(None)) -> np.ndarray:
    """Per ward, the ownership staff give a change when they first hear of it: in an open
    culture they profess it a good idea in principle and give it a go; where people keep their
    heads down they do not (Table 3 Handover at night; §3 Upsworth)."""
    k = model.constants
    return k.initial_goodwill * (model.environment[ward] - k.culture_floor) / (1 - k.culture_floor)


def bridging(model: QIModel) -> float:
    """Share of the gap between professions that respectful critical dialogue closes (0 to
    ``dialogue_bridging``): it raises the weight of a message from another profession and
    blends each profession's norm with the ward's (report §3 Enabling difficult conversations:
    "the ability to manage interpersonal/interprofessional tensions, and to communicate across
    'tribal' borders"). Read by :mod:`qisim.mechanisms.tribes`."""
    if model.ablates("culture"):
        return 0.0
    return model.constants.dialogue_bridging * model.qi_scenario.trust.culture.respectful_dialogue
