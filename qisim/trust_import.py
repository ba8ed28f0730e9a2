"""A planner's own trust from spreadsheets: wards from a CSV or Excel sheet, per-ward FFIT
audits, and a scenario file out (``qisim trust from-csv``; docs/plan.md "Your own trust").

The ward sheet has one row per ward and named columns with units (:data:`COLUMNS`: WTE, %, per
1,000 bed-days); each column maps to scenario fields with a stated conversion. Missing optional
columns take the documented defaults. FFIT audits come one column per ward (the layout matrons
fill in: ``section, item, text, <ward>, <ward>, ...``) or one audit file per ward. Ward-level
items set that ward's attributes and trust-level items the trust (from the mean of the wards'
scores, rounded); **a value measured in the ward sheet always wins over one inferred from an
audit**. Every value an audit set or could not set is a row of the provenance table.

Errors are :class:`~qisim.scenario.ScenarioError`: one paragraph naming the file, the row by its
ward's name, the column, the value and what is allowed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qisim.constants import OUTCOME_BASE_RATES
from qisim.scenario import (
    RATE_UNIT,
    Scenario,
    ScenarioError,
    Ward,
    did_you_mean,
    set_path,
    validate,
)

SPREADSHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm")
ROUND = 4  # decimals kept for converted fractions


@dataclass(frozen=True)
class Column:
    """One column of the ward sheet: its header, the other headers taken for it, its unit, the
    scenario field it sets, the conversion in words, and its default when absent (None:
    required)."""

    header: str
    aliases: tuple[str, ...]
    unit: str
    field: str
    conversion: str
    default: Any = None
    example: Any = ""

    @property
    def required(self) -> bool:
        return self.default is None


def _defaults() -> dict[str, Any]:
    d = Ward(name="x")
    return {f: getattr(d, f) for f in type(d).model_fields}


_W = _defaults()
_PCT = "a percentage from 0 to 100 (14, 14% or, for the whole column, fractions such as 0.14)"
COLUMNS: tuple[Column, ...] = (
    Column("Ward", ("ward name", "name", "unit"), "text", "name", "as written; names must differ", example="Heron Ward"),
    Column("Site", ("hospital",), "text", "hospital", "as written", "main", "Tamsford General"),
    Column("Specialty", ("speciality",), "text", "specialty", "as written", _W["specialty"], "elderly care"),
    Column("Beds", ("bed count", "number of beds"), "count", "beds", "whole number of beds, 4 to 80", example=28),
    Column("RN WTE", ("funded rn wte", "registered nurse wte", "rn funded wte"), "WTE", "establishment, hca_share",
           "establishment = RN WTE + HCA WTE rounded to whole posts (4 to 200); hca_share = HCA WTE / (RN WTE + HCA WTE)", example=24.6),
    Column("HCA WTE", ("funded hca wte", "hca funded wte"), "WTE", "establishment, hca_share", "see RN WTE", example=11.8),
    Column("Vacancy %", ("vacancy", "vacancy rate %", "vacancy rate"), "%", "vacancy", "% / 100", _W["vacancy"], 12),
    Column("Sickness %", ("sickness", "sickness absence %", "sickness rate %"), "%", "sickness", "% / 100", _W["sickness"], 5.5),
    Column("Bank/agency fill %", ("bank agency fill", "agency fill %", "bank and agency fill %", "fill rate %"), "%",
           "agency_fill", "% / 100 (share of vacant shifts filled by bank or agency staff)", _W["agency_fill"], 60),
    Column("Turnover %", ("turnover", "turnover rate %"), "%", "turnover", "% / 100 (leavers a year)", _W["turnover"], 12),
    Column("Falls per 1,000 bed-days", ("falls rate", "falls per 1000 bed days"), "per 1,000 bed-days",
           "outcome_rates.falls", "as is", "the trust's rate, else qisim's", 6.6),
    Column("Pressure ulcers per 1,000 bed-days", ("pressure ulcers per 1000 bed days", "pressure sores per 1,000 bed-days"),
           "per 1,000 bed-days", "outcome_rates.pressure_sores", "as is", "the trust's rate, else qisim's", ""),
    Column("Night emergency calls per night", ("night calls per night",), "per night", "outcome_rates.night_emergency_calls",
           "calls per night x 1000 / beds (per 1,000 bed-days)", "the trust's rate, else qisim's", ""),
    Column("Delayed discharges per 1,000 bed-days", ("delayed discharges per 1000 bed days",), "per 1,000 bed-days",
           "outcome_rates.discharge_delays", "as is", "the trust's rate, else qisim's", ""),
    Column("Junior doctors", ("junior doctors wte",), "count", "junior_doctors", "whole number, 0 to 50", _W["junior_doctors"], ""),
    Column("Consultants", ("consultants wte",), "count", "consultants", "whole number, 0 to 30", _W["consultants"], ""),
    Column("AHPs", ("allied health professionals",), "count", "allied_health_professionals", "whole number, 0 to 30",
           _W["allied_health_professionals"], ""),
)  # fmt: skip
RANGES = {"beds": (4, 80), "junior_doctors": (0, 50), "consultants": (0, 30)}
RANGES["allied_health_professionals"] = (0, 30)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9%]+", " ", str(header).lower().replace("&", " and ")).strip()


HEADERS: dict[str, Column] = {}
for _c in COLUMNS:
    for _h in (_c.header, *_c.aliases):
        HEADERS[_norm(_h)] = _c


@dataclass
class Cell:
    """A raw spreadsheet value and whether Excel formats it as a percentage (a fraction)."""

    value: Any
    percent_format: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    def __str__(self) -> str:
        return "" if self.value is None else str(self.value).strip()


@dataclass
class Sheet:
    """A table read from a CSV file or an Excel sheet: its headers and rows (line numbers as a
    person sees them in the file)."""

    source: str
    headers: list[str]
    rows: list[tuple[int, list[Cell]]]


_DECIMAL_COMMA = re.compile(r"^(\s*-?\d+),(\d+\s*%?\s*)$")


def read_sheet(path: str | Path, sheet: str | None = None) -> Sheet:
    """Read a CSV file or an Excel sheet (the first, or ``sheet``). Blank rows are skipped. A
    CSV file may be separated by commas, semicolons or tabs (detected); in a semicolon file a
    number with a decimal comma (``24,6``) is read as 24.6."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES:
        raise ScenarioError(
            f"{path}: a ward sheet must be a .csv or .xlsx file (got {path.suffix or 'no suffix'!r})."
        )
    if not path.is_file():
        raise ScenarioError(f"{path}: no such file.")
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = path.read_text(encoding="cp1252")  # Excel's "CSV" on Windows
            except UnicodeDecodeError:
                raise ScenarioError(f"{path}: not a text (CSV) file.") from None
        from qisim.ffit.audit import csv_delimiter, csv_rows

        rows = csv_rows(text)
        if csv_delimiter(text) == ";":  # a decimal comma, as such spreadsheets write 24,6
            rows = [[_DECIMAL_COMMA.sub(r"\1.\2", v) for v in row] for row in rows]
        table = [[Cell(v) for v in row] for row in rows]
    else:
        table = _read_xlsx(path, sheet)
    numbered = [(n, row) for n, row in enumerate(table, start=1) if any(not c.blank for c in row)]
    if not numbered:
        raise ScenarioError(f"{path}: the sheet is empty; it needs a header row and a row a ward.")
    (_, head), *rows = numbered
    headers = [str(c) for c in head]
    width = len(headers)
    rows = [(n, (row + [Cell(None)] * width)[:width]) for n, row in rows]
    where = f"{path}" + (f" (sheet {sheet!r})" if sheet else "")
    return Sheet(where, headers, rows)


