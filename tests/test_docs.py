"""The documents stay in step with the code."""

from __future__ import annotations

from qisim.odd import tables
from tests.conftest import ROOT


def test_odd_parameter_tables_are_current():
    text = (ROOT / "docs/ODD.md").read_text()
    assert tables() in text, "docs/ODD.md tables are stale: run `python -m qisim.odd --write`"


def test_odd_names_every_mechanism_module():
    text = (ROOT / "docs/ODD.md").read_text()
    modules = [m.stem for m in (ROOT / "qisim/mechanisms").glob("*.py") if m.stem != "__init__"]
    assert len(modules) >= 10, modules  # the glob found the mechanism modules
    for module in modules:
        assert f"`{module}`" in text, module


def test_readme_has_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make demo" in text and "make test" in text


def test_readme_validation_table_is_the_committed_reference_run():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- validation:start -->\n", 1)[1].split("<!-- validation:end -->", 1)[0]
    assert block == (ROOT / "results/validation/validation.md").read_text()
