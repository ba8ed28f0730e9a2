"""FFIT audits as a scenario reads them: reading TOML and CSV audit files and validating scores
(a scenario's ``ffit_file`` or inline ``[ffit]`` table; :func:`qisim.scenario.load_scenario`).

An audit scores the 45 items of the Fitness for Improvement Tool (report Appendix 1) from 0 (not
at all) to 5 (to a very great extent). In TOML, items sit under their section (``[staff]``
``staff_01 = 4``) or at the top level; in CSV, one row per item with the columns ``section``,
``item`` and ``score`` (``text`` and ``notes`` may be there too). Errors are
:class:`~qisim.scenario.ScenarioError`: one paragraph naming the file, the item, the value and
what is allowed.

Part of the model core, so that loading a scenario needs no tool; the FFIT tool's templates and
summaries are in :mod:`qisim.ffit.audit`, which re-exports these.
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path
from typing import Any

from qisim.domain import (
    FFIT_ITEM_IDS,
    FFIT_ITEMS,
    FFIT_SCALE,
    FFIT_SECTION_KEYS,
    FFIT_SECTIONS,
    FfitItem,
)
from qisim.scenario import ScenarioError, close_names

ITEMS: dict[str, FfitItem] = {item.id: item for item in FFIT_ITEMS}
SECTIONS = {s.key: s for s in FFIT_SECTIONS}
METADATA = ("unit", "date", "assessor", "notes")  # optional free-text fields of a TOML audit
CSV_COLUMNS = ("section", "item", "score")
CSV_OPTIONAL = ("text", "notes")
HINT = "`qisim ffit template > audit.toml` writes a blank audit with every item."

_BLANK = object()  # an item present in the file but not yet scored
DELIMITERS = (",", ";", "\t")  # comma; semicolon (European spreadsheets); tab


def csv_delimiter(text: str) -> str:
    """The delimiter of a CSV text: ',' , ';' (as spreadsheets write CSV where the decimal mark
    is a comma) or a tab. Each is tried on the first lines; the one that splits the header into
    most columns, with the other lines as wide as the header, wins (',' on a tie or a
    one-column file)."""
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if not lines:
        return ","
    best, best_score = ",", (0.0, 1)
    for d in DELIMITERS:
        widths = [len(r) for r in csv.reader(lines, delimiter=d)]
        if widths[0] < 2:
            continue
        rest = widths[1:] or widths
        score = (round(sum(w == widths[0] for w in rest) / len(rest), 2), widths[0])
        if score > best_score:
            best, best_score = d, score
    return best


def csv_rows(text: str) -> list[list[str]]:
    """The rows of a CSV text, its delimiter detected (:func:`csv_delimiter`)."""
    return list(csv.reader(io.StringIO(text), delimiter=csv_delimiter(text)))


def delimiter_hint(headers: list[str]) -> str:
    """' The header ... looks separated by ...' when a header that did not match holds a
    delimiter the file was not split on, else ''."""
    joined = " ".join(headers)
    for d, name in ((";", "semicolons (;)"), ("\t", "tabs"), ("|", "bars (|)"), (",", "commas")):
        if d in joined and len([h for h in headers if h.strip()]) <= 2:
            return (
                f" The header looks separated by {name} but was not split into columns: save "
                "the sheet as CSV separated by commas, semicolons or tabs (one kind throughout)."
            )
    return ""


# --- reading and validation -------------------------------------------------------------------
def read_audit(path: str | Path) -> dict[str, int]:
    """Read and validate an audit file (``.toml`` or ``.csv``): ``{item id: score}``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise ScenarioError(
            f"{path}: an FFIT audit must be a .toml or .csv file (got {path.suffix or 'no suffix'!r}). "
            + HINT
        )
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file. " + HINT)
    if suffix == ".csv":
        return _read_csv(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML ({exc}). " + HINT) from None
    return _from_toml(data, str(path))


def _from_toml(data: dict, source: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        if key in METADATA:
            continue
        if key in SECTIONS and isinstance(value, dict):
            for item, score in value.items():
                if item in ITEMS and ITEMS[item].section != key:
                    problems.append(
                        f"'{key}.{item}' is in the wrong section (it belongs in [{ITEMS[item].section}])"
                    )
                elif item in flat:
                    problems.append(f"'{item}' is scored twice")
                else:
                    flat[item] = score
        elif isinstance(value, dict):
            problems.append(
                f"[{key}] is not an FFIT section; sections: {', '.join(FFIT_SECTION_KEYS)}"
            )
        elif key in flat:
            problems.append(f"'{key}' is scored twice")
        else:
            flat[key] = value
    return check_scores(flat, source, problems)


def _read_csv(path: Path) -> dict[str, int]:
    """A CSV audit. Column names are matched without case or surrounding spaces; empty columns
    with no name, as spreadsheet programs pad a header (``section,item,text,score,``), are
    ignored as long as they hold nothing."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file. " + HINT) from None
    lines = csv_rows(text)
    header = [c.strip().lower() for c in (lines[0] if lines else [])]
    named = [c for c in header if c]
    missing = [c for c in CSV_COLUMNS if c not in named]
    extra = [c for c in named if c not in CSV_COLUMNS + CSV_OPTIONAL]
    twice = sorted({c for c in named if named.count(c) > 1})
    if missing or extra or twice:
        what = []
        if missing:
            what.append("missing column(s) " + ", ".join(repr(c) for c in missing))
        if extra:
            what.append("unknown column(s) " + ", ".join(repr(c) for c in extra))
        if twice:
            what.append("column(s) named twice " + ", ".join(repr(c) for c in twice))
        raise ScenarioError(
            f"{path}: invalid FFIT audit: {'; '.join(what)}. The header must name the columns "
            f"{', '.join(CSV_COLUMNS)} (and may add {', '.join(CSV_OPTIONAL)}). "
            "`qisim ffit template --format csv` writes a blank one."
            + delimiter_hint(lines[0] if lines else [])
        )
    flat: dict[str, Any] = {}
    problems: list[str] = []
    for n, cells in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in cells] + [""] * (len(header) - len(cells))
        stray = [c for name, c in zip(header, cells) if not name and c] + cells[len(header) :]
        if any(stray):
            problems.append(
                f"line {n}: {next(c for c in stray if c)!r} is in a column with no name "
                "(a cell beyond the header's columns)"
            )
        row = {name: c for name, c in zip(header, cells) if name}
        item, section = row["item"], row["section"]
        if not item and not section and not row["score"]:
            continue  # a blank line
        if item in ITEMS and section != ITEMS[item].section:
            problems.append(
                f"line {n}: '{item}' is in section {section!r} but belongs to '{ITEMS[item].section}'"
            )
        if item in flat:
            problems.append(f"line {n}: '{item}' is scored twice")
            continue
        flat[item] = row["score"]
    return check_scores(flat, source, problems)


def _score(value: Any) -> int | object | None:
    """A score as an int 0-5, ``_BLANK`` if empty, None if not a whole number 0-5."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return _BLANK
        return int(value) if value in {str(k) for k in FFIT_SCALE} else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value in FFIT_SCALE else None


def _list(ids: list[str], most: int = 8) -> str:
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


def check_scores(
    mapping: dict[str, Any], source: str, problems: list[str] | None = None
) -> dict[str, int]:
    """Validate ``{item id: score}``: every FFIT item once, each a whole number 0-5, no unknown
    ids. Returns the scores in the tool's item order; raises one :class:`ScenarioError` that
    lists every problem found."""
    problems = list(problems or [])
    if not isinstance(mapping, dict):
        raise ScenarioError(
            f"{source}: an FFIT audit must be a table of item id = score, got {mapping!r}. " + HINT
        )
    scores: dict[str, int] = {}
    blank: list[str] = []
    for key, value in mapping.items():
        if key not in ITEMS:
            close = close_names(str(key), FFIT_ITEM_IDS, n=1)
            problems.append(
                f"'{key}' is not an FFIT item" + (f" (did you mean '{close[0]}'?)" if close else "")
            )
            continue
        score = _score(value)
        if score is _BLANK:
            blank.append(key)
        elif score is None:
            problems.append(f"'{key}' = {value!r} is not a whole number from 0 to 5")
        else:
            scores[key] = int(score)  # type: ignore[arg-type]
    if blank:
        problems.append(f"{len(blank)} item(s) have an empty score: {_list(blank)}")
    absent = [i for i in FFIT_ITEM_IDS if i not in mapping]
    if absent:
        problems.append(f"{len(absent)} item(s) are missing: {_list(absent)}")
    if problems:
        scale = ", ".join(f"{k} = {v.lower()}" for k, v in FFIT_SCALE.items())
        raise ScenarioError(
            f"{source}: invalid FFIT audit. "
            + "; ".join(problems)
            + f". Every one of the {len(FFIT_ITEMS)} items (ids {FFIT_ITEM_IDS[0]} ... "
            f"{FFIT_ITEM_IDS[-1]}) needs one score: {scale}. " + HINT
        )
    return {item: scores[item] for item in FFIT_ITEM_IDS}
