"""A sweep's folder: results streamed to disk as runs finish, and read back.

Layout::

    manifest.json      provenance: qisim version, git commit, experiment hash, start time,
                       package versions, one entry per session (first run and each --resume)
    experiment.toml    the experiment file as it was
    scenario.json      the base scenario after [set] and days, so re-runs need no other file
    plan.parquet       every planned run: ids, parameters, seed and the overrides it receives
    design.parquet     every uncertainty point (with unit-cube coordinates for sampled designs)
    runs/              one row per finished run: journal-*.jsonl, merged into part-*.parquet
    daily/, trust/     per-ward-day and per-day tables when record = "daily"
                       (run-NNNNNNN.parquet, merged into part-*.parquet)

Each finished run is written at once: its daily tables as small Parquet files (written to a
temporary name and renamed, so a file is whole or absent), then its row as one line appended to the
session's journal and flushed to the operating system (a line cut short by a kill is ignored).
Every so often, and at the end, journals and small files are merged into Parquet parts. A sweep
killed at any moment therefore keeps every run it had received; readers take parts, journals and
single files together and drop duplicates. (A journal line costs ~0.03 ms where a one-row Parquet
file costs ~2.5 ms, which matters when runs are short and the parent shares the cores.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import time
import uuid
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from qisim.results import LAUNCH_MONTHS
from qisim.scenario import Scenario, ScenarioError, validate

KINDS = ("runs", "daily", "trust")
TEXT_COLUMNS = ("error", "traceback")
# outcome columns that may be empty in every row of a part (a censored time; a month after
# launch that short runs never reach, qisim.results.since_launch): their type is fixed here, so
# that such a part is not typed null and every part takes one schema
OUTCOME_TYPES: dict[str, pa.DataType] = {
    "time_to_embed": pa.int64(),
    "first_launch_day": pa.int64(),
    "days_after_launch": pa.int64(),
    "team_staffed_day": pa.int64(),
    "practice_before_staffed": pa.float64(),
    "practice_after_staffed": pa.float64(),
    "audit_improvement": pa.float64(),
    "audits_showing_improvement": pa.float64(),
    **{f"{kind}_{m}m": pa.float64() for kind in ("practice", "embedded") for m in LAUNCH_MONTHS},
}
# outside sweep/ and cli/, but no run reads them
TOOL_FILES = ("paths.py", "processes.py", "calibration.py")
PACKAGES = (
    "qisim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "SALib", "dask",
    "distributed", "tqdm", "ema_workbench",
)  # fmt: skip


def _atomic_write_table(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _atomic_write_text(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _concat(tables: list[pa.Table]) -> pa.Table:
    """Stack tables whose column types may differ (a lever's column is null in one run and a
    number or text in another): numbers and nulls are promoted; a column that is text in some
    tables and numbers in others becomes text, its NaNs becoming nulls."""
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    kinds: dict[str, set] = {}
    for t in tables:
        for f in t.schema:
            if not pa.types.is_null(f.type):
                kinds.setdefault(f.name, set()).add(pa.types.is_string(f.type))
    mixed = {name for name, k in kinds.items() if len(k) > 1}
    fixed = []
    for t in tables:
        for name in mixed & set(t.column_names):
            col = t.column(name)
            if pa.types.is_floating(col.type):
                col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
            t = t.set_column(t.schema.get_field_index(name), name, col.cast(pa.string()))
        fixed.append(t)
    return pa.concat_tables(fixed, promote_options="permissive")


def _rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as a table; a column mixing text and numbers (a lever's values) becomes text. The
    ``error`` and ``traceback`` columns are always text, and the outcomes of
    :data:`OUTCOME_TYPES` numbers, even when every value is empty."""
    try:
        table = pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        table = _concat([pa.Table.from_pylist([r]) for r in rows])
    for name in TEXT_COLUMNS:
        if name in table.column_names and not pa.types.is_string(table.column(name).type):
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, table.column(name).cast(pa.string()))
    for name, kind in OUTCOME_TYPES.items():
        if name in table.column_names and pa.types.is_null(table.column(name).type):
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, table.column(name).cast(kind))
    return table


