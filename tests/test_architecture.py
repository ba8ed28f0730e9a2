"""Arrows point down: the model core imports no tool (issue 14). Tools read the model; the model
never reaches up into a tool, not even inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "qisim"

# The core: what builds and runs a model and hands back its results.
CORE = {
    "qisim": "the package's API: run, load_scenario, RunResult",
    "qisim.agents": "Mesa agents: staff, ward managers, QI team members, executives",
    "qisim.constants": "mechanism constants",
    "qisim.domain": "SOFFT sets, the sound organisational base, the FFIT item bank",
    "qisim.ffit_audits": "reading and validating an FFIT audit (a scenario's ffit_file or [ffit])",
    "qisim.ffit_items": "each FFIT item's slot: the scenario attribute it sets and reads back",
    "qisim.lifecycle": "design -> pilot -> roll-out -> embedding -> sustained",
    "qisim.mechanisms": "the mechanism families (every module in the package)",
    "qisim.model": "QIModel: the daily and monthly schedule",
    "qisim.paths": "output paths and pasteable commands (resources uses it)",
    "qisim.recorder": "the daily record of a run",
    "qisim.resources": "where the shipped scenarios, experiments and examples are",
    "qisim.results": "RunResult, what qisim.run returns",
    "qisim.scenario": "scenario schema, loading, overrides",
    "qisim.strategies": "roll-out strategies (readiness from ward-level FFIT items)",
    "qisim.streams": "random streams: one per quantity, keyed by (seed, day, slot) (CRN)",
    "qisim.world": "wards and staff as arrays",
}

# The tools around the model: they may import the core, never the reverse.
TOOLS = {
    "qisim.__main__": "`python -m qisim`: the command line",
    "qisim.app": "the browser app",
    "qisim.calibration": "the declared calibration of the constants, leave-one-case-out",
    "qisim.cli": "the command line",
    "qisim.deviance": "positive deviance: who beats the odds, and why",
    "qisim.ffit": "the FFIT tool: templates, summaries, profiles, simulation, validity study",
    "qisim.null": "the null model of the validation",
    "qisim.odd": "the ODD protocol's tables",
    "qisim.planning": "plans and board reports",
    "qisim.plots": "figures of a run",
    "qisim.processes": "worker processes and progress for sweeps",
    "qisim.sweep": "sweeps, storage, sensitivity analysis, publishing",
    "qisim.trust_import": "a trust from spreadsheets",
    "qisim.validation": "the validation against the report's case studies",
    "qisim.validation_report": "the validation report",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def owner(name: str, table: dict[str, str]) -> str | None:
    """The entry of ``table`` that module ``name`` belongs to (itself or a package above it)."""
    if name in table:
        return name
    return next((top for top in table if top != "qisim" and name.startswith(top + ".")), None)


def imported(path: Path) -> set[str]:
    """Every qisim module the file imports, at the top or inside a function (TYPE_CHECKING
    included): ``import qisim.x``, ``from qisim.x import y``, ``from qisim import x`` (module x),
    relative imports, and ``importlib.import_module("qisim.x")``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from qisim import ffit`
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            f = node.func
            called = f.id if isinstance(f, ast.Name) else getattr(f, "attr", None)
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    # keep the modules (not names inside them): `from qisim.scenario import Scenario` -> scenario
    return {n for n in found if n in MODULES}


def test_every_module_is_core_or_tool():
    unplaced = sorted(n for n in MODULES if not owner(n, CORE) and not owner(n, TOOLS))
    both = sorted(n for n in MODULES if owner(n, CORE) and owner(n, TOOLS))
    assert not unplaced, f"place each new module in CORE or TOOLS above: {unplaced}"
    assert not both, f"a module is listed as both core and tool: {both}"
    assert set(CORE) | set(TOOLS) <= set(MODULES), "a listed module no longer exists"


def test_the_core_imports_no_tool():
    wrong = [
        f"{name} imports {target}"
        for name, path in sorted(MODULES.items())
        if owner(name, CORE)
        for target in sorted(imported(path))
        if owner(target, TOOLS)
    ]
    assert not wrong, "the core must not import a tool (move what it needs down):\n" + "\n".join(
        wrong
    )


def test_the_scan_sees_imports_inside_functions():
    """The check itself: imports in functions and ``from qisim import x`` are seen."""
    assert "qisim.scenario" in imported(MODULES["qisim.world"])
    assert "qisim.model" in imported(MODULES["qisim.agents"])  # under TYPE_CHECKING
    assert "qisim.model" in imported(MODULES["qisim"])  # inside run()
