"""The Fitness for Improvement Tool (FFIT, report Appendix 1), both ways.

- **Audit files** (:mod:`qisim.ffit.audit`): the template, reading TOML/CSV audits, validation,
  section means, total and weakest items.
- **FFIT -> scenario and model -> FFIT** (:mod:`qisim.ffit.mapping`): each of the 45 items sets
  one scenario attribute, and the model's state is scored back as 45 items
  (docs/ffit-mapping.md): :func:`model_profile` on any day, :func:`launch_profile` at launch.
- **Simulation** (:mod:`qisim.ffit.simulate`): an audit's predicted outcome over replications and
  the items whose improvement most raises it; :mod:`qisim.ffit.compare` sets scenarios' FFIT
  profiles beside their outcomes; :mod:`qisim.ffit.validity` asks, over thousands of sampled
  scenarios, how well FFIT predicts success (the report: "FFIT has not been validated").

The report's FFIT is "an approximate barometer for use as a guide for further action"; qisim
treats it the same way.

The tool reads the model; the model never imports the tool. What the model itself needs of FFIT
(each item's slot, :mod:`qisim.ffit_items`; reading and validating a scenario's audit,
:mod:`qisim.ffit_audits`) lives in the core, and :mod:`qisim.ffit.mapping` and
:mod:`qisim.ffit.audit` re-export it.
"""

from __future__ import annotations

from qisim.ffit.audit import (
    check_scores,
    read_audit,
    section_means,
    sofft_title,
    template_csv,
    template_toml,
    total,
    weakest,
)
from qisim.ffit.mapping import (
    MAPPING,
    NOT_MODELLED,
    audit_to_overrides,
    launch_profile,
    model_profile,
)

__all__ = [
    "MAPPING",
    "NOT_MODELLED",
    "audit_to_overrides",
    "check_scores",
    "launch_profile",
    "model_profile",
    "read_audit",
    "section_means",
    "sofft_title",
    "template_csv",
    "template_toml",
    "total",
    "weakest",
]