def common_schema(schemas: list[pa.Schema]) -> pa.Schema:
    """One schema every part can take: every column of any part, in order of first appearance,
    each of the type the parts' types promote to (null -> any; int -> float; numbers and text ->
    text), without pandas metadata."""
    return _concat([sch.remove_metadata().empty_table() for sch in schemas]).schema


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns and types (a missing column is all null)."""
    columns = []
    for f in schema:
        if f.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, f.type))
            continue
        col = table.column(f.name)
        if col.type != f.type:
            if pa.types.is_string(f.type) and pa.types.is_floating(col.type):
                col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
            col = col.cast(f.type)
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=schema)


def _json_scalar(value: Any) -> Any:
    """numpy scalars in a row, as JSON."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a results row")


def git_commit(here: Path | None = None) -> dict[str, Any]:
    """The commit of the qisim checkout this runs from (or of the one holding ``here``), if it is
    one, and whether its ``qisim/`` package has uncommitted changes."""
    here = here or Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if head.returncode != 0:
            return {"commit": None}
        dirty = subprocess.run(
            # ":/qisim": the package from the checkout's top, whatever the directory (a plain
            # "qisim" here meant qisim/sweep/qisim, so every run was recorded clean)
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no", ":/qisim"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None}


def model_fingerprint() -> str:
    """A hash of the code and data a run depends on: every file of the qisim package except the
    sweep and command-line tools (and their helpers for output paths and worker processes). If
    it changes between sessions of a sweep, the rows would come from two different models."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        tools = rel.startswith(("sweep/", "cli/")) or rel in TOOL_FILES
        if not path.is_file() or tools or "__pycache__" in rel:
            continue
        if path.suffix not in (".py", ".toml", ".json", ".csv", ".txt", ".yaml"):
            continue
        h.update(rel.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def package_versions() -> dict[str, str | None]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def write_provenance(path: Path) -> Path:
    """A small JSON of what made an output folder that has no manifest of its own (``qisim
    deviance``, ``qisim compare``, the app's screenshots): the command line, when, qisim's
    version and git commit, the model fingerprint (:func:`model_fingerprint`: the folder's
    numbers belong to that model; tests/test_results_version.py compares it across results/),
    Python and package versions."""
    import sys

    from qisim import __version__

    record = {
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "written": now(),
        "qisim_version": __version__,
        "git": git_commit(),
        "model_fingerprint": model_fingerprint(),
        "python": platform.python_version(),
        "packages": package_versions(),
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


class Store:
    """Reads and writes one sweep folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._journal = None

    # --- paths --------------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.folder / "manifest.json"

    def kind_dir(self, kind: str) -> Path:
        return self.folder / kind

    def exists(self) -> bool:
        return self.manifest_path.exists()

    # --- creating -----------------------------------------------------------------------------
    def create(self, exp, plan, manifest: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for kind in KINDS if exp.spec.record == "daily" else ("runs",):
            self.kind_dir(kind).mkdir(exist_ok=True)
        _atomic_write_text(
            json.dumps(exp.base.model_dump(mode="json"), indent=1) + "\n",
            self.folder / "scenario.json",
        )
        self.replace_plan(exp, plan)
        self.write_manifest(manifest)

    def replace_plan(self, exp, plan) -> None:
        """Write the experiment file, the plan and the design (a new sweep, or an extended
        one: see :func:`qisim.sweep.runner.extend`)."""
        _atomic_write_text(exp.text, self.folder / "experiment.toml")
        table = plan.table.copy()
        by_run = {s.run: s for s in plan.runs}
        table["overrides"] = [json.dumps(by_run[r].overrides, sort_keys=True) for r in table["run"]]
        table["constants"] = [json.dumps(by_run[r].constants, sort_keys=True) for r in table["run"]]
        _atomic_write_table(
            pa.Table.from_pandas(table, preserve_index=False), self.folder / "plan.parquet"
        )
        _atomic_write_table(
            pa.Table.from_pandas(plan.design, preserve_index=False), self.folder / "design.parquet"
        )

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        _atomic_write_text(json.dumps(manifest, indent=2, default=str) + "\n", self.manifest_path)

    def manifest(self) -> dict[str, Any]:
        if not self.exists():
            raise ScenarioError(
                f"{self.folder}: not a sweep folder (no manifest.json); run `qisim sweep "
                "EXPERIMENT` first, or give the folder it wrote."
            )
        return json.loads(self.manifest_path.read_text())

    # --- streaming results --------------------------------------------------------------------
    def write_run(
        self, row: dict[str, Any], daily: pa.Table | None = None, trust: pa.Table | None = None
    ) -> None:
        """Write one finished run. Its daily tables go first, each its own Parquet file; then
        its row is appended to this session's journal (one JSON line, flushed to the operating
        system at once). A run row on disk therefore means all of that run is on disk."""
        name = f"run-{int(row['run']):07d}.parquet"
        if daily is not None:
            _atomic_write_table(daily, self.kind_dir("daily") / name)
        if trust is not None:
            _atomic_write_table(trust, self.kind_dir("trust") / name)
        if self._journal is None:
            path = self.kind_dir("runs") / f"journal-{time.time_ns()}-{os.getpid()}.jsonl"
            self._journal = open(path, "a", encoding="utf-8")  # open for the session
        self._journal.write(json.dumps(row, default=_json_scalar) + "\n")
        self._journal.flush()

    def close(self) -> None:
        """Close this session's journal (the next row starts a new one)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def _files(self, kind: str) -> tuple[list[Path], list[Path]]:
        d = self.kind_dir(kind)
        if not d.exists():
            return [], []
        parts = sorted(d.glob("part-*.parquet"))
        singles = sorted(d.glob("run-*.parquet"))
        return parts, singles

    def _journals(self) -> list[Path]:
        d = self.kind_dir("runs")
        return sorted(d.glob("journal-*.jsonl")) if d.exists() else []

    @staticmethod
    def _journal_rows(path: Path) -> list[dict[str, Any]]:
        """The whole lines of a journal; a line cut short by a kill is skipped."""
        rows = []
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    break
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return rows

    @staticmethod
    def _single_run(path: Path) -> int:
        return int(path.stem.split("-")[1])

    def _part_runs(self, kind: str) -> set[int]:
        runs: set[int] = set()
        for p in self._files(kind)[0]:
            runs.update(pq.read_table(p, columns=["run"]).column("run").to_pylist())
        return runs

    def done_runs(self) -> set[int]:
        """Ids of every run on disk (finished, or failed with its error)."""
        done = self._part_runs("runs")
        done.update(self._single_run(s) for s in self._files("runs")[1])
        for j in self._journals():
            done.update(int(r["run"]) for r in self._journal_rows(j))
        return done

    def compact(self) -> int:
        """Merge journals and single-run files into one part per kind; returns the run rows
        merged. Daily tables of runs whose row is not on disk (killed between the two writes)
        are left alone: that run will be done again and its files replaced."""
        self.close()
        merged = 0
        in_parts = {kind: self._part_runs(kind) for kind in KINDS}
        journals = self._journals()
        rows: dict[int, dict[str, Any]] = {}
        for j in journals:
            for r in self._journal_rows(j):
                rows.setdefault(int(r["run"]), r)
        fresh_rows = [r for run, r in rows.items() if run not in in_parts["runs"]]
        runs_dir = self.kind_dir("runs")
        if fresh_rows:
            _atomic_write_table(_rows_table(fresh_rows), runs_dir / self._next_part("runs"))
            merged = len(fresh_rows)
        for j in journals:
            j.unlink(missing_ok=True)
        done = self.done_runs()
        for kind in KINDS:
            singles = self._files(kind)[1]
            take = [s for s in singles if self._single_run(s) in done]
            fresh = [s for s in take if self._single_run(s) not in in_parts[kind]]
            if fresh:
                table = _concat([pq.read_table(s) for s in fresh])
                _atomic_write_table(table, self.kind_dir(kind) / self._next_part(kind))
                merged += len(fresh) if kind == "runs" else 0
            for s in take:
                s.unlink(missing_ok=True)
        for kind in KINDS:
            self.unify(kind)
        return merged

    def unify(self, kind: str = "runs") -> int:
        """Give every part of ``kind`` one schema (:func:`common_schema`), rewriting the parts
        that differ; returns how many were rewritten. Any Parquet reader can then read the
        folder as one dataset (``pandas.read_parquet(DIR / "runs")``): a reader takes the first
        file's schema and fails on a part whose column is text where the first had nulls."""
        parts = self._files(kind)[0]
        if not parts:
            return 0
        schemas = [pq.read_schema(p) for p in parts]
        target = common_schema(schemas)
        rewritten = 0
        for path, schema in zip(parts, schemas):
            if not schema.remove_metadata().equals(target):
                _atomic_write_table(conform(pq.read_table(path), target), path)
                rewritten += 1
        return rewritten

    def drop_failed(self) -> list[int]:
        """Remove the rows of failed runs (``error`` set) so that they run again; returns their
        ids. Each part holding one is rewritten without it (whole or not at all)."""
        self.compact()
        dropped: list[int] = []
        for path in self._files("runs")[0]:
            table = pq.read_table(path)
            if "error" not in table.column_names:
                continue
            failed = pc.is_valid(table.column("error"))
            if not pc.any(failed).as_py():
                continue
            dropped += table.filter(failed).column("run").to_pylist()
            kept = table.filter(pc.invert(failed))
            if kept.num_rows:
                _atomic_write_table(kept, path)
            else:
                path.unlink()
        return sorted(dropped)

    def failed_runs(self) -> list[int]:
        """Ids of the runs on disk that failed (their ``error`` is set)."""
        table = self.read_arrow("runs")
        if table is None or "error" not in table.column_names:
            return []
        return sorted(table.filter(pc.is_valid(table.column("error"))).column("run").to_pylist())

    def _next_part(self, kind: str) -> str:
        parts = self._files(kind)[0]
        index = 1 + max((int(p.stem.split("-")[1]) for p in parts), default=-1)
        return f"part-{index:05d}.parquet"

    # --- reading ------------------------------------------------------------------------------
    def read_arrow(self, kind: str = "runs") -> pa.Table | None:
        """Parts and single-run files as one table. A running sweep may merge single files
        into a part while this reads; then it reads again."""
        for _ in range(5):
            try:
                return self._read_arrow(kind)
            except FileNotFoundError:
                time.sleep(0.2)
        return self._read_arrow(kind)

    def _read_arrow(self, kind: str) -> pa.Table | None:
        parts, singles = self._files(kind)
        sources: list[Any] = [*parts, *singles]
        if kind == "runs":
            sources += [j for j in self._journals()]
        seen: set[int] = set()
        tables = []
        for path in sources:
            if path.suffix == ".jsonl":
                rows = self._journal_rows(path)
                if not rows:
                    continue
                t = _rows_table(rows)
            else:
                t = pq.read_table(path)
            runs = t.column("run").to_pylist()
            keep = [r not in seen for r in runs]
            if not all(keep):
                t = t.filter(pa.array(keep))
            seen.update(runs)
            if t.num_rows:
                tables.append(t)
        return _concat(tables) if tables else None

    def read(self, kind: str = "runs") -> pd.DataFrame:
        """One kind of table as a DataFrame, rows sorted by run (and day, ward)."""
        table = self.read_arrow(kind)
        if table is None:
            return pd.DataFrame()
        df = table.to_pandas()
        keys = [k for k in ("run", "day", "ward") if k in df.columns]
        if kind == "runs":
            plan_cols = [c for c in self.plan().columns if c not in ("overrides", "constants")]
            rest = [c for c in df.columns if c not in plan_cols]
            df = df[[c for c in plan_cols if c in df.columns] + rest]
        return df.sort_values(keys, kind="stable").reset_index(drop=True)

    def plan(self) -> pd.DataFrame:
        return pq.read_table(self.folder / "plan.parquet").to_pandas()

    def design(self) -> pd.DataFrame:
        return pq.read_table(self.folder / "design.parquet").to_pandas()

    def scenario(self) -> Scenario:
        data = json.loads((self.folder / "scenario.json").read_text())
        return validate(data, str(self.folder / "scenario.json"))


def read_runs(folder: str | Path) -> pd.DataFrame:
    """The results table of a sweep: one row per run on disk."""
    return Store(folder).read("runs")


def read_daily(folder: str | Path, kind: str = "daily") -> pd.DataFrame:
    """A sweep's per-ward-day (``daily``) or per-day (``trust``) table, with a ``run`` column."""
    return Store(folder).read(kind)


def rerun_spec(
    folder: str | Path, run_id: str | int
) -> tuple[Scenario, int, dict | None, dict | None]:
    """What ``qisim.run`` needs to repeat run ``run_id`` of the sweep in ``folder`` alone:
    ``(scenario, seed, overrides, constants)``. The scenario is the sweep's stored base, so the
    re-run does not depend on files that may have changed since."""
    store = Store(folder)
    manifest = store.manifest()
    if manifest.get("model_fingerprint") not in (None, model_fingerprint()):
        warnings.warn(
            f"{folder} was run with other model code (git commit "
            f"{manifest.get('git', {}).get('commit')}); this re-run may differ from its row.",
            stacklevel=2,
        )
    try:
        run = int(run_id)
    except (TypeError, ValueError):
        raise ScenarioError(
            f"--run {run_id!r}: a run id is a whole number (the `run` column)."
        ) from None
    plan = store.plan()
    hit = plan[plan["run"] == run]
    if hit.empty:
        raise ScenarioError(
            f"{folder}: no run {run}; this sweep has runs 0 to {int(plan['run'].max())}."
        )
    row = hit.iloc[0]
    overrides = json.loads(row["overrides"]) or None
    constants = json.loads(row["constants"]) or None
    return store.scenario(), int(row["seed"]), overrides, constants


def base_manifest(exp, plan, backend: str, workers: int) -> dict[str, Any]:
    return {
        "experiment": {
            "name": exp.name,
            "description": exp.description,
            "file": str(exp.path),
            "sha256": exp.sha256,
        },
        "scenario": {"file": str(exp.scenario_path), "name": exp.base.name, "days": exp.base.days},
        "root_seed": exp.spec.seed,
        "seeds": "run seed = root_seed + replication * blocks + block (block: the design point, or its Saltelli block or Morris trajectory; blocks: how many)",
        "design": exp.design.model_dump(),
        "uncertainties": [p.name for p in exp.uncertainties],
        "uncertainty_rows": [r.name for r in exp.uncertainty_rows],
        "lever_rows": [r.name for r in exp.lever_rows],
        "levers": [p.name for p in exp.levers],
        "groups": {p.name: p.group for p in exp.uncertainties if p.group},
        "labels": exp.labels,
        "replications": exp.spec.replications,
        "record": exp.spec.record,
        "record_every": exp.spec.record_every,
        "n_points": len(plan.points),
        "n_levers": len(plan.levers),
        "n_runs": len(plan.runs),
        "started": now(),
        "qisim_version": _qisim_version(),
        "model_fingerprint": model_fingerprint(),
        "git": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "sessions": [],
    }


def _qisim_version() -> str:
    from qisim import __version__

    return __version__
