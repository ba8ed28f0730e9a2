"""Experiment files: what a researcher edits to ask the model a question across many runs.

An experiment names a base scenario, the parameters it varies (split, as in exploratory modelling,
into *uncertainties* the planner cannot choose and *levers* they can), how the uncertainties are
sampled (full grid, named rows, Latin hypercube, Sobol or Morris), how many replications each
point gets, what to record and where. Every lever row runs at every uncertainty point with the same
seeds (common random numbers), so a difference between levers is the lever, not noise.

Files are TOML, validated like scenarios: a bad one raises :class:`qisim.scenario.ScenarioError`
with one paragraph naming the file, the field, the value and what is allowed.
See docs/sweeps.md for the format.
"""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qisim.constants import DEFAULT_CONSTANTS, Constants
from qisim.scenario import (
    Scenario,
    ScenarioError,
    flatten_overrides,
    load_scenario,
    named_path,
    read_toml,
    set_path,
    short_repr,
    toml_key,
    validate,
)

DESIGNS = ("grid", "scenarios", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
SPEC_KEYS = frozenset(
    {"values", "range", "relative", "levels", "integer", "paths", "each", "group", "label", "unit"}
)
CONSTANTS_PREFIX = "constants."
# columns every results row has; a parameter may not take one of these names
RESERVED = frozenset(
    {"run", "point", "lever", "replication", "point_name", "lever_name", "seed", "error",
     "traceback"}
)  # fmt: skip


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterSpec(Strict):
    """One varied parameter as written in the file."""

    values: Annotated[list[Any], Field(min_length=1)] | None = None
    range: tuple[float, float] | None = None
    relative: tuple[float, float] | None = None
    levels: Annotated[int, Field(ge=2, le=1000)] | None = None
    integer: bool = False
    paths: Annotated[list[str], Field(min_length=1)] | None = None
    each: bool = False
    group: str | None = None
    label: str | None = None  # for figures and tables, e.g. "QI team size"
    unit: str | None = None  # e.g. "people", "share", "x base"


class OutcomeLabel(Strict):
    """How an outcome is named in figures and tables (``[outcomes.habit_rate]``)."""

    label: str | None = None
    unit: str | None = None


class ParameterSet(Strict):
    parameters: dict[str, ParameterSpec] = {}
    rows: list[dict[str, Any]] = []


class Design(Strict):
    kind: Literal["grid", "scenarios", "lhs", "sobol", "morris"] = "grid"
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    second_order: bool = False
    levels: Annotated[int, Field(ge=2, le=64)] = 4
    grouped: bool = False


class ExperimentFile(Strict):
    name: str | None = None
    description: str = ""
    scenario: str
    days: Annotated[int, Field(ge=1, le=3650)] | None = None
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
    replications: Annotated[int, Field(ge=1, le=100_000)] = 1
    record: Literal["summary", "daily"] = "summary"
    record_every: Annotated[int, Field(ge=1, le=3650)] = 1
    output: str | None = None
    set: dict[str, Any] = {}
    design: Design = Design()
    uncertainties: ParameterSet = ParameterSet()
    levers: ParameterSet = ParameterSet()
    outcomes: dict[str, OutcomeLabel] = {}


@dataclass
class Parameter:
    """A varied parameter, resolved against the base scenario: the column ``name`` and the
    concrete override ``paths`` its value is written to (several when tied, e.g. all seven
    culture features at once)."""

    name: str
    paths: list[str]
    target: Literal["scenario", "constants"]
    values: list[Any] | None = None
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    levels: int | None = None
    group: str | None = None
    label: str | None = None
    unit: str | None = None
    # relative range over fields with different base values: the value is a multiplier and each
    # path gets multiplier x its own base value
    scale: dict[str, float] | None = None
    fields: set[str] = field(default_factory=set)  # the concrete fields it sets (by index)

    def whole_numbers(self) -> tuple[int, int]:
        """The first and last whole number of an integer range."""
        return math.ceil(self.low - 1e-9), math.floor(self.high + 1e-9)

    def from_unit(self, u: float) -> Any:
        """The value at position ``u`` in [0, 1] of the parameter's range (or list of values)."""
        if self.values is not None:
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if self.integer and self.scale is None:
            # n equal bins, one per whole number, so every value is equally likely (rounding
            # would give each end value half a bin)
            lo, hi = self.whole_numbers()
            n = hi - lo + 1
            return lo + min(int(float(u) * n), n - 1)
        # a relative range over fields with different base values samples the multiplier
        # itself; each field's value is rounded when it is set (see overrides)
        return self.low + float(u) * (self.high - self.low)

    def position(self, value: Any) -> float:
        """Where ``value`` lies in the parameter's range, 0 to 1 (a value list: its index over
        the last index). Morris effects are divided by the change of this position, the real
        step, not by the step of the unit-cube sample."""
        if self.values is not None:
            return self.values.index(value) / max(len(self.values) - 1, 1)
        whole = self.integer and self.scale is None
        lo, hi = self.whole_numbers() if whole else (self.low, self.high)
        return (float(value) - lo) / (hi - lo)

    def grid(self) -> list[Any]:
        if self.values is not None:
            return list(self.values)
        steps = [
            self.low + (self.high - self.low) * k / (self.levels - 1) for k in range(self.levels)
        ]
        if self.integer and self.scale is None:
            return list(dict.fromkeys(int(round(x)) for x in steps))
        return steps

    def overrides(self, value: Any) -> dict[str, Any]:
        if self.scale is not None:
            return {p: self._scaled(value * b) for p, b in self.scale.items()}
        return {p: value for p in self.paths}

    def _scaled(self, x: float) -> Any:
        return int(round(x)) if self.integer else round(float(x), 12)


@dataclass
class Row:
    """A named row of parameter values (``[[uncertainties.rows]]`` or ``[[levers.rows]]``)."""

    name: str
    values: dict[str, Any]  # column -> value
    overrides: dict[str, Any]  # scenario path -> value
    constants: dict[str, float]
    fields: set[str] = field(default_factory=set)  # the concrete fields it sets (by index)


@dataclass
class Experiment:
    path: Path
    name: str
    description: str
    spec: ExperimentFile
    scenario_path: Path
    base: Scenario
    uncertainties: list[Parameter]
    levers: list[Parameter]
    uncertainty_rows: list[Row]
    lever_rows: list[Row]
    text: str
    sha256: str
    output: Path
    fixed_constants: dict[str, float] = field(default_factory=dict)  # constants.* under [set]

    @property
    def design(self) -> Design:
        return self.spec.design

    @property
    def labels(self) -> dict[str, dict[str, str]]:
        """Labels and units given in the file, by column: ``{name: {"label": .., "unit": ..}}``
        for parameters and outcomes (only those given)."""
        out: dict[str, dict[str, str]] = {}
        for p in self.uncertainties + self.levers:
            given = {k: v for k, v in (("label", p.label), ("unit", p.unit)) if v is not None}
            if given:
                out[p.name] = given
        for name, o in self.spec.outcomes.items():
            given = {k: v for k, v in (("label", o.label), ("unit", o.unit)) if v is not None}
            if given:
                out[name] = given
        return out

    @property
    def columns(self) -> list[str]:
        """Parameter columns of the results table, uncertainties first."""
        out: list[str] = []
        for group in (self.uncertainties, self.uncertainty_rows, self.levers, self.lever_rows):
            for item in group:
                names = [item.name] if isinstance(item, Parameter) else list(item.values)
                out.extend(n for n in names if n not in out)
        return out


# ---------------------------------------------------------------------------------------------
# Errors


def _loc(loc: tuple) -> str:
    parts = []
    for p in loc:
        if p == "parameters":
            continue
        s = str(p)
        parts.append(f'"{s}"' if any(c in s for c in ".* ") else s)
    return ".".join(parts)


def _allowed(loc: tuple) -> list[str]:
    model: Any = ExperimentFile
    for part in loc:
        if isinstance(part, int) or part == "parameters":
            if part == "parameters":
                model = ParameterSpec
            continue
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            if model is ParameterSet:
                return sorted(SPEC_KEYS)
            if model is ParameterSpec:
                continue
            return []
        ann = fields[part].annotation
        inner = next(
            (
                a
                for a in (ann, *getattr(ann, "__args__", ()))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ),
            None,
        )
        if inner is None:
            return []
        model = inner
    return sorted(getattr(model, "model_fields", {}))


def _explain(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        loc = _loc(err["loc"])
        if err["type"] == "extra_forbidden":
            allowed = _allowed(err["loc"][:-1])
            lines.append(
                f"'{loc}' is not a known field"
                + (f"; allowed here: {', '.join(allowed)}" if allowed else "")
            )
        elif err["type"] == "missing":
            lines.append(f"'{loc}' is required but missing")
        else:
            lines.append(f"'{loc}' = {short_repr(err.get('input'))} is not allowed: {err['msg']}")
    return f"{source}: invalid experiment. " + "; ".join(lines) + "."


def _fail(source: Path | str, msg: str) -> ScenarioError:
    return ScenarioError(f"{source}: {msg}")


# ---------------------------------------------------------------------------------------------
# Reading


def _flatten_params(table: dict, source: Path, side: str) -> dict[str, Any]:
    """Parameters may be written as quoted dotted keys or as nested TOML tables; both become
    ``{"dotted.path": spec}``. A list is shorthand for ``{values = [...]}``. One path given in two
    spellings (``"qi_team.technical"`` and a bare ``qi_team.technical``) is refused, naming both.
    """
    out: dict[str, Any] = {}
    spelled: dict[str, str] = {}

    def walk(node: dict, prefix: str, shown: list[str]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            # a bare key with a table that is not a parameter is a level of a dotted path (TOML
            # reads `trust.culture.extra_mile = [...]` as nested tables); a quoted dotted key is
            # a whole path already, so its table is the parameter
            nested = "." not in key and "*" not in key
            if isinstance(value, dict) and value and nested and not set(value) & SPEC_KEYS:
                walk(value, name + ".", [*shown, key])
                continue
            spelling = toml_key([*shown, key])
            if name in out:
                raise _fail(
                    source,
                    f"{side}: the parameter '{name}' is given twice, as {spelled[name]} and as "
                    f"{spelling}; keep one of them (each parameter once per experiment).",
                )
            out[name] = {"values": value} if isinstance(value, list) else value
            spelled[name] = spelling

    walk(table, "", [])
    return out


def _flatten_row(row: dict, source: Path, where: str) -> dict[str, Any]:
    name = row.get("name")
    rest = {k: v for k, v in row.items() if k != "name"}
    out = flatten_overrides(rest, str(source), where)
    return {"name": name, **out} if "name" in row else out


def _normalise(data: dict, source: Path) -> dict:
    data = copy.deepcopy(data)
    for side in ("uncertainties", "levers"):
        table = data.get(side)
        if table is None:
            continue
        if not isinstance(table, dict):
            raise _fail(source, f"'{side}' must be a table of parameters, got {table!r}.")
        rows = table.pop("rows", [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise _fail(source, f"'{side}.rows' must be an array of tables ([[{side}.rows]]).")
        params = _flatten_params(table, source, side)
        for name, spec in params.items():
            if not isinstance(spec, dict):
                raise _fail(
                    source,
                    f'{side}."{name}" = '
                    f"{spec!r} is not a parameter: give a list of values, or a "
                    "table with values, range (and levels for a grid), relative, integer, paths, "
                    "each, group. To fix a value for every run, put it under [set].",
                )
        data[side] = {
            "parameters": params,
            "rows": [_flatten_row(r, source, f"{side}.rows.{i}") for i, r in enumerate(rows)],
        }
    if isinstance(data.get("set"), dict):
        data["set"] = flatten_overrides(data["set"], str(source), "[set]")
    return data


def load_experiment(path: str | Path, output: str | Path | None = None) -> Experiment:
    """Read, validate and resolve an experiment file.

    Args:
        path: the experiment TOML file.
        output: results folder, overriding the file's ``output``.
    """
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such experiment file.") from None
    data = _normalise(read_toml(path), path)
    try:
        spec = ExperimentFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_explain(exc, str(path))) from None

    scenario_path = (path.parent / spec.scenario).resolve()
    if not scenario_path.exists():
        raise _fail(
            path,
            f"'scenario' = {spec.scenario!r}: no such file ({scenario_path}); the path is "
            "relative to the experiment file.",
        )
    set_overrides, set_constants = _split_set(spec.set)
    base = load_scenario(scenario_path, set_overrides)
    if spec.days is not None:
        base = base.model_copy(update={"days": spec.days})
    if set_constants:
        _check_constants(set_constants, path, "set")
    base_data = base.model_dump()

    uncertainties = _resolve_params(spec.uncertainties.parameters, "uncertainties", base_data, path)
    levers = _resolve_params(spec.levers.parameters, "levers", base_data, path)
    u_rows = _resolve_rows(spec.uncertainties.rows, uncertainties, "uncertainties", base_data, path)
    l_rows = _resolve_rows(spec.levers.rows, levers, "levers", base_data, path)
    exp = Experiment(
        path=path.resolve(),
        name=spec.name or path.stem,
        description=spec.description,
        spec=spec,
        scenario_path=scenario_path,
        base=base,
        uncertainties=uncertainties,
        levers=levers,
        uncertainty_rows=u_rows,
        lever_rows=l_rows,
        text=raw_bytes.decode("utf-8"),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        output=_output_folder(path, spec, output),
        fixed_constants=set_constants,
    )
    _check_design(exp)
    return exp


def _output_folder(path: Path, spec: ExperimentFile, output: str | Path | None) -> Path:
    """``--out`` wins; then the file's ``output`` (relative to the file); then
    ``out/sweeps/<file stem>`` under the current folder."""
    if output:
        return Path(output)
    if spec.output:
        return (path.parent / spec.output).resolve()
    return Path("out/sweeps") / path.stem


def _split_set(items: dict[str, Any]) -> tuple[dict, dict]:
    """``[set]`` as (scenario overrides, constants overrides)."""
    scen, const = {}, {}
    for key, value in items.items():
        if key.startswith(CONSTANTS_PREFIX):
            const[key[len(CONSTANTS_PREFIX) :]] = value
        else:
            scen[key] = value
    return scen, const


def _check_constants(values: dict[str, Any], source: Path, where: str) -> None:
    known = {r.name: r for r in _constant_fields()}
    for name, value in values.items():
        if name not in known:
            raise _fail(
                source,
                f"{where}: 'constants.{name}' is not a mechanism constant; known: "
                + ", ".join(sorted(known))
                + " (see `qisim constants`).",
            )
        lo, hi = known[name].metadata["range"]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not lo <= value <= hi:
            raise _fail(
                source,
                f"{where}: 'constants.{name}' = {value!r} is not allowed: the constant's "
                f"documented range is {lo} to {hi}.",
            )


def _constant_fields():
    from dataclasses import fields

    return fields(Constants)


def _expand(path: str, data: Any, each: bool) -> list[tuple[str, str]]:
    """Concrete dotted paths for ``path`` in the scenario ``data``, with the segment names that
    replaced each ``*``. A ``*`` over a table always expands; over a list (wards, competing) it
    expands only with ``each`` (otherwise :func:`set_path` applies it to every element)."""
    parts = path.split(".")
    found: list[tuple[list[str], list[str]]] = [([], [])]
    node_sets: list[Any] = [data]
    for part in parts:
        new_found, new_nodes = [], []
        for (prefix, subs), node in zip(found, node_sets):
            if part == "*" and isinstance(node, dict):
                for k in node:
                    new_found.append(([*prefix, k], [*subs, k]))
                    new_nodes.append(node[k])
            elif part == "*" and isinstance(node, list) and each:
                for i, el in enumerate(node):
                    label = el.get("name", str(i)) if isinstance(el, dict) else str(i)
                    new_found.append(([*prefix, label], [*subs, label]))
                    new_nodes.append(el)
            elif part == "*" and isinstance(node, list):
                new_found.append(([*prefix, part], subs))
                new_nodes.append(node[0] if node else None)
            else:
                if isinstance(node, dict):
                    child = node.get(part)
                elif isinstance(node, list):
                    child = _list_element(node, part)
                else:
                    child = None
                new_found.append(([*prefix, part], subs))
                new_nodes.append(child)
        found, node_sets = new_found, new_nodes
    return [(".".join(p), ".".join(s)) for p, s in found]


def _list_element(node: list, key: str) -> Any:
    if key.isdigit() and int(key) < len(node):
        return node[int(key)]
    return next((e for e in node if isinstance(e, dict) and e.get("name") == key), None)


def _get(data: Any, path: str) -> list[Any]:
    """Every value at a dotted path (``*`` over lists and tables)."""
    nodes = [data]
    for part in path.split("."):
        nxt = []
        for node in nodes:
            if part == "*" and isinstance(node, dict):
                nxt.extend(node.values())
            elif part == "*" and isinstance(node, list):
                nxt.extend(node)
            elif isinstance(node, dict) and part in node:
                nxt.append(node[part])
            elif isinstance(node, list):
                el = _list_element(node, part)
                if el is not None:
                    nxt.append(el)
        nodes = nxt
    return nodes


def _resolve_params(
    specs: dict[str, ParameterSpec], side: str, base: dict, source: Path
) -> list[Parameter]:
    out: list[Parameter] = []
    for key, spec in specs.items():
        where = f'{side}."{key}"'
        if (spec.values is None) == (spec.range is None and spec.relative is None):
            raise _fail(
                source,
                f"{where}: give exactly one of values = [...], range = [low, high] or "
                "relative = [low, high] (multiples of the base value).",
            )
        if spec.range is not None and spec.relative is not None:
            raise _fail(source, f"{where}: give range or relative, not both.")
        raw_paths = spec.paths or [key]
        targets = {"constants" if p.startswith(CONSTANTS_PREFIX) else "scenario" for p in raw_paths}
        if len(targets) > 1:
            raise _fail(source, f"{where}: paths mix constants.* and scenario fields.")
        target = targets.pop()
        if spec.each and spec.paths:
            raise _fail(source, f"{where}: 'each' expands a wildcard key; it cannot go with paths.")
        if spec.each:
            groups = [
                (concrete, label)
                for concrete, label in _expand_target(key, target, base, True, source, where)
            ]
            members = [(f"{_substitute(key, label)}", [concrete]) for concrete, label in groups]
        else:
            concretes: list[str] = []
            for p in raw_paths:
                concretes.extend(
                    c for c, _ in _expand_target(p, target, base, False, source, where)
                )
            members = [(key, concretes)]
        for name, paths in members:
            if name in RESERVED:
                raise _fail(source, f"{where}: '{name}' is a reserved column name; rename it.")
            param = _make_param(name, paths, target, spec, base, source, f'{side}."{name}"')
            if spec.each and spec.label:  # one label per expanded member, not one for all
                param.label = f"{spec.label}: {name.rsplit('.', 1)[-1].replace('_', ' ')}"
            out.append(param)
    names = [p.name for p in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(source, f"{side}: parameter(s) {', '.join(dupes)} given twice.")
    _one_owner(out, source, side, base)
    return out


def _one_owner(items: list, source: Path, side: str, base: dict) -> None:
    """Refuse two parameters (or an uncertainty and a lever) that set the same field, however
    each spells it (``wards.0.vacancy``, ``"wards.Ward A.vacancy"``, ``wards.*.vacancy``):
    one would silently overwrite the other in every run. The field is named as ``--set`` takes
    it (wards by name)."""
    owner: dict[str, str] = {}
    for item in items:
        for f in sorted(item.fields):
            if f in owner and owner[f] != item.name:
                raise _fail(
                    source,
                    f"{side}: '{owner[f]}' and '{item.name}' both set the field "
                    f"'{named_path(f, base)}', so one would overwrite the other; vary each field "
                    "in one parameter only.",
                )
            owner[f] = item.name


def _substitute(key: str, label: str) -> str:
    labels = label.split(".")
    parts = key.split(".")
    it = iter(labels)
    return ".".join(next(it) if p == "*" else p for p in parts)


def _expand_target(
    path: str, target: str, base: dict, each: bool, source: Path, where: str
) -> list[tuple[str, str]]:
    if target == "constants":
        rest = path[len(CONSTANTS_PREFIX) :]
        known = [f.name for f in _constant_fields()]
        if rest == "*":
            if not each:
                raise _fail(
                    source,
                    f"{where}: 'constants.*' sets every constant to one value; add each = true "
                    "to vary each constant as its own parameter.",
                )
            return [(f"{CONSTANTS_PREFIX}{n}", n) for n in known]
        if rest not in known:
            raise _fail(
                source,
                f"{where}: '{rest}' is not a mechanism constant; known: {', '.join(known)}.",
            )
        return [(path, "")]
    return _expand(path, base, each)


def _make_param(
    name: str,
    paths: list[str],
    target: str,
    spec: ParameterSpec,
    base: dict,
    source: Path,
    where: str,
) -> Parameter:
    p = Parameter(
        name=name,
        paths=[q[len(CONSTANTS_PREFIX) :] if target == "constants" else q for q in paths],
        target=target,  # type: ignore[arg-type]
        integer=spec.integer,
        levels=spec.levels,
        group=spec.group,
        label=spec.label,
        unit=spec.unit,
    )
    if spec.values is not None:
        p.values = list(spec.values)
        trial_values = p.values
    else:
        if spec.relative is not None:
            lo, hi = spec.relative
            each_base = _each_base(p.paths, target, base, source, where)
            if len(set(each_base.values())) > 1:
                # fields that differ (the enthusiasts' wards and the others) are each scaled
                # from their own value: the parameter is the multiplier, the differences stay
                p.paths, p.scale = list(each_base), each_base
                p.unit = p.unit or "x base value"
                lo, hi = sorted((lo, hi))
            else:
                b = next(iter(each_base.values()))
                lo, hi = sorted((lo * b, hi * b))
            if target == "constants":
                c_lo, c_hi = _constant_range(p.paths[0])
                lo, hi = max(lo, c_lo), min(hi, c_hi)
        else:
            lo, hi = spec.range  # type: ignore[misc]
        if not hi > lo or not (math.isfinite(lo) and math.isfinite(hi)):
            raise _fail(source, f"{where}: range = [{lo}, {hi}] must have high > low.")
        p.low, p.high = float(lo), float(hi)
        if p.integer and p.scale is None and p.whole_numbers()[1] <= p.whole_numbers()[0]:
            raise _fail(
                source,
                f"{where}: range = [{lo:g}, {hi:g}] with integer = true holds fewer than two "
                "whole numbers; widen it, or fix the value under [set].",
            )
        trial_values = [p.from_unit(0.0), p.from_unit(1.0)]
    for value in trial_values:
        p.fields |= _trial(p, value, base, source, where)
    return p


def _each_base(
    paths: list[str], target: str, base: dict, source: Path, where: str
) -> dict[str, float]:
    """The base value of every field a relative range scales, by concrete path (a ``*`` over
    wards expanded to each ward's name)."""
    if target == "constants":
        return {q: float(getattr(DEFAULT_CONSTANTS, q)) for q in paths}
    out: dict[str, float] = {}
    for path in paths:
        for concrete, _ in _expand(path, base, True):
            found = _get(base, concrete)
            if (
                len(found) != 1
                or not isinstance(found[0], (int, float))
                or isinstance(found[0], bool)
            ):
                raise _fail(
                    source,
                    f"{where}: relative needs a numeric base value at '{concrete}', found "
                    f"{found!r}.",
                )
            out[concrete] = float(found[0])
    return out


def _constant_range(name: str) -> tuple[float, float]:
    f = next(f for f in _constant_fields() if f.name == name)
    return f.metadata["range"]


def _trial(p: Parameter, value: Any, base: dict, source: Path, where: str) -> set[str]:
    """Apply one value to the base scenario (or constants) and validate, so a bad path or value
    is reported now, naming the experiment file, and not by a thousand failed runs later.
    Returns the concrete fields set (``wards.2.vacancy``, ``constants.x``)."""
    if p.target == "constants":
        _check_constants({q: value for q in p.paths}, source, where)
        return {CONSTANTS_PREFIX + q for q in p.paths}
    if p.scale is not None:
        bad = []
        for path, v in p.overrides(value).items():
            try:
                _trial_overrides({path: v}, base, source, where)
            except ScenarioError as exc:
                reason = str(exc).split("is not allowed: ")[-1].rstrip(".")
                bad.append(f"'{path}' = {value:g} x {p.scale[path]:g} = {v:g} ({reason})")
        if bad:
            raise _fail(
                source,
                f"{where}: relative ranges scale each field from its own value, and at "
                f"{value:g} x some fields leave their allowed range: "
                + "; ".join(bad)
                + ". Narrow the range.",
            )
    return _trial_overrides(p.overrides(value), base, source, where)


def _trial_overrides(overrides: dict[str, Any], base: dict, source: Path, where: str) -> set[str]:
    data = copy.deepcopy(base)
    fields: set[str] = set()
    for path, v in overrides.items():
        fields.update(set_path(data, path, v, f"{source}: {where}"))
    validate(data, f"{source}: {where} (value {short_repr(list(overrides.values())[0])})")
    return fields


def _resolve_rows(
    rows: list[dict[str, Any]], params: list[Parameter], side: str, base: dict, source: Path
) -> list[Row]:
    by_name = {p.name: p for p in params}
    out: list[Row] = []
    for i, raw in enumerate(rows):
        where = f"{side}.rows.{i}"
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise _fail(source, f'{where}: every row needs a name = "...".')
        values = {k: v for k, v in raw.items() if k != "name"}
        overrides: dict[str, Any] = {}
        constants: dict[str, float] = {}
        for key, value in values.items():
            if key in RESERVED:
                raise _fail(source, f"{where}: '{key}' is a reserved column name.")
            if key in by_name:
                p = by_name[key]
                dest = constants if p.target == "constants" else overrides
                dest.update(p.overrides(value))
            elif key.startswith(CONSTANTS_PREFIX):
                constants[key[len(CONSTANTS_PREFIX) :]] = value
            else:
                for concrete, _ in _expand(key, base, False):
                    overrides[concrete] = value
        fields = {CONSTANTS_PREFIX + q for q in constants}
        if constants:
            _check_constants(constants, source, f"{where} ({name})")
        if overrides:
            fields |= _trial_overrides(overrides, base, source, f"{where} ({name})")
        out.append(Row(name, values, overrides, constants, fields))
    names = [r.name for r in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(source, f"{side}.rows: row name(s) {', '.join(dupes)} used twice.")
    return out


def _check_design(exp: Experiment) -> None:
    src, d = exp.path, exp.design
    u, rows = exp.uncertainties, exp.uncertainty_rows
    if d.kind == "scenarios":
        if not rows:
            raise _fail(
                src,
                "design.kind = 'scenarios' needs named rows of uncertainty values: "
                '[[uncertainties.rows]] name = "..." with one key per parameter.',
            )
    elif rows:
        raise _fail(
            src,
            f"[[uncertainties.rows]] are named scenarios; they go with design.kind = 'scenarios', "
            f"not '{d.kind}'.",
        )
    if d.kind == "grid":
        for p in u:
            if p.values is None and p.levels is None:
                raise _fail(
                    src,
                    f'uncertainties."{p.name}": '
                    f"a grid needs values = [...] or a range with "
                    "levels = n (n evenly spaced values).",
                )
    if d.kind in SAMPLED:
        if not u:
            raise _fail(src, f"design.kind = '{d.kind}' samples the uncertainties; give some.")
        if d.samples is None:
            raise _fail(
                src,
                f"design.kind = '{d.kind}' needs design.samples (lhs: points; sobol: base "
                "sample N, a power of 2; morris: trajectories).",
            )
        if d.kind == "sobol" and d.samples & (d.samples - 1):
            lo = 1 << (d.samples.bit_length() - 1)
            raise _fail(
                src,
                f"design.samples = {d.samples} is not allowed for a Sobol design: it must be a "
                f"power of 2 (e.g. {lo} or {lo * 2}) for the Sobol sequence to converge.",
            )
        if d.grouped and any(p.group is None for p in u):
            missing = [p.name for p in u if p.group is None]
            raise _fail(
                src,
                f"design.grouped = true needs a group for every uncertainty; missing: {missing}.",
            )
    for p in exp.levers:
        if p.values is None and p.levels is None:
            raise _fail(
                src,
                f'levers."{p.name}": '
                f"levers form a grid; give values = [...] or a range with "
                "levels = n.",
            )
    if exp.levers and exp.lever_rows:
        raise _fail(
            src, "levers: give either lever parameters (a grid) or [[levers.rows]], not both."
        )
    u_fields = set().union(*(x.fields for x in [*u, *rows]))
    l_fields = set().union(*(x.fields for x in [*exp.levers, *exp.lever_rows]))
    both = sorted(u_fields & l_fields)
    if both:
        base = exp.base.model_dump()
        raise _fail(
            src,
            f"{', '.join(named_path(f, base) for f in both)} is both an uncertainty and a lever; "
            "a field can be only one.",
        )
