"""Pattern-oriented validation that can fail: one class per run, a two-sided pass rule, the
report's causal claims as paired contrasts, mechanism ablations and a null model.

The outcome classes, their thresholds and the pass rule are data, fixed before any calibration,
in ``experiments/validation/classes.toml``; the contrasts in
``experiments/validation/contrasts.toml``. ``qisim validate`` prints both files' SHA-256 and a
test pins them, so changing what counts as a reproduction is a visible commit of its own.
docs/ODD.md §8 documents the classes.

Everything here judges a run from its *summary* (:func:`qisim.results.summarise`), so the same
rules apply to a single run, a sweep's results rows (the robustness study) and the null model.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import stats

import qisim
from qisim.domain import FEATURE_KEYS
from qisim.resources import data_dir
from qisim.scenario import Scenario, ScenarioError, load_scenario, read_toml

# the checkout's folders, or the wheel's copies (qisim/_data/) in a non-editable install
SCENARIO_DIR = data_dir("scenarios")
VALIDATION_DIR = data_dir("experiments") / "validation"
CLASSES_FILE = VALIDATION_DIR / "classes.toml"
CONTRASTS_FILE = VALIDATION_DIR / "contrasts.toml"

# every class a run can be given, in the order the decision procedure tries them
CLASSES = (
    "launch_pending",
    "stalled_in_design",
    "fizzled",
    "late_improvement",
    "redesigning",
    "embedded",
    "patchy",
    "struggling",
)


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (hex), the fingerprint ``qisim validate`` prints."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Case:
    """One case study: its scenario file, the report's outcome class and the classes that do not
    contradict the report (neither counted for nor against it)."""

    file: str
    trust: str
    initiative: str
    expected: str
    observed: str  # the report's words
    compatible: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.file.removesuffix(".toml")

    @property
    def label(self) -> str:
        return f"{self.trust}: {self.initiative}"

    def contradicting(self) -> tuple[str, ...]:
        return tuple(c for c in CLASSES if c != self.expected and c not in self.compatible)


@dataclass(frozen=True)
class Targets:
    """The classes' thresholds, the pass rule and the cases (``classes.toml``)."""

    thresholds: dict[str, float]
    expected_share: float
    contradicting_share: float
    cases: tuple[Case, ...]
    sha256: str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Rule(_Strict):
    expected_share: Annotated[float, Field(gt=0, le=1)]
    contradicting_share: Annotated[float, Field(ge=0, lt=1)]


class _Thresholds(_Strict):
    design_nearly_done: Annotated[float, Field(ge=0, le=1)]
    fizzle_practice: Annotated[float, Field(ge=0, le=1)]
    embedded_share: Annotated[float, Field(gt=0, le=1)]
    patchy_share: Annotated[float, Field(ge=0, le=1)]
    late_little: Annotated[float, Field(ge=0, le=1)]
    late_after: Annotated[float, Field(ge=0, le=1)]
    late_ratio: Annotated[float, Field(ge=1)]


class _CaseFile(_Strict):
    file: str
    trust: str
    initiative: str
    expected: Literal[CLASSES]  # type: ignore[valid-type]
    compatible: list[Literal[CLASSES]] = []  # type: ignore[valid-type]
    observed: str


class _ClassesFile(_Strict):
    version: int
    rule: _Rule
    thresholds: _Thresholds
    cases: Annotated[list[_CaseFile], Field(min_length=1)]


class _ContrastFile(_Strict):
    name: str
    case: str
    claim: str
    set: dict[str, Any] = {}
    drop_events: list[str] = []
    measure: str
    direction: Literal["higher", "lower"]
    min_effect: Annotated[float, Field(ge=0)]
    features: list[Literal[FEATURE_KEYS]] = []  # type: ignore[valid-type]
    quote: Annotated[str, Field(min_length=1)]


