"""qisim: agent-based simulation of quality-improvement initiatives on hospital wards.

>>> import qisim
>>> sc = qisim.load_scenario("scenarios/example.toml")
>>> result = qisim.run(sc, seed=1)
>>> result.summary["status"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qisim.constants import DEFAULT_CONSTANTS, Constants
from qisim.results import RunResult
from qisim.scenario import Scenario, ScenarioError, load_scenario, with_overrides

__version__ = "0.1.0"


def run(
    scenario: Scenario | str | Path,
    seed: Any = 0,
    days: int | None = None,
    overrides: dict[str, Any] | None = None,
    constants: Constants | dict[str, float] | None = None,
    ablate=(),
) -> RunResult:
    """Run one scenario once and return its :class:`RunResult`.

    Args:
        scenario: a :class:`Scenario` or the path of a scenario file.
        seed: an int, a ``numpy.random.SeedSequence`` or a ``Generator``.
        days: run length (defaults to the scenario's ``days``).
        overrides: ``{"dotted.path": value}`` applied to the scenario first.
        constants: mechanism constants, or a dict of overrides of the defaults.
        ablate: mechanism families replaced by their neutral element (names from
            :data:`qisim.mechanisms.ABLATIONS`; ValueError for an unknown one).
    """
    from qisim.model import QIModel

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        scenario = with_overrides(scenario, overrides)
    if days is not None and days != scenario.days:
        scenario = with_overrides(scenario, {"days": int(days)})
    if isinstance(constants, dict):
        constants = DEFAULT_CONSTANTS.with_overrides(constants)
    model = QIModel(scenario, rng=seed, constants=constants, ablate=ablate)
    model.run()
    return RunResult(model, seed)


__all__ = [
    "Constants",
    "DEFAULT_CONSTANTS",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "run",
]
