"""FFIT audit files, the tool's side: the blank template (TOML and CSV) and summaries (section
means, total, weakest items).

Reading and validating audits is the model's (a scenario may carry an audit):
:mod:`qisim.ffit_audits`, re-exported here.
"""

from __future__ import annotations

import csv
import io

from qisim.domain import (
    FFIT_ITEM_IDS,
    FFIT_ITEMS,
    FFIT_SCALE,
    FFIT_SECTION_KEYS,
    FFIT_SECTIONS,
    SOFFT_TASKS,
    FfitItem,
)
from qisim.ffit_audits import (
    CSV_COLUMNS,
    CSV_OPTIONAL,
    DELIMITERS,
    HINT,
    ITEMS,
    METADATA,
    SECTIONS,
    check_scores,
    csv_delimiter,
    csv_rows,
    delimiter_hint,
    read_audit,
)

MAX_TOTAL = 5 * len(FFIT_ITEMS)

__all__ = [
    "CSV_COLUMNS",
    "CSV_OPTIONAL",
    "DELIMITERS",
    "HINT",
    "ITEMS",
    "MAX_TOTAL",
    "METADATA",
    "SECTIONS",
    "check_scores",
    "csv_delimiter",
    "csv_rows",
    "delimiter_hint",
    "read_audit",
    "section_means",
    "sofft_title",
    "template_csv",
    "template_toml",
    "total",
    "weakest",
]


# --- the template -----------------------------------------------------------------------------
def _scale_lines(prefix: str) -> list[str]:
    return [f"{prefix}  {k} = {v}" for k, v in FFIT_SCALE.items()]


PREAMBLE = [
    "Fitness for Improvement Tool (FFIT): a readiness audit before a quality-improvement project.",
    'From Gabbay, le May & Wright, "Able to improve?" (The Health Foundation), Appendix 1.',
    '"Please note that FFIT has not been validated and tested. It will only be an approximate',
    'barometer for use as a guide for further action" (the report).',
    "",
    "Score every item with a whole number from 0 to 5:",
]
NEXT_STEPS = [
    "Then:  qisim ffit score THIS_FILE",
    "       qisim ffit simulate THIS_FILE --initiative SCENARIO.toml",
]


def template_toml() -> str:
    """A blank TOML audit: every item verbatim under its section's stem, score ``""``."""
    lines = [f"# {t}".rstrip() for t in PREAMBLE]
    lines += _scale_lines("#")
    lines += ['# Replace each empty score "" with your score.', "#"]
    lines += [f"# {t}" for t in NEXT_STEPS]
    lines += [
        "",
        'unit = ""      # the unit(s) audited (optional)',
        'date = ""      # when (optional)',
        'assessor = ""  # who scored it (optional)',
    ]
    for section in FFIT_SECTIONS:
        lines += ["", f"[{section.key}]", f"# {section.title}. {section.stem}"]
        for item in FFIT_ITEMS:
            if item.section == section.key:
                lines += [f"# {item.text}", f'{item.id} = ""']
    return "\n".join(lines) + "\n"


def template_csv() -> str:
    """A blank CSV audit: one row per item (section, item, text, score), scores empty. The
    section's stem opens its first item's text."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["section", "item", "text", "score"])
    seen: set[str] = set()
    for item in FFIT_ITEMS:
        text = item.text
        if item.section not in seen:
            seen.add(item.section)
            text = f"{SECTIONS[item.section].stem} {text}"
        writer.writerow([item.section, item.id, text, ""])
    return buf.getvalue()


# --- summaries --------------------------------------------------------------------------------
def section_means(scores: dict[str, float]) -> dict[str, float]:
    """Mean score of each of the seven sections (0-5)."""
    out = {}
    for key in FFIT_SECTION_KEYS:
        values = [scores[i.id] for i in FFIT_ITEMS if i.section == key]
        out[key] = float(sum(values) / len(values))
    return out


def total(scores: dict[str, float]) -> float:
    """The sum of the 45 scores (0-225)."""
    return float(sum(scores[i] for i in FFIT_ITEM_IDS))


def weakest(scores: dict[str, float], n: int = 5) -> list[FfitItem]:
    """The ``n`` lowest-scored items, ties in the tool's order."""
    order = sorted(range(len(FFIT_ITEM_IDS)), key=lambda k: (scores[FFIT_ITEM_IDS[k]], k))
    return [FFIT_ITEMS[k] for k in order[:n]]


def sofft_title(item: FfitItem) -> str:
    """'SOFFT set: task' the item audits (report Box 1, Table 4)."""
    sset, task = SOFFT_TASKS[item.sofft]
    return f"{sset.title}: {task.title}"