class _ContrastsFile(_Strict):
    version: int
    direction_share: Annotated[float, Field(gt=0.5, le=1)]
    contrasts: Annotated[list[_ContrastFile], Field(min_length=1)]


def _read_checked(path: Path, schema: type[BaseModel]) -> BaseModel:
    """Read and check a validation data file; any fault is one ScenarioError paragraph naming
    the file, the field, the value and what is allowed."""
    data = read_toml(Path(path))
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        for i, key in enumerate(loc[:-1]):  # name list elements (cases, contrasts) by name
            if isinstance(loc[i + 1], int):
                items = data.get(key) if i == 0 else None
                if isinstance(items, list) and loc[i + 1] < len(items):
                    item = items[loc[i + 1]]
                    loc[i + 1] = (
                        (item.get("name") or item.get("file") or loc[i + 1])
                        if isinstance(item, dict)
                        else loc[i + 1]
                    )
        where = ".".join(str(x) for x in loc)
        value = err.get("input")
        if err["type"] == "missing":
            problem = f"'{where}' is missing"
        elif err["type"] == "extra_forbidden":
            problem = f"'{where}' is not a field of this file"
        else:
            shown = repr(value) if not isinstance(value, (dict, list)) else "a table"
            problem = f"'{where}' = {shown} is not allowed: {err['msg']}"
        raise ScenarioError(
            f"{path}: {problem}. This file is fixed data "
            "of qisim validate (see docs/ODD.md §8); restore it with `git checkout -- "
            f"{Path(path).name}` if it was not meant to change."
        ) from None


def load_targets(path: Path = CLASSES_FILE) -> Targets:
    """Read the classes file (``experiments/validation/classes.toml``).

    Raises:
        ScenarioError: a TOML error, a missing or unknown field, a value out of range or an
            unknown class, in one paragraph naming the file and the field.
    """
    f = _read_checked(path, _ClassesFile)
    cases = tuple(
        Case(c.file, c.trust, c.initiative, c.expected, c.observed, tuple(c.compatible))
        for c in f.cases
    )
    for c in cases:
        if not (SCENARIO_DIR / c.file).exists():
            raise ScenarioError(f"{path}: case file {c.file!r} is not in {SCENARIO_DIR}.")
    return Targets(
        thresholds=f.thresholds.model_dump(),
        expected_share=f.rule.expected_share,
        contradicting_share=f.rule.contradicting_share,
        cases=cases,
        sha256=file_hash(path),
    )


TARGETS = load_targets()
CASES = TARGETS.cases
PASS_SHARE = TARGETS.expected_share


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def classify(summary: dict[str, Any], targets: Targets = TARGETS) -> str:
    """The one outcome class of a run, from its summary (a dict or a sweep's results row).

    The decision procedure (``classes.toml`` explains it) tries the classes in the order of
    :data:`CLASSES` and returns the first that applies; it always returns exactly one.
    Reads ``first_launch_day``, ``design_progress``, ``stage``, ``team_staffed_day``,
    ``practice_before_staffed``, ``practice_after_staffed``, ``redesigns``,
    ``embedded_ward_fraction`` and ``practice_rate``.
    """
    t = targets.thresholds
    launch = _num(summary.get("first_launch_day"))
    if launch is None:
        progress = _num(summary.get("design_progress")) or 0.0
        return "launch_pending" if progress >= t["design_nearly_done"] else "stalled_in_design"
    if summary.get("stage") in ("fizzled", "halted"):
        return "fizzled"
    before = _num(summary.get("practice_before_staffed"))
    after = _num(summary.get("practice_after_staffed"))
    if (
        before is not None
        and after is not None
        and before < t["late_little"]
        and after >= max(t["late_ratio"] * before, t["late_after"])
    ):
        return "late_improvement"
    frac = float(summary["embedded_ward_fraction"])
    if (_num(summary.get("redesigns")) or 0) >= 1 and frac < t["embedded_share"]:
        return "redesigning"
    if frac >= t["embedded_share"]:
        return "embedded"
    if frac >= t["patchy_share"]:
        return "patchy"
    if float(summary["practice_rate"]) < t["fizzle_practice"]:
        return "fizzled"
    return "struggling"


