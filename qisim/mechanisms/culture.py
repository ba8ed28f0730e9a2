"""Culture: the sound organisational base and the ward's own micro-culture.

Report §3: Premton's respectful critical dialogue, blame-free handling of failure and use of local
data raised uptake; at Upsworth "'Bullying' and 'keeping your head down' were the terms most often
used". And §3 Leading: "The local culture and, consequently, the standards of practice could vary
greatly between different parts of the organisation in all three trusts".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from qisim.domain import FEATURE_KEYS

if TYPE_CHECKING:
    from qisim.model import QIModel
    from qisim.scenario import Culture


def trust_culture_index(culture: Culture) -> float:
    """Mean of the seven features of the sound organisational base (0 hostile, 1 exemplary)."""
    return float(np.mean([getattr(culture, k) for k in FEATURE_KEYS]))


def environment(model: QIModel) -> np.ndarray:
    """Per ward, the share of ownership drive the local environment allows: the ward's micro-
    culture weighed against the trust's; a hostile culture leaves only ``culture_floor``.
    Computed once a day (see ``QIModel.step``) and read from ``model.environment``."""
    k = model.constants
    if model.ablates("culture"):
        return np.ones(model.wards.n)
    trust = trust_culture_index(model.qi_scenario.trust.culture)
    mix = k.micro_culture_weight * model.wards.micro_culture + (1 - k.micro_culture_weight) * trust
    return k.culture_floor + (1 - k.culture_floor) * mix


def goodwill(model: QIModel, ward: int | np.ndarray | slice = slice(None)) -> np.ndarray:
    """Per ward, the ownership staff give a change when they first hear of it: in an open
    culture they profess it a good idea in principle and give it a go; where people keep their
    heads down they do not (Table 3 Handover at night; §3 Upsworth)."""
    k = model.constants
    return k.initial_goodwill * (model.environment[ward] - k.culture_floor) / (1 - k.culture_floor)