def _read_xlsx(path: Path, sheet: str | None) -> list[list[Cell]]:
    try:
        import openpyxl
    except ImportError:
        raise ScenarioError(
            f"{path}: reading Excel files needs openpyxl (pip install openpyxl), or save the "
            "sheet as CSV."
        ) from None
    try:
        book = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ScenarioError(f"{path}: not a readable Excel workbook ({exc}).") from None
    if sheet is None:
        ws = book.worksheets[0]
    elif sheet in book.sheetnames:
        ws = book[sheet]
    else:
        raise ScenarioError(
            f"{path}: no sheet called {sheet!r}{did_you_mean(sheet, book.sheetnames)}; sheets: "
            + ", ".join(repr(s) for s in book.sheetnames)
            + "."
        )
    return [[Cell(c.value, "%" in (c.number_format or "")) for c in row] for row in ws.iter_rows()]


# --- the ward sheet -----------------------------------------------------------------------------
@dataclass
class Provenance:
    """Where each value of the scenario came from: one row per value set or not set."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, ward: str, field_: str, value: Any, source: str, note: str = "") -> None:
        self.rows.append(
            {"ward": ward, "field": field_, "value": value, "source": source, "note": note}
        )

    def to_csv(self, path: Path) -> Path:
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["ward", "field", "value", "source", "note"])
            writer.writeheader()
            writer.writerows(self.rows)
        return path


def _number(cell: Cell) -> float | None:
    if isinstance(cell.value, bool):
        return None
    if isinstance(cell.value, int | float):
        return float(cell.value)
    text = str(cell).replace(",", "").removesuffix("%").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _allowed(col: Column) -> str:
    if col.unit == "%":
        return _PCT
    if col.unit == "WTE":
        return "whole-time equivalents, a number from 0 to 500 (e.g. 24.6)"
    if col.unit == "count":
        lo, hi = RANGES[col.field]
        return f"a whole number from {lo} to {hi}"
    if col.unit.startswith("per"):
        return f"a rate {col.unit}, 0 or more (e.g. 6.6); blank: the default"
    return "text"


def _map_headers(sheet: Sheet) -> tuple[dict[int, Column], list[str]]:
    """Column index -> Column; and notes on the columns ignored."""
    from qisim.ffit.audit import delimiter_hint

    found: dict[int, Column] = {}
    ignored = []
    seen: dict[str, str] = {}
    for i, header in enumerate(sheet.headers):
        col = HEADERS.get(_norm(header))
        if col is None:
            if header.strip():
                hint = did_you_mean(header, [c.header for c in COLUMNS])
                ignored.append(f"'{header}'{hint}")
            continue
        if col.header in seen:
            raise ScenarioError(
                f"{sheet.source}: columns '{seen[col.header]}' and '{header}' both give "
                f"'{col.header}'; keep one."
            )
        seen[col.header] = header
        found[i] = col
    missing = [c.header for c in COLUMNS if c.required and c.header not in seen]
    if missing:
        raise ScenarioError(
            f"{sheet.source}: missing column(s) {', '.join(repr(m) for m in missing)}. The header "
            f"row has {', '.join(repr(h) for h in sheet.headers if h)}"
            + (f"; not recognised: {', '.join(ignored)}" if ignored else "")
            + ". Required columns: "
            + ", ".join(f"'{c.header}'" for c in COLUMNS if c.required)
            + ". `qisim trust from-csv --template wards.csv` writes a sheet with every column."
            + delimiter_hint(sheet.headers)
        )
    return found, ignored


def _fraction_columns(sheet: Sheet, columns: dict[int, Column]) -> set[int]:
    """Percentage columns written as fractions: every number in the column at most 1, none
    with a % sign or Excel's percent format (then 0.14 means 14%)."""
    out = set()
    for i, col in columns.items():
        if col.unit != "%":
            continue
        cells = [row[i] for _, row in sheet.rows if not row[i].blank]
        numbers = [_number(c) for c in cells]
        if (
            cells
            and all(n is not None and 0 <= n <= 1 for n in numbers)
            and not any(c.percent_format or str(c).endswith("%") for c in cells)
            and any(n and n > 0 for n in numbers)
        ):
            out.add(i)
    return out