@dataclass
class CaseVerdict:
    """How a case's runs fell: the share in each class, the expected share, the largest
    contradicting class and whether the case passes the two-sided rule."""

    case: Case
    shares: dict[str, float]
    expected_share: float
    worst_contradiction: tuple[str, float]
    passed: bool
    runs: int


def case_verdict(case: Case, classes: Iterable[str], targets: Targets = TARGETS) -> CaseVerdict:
    """Apply the two-sided pass rule: at least ``expected_share`` of runs in the expected class
    and no contradicting class above ``contradicting_share``.

    Args:
        classes: the class of each run of the case (at least one).
    """
    classes = list(classes)
    if not classes:
        raise ValueError(f"{case.name}: no runs to judge")
    counts = Counter(classes)
    shares = {c: counts.get(c, 0) / len(classes) for c in CLASSES}
    contra = max(((c, shares[c]) for c in case.contradicting()), key=lambda x: x[1])
    ok = (
        shares[case.expected] >= targets.expected_share and contra[1] <= targets.contradicting_share
    )
    return CaseVerdict(case, shares, shares[case.expected], contra, ok, len(classes))


# ---------------------------------------------------------------------------------------------
# Contrasts: the report's causal claims as paired counterfactuals


@dataclass(frozen=True)
class Contrast:
    name: str
    case: str
    claim: str
    measure: str
    direction: str
    min_effect: float
    quote: str
    set: dict[str, Any] = field(default_factory=dict)
    drop_events: tuple[str, ...] = ()
    features: tuple[str, ...] = ()

    @property
    def file(self) -> str:
        return f"{self.case}.toml"


@dataclass(frozen=True)
class ContrastSet:
    contrasts: tuple[Contrast, ...]
    direction_share: float
    sha256: str


def load_contrasts(path: Path = CONTRASTS_FILE) -> ContrastSet:
    """Read the contrasts file (``experiments/validation/contrasts.toml``).

    Raises:
        ScenarioError: a TOML error, an unknown field, direction, feature, case or measure, in
            one paragraph naming the file and the contrast.
    """
    f = _read_checked(path, _ContrastsFile)
    known = measures_known()
    out = []
    for c in f.contrasts:
        if not (SCENARIO_DIR / f"{c.case}.toml").exists():
            raise ScenarioError(
                f"{path}: contrast {c.name!r}: case {c.case!r} names no scenario; allowed: "
                f"{', '.join(x.name for x in CASES)}."
            )
        cls = c.measure.removeprefix("class=")
        if c.measure not in known and not (c.measure.startswith("class=") and cls in CLASSES):
            raise ScenarioError(
                f"{path}: contrast {c.name!r}: measure {c.measure!r} is not a run-summary field. "
                f"Allowed: a summary field ({', '.join(sorted(known))}), 'class=NAME' with NAME "
                f"one of {', '.join(CLASSES)}, or 'launch_day_or_horizon'."
            )
        out.append(
            Contrast(
                name=c.name, case=c.case, claim=c.claim, measure=c.measure,
                direction=c.direction, min_effect=c.min_effect, quote=c.quote, set=dict(c.set),
                drop_events=tuple(c.drop_events), features=tuple(c.features),
            )
        )  # fmt: skip
    return ContrastSet(tuple(out), f.direction_share, file_hash(path))


@functools.cache
def measures_known() -> frozenset[str]:
    """The numeric fields of a run summary (from a 2-day run of the example), plus
    ``launch_day_or_horizon``: what a contrast may measure."""
    summary = qisim.run(SCENARIO_DIR / "example.toml", seed=0, days=2).summary
    skip = {"seed", "status", "stage", "stages"}
    return frozenset({k for k in summary if k not in skip} | {"launch_day_or_horizon"})


