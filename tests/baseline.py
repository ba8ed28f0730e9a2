"""The pinned baseline: a few short runs whose results are committed in tests/baseline.json.

tests/test_baseline.py reruns them and fails when any pinned number moves. When a change is meant
to change results, regenerate the file deliberately and commit it with the change::

    make baseline                            # = .venv/bin/python -m tests.baseline --update

It reruns the runs, prints what changed and by how much, and records the commit, the model's
fingerprint and the package versions beside the numbers. ``python -m tests.baseline`` (no flag)
only compares and prints.

What is pinned, for each run (a scenario file, a horizon, a seed): every field of the run's
summary (``RunResult.summary``), and a digest of the daily trust table (``RunResult.trust``): for
each numeric column its sum, sum of squares, day-weighted sum (which moves when the same values
come on other days), minimum, maximum and last value, and the days on which the lifecycle stage
changed. Numbers are compared with a relative tolerance of 1e-9 rather than exactly: the same code
on another platform (another libm, another numpy build) can differ in the last bits of a float.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import qisim
from qisim.sweep.storage import git_commit, model_fingerprint

ROOT = Path(__file__).resolve().parent.parent
BASELINE = Path(__file__).resolve().with_name("baseline.json")
REGENERATE = "make baseline  (or: .venv/bin/python -m tests.baseline --update)"

# the example, a case that stalls and then launches straight into embedding, a case with a pilot
# and a roll-out inside the horizon, and a case whose design stalls before launching
RUNS = (
    ("example", 365),
    ("premton_handover_at_night", 365),
    ("middleswick_postural_blood_pressure", 365),
    ("upsworth_tissue_viability", 365),
)
SEEDS = (0, 1)
REL_TOL = 1e-9
ABS_TOL = 1e-12  # for values that should be zero: a relative tolerance means nothing there
PACKAGES = ("numpy", "numba", "mesa", "scipy", "pandas", "pydantic")
SHOWN_PER_RUN = 12  # changed values listed per run; the rest are counted


def run_keys() -> list[str]:
    return [f"{name}/seed{seed}" for name, _ in RUNS for seed in SEEDS]


def record_run(key: str) -> dict[str, Any]:
    """Run one pinned run (``"scenario/seedN"``) and return what the baseline keeps of it."""
    name, seed_text = key.split("/seed")
    days = dict(RUNS)[name]
    seed = int(seed_text)
    path = ROOT / "scenarios" / f"{name}.toml"
    scenario = qisim.load_scenario(path, {"days": days})
    result = qisim.run(scenario, seed=seed)
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode()
    return {
        "scenario": path.relative_to(ROOT).as_posix(),
        "days": days,
        "seed": seed,
        # the scenario as loaded (its base trust file included): tells a changed scenario file
        # from a changed model when the test fails
        "scenario_sha256": hashlib.sha256(canonical).hexdigest(),
        "summary": result.summary,
        "trust": trust_digest(result.trust),
    }


def trust_digest(trust: pd.DataFrame) -> dict[str, Any]:
    """A few numbers per column of the daily trust table that move when any day's value moves."""
    day = trust["day"].to_numpy(dtype=float)
    out: dict[str, Any] = {"days": len(trust)}
    for column in trust.columns.drop(["day", "stage"]):
        x = trust[column].to_numpy(dtype=float)
        out[column] = {
            "sum": float(x.sum()),
            "sum_squares": float((x * x).sum()),
            "sum_day_weighted": float((day * x).sum()),
            "min": float(x.min()),
            "max": float(x.max()),
            "last": float(x[-1]),
        }
    stage = trust["stage"].to_numpy()
    changed = np.flatnonzero(np.r_[True, stage[1:] != stage[:-1]])
    out["stage"] = [[int(d), str(stage[d])] for d in changed]
    return out


