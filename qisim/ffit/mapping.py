"""The FFIT mapping, both ways: an audit's 45 scores set scenario attributes, and the model's
state is scored back as 45 items (docs/ffit-mapping.md is the same table in words).

The table itself (each item's slot, the scale, :func:`audit_to_overrides`) is the model's:
:mod:`qisim.ffit_items`, re-exported here. This module is the tool's side: it reads a model's
state as an FFIT profile (:func:`model_profile`, :func:`launch_profile`) and writes the table for
docs/ffit-mapping.md (:func:`markdown_table`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from qisim.ffit_items import (
    LOG_REVIEW_WEEKS,
    MAPPING,
    NEUTRAL,
    NOT_MODELLED,
    OTHER_LOAD_AT_ZERO,
    QI_TEAM_POSTS,
    REASONS,
    TOP,
    WAVE_INTERVAL,
    ItemMap,
    audit_to_overrides,
    expected_pushed_load,
)

if TYPE_CHECKING:
    from qisim.model import QIModel

__all__ = [
    "LOG_REVIEW_WEEKS",
    "MAPPING",
    "NEUTRAL",
    "NOT_MODELLED",
    "OTHER_LOAD_AT_ZERO",
    "QI_TEAM_POSTS",
    "REASONS",
    "TOP",
    "WAVE_INTERVAL",
    "ItemMap",
    "audit_to_overrides",
    "expected_pushed_load",
    "launch_profile",
    "markdown_table",
    "model_profile",
]


def model_profile(model: QIModel) -> dict[str, float]:
    """The 45 FFIT items scored 0-5 from the model's state today, each read from its slot as
    its row of :data:`MAPPING` says (:mod:`qisim.ffit_items`)."""
    return {item: row.read(model) for item, row in MAPPING.items()}


def launch_profile(model: QIModel) -> dict[str, float]:
    """The FFIT profile the model launched with: the profile of a fresh model built at day 0
    from the launch scenario. The profile reads only scenario attributes and the state built
    from them, not random draws, so the seed does not matter.

    The launch scenario is ``model.launch_scenario`` when the model keeps it. Otherwise it is
    ``model.qi_scenario``, which is the launch scenario unless scheduled events fired or the
    initiative was redesigned (both change it as the run goes); then a warning says so.
    """
    from qisim.model import QIModel

    scenario = getattr(model, "launch_scenario", None)
    if scenario is None:
        scenario = model.qi_scenario
        if model.event_log or model.lifecycle.redesigns:
            warnings.warn(
                "the model does not keep its launch scenario and scheduled events or a redesign "
                "changed it during the run: this FFIT profile reads the changed attributes",
                stacklevel=2,
            )
    return model_profile(QIModel(scenario, rng=0, constants=model.constants))


def markdown_table() -> str:
    """The mapping as a Markdown table (docs/ffit-mapping.md holds this text; a test keeps the
    two the same)."""
    from qisim.domain import FFIT_ITEMS, FFIT_SECTIONS, SOFFT_TASKS

    lines = []
    for section in FFIT_SECTIONS:
        lines += [
            "",
            f"### {section.title}",
            "",
            f"*{section.stem}*",
            "",
            "| item | text | sets | profile reads | used by | strength | why (report) |",
            "|---|---|---|---|---|---|---|",
        ]
        for item in FFIT_ITEMS:
            if item.section != section.key:
                continue
            row = MAPPING[item.id]
            task = SOFFT_TASKS[item.sofft][1].title
            text = f"{item.text} *(SOFFT: {task})*"
            cells = [
                item.id,
                text,
                row.sets,
                row.reads,
                row.mechanism,
                row.strength,
                REASONS[item.id],
            ]
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines).strip() + "\n"