def measure_value(summary: dict[str, Any], measure: str) -> float:
    """A contrast's measure from a run summary: a summary field, ``class=NAME`` or
    ``launch_day_or_horizon``. A missing value is NaN."""
    if measure.startswith("class="):
        return float(classify(summary) == measure.removeprefix("class="))
    if measure == "launch_day_or_horizon":
        launch = summary.get("first_launch_day")
        return float(summary["days"] if launch is None else launch)
    value = _num(summary.get(measure))
    return float("nan") if value is None else value


@dataclass
class ContrastVerdict:
    contrast: Contrast
    mean_effect: float
    direction_share: float
    pairs: int
    holds: bool


def contrast_verdict(
    contrast: Contrast, base: Iterable[float], changed: Iterable[float], direction_share: float
) -> ContrastVerdict:
    """Judge one contrast on paired values (same seeds, same order): it holds when the effect
    (changed - base) has the expected sign in at least ``direction_share`` of the pairs and the
    mean effect reaches ``min_effect`` in the expected direction. Pairs with a missing value are
    left out; with none left the contrast does not hold."""
    b, c = np.asarray(list(base), float), np.asarray(list(changed), float)
    if b.shape != c.shape:
        raise ValueError(f"{contrast.name}: {b.size} base runs but {c.size} changed runs")
    ok = ~(np.isnan(b) | np.isnan(c))
    effect = (c - b)[ok]
    if effect.size == 0:
        return ContrastVerdict(contrast, float("nan"), 0.0, 0, False)
    sign = 1.0 if contrast.direction == "higher" else -1.0
    share = float(np.mean(sign * effect > 0))
    mean = float(effect.mean())
    holds = share >= direction_share and sign * mean >= contrast.min_effect
    return ContrastVerdict(contrast, mean, share, int(effect.size), holds)


# ---------------------------------------------------------------------------------------------
# Finer patterns, each measured per run and summarised across runs


def pilot_advantage(result: qisim.RunResult) -> float:
    """Enhanced care: mean habit on the pilot (enthusiasts') wards minus the other target wards."""
    w = result.wards
    tgt = w[w.target]
    return float(tgt[tgt.pilot].habit.mean() - tgt[~tgt.pilot].habit.mean())


def understaffed_drop(result: qisim.RunResult) -> float:
    """Enhanced care: practice on understaffed days (<90% of required nurses) minus practice on
    adequately staffed days, on live wards, over the same wards and period."""
    d = result.daily
    live = d[d.active & d.target & (d.day >= d[d.active].day.min() + 60)]
    short = live.staffing < 0.9
    if short.sum() == 0 or (~short).sum() == 0:
        return float("nan")
    by_ward = live.groupby([live.ward, short]).practice.mean().unstack()
    return float((by_ward[True] - by_ward[False]).mean())


def enthusiasm_correlation(result: qisim.RunResult) -> float:
    """Postural blood pressure: Spearman rank correlation of ward-manager enthusiasm with the
    ward's practice at the end, across target wards."""
    w = result.wards[result.wards.target]
    return float(stats.spearmanr(w.manager_enthusiasm, w.practice).statistic)


def hospital_difference(result: qisim.RunResult) -> float:
    """Postural blood pressure: difference in mean ward practice between the two hospitals."""
    w = result.wards[result.wards.target]
    means = w.groupby("hospital").practice.mean()
    return float(means.max() - means.min())


def audited_improvement(result: qisim.RunResult) -> float:
    """Handover at night: the mean improvement the QI team's own monthly audits showed after
    launch, against their baseline (positive: fewer night emergency calls), read from the
    team's noisy audits, not from the true event counts."""
    value = result.summary.get("audit_improvement")
    return float("nan") if value is None else float(value)


