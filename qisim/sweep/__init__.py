"""Sweeps: declarative experiments, thousands of seeded runs, streamed to disk and resumable, on
this machine or a Dask cluster; and the analyses that read them (summary statistics with
replication checks, Sobol and Morris sensitivity, PRIM scenario discovery).

>>> from qisim.sweep import run_sweep, read_runs
>>> report = run_sweep("experiments/rollout_staffing.toml", workers=2)
>>> rows = read_runs(report.folder)

The modules: :mod:`~qisim.sweep.experiment` (the file format), :mod:`~qisim.sweep.design`
(sampling and seeds), :mod:`~qisim.sweep.worker` and :mod:`~qisim.sweep.backends` (doing runs),
:mod:`~qisim.sweep.storage` (the results folder), :mod:`~qisim.sweep.runner` (the sweep),
:mod:`~qisim.sweep.analysis`, :mod:`~qisim.sweep.sensitivity`, :mod:`~qisim.sweep.discovery`.
"""

from __future__ import annotations

from qisim.sweep.design import make_plan, run_seed
from qisim.sweep.experiment import Experiment, load_experiment
from qisim.sweep.runner import SweepReport, run_sweep
from qisim.sweep.storage import Store, read_daily, read_runs, rerun_spec

__all__ = [
    "Experiment",
    "Store",
    "SweepReport",
    "load_experiment",
    "make_plan",
    "read_daily",
    "read_runs",
    "rerun_spec",
    "run_seed",
    "run_sweep",
]
