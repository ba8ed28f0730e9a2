from __future__ import annotations

from pathlib import Path

import pytest

import qisim

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def example():
    return qisim.load_scenario(SCENARIOS / "example.toml")


def small_scenario(overrides: dict | None = None) -> qisim.Scenario:
    """A small, fast scenario (6 wards, one year) for mechanism tests."""
    base = qisim.load_scenario(SCENARIOS / "example.toml", {"days": 365})
    data = base.model_dump()
    data["wards"][0]["count"] = 3
    data["wards"][1]["count"] = 3
    data["initiative"]["rollout"]["pilot_wards"] = []
    data["initiative"]["rollout"]["wave_size"] = 6
    data["initiative"]["design_days"] = 20
    data["competing"] = []
    data["trust"]["initiative_push_rate"] = 0.0
    for key, value in (overrides or {}).items():
        if "." not in key:
            data[key] = value
    rest = {k: v for k, v in (overrides or {}).items() if "." in k}
    return qisim.scenario.scenario_from_dict(data, rest)


def mean_summary(scenario, key: str, seeds=range(6), **kw) -> float:
    import numpy as np

    return float(np.mean([qisim.run(scenario, seed=s, **kw).summary[key] for s in seeds]))