def attendance_trend(result: qisim.RunResult) -> float:
    """Handover at night: final attendance (practice) minus its peak after launch (negative:
    attendance fell)."""
    practice = result.model.recorder.trust["practice"][: result.summary["days"]]
    kernel = np.ones(28) / 28
    smooth = np.convolve(practice, kernel, mode="valid")
    return float(smooth[-1] - smooth.max())


@dataclass(frozen=True)
class Pattern:
    case: str
    name: str
    measure: Callable[[qisim.RunResult], float]
    holds: Callable[[float], bool]
    expectation: str


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "middleswick_enhanced_care.toml",
        "pilot (enthusiasts') wards do better",
        pilot_advantage,
        lambda x: x > 0,
        "habit on pilot wards minus the rest > 0",
    ),
    Pattern(
        "middleswick_enhanced_care.toml",
        "practice drops on understaffed days",
        understaffed_drop,
        lambda x: x < 0,
        "practice on days <90% staffed minus other days < 0",
    ),
    Pattern(
        "middleswick_postural_blood_pressure.toml",
        "practice rises with manager enthusiasm",
        enthusiasm_correlation,
        lambda x: x > 0.3,
        "Spearman(enthusiasm, ward practice) > 0.3",
    ),
    Pattern(
        "middleswick_postural_blood_pressure.toml",
        "the two hospitals differ",
        hospital_difference,
        lambda x: x > 0.05,
        "difference in mean ward practice > 0.05",
    ),
    Pattern(
        "premton_handover_at_night.toml",
        "the team's audits show fewer night emergency calls",
        audited_improvement,
        lambda x: x > 0,
        "mean improvement in the team's monthly audits after launch > 0",
    ),
    Pattern(
        "premton_handover_at_night.toml",
        "while attendance still falls",
        attendance_trend,
        lambda x: x < -0.02,
        "final attendance minus its peak < -0.02",
    ),
)


# ---------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class Task:
    """One arm of the validation, run on every replication's seed: a case file, the changed
    arm's overrides and dropped events, the ablated families and which model runs it ("full"
    or "null")."""

    file: str
    overrides: tuple[tuple[str, Any], ...] = ()
    drop_events: tuple[str, ...] = ()
    ablate: tuple[str, ...] = ()
    model: str = "full"
    null_params: tuple[tuple[str, float], ...] = ()
    detail: bool = True  # keep the figures' curves and the finer patterns
    tag: str = ""
    constants: tuple[tuple[str, float], ...] = ()  # overrides of the mechanism constants


def scenario_for(file: str, overrides=(), drop_events=()) -> Scenario:
    """A case's scenario with overrides applied and the named events removed.

    Raises:
        ValueError: a ``drop_events`` entry matches no event's note.
    """
    scenario = load_scenario(SCENARIO_DIR / file, dict(overrides) or None)
    if drop_events:
        keep = []
        for ev in scenario.events:
            if not any(d.lower() in ev.note.lower() for d in drop_events):
                keep.append(ev)
        for d in drop_events:
            if not any(d.lower() in ev.note.lower() for ev in scenario.events):
                raise ValueError(f"{file}: no scheduled event's note contains {d!r}")
        scenario = scenario.model_copy(update={"events": keep})
    return scenario


def run_task(task: Task, seed: int) -> dict:
    """Run one task on one seed and return its row: the summary, its class and (with
    ``detail``) the finer patterns and the curves the figure draws."""
    scenario = scenario_for(task.file, task.overrides, task.drop_events)
    if task.model == "null":
        from qisim.null import NullParams, run_null

        summary, practice = run_null(scenario, seed, NullParams(**dict(task.null_params)))
        row = {"summary": summary, "trust_practice": practice, "ward_habit_final": None}
    else:
        result = qisim.run(
            scenario, seed=seed, ablate=task.ablate, constants=dict(task.constants) or None
        )
        summary = result.summary
        row = {"summary": summary}
        if task.detail:
            for p in PATTERNS:
                if p.case == task.file:
                    row[p.name] = p.measure(result)
            m = result.model
            row["trust_practice"] = m.recorder.trust["practice"][: summary["days"]].copy()
            row["ward_habit_final"] = m.ward_habit[m.wards.target].copy()
    row.update(case=task.file, tag=task.tag, cls=classify(summary))
    return row