@dataclass
class WardSheet:
    """The wards read from a sheet: scenario ``[[wards]]`` entries, the fields each ward's row
    measured, the trust-wide outcome rates, and notes for the user."""

    source: str
    wards: list[dict[str, Any]]
    measured: dict[str, set[str]]
    provenance: Provenance
    notes: list[str]


def read_wards(path: str | Path, sheet: str | None = None) -> WardSheet:
    """Read a ward sheet (:data:`COLUMNS`) into scenario ward entries, converting units.

    Raises :class:`ScenarioError` listing every bad cell, each by its ward's name, column, value
    and what is allowed; or naming the missing required columns."""
    table = read_sheet(path, sheet)
    columns, ignored = _map_headers(table)
    as_fraction = _fraction_columns(table, columns)
    by_field = {c.header: i for i, c in columns.items()}
    problems: list[str] = []
    wards: list[dict[str, Any]] = []
    measured: dict[str, set[str]] = {}
    prov = Provenance()
    names: dict[str, int] = {}
    for line, row in table.rows:
        name = str(row[by_field["Ward"]])
        who = f"row '{name}' (line {line})" if name else f"line {line} (no ward name)"
        if not name:
            problems.append(f"{who}, column 'Ward': blank; every row needs its ward's name")
            continue
        if name in names:
            problems.append(
                f"{who}: the ward '{name}' is also on line {names[name]}; names must differ"
            )
            continue
        names[name] = line
        ward: dict[str, Any] = {"name": name}
        got: set[str] = set()
        wte: dict[str, float] = {}
        rates: list[tuple[Column, str, Cell, float]] = []
        for i, col in columns.items():
            cell = row[i]
            header = table.headers[i]
            if col.header == "Ward":
                continue
            bad = f"{who}, column '{header}': {str(cell)!r}"
            if cell.blank:
                if col.required:
                    problems.append(f"{who}, column '{header}': blank; allowed: {_allowed(col)}")
                continue
            if col.unit == "text":
                ward[col.field] = str(cell)
                prov.add(name, col.field, str(cell), f"{header}")
                continue
            value = _number(cell)
            if value is None:
                problems.append(f"{bad} is not a number; allowed: {_allowed(col)}")
                continue
            if col.unit == "%":
                if cell.percent_format or i in as_fraction:
                    pct = value * 100
                else:
                    pct = value
                if not 0 <= pct <= 100:
                    problems.append(f"{bad} is outside 0-100%; allowed: {_allowed(col)}")
                    continue
                ward[col.field] = round(pct / 100, ROUND)
                got.add(col.field)
                how = "fraction as is" if (cell.percent_format or i in as_fraction) else "/ 100"
                prov.add(name, col.field, ward[col.field], f"{header} = {str(cell)}", how)
            elif col.unit == "WTE":
                if not 0 <= value <= 500:
                    problems.append(f"{bad} is outside 0-500 WTE; allowed: {_allowed(col)}")
                    continue
                wte[col.header] = value
            elif col.unit == "count":
                lo, hi = RANGES[col.field]
                if not value.is_integer() or not lo <= value <= hi:
                    problems.append(f"{bad} is not allowed: {_allowed(col)}")
                    continue
                ward[col.field] = int(value)
                got.add(col.field)
                prov.add(name, col.field, int(value), f"{header} = {str(cell)}")
            else:  # a rate
                if value < 0 or value > 1000:
                    problems.append(f"{bad} is not allowed: {_allowed(col)}")
                    continue
                rates.append((col, header, cell, value))
        for col, header, cell, value in rates:  # after the row's Beds, whatever the order
            outcome = col.field.split(".")[1]
            if col.unit == "per night":
                beds = ward.get("beds")
                if beds is None:
                    continue  # a bad or missing Beds cell is reported already
                per_1000 = round(value * 1000 / beds, 3)
                how = f"{value:g} per night x 1000 / {beds} beds"
            else:
                per_1000, how = round(value, 3), "as is"
            ward.setdefault("outcome_rates", {})[outcome] = per_1000
            prov.add(name, col.field, per_1000, f"{header} = {str(cell)}", f"{how} ({RATE_UNIT})")
        if len(wte) == 2:
            total = wte["RN WTE"] + wte["HCA WTE"]
            posts = round(total)
            if not 4 <= posts <= 200:
                problems.append(
                    f"{who}, columns 'RN WTE' + 'HCA WTE': {wte['RN WTE']:g} + {wte['HCA WTE']:g} "
                    f"= {total:g} WTE; allowed: 4 to 200 funded nursing posts in all"
                )
            else:
                ward["establishment"] = posts
                ward["hca_share"] = round(wte["HCA WTE"] / total, ROUND)
                got |= {"establishment", "hca_share"}
                src = f"RN WTE = {wte['RN WTE']:g}, HCA WTE = {wte['HCA WTE']:g}"
                prov.add(name, "establishment", posts, src, f"{total:g} WTE rounded to whole posts")
                prov.add(name, "hca_share", ward["hca_share"], src, "HCA WTE / (RN + HCA WTE)")
        measured[name] = got
        ward["measured"] = sorted(got)
        wards.append(ward)
    if problems:
        raise ScenarioError(
            f"{table.source}: {len(problems)} bad cell(s): "
            + "; ".join(problems)
            + ". Fix them in the sheet; `qisim trust from-csv --template wards.csv` shows every "
            "column with its unit."
        )
    if not wards:
        raise ScenarioError(f"{table.source}: no ward rows under the header.")
    notes = []
    if ignored:
        notes.append(f"ignored column(s) {', '.join(ignored)}")
    for i in sorted(as_fraction):
        notes.append(
            f"column '{table.headers[i]}' holds fractions (every value at most 1): read 0.14 as 14%"
        )
    absent = [
        c
        for c in COLUMNS
        if not c.required and c.header not in by_field and not c.unit.startswith("per")
    ]
    for c in absent:
        prov.add("(every ward)", c.field, c.default, "default", f"no '{c.header}' column")
    if absent:
        notes.append(
            "defaults for the columns not in the sheet: "
            + ", ".join(f"{c.header} {_show_default(c)}" for c in absent)
        )
    return WardSheet(table.source, wards, measured, prov, notes)