def provenance() -> dict[str, Any]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        **git_commit(ROOT / "qisim"),
        "model_fingerprint": model_fingerprint(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "versions": versions,
        "recorded": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def record_all() -> dict[str, dict[str, Any]]:
    return {key: record_run(key) for key in run_keys()}


def load(path: Path = BASELINE) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.exists() else {"runs": {}}


def write(runs: dict[str, dict[str, Any]], path: Path = BASELINE) -> None:
    about = (
        "Pinned results of short runs, compared by tests/test_baseline.py (relative tolerance "
        f"{REL_TOL:g}). Regenerate deliberately, never by hand: {REGENERATE}"
    )
    data = {"about": about, "provenance": provenance(), "runs": runs}
    path.write_text(json.dumps(data, indent=1) + "\n")


_MISSING = object()  # a key one side has and the other has not


@dataclass(frozen=True)
class Change:
    where: str  # e.g. "summary.practice_rate", "trust.momentum.sum"
    pinned: Any
    now: Any

    def __str__(self) -> str:
        return f"{self.where}: {_show(self.pinned)} -> {_show(self.now)}{_by_how_much(self)}"


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _show(x: Any) -> str:
    if x is _MISSING:
        return "(absent)"
    return f"{x:.12g}" if isinstance(x, float) else json.dumps(x)


def _by_how_much(change: Change) -> str:
    a, b = change.pinned, change.now
    if not (_is_number(a) and _is_number(b)):
        return ""
    if a == 0:
        return f"  (by {b - a:+.3g})"
    return f"  (by {b - a:+.3g}, {(b - a) / abs(a):+.3g} relative)"


def changes(pinned: Any, now: Any, where: str = "") -> list[Change]:
    """Every value that differs between ``pinned`` and ``now``: numbers beyond the tolerance,
    anything else (strings, None, lists of other length, absent keys) when not equal."""
    if isinstance(pinned, dict) and isinstance(now, dict):
        out = []
        for key in [*pinned, *(k for k in now if k not in pinned)]:
            sub = f"{where}.{key}" if where else str(key)
            out += changes(pinned.get(key, _MISSING), now.get(key, _MISSING), sub)
        return out
    if isinstance(pinned, list) and isinstance(now, list) and len(pinned) == len(now):
        pairs = enumerate(zip(pinned, now))
        return [c for i, (a, b) in pairs for c in changes(a, b, f"{where}[{i}]")]
    if _is_number(pinned) and _is_number(now):
        same = math.isclose(pinned, now, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    else:
        same = pinned == now and type(pinned) is type(now)
    return [] if same else [Change(where, pinned, now)]


def run_changes(pinned: dict[str, Any], now: dict[str, Any]) -> list[Change]:
    """What moved in one run; its scenario's hash is reported apart (see :func:`explain`)."""
    keep = ("summary", "trust")
    return changes({k: pinned.get(k) for k in keep}, {k: now.get(k) for k in keep})


def explain(key: str, found: list[Change], pinned: dict[str, Any], now: dict[str, Any]) -> str:
    """One run's changes, readable, with the likely cause and how to regenerate."""
    lines = [f"{key}: {len(found)} pinned value(s) changed (relative tolerance {REL_TOL:g})"]
    lines += [f"  {c}" for c in found[:SHOWN_PER_RUN]]
    if len(found) > SHOWN_PER_RUN:
        lines.append(f"  ... and {len(found) - SHOWN_PER_RUN} more")
    if pinned.get("scenario_sha256") != now.get("scenario_sha256"):
        lines.append(f"  {now['scenario']} (or its base trust file) changed since the baseline.")
    return "\n".join(lines)


def hint(recorded: dict[str, Any]) -> str:
    """How to regenerate, and whether the model's code is the same as when the numbers were
    recorded (if so, the packages or the platform moved them)."""
    lines = [
        "If the change is meant, regenerate and commit tests/baseline.json with it:",
        f"    {REGENERATE}",
        "If it is not, your change moved results it should not have.",
    ]
    if recorded:
        same_model = recorded.get("model_fingerprint") == model_fingerprint()
        lines.append(
            f"Baseline recorded at commit {recorded.get('commit')}"
            f"{' (with uncommitted changes)' if recorded.get('dirty') else ''}; the model's code "
            + ("is the same now, so packages or platform differ:" if same_model else "differs now.")
        )
        if same_model:
            now = provenance()
            for name, version in recorded.get("versions", {}).items():
                if now["versions"].get(name) != version:
                    lines.append(f"    {name} {version} -> {now['versions'].get(name)}")
            if now["platform"] != recorded.get("platform"):
                lines.append(f"    platform {recorded.get('platform')} -> {now['platform']}")
    return "\n".join(lines)


def compare_all(baseline: dict[str, Any], runs: dict[str, dict[str, Any]]) -> list[str]:
    """One paragraph per run that changed, appeared or disappeared."""
    pinned = baseline.get("runs", {})
    out = []
    for key in [*runs, *(k for k in pinned if k not in runs)]:
        if key not in pinned:
            out.append(f"{key}: new run, not in the baseline")
        elif key not in runs:
            out.append(f"{key}: pinned, but no longer among tests/baseline.py's RUNS")
        elif found := run_changes(pinned[key], runs[key]):
            out.append(explain(key, found, pinned[key], runs[key]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.baseline",
        description="Compare the pinned runs with tests/baseline.json, or regenerate it.",
    )
    parser.add_argument(
        "--update", action="store_true", help="rewrite tests/baseline.json if anything changed"
    )
    parser.add_argument(
        "--force", action="store_true", help="with --update: rewrite even if nothing changed"
    )
    args = parser.parse_args(argv)
    baseline = load()
    runs = record_all()
    report = compare_all(baseline, runs)
    if report:
        print("\n\n".join(report))
    else:
        kept = "; tests/baseline.json left as it is (--force rewrites it)" if args.update else ""
        print(f"No pinned value changed ({len(runs)} runs){kept}.")
    if args.update and (report or args.force):
        write(runs)
        print(f"\nWrote {BASELINE.relative_to(ROOT)}: commit it with the change that moved it.")
        return 0
    if report:
        print("\n" + hint(baseline.get("provenance", {})))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