SEED = 2024  # the validation's base seed: replication r of every case and arm runs with 2024 + r


def run_tasks(
    tasks: list[Task], reps: int, seed: int = SEED, workers: int | None = None,
    measure: Callable[[Task, int], dict] = run_task,
) -> list[dict]:  # fmt: skip
    """Run every task ``reps`` times, replication r on seed ``seed + r`` (the same for every
    case and both arms of every contrast: common random numbers), on ``workers`` processes
    (default: all cores); rows (with ``seed`` and ``arm``, the task's index) in the tasks'
    order, then the replications'. ``measure`` (a module-level function) makes a run's row."""
    from qisim.sweep.replicate import replicate

    return replicate(tasks, reps, seed, measure=measure, workers=workers)


def case_tasks(
    cases=None, ablate=(), model="full", null_params=(), detail: bool = True, tag: str = ""
) -> list[Task]:
    """Each case as a task. Tagged ``base`` (and without ``detail``), they are also the base
    arms of the contrasts (:func:`contrast_tasks` with ``include_base=False``), so the cases and
    the contrasts share those runs."""
    common = {"ablate": tuple(ablate), "model": model, "null_params": tuple(null_params)}
    return [Task(c.file, detail=detail, tag=tag, **common) for c in cases or CASES]


def contrast_tasks(
    contrasts: Iterable[Contrast], ablate=(), model="full", null_params=(),
    include_base: bool = True,
) -> list[Task]:  # fmt: skip
    """Both arms of each contrast (run on the same seeds by :func:`run_tasks`); base arms shared
    between contrasts of a case (tag ``base``), changed arms tagged with the contrast's name."""
    contrasts = list(contrasts)
    common = {"ablate": tuple(ablate), "model": model, "null_params": tuple(null_params)}
    out = []
    if include_base:
        for file in dict.fromkeys(c.file for c in contrasts):
            out.append(Task(file, tag="base", detail=False, **common))
    for c in contrasts:
        out.append(
            Task(c.file, tuple(c.set.items()), c.drop_events, tag=c.name, detail=False, **common)
        )
    return out