def _show_default(col: Column) -> str:
    if col.unit == "%":
        return f"{100 * col.default:g}%"
    return str(col.default)


# --- per-ward FFIT audits -------------------------------------------------------------------------
AUDIT_KEYS = ("section", "item", "text", "notes")


def _match_ward(name: str, wards: list[str], source: str, how: str) -> str:
    if name in wards:
        return name
    lower = {w.lower(): w for w in wards}
    key = re.sub(r"[_\-]+", " ", name).strip().lower()
    if key in lower:
        return lower[key]
    raise ScenarioError(
        f"{source}: {how} {name!r} is not a ward of the ward sheet{did_you_mean(name, wards)}; "
        f"wards: {', '.join(repr(w) for w in wards)}."
    )


def read_ward_audits(
    paths: list[str | Path], wards: list[str], sheet: str | None = None
) -> dict[str, tuple[dict[str, int], str]]:
    """Per-ward FFIT audits: ``{ward: (scores, source)}``.

    Each path is either a sheet with one column per ward (``section, item, text, <ward>...``;
    CSV or Excel) or one ward's audit (``qisim ffit template`` TOML or CSV), whose ward is its
    ``unit`` (TOML) or its file name (``Heron_Ward.csv``). Raises :class:`ScenarioError` naming
    the file, the ward column and the item."""
    from qisim.ffit import check_scores, read_audit

    out: dict[str, tuple[dict[str, int], str]] = {}

    def put(ward: str, scores: dict[str, int], source: str) -> None:
        if ward in out:
            raise ScenarioError(
                f"{source}: ward '{ward}' already has an audit ({out[ward][1]}); give one a ward."
            )
        out[ward] = (scores, source)

    for path in map(Path, paths):
        if path.suffix.lower() == ".toml":
            scores = read_audit(path)
            try:
                unit = str(tomllib.loads(path.read_text()).get("unit", "")).strip()
            except tomllib.TOMLDecodeError:
                unit = ""
            how = "its unit" if unit else "its file name"
            put(_match_ward(unit or path.stem, wards, str(path), how), scores, str(path))
            continue
        table = read_sheet(path, sheet)
        heads = [_norm(h) for h in table.headers]
        if "score" in heads:
            put(
                _match_ward(path.stem, wards, str(path), "its file name"),
                read_audit(path),
                str(path),
            )
            continue
        if "item" not in heads:
            raise ScenarioError(
                f"{table.source}: not an FFIT audit: no 'item' column. A per-ward audit has the "
                "columns section, item, text and one column per ward (`qisim trust from-csv "
                "WARDS --audit-template FILE` writes one)."
            )
        item = heads.index("item")
        for i, header in enumerate(table.headers):
            if heads[i] in AUDIT_KEYS or not header.strip():
                continue
            ward = _match_ward(header.strip(), wards, table.source, "column")
            mapping = {str(row[item]): row[i].value for _, row in table.rows if str(row[item])}
            mapping = {k: (v if v is not None else "") for k, v in mapping.items()}
            mapping = {
                k: (int(v) if isinstance(v, float) and v.is_integer() else v)
                for k, v in mapping.items()
            }
            put(ward, check_scores(mapping, f"{table.source}, column '{header}'"), table.source)
    return out


