"""Plan files: what a planner edits to compare roll-out strategies and launch dates before launch.

A plan names a scenario, the candidate strategies (each a named set of roll-out settings), the
launch months, the staffing cases and the number of replications. ``qisim plan`` runs every
combination (strategy x launch month x staffing case x replication) on the same seeds. Files are
TOML, validated like scenarios: a bad one raises :class:`qisim.scenario.ScenarioError` with one
paragraph naming the file, the field, the value and what is allowed. docs/plan.md has the format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from qisim.scenario import (
    MONTH_DAYS,
    Competing,
    Rollout,
    Scenario,
    ScenarioError,
    flatten_overrides,
    load_scenario,
    read_toml,
)

MEASURE_MONTHS = (6, 12, 24)  # months after the planned launch at which wards embedded are counted
# Roll-out settings a strategy may give by name (``initiative.rollout.<name>``); the launch day
# is the plan's to vary.
STRATEGY_FIELDS = tuple(f for f in Rollout.model_fields if f != "start_day")
METRICS = {
    # key: (label, higher is better)
    "p_embedded": ("chance of embedding", True),
    "embedded_6m": ("wards embedded at 6 months", True),
    "embedded_12m": ("wards embedded at 12 months", True),
    "embedded_24m": ("wards embedded at 24 months", True),
    "outcome_avoided": ("patient-outcome events avoided", True),
    "burden_days": ("staff burden (initiative load days)", False),
    "p_fizzled": ("chance of fizzling", False),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StrategySpec(BaseModel):
    """One candidate strategy: a name, roll-out settings by name, and any other overrides."""

    model_config = ConfigDict(extra="allow")
    name: Annotated[str, Field(min_length=1)]
    set: dict[str, Any] = {}

    @model_validator(mode="after")
    def _known_settings(self) -> StrategySpec:
        unknown = sorted(set(self.model_extra or {}) - set(STRATEGY_FIELDS))
        if unknown:
            raise ValueError(
                f"unknown roll-out setting(s) {', '.join(unknown)}; a strategy may give "
                f"{', '.join(STRATEGY_FIELDS)}, and any other scenario field under 'set'"
            )
        self.set = _flat_set(self.set, f"strategy {self.name!r}")
        _given_once(self._named(), self.set, f"strategy {self.name!r}")
        return self

    def _named(self) -> dict[str, Any]:
        return {f"initiative.rollout.{k}": v for k, v in (self.model_extra or {}).items()}

    def overrides(self) -> dict[str, Any]:
        return {**self._named(), **self.set}


class StaffingSpec(Strict):
    """One staffing case: as is (nothing set), a winter peak, a what-if level, or any mix."""

    name: Annotated[str, Field(min_length=1)]
    winter_sickness: Annotated[float, Field(ge=0, le=0.5)] | None = None
    vacancy: Annotated[float, Field(ge=0, le=1)] | None = None
    sickness: Annotated[float, Field(ge=0, le=1)] | None = None
    agency_fill: Annotated[float, Field(ge=0, le=1)] | None = None
    set: dict[str, Any] = {}

    @model_validator(mode="after")
    def _set_once(self) -> StaffingSpec:
        self.set = _flat_set(self.set, f"staffing case {self.name!r}")
        _given_once(self._named(), self.set, f"staffing case {self.name!r}")
        return self

    def _named(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.winter_sickness is not None:
            out["staffing.winter_sickness"] = self.winter_sickness
        for name in ("vacancy", "sickness", "agency_fill"):
            if getattr(self, name) is not None:
                out[f"wards.*.{name}"] = getattr(self, name)
        return out

    def overrides(self) -> dict[str, Any]:
        return {**self._named(), **self.set}


def _flat_set(table: dict[str, Any], where: str) -> dict[str, Any]:
    """A ``set`` table as dotted paths (nested tables merge field by field; see
    :func:`qisim.scenario.flatten_overrides`)."""
    try:
        return flatten_overrides(table, where=f"{where}: set")
    except ScenarioError as exc:
        raise ValueError(str(exc)) from None


def _given_once(named: dict[str, Any], table: dict[str, Any], where: str) -> None:
    """A setting given by name and again under ``set`` would silently lose one value."""
    both = sorted(set(named) & set(table))
    if both:
        raise ValueError(
            f"{where} gives {', '.join(both)} twice, by name and under 'set'; keep one"
        )


class PlanFile(Strict):
    name: str | None = None
    description: str = ""
    scenario: str
    replications: Annotated[int, Field(ge=1, le=1000)] = 10
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    output: str | None = None
    start_date: dt.date | None = None
    launch_months: Annotated[
        list[Annotated[float, Field(ge=0, le=90)]], Field(min_length=1, max_length=24)
    ]
    rank_by: str = "embedded_24m"
    set: dict[str, Any] = {}
    competing: list[Competing] = []
    strategies: Annotated[list[StrategySpec], Field(min_length=1)]
    staffing: Annotated[list[StaffingSpec], Field(min_length=1)] = [StaffingSpec(name="as is")]

    @model_validator(mode="after")
    def _checks(self) -> PlanFile:
        if self.rank_by not in METRICS:
            raise ValueError(f"rank_by = {self.rank_by!r}: choose one of {', '.join(METRICS)}")
        for what, names in (
            ("strategies", [s.name for s in self.strategies]),
            ("staffing", [s.name for s in self.staffing]),
        ):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{what}: names must differ; {', '.join(twice)} given twice")
        if len(set(self.launch_months)) != len(self.launch_months):
            raise ValueError(f"launch_months {self.launch_months}: a month is given twice")
        try:  # [set] may spell it nested (set.staffing.start_month) or dotted
            month = flatten_overrides(self.set).get("staffing.start_month")
        except ScenarioError:  # a path given twice: load_plan explains it
            month = None
        if self.start_date and month is not None and month != self.start_date.month:
            raise ValueError(
                f"start_date {self.start_date} is in month {self.start_date.month} but [set] "
                f"gives staffing.start_month = {month!r}; drop one (start_date sets it)"
            )
        return self


@dataclass
class Cell:
    """One combination of strategy, launch month and staffing case, with its scenario."""

    strategy: str
    launch_month: float
    staffing: str
    scenario: Scenario

    @property
    def launch_day(self) -> int:
        return self.scenario.initiative.rollout.start_day


@dataclass
class Plan:
    """A validated plan, its scenarios built (one per cell) and its seeds."""

    path: Path
    name: str
    description: str
    spec: PlanFile
    scenario_path: Path
    cells: list[Cell]
    output: Path
    sha256: str
    text: str

    @property
    def strategies(self) -> list[str]:
        return [s.name for s in self.spec.strategies]

    @property
    def staffing(self) -> list[str]:
        return [s.name for s in self.spec.staffing]

    @property
    def launch_months(self) -> list[float]:
        return list(self.spec.launch_months)

    @property
    def replications(self) -> int:
        return self.spec.replications

    @property
    def n_runs(self) -> int:
        return len(self.cells) * self.replications

    @property
    def start_month(self) -> int:
        return self.cells[0].scenario.staffing.start_month

    @property
    def start_date(self) -> dt.date | None:
        """The calendar date of day 0, if the plan gives one."""
        return self.spec.start_date

    def launch_date(self, month: float) -> dt.date | None:
        """The calendar date of a planned launch ``month`` months after day 0."""
        if self.start_date is None:
            return None
        return launch_date(self.start_date, month)


def launch_date(start: dt.date, month: float) -> dt.date:
    """The calendar date of launch ``month`` when day 0 is ``start``.

    The model counts day 0 as the start of its calendar month and months as 365/12 days, so a
    whole launch month is the first of its calendar month (day 0 on 1 Dec 2026: month 3 is
    1 Mar 2027, month 6 is 1 Jun 2027), whatever the months' lengths; a fraction of a month adds
    that share of its calendar month's days. Never before ``start`` (month 0 is day 0 itself).
    """
    whole = int(np.floor(month))
    years, index = divmod(start.month - 1 + whole, 12)
    first = dt.date(start.year + years, index + 1, 1)
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    length = (following - first).days
    date = first + dt.timedelta(days=int(round((month - whole) * length)))
    return max(date, start)


def launch_day(month: float) -> int:
    return int(round(month * MONTH_DAYS))


def horizon_days() -> int:
    """Days simulated after the planned launch: to the last measuring month."""
    return int(round(max(MEASURE_MONTHS) * MONTH_DAYS))


def _explain(exc: ValidationError, source: str) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"'{loc}' is not a known field")
        elif err["type"] == "missing":
            parts.append(f"'{loc}' is required but missing")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            where = f"'{loc}'" if loc else "the plan"
            value = err.get("input")
            shown = f" = {value!r}" if not isinstance(value, dict) and loc else ""
            parts.append(f"{where}{shown}: {msg}")
    return f"{source}: invalid plan. " + "; ".join(parts) + ". See docs/plan.md."


def load_plan(
    path: str | Path, output: str | Path | None = None, replications: int | None = None
) -> Plan:
    """Read and validate a plan file and build the scenario of every cell.

    Args:
        path: the plan TOML file.
        output: results folder, overriding the file's ``output``.
        replications: overrides the file's ``replications`` (e.g. for a quick look).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such plan file.") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder; give a plan file (TOML).") from None
    data = read_toml(path)
    if replications is not None:
        data["replications"] = replications
    try:
        spec = PlanFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_explain(exc, str(path))) from None
    try:
        fixed = flatten_overrides(spec.set, str(path), "set")
    except ScenarioError as exc:
        raise ScenarioError(f"{exc} See docs/plan.md.") from None
    if spec.start_date is not None:
        fixed["staffing.start_month"] = spec.start_date.month
    spec.set = fixed  # dotted paths, as the report shows them
    scenario_path = (path.parent / spec.scenario).resolve()
    if not scenario_path.is_file():
        raise ScenarioError(
            f"{path}: 'scenario' = {spec.scenario!r}: no such file ({scenario_path}); the path "
            "is relative to the plan file."
        )
    base = load_scenario(scenario_path, fixed)
    competing = [c.model_dump() for c in base.competing] + [c.model_dump() for c in spec.competing]
    cells = []
    for strategy in spec.strategies:
        for month in spec.launch_months:
            for staffing in spec.staffing:
                day = launch_day(month)
                overrides = {
                    **fixed,
                    "competing": competing,
                    **staffing.overrides(),
                    **strategy.overrides(),
                    "initiative.rollout.start_day": day,
                    "days": day + horizon_days() + 1,
                }
                try:
                    scenario = load_scenario(scenario_path, overrides)
                except ScenarioError as exc:
                    raise ScenarioError(
                        f"{path}: strategy {strategy.name!r} with staffing case "
                        f"{staffing.name!r}: {exc}"
                    ) from None
                cells.append(Cell(strategy.name, month, staffing.name, scenario))
    if output is not None:
        out = Path(output)
    elif spec.output:
        out = (path.parent / spec.output).resolve()
    else:
        out = Path("results") / "plan" / (spec.name or path.stem)
    return Plan(
        path=path.resolve(),
        name=spec.name or path.stem,
        description=spec.description,
        spec=spec,
        scenario_path=scenario_path,
        cells=cells,
        output=out,
        sha256=hashlib.sha256(raw).hexdigest(),
        text=raw.decode("utf-8"),
    )