def judge_contrasts(
    rows: list[dict], contrasts: ContrastSet, base_rows: list[dict] | None = None
) -> list[ContrastVerdict]:
    """Pair each contrast's changed runs with the base runs of its case (by seed) and judge."""
    base_rows = base_rows if base_rows is not None else rows
    out = []
    for c in contrasts.contrasts:
        base = {
            r["seed"]: r["summary"] for r in base_rows if r["case"] == c.file and r["tag"] == "base"
        }
        changed = [(r["seed"], r["summary"]) for r in rows if r["tag"] == c.name]
        pairs = [(base[s], ch) for s, ch in changed if s in base]
        out.append(
            contrast_verdict(
                c,
                [measure_value(b, c.measure) for b, _ in pairs],
                [measure_value(ch, c.measure) for _, ch in pairs],
                contrasts.direction_share,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# Robustness: the constants' ranges and every ASSUMPTION range, through `qisim sweep`

_RANGE = re.compile(r"#.*ASSUMPTION\s*\[\s*([-+0-9.eE]+)\s*,\s*([-+0-9.eE]+)\s*\]")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.]+)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=\s*([-+0-9.eE]+)\s*(#.*)?$")


@dataclass(frozen=True)
class Assumption:
    """A scenario value marked ``# ASSUMPTION [lo, hi]`` in its file: a value the report does
    not give, and the plausible range the robustness study varies it over."""

    path: str  # dotted path in the scenario (``initiative.design_days``, ``events.1.day``)
    value: float
    low: float
    high: float
    integer: bool
    file: str
    line: int


def assumption_ranges(path: Path) -> list[Assumption]:
    """Every ``key = number  # ASSUMPTION [lo, hi]`` line of one scenario or trust file.

    Raises:
        ValueError: a range that does not hold its value, or a range on a line that is not a
            plain ``key = number``.
    """
    path = Path(path)
    prefix, counters, out = "", {}, []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        head = _HEADER.match(line)
        if head and not line.lstrip().startswith("#"):
            name = head.group(2)
            if head.group(1) == "[[":
                counters[name] = counters.get(name, -1) + 1
                prefix = f"{name}.{counters[name]}."
            else:
                prefix = f"{name}."
            continue
        rng = _RANGE.search(line)
        if not rng or line.lstrip().startswith("#"):
            continue
        kv = _KEY.match(line)
        if not kv:
            raise ValueError(f"{path}:{n}: an ASSUMPTION range needs a plain 'key = number' line")
        raw = kv.group(2)
        value, lo, hi = float(raw), float(rng.group(1)), float(rng.group(2))
        if not lo <= value <= hi:
            raise ValueError(f"{path}:{n}: {kv.group(1)} = {raw} is outside its range [{lo}, {hi}]")
        integer = re.fullmatch(r"[-+]?\d+", raw) is not None
        out.append(Assumption(prefix + kv.group(1), value, lo, hi, integer, path.name, n))
    return out


def case_assumptions(case: Case) -> list[Assumption]:
    """The ASSUMPTION ranges a case rests on: its own file's and its trust file's (``base``)."""
    path = SCENARIO_DIR / case.file
    found = assumption_ranges(path)
    base = tomllib.loads(path.read_text()).get("base")
    if base:
        found = assumption_ranges((path.parent / base).resolve()) + found
    return found


ROBUSTNESS_DIR = data_dir("experiments") / "robustness"
ROBUSTNESS_POINTS = 256  # at least this many design points per case
ROBUSTNESS_REPLICATIONS = 3
ROBUSTNESS_SEED = 20261130


def robustness_experiment(case: Case) -> str:
    """The sweep experiment (TOML text) of one case's robustness study: a Morris design
    (SALib) over every mechanism constant at 0.5-1.5 times its default, within its declared
    range, and every ASSUMPTION range of the case's files; written to
    ``experiments/robustness/<case>.toml`` and run with ``qisim sweep``. It has enough
    trajectories for at least :data:`ROBUSTNESS_POINTS` points."""
    from qisim.constants import Constants

    assumptions = case_assumptions(case)
    dims = len(Constants.__dataclass_fields__) + len(assumptions)
    trajectories = math.ceil(ROBUSTNESS_POINTS / (dims + 1))
    lines = [
        f"# Robustness of {case.label} (generated by qisim.validation.robustness_experiment from",
        f"# the ASSUMPTION ranges in scenarios/{case.file} and its trust file; do not edit:",
        "# tests/test_validation.py checks it is current). Run: qisim sweep THIS_FILE",
        f'name = "robustness_{case.name}"',
        f'description = "Robustness of {case.label}: constants and ASSUMPTION ranges"',
        f'scenario = "../../scenarios/{case.file}"',
        f"replications = {ROBUSTNESS_REPLICATIONS}",
        f"seed = {ROBUSTNESS_SEED}",
        f'output = "../../out/robustness/{case.name}"',
        "",
        "[design]",
        'kind = "morris"',
        f"samples = {trajectories}  # Morris trajectories: {trajectories} x (1 + {dims}) points",
        "",
        "[uncertainties]",
        '"constants.*" = { relative = [0.5, 1.5], each = true }',
    ]
    for a in assumptions:
        lo, hi = (int(a.low), int(a.high)) if a.integer else (a.low, a.high)
        integer = ", integer = true" if a.integer else ""
        lines.append(f'"{a.path}" = {{ range = [{lo}, {hi}]{integer} }}  # {a.file}:{a.line}')
    return "\n".join(lines) + "\n"