def _set_nested(node: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``manager.enthusiasm`` inside a ward entry (ward names may hold dots, so never
    through a dotted path from the top)."""
    *parents, last = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


def audit_template(wards: list[str]) -> str:
    """A blank per-ward audit: the 45 FFIT items verbatim, one empty score column per ward."""
    from qisim.domain import FFIT_ITEMS

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["section", "item", "text", *wards])
    for it in FFIT_ITEMS:
        writer.writerow([it.section, it.id, it.text, *([""] * len(wards))])
    return buf.getvalue()


def apply_audits(
    data: dict[str, Any],
    audits: dict[str, tuple[dict[str, int], str]],
    measured: dict[str, set[str]],
    prov: Provenance,
) -> None:
    """Set the audited attributes on the scenario dict ``data``: each ward's ward-level items on
    that ward, unless the ward sheet measured the attribute (measured data wins); trust-level
    items from the mean of the audited wards' scores, rounded. Adds a provenance row for every
    value set or not set (the values kept over the audit: source "ward sheet (measured)")."""
    from qisim.domain import FFIT_ITEM_IDS
    from qisim.ffit.mapping import MAPPING

    if not audits:
        return
    for ward, (scores, source) in audits.items():
        for item, score in scores.items():
            row = MAPPING[item]
            for path, value in row.to_values(score).items():
                if not path.startswith("wards.*."):
                    continue
                attr = path.removeprefix("wards.*.")
                if attr in measured.get(ward, set()):
                    have = next(w for w in data["wards"] if w["name"] == ward)[attr]
                    prov.add(ward, attr, have, "ward sheet (measured)",
                             f"kept: FFIT {item} = {score} would set {value:g}")  # fmt: skip
                    continue
                _set_nested(next(w for w in data["wards"] if w["name"] == ward), attr, value)
                prov.add(ward, attr, value, f"FFIT {item} = {score}", source)
    trust_scores: dict[str, int] = {}
    for item in FFIT_ITEM_IDS:
        given = [scores[item] for scores, _ in audits.values()]
        mean = sum(given) / len(given)
        score = int(math.floor(mean + 0.5))
        trust_scores[item] = score
        row = MAPPING[item]
        values = row.to_values(score)
        how = f"mean of {len(given)} ward audit(s) {mean:.2f} -> {score}"
        if not values:
            prov.add(
                "(trust)",
                f"ffit.{item}",
                score,
                f"FFIT {item}",
                f"{how}; not modelled ({row.mechanism})",
            )
        for path, value in values.items():
            if path.startswith("wards.*."):
                continue
            set_path(data, path, value, "FFIT audits")
            prov.add("(trust)", path, value, f"FFIT {item} = {score}", how)
    data["ffit"] = trust_scores
    unaudited = [w["name"] for w in data["wards"] if w["name"] not in audits]
    for ward in unaudited:
        prov.add(
            ward,
            "(ward-level FFIT items)",
            "",
            "no audit",
            "left at the sheet's values and the defaults",
        )


# --- the scenario ------------------------------------------------------------------------------
def build_scenario(
    wards_path: str | Path,
    audits: list[str | Path] = (),
    name: str | None = None,
    outcome: str = "falls",
    sheet: str | None = None,
    start_month: int = 4,
) -> tuple[Scenario, dict[str, Any], Provenance, list[str]]:
    """A scenario from a ward sheet and per-ward audits: (the validated scenario, its raw dict,
    the provenance table, notes to print)."""
    sheet_data = read_wards(wards_path, sheet)
    trust_name = name or Path(wards_path).stem.replace("_", " ").title()
    data: dict[str, Any] = {
        "name": _slug(trust_name),
        "description": f"{trust_name}: wards from {Path(wards_path).name}",
        "days": 730,
        "trust": {"name": trust_name},
        "staffing": {"start_month": start_month},
        "initiative": {
            "name": "Falls prevention" if outcome == "falls" else "Initiative",
            "outcome": outcome,
        },  # fmt: skip
        "wards": sheet_data.wards,
    }
    prov = sheet_data.provenance
    ward_list = [w["name"] for w in sheet_data.wards]
    audit_scores = read_ward_audits(list(audits), ward_list, None) if audits else {}
    apply_audits(data, audit_scores, sheet_data.measured, prov)
    rates = [w.get("outcome_rates", {}).get(outcome) for w in sheet_data.wards]
    if all(r is None for r in rates):
        prov.add("(trust)", f"outcome_rates.{outcome}", 1000 * OUTCOME_BASE_RATES[outcome],
                 "qisim's assumption", "no local rate in the sheet (qisim.constants.OUTCOME_BASE_RATES)")  # fmt: skip
    scenario = validate(data, str(wards_path))
    return scenario, data, prov, sheet_data.notes


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "trust"


# --- writing ------------------------------------------------------------------------------------
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON's escapes are TOML's; TOML also refuses a raw DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _table(name: str, data: dict[str, Any], lines: list[str]) -> None:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    if scalars or not data:
        lines.append(f"[{name}]")
        lines += [f"{_key(k)} = {_toml_value(v)}" for k, v in scalars.items()]
        lines.append("")
    for k, v in data.items():
        if isinstance(v, dict):
            _table(f"{name}.{_key(k)}", v, lines)


def scenario_toml(data: dict[str, Any], header: list[str]) -> str:
    """The scenario dict as a TOML file a person can read and edit, ``header`` as comments."""
    lines = [f"# {h}" if h else "#" for h in header] + [""]
    for k in ("name", "description", "days"):
        lines.append(f"{k} = {_toml_value(data[k])}")
    lines.append("")
    for k in ("trust", "staffing", "initiative", "qi_team"):
        if k not in data:
            continue
        _table(k, data[k], lines)
    if data.get("ffit"):
        # as comments: an [ffit] table would apply the trust's mean audit to every ward again
        lines.append(
            "# The trust-level FFIT scores (the mean of the ward audits, rounded), for the"
        )
        lines.append("# record; their values are set above and per ward below:")
        items = [f"{k} = {v}" for k, v in data["ffit"].items()]
        lines += ["#   " + ", ".join(items[i : i + 6]) for i in range(0, len(items), 6)]
        lines.append("")
    for k in ("wards", *(k for k, v in data.items() if isinstance(v, list) and k != "wards")):
        for entry in data[k]:  # arrays of tables: wards, competing initiatives, events
            lines.append(f"[[{k}]]")
            lines += [f"{_key(f)} = {_toml_value(v)}" for f, v in entry.items()]
            lines.append("")
    for k, v in data.items():
        if isinstance(v, dict) and k not in ("trust", "staffing", "initiative", "qi_team", "ffit"):
            _table(k, v, lines)
    return "\n".join(lines).rstrip() + "\n"


def template_rows() -> list[list[Any]]:
    """The ward sheet template: the header and one example row."""
    return [[c.header for c in COLUMNS], [c.example for c in COLUMNS]]


def write_template(path: str | Path) -> Path:
    """Write the ward sheet template (CSV, or Excel for .xlsx) with one example row."""
    path = Path(path)
    rows = template_rows()
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        book = openpyxl.Workbook()
        ws = book.active
        ws.title = "wards"
        for row in rows:
            ws.append(row)
        notes = book.create_sheet("columns")
        notes.append(["column", "unit", "scenario field", "conversion", "default if absent"])
        for c in COLUMNS:
            notes.append(
                [
                    c.header,
                    c.unit,
                    c.field,
                    c.conversion,
                    "required" if c.required else str(c.default),
                ]
            )
        book.save(path)
    else:
        with open(path, "w", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def columns_markdown() -> str:
    """The column table for docs/plan.md (a test keeps the two the same)."""
    lines = [
        "| column | also read as | unit | sets | conversion | if absent |",
        "|---|---|---|---|---|---|",
    ]
    for c in COLUMNS:
        default = (
            "required" if c.required else (_show_default(c) if c.unit == "%" else str(c.default))
        )
        also = ", ".join(c.aliases)
        fields = ", ".join(f"`{f.strip()}`" for f in c.field.split(","))
        lines.append(f"| {c.header} | {also} | {c.unit} | {fields} | {c.conversion} | {default} |")
    return "\n".join(lines) + "\n"


def starter_plan(scenario: Scenario, scenario_file: str, start: Any) -> str:
    """A plan file to start from: three roll-out strategies, three launch months, two staffing
    cases, 20 replications (``qisim plan``; docs/plan.md explains every field)."""
    pilot = _toml_value(scenario.wards[0].name)
    trust = scenario.trust.name
    return f'''# A starter roll-out plan for {trust} (written by `qisim trust from-csv`).
# Edit freely; docs/plan.md explains every field.  Run:  qisim plan plan.toml
name = "{_slug(scenario.trust.name)}_plan"
description = {_toml_value(f"{scenario.initiative.name} at {trust}: three roll-outs x three launch months")}
scenario = {_toml_value(scenario_file)}
start_date = {start.isoformat()}    # the calendar date of day 0 (the start of the design)
replications = 20
seed = 1
output = "plan"                      # results and report.html, relative to this file
launch_months = [3, 6, 9]            # planned launch, months after start_date
rank_by = "embedded_24m"

[[strategies]]
name = "Pilot on one ward, then waves"
strategy = "pilot_waves"
pilot_wards = [{pilot}]

[[strategies]]
name = "Big bang"
strategy = "big_bang"

[[strategies]]
name = "Ward by ward as each is ready (FFIT)"
strategy = "readiness_paced"
readiness_measure = "ffit"
readiness_threshold = 0.55
readiness_max_wait = 365

[[staffing]]
name = "as is"

[[staffing]]
name = "winter peak"
winter_sickness = 0.04               # ASSUMPTION: four more points of sickness, December to February
'''
