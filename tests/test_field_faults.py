"""Issue 11, field faults: each kind of fault, in every place it can occur.

Overrides (nested tables, two spellings of one path), integer ranges, censored outcomes in
sensitivity, failed runs and --resume, one Parquet schema, --resume with nothing to resume,
padded CSV headers, --out naming a file, scripts without a main guard, plain progress in logs,
shell-quoted advice, orphaned workers, one-paragraph cross-field errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import qisim
from qisim.cli import main as cli_main
from qisim.scenario import ScenarioError, load_scenario, with_overrides

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "example.toml"
BASE = load_scenario(EXAMPLE)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli_main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- 1. a nested table merges field by field, wherever overrides are accepted -----------------
def _kept_the_rest(scenario: qisim.Scenario) -> None:
    assert scenario.initiative.co_design == 0.9
    assert scenario.initiative.name == BASE.initiative.name
    assert scenario.initiative.problem_clarity == BASE.initiative.problem_clarity
    assert scenario.initiative.rollout.pilot_wards == BASE.initiative.rollout.pilot_wards


def test_experiment_set_with_bare_dotted_key_merges(tmp_path):
    from qisim.sweep.experiment import load_experiment

    exp = write(tmp_path, "e.toml", f'scenario = "{EXAMPLE}"\n[set]\ninitiative.co_design = 0.9\n'
                '[uncertainties]\n"qi_team.technical" = [0.2, 0.8]\n')  # fmt: skip
    _kept_the_rest(load_experiment(exp).base)


def test_python_api_and_cli_set_merge_nested_tables(tmp_path, capsys):
    _kept_the_rest(with_overrides(BASE, {"initiative": {"co_design": 0.9}}))
    _kept_the_rest(load_scenario(EXAMPLE, {"initiative": {"co_design": 0.9}}))
    result = qisim.run(EXAMPLE, overrides={"initiative": {"co_design": 0.9}}, days=5)
    _kept_the_rest(result.model.qi_scenario)
    code, out, _ = cli(capsys, "run", EXAMPLE, "--days", "5", "--no-figure", "--out",
                       tmp_path / "o", "--set", "initiative={co_design=0.9}")  # fmt: skip
    assert code == 0 and "Traceback" not in out
    from qisim.cli.common import parse_sets

    _kept_the_rest(load_scenario(EXAMPLE, parse_sets(["initiative={co_design=0.9}"])))


def test_scenario_event_and_plan_sets_merge_nested_tables(tmp_path):
    text = EXAMPLE.read_text() + "\n[[events]]\nday = 10\nset.initiative.co_design = 0.9\n"
    sc = load_scenario(write(tmp_path, "s.toml", text))
    assert sc.events[0].set == {"initiative.co_design": 0.9}
    _kept_the_rest(with_overrides(sc, sc.events[0].set))

    from qisim.planning import load_plan

    plan = write(tmp_path, "p.toml", f'scenario = "{EXAMPLE}"\nlaunch_months = [0]\n'
                 'replications = 1\n[set]\ninitiative.co_design = 0.9\n'
                 '[[strategies]]\nname = "waves"\nset.initiative.pdsa_rollout = 0.7\n')  # fmt: skip
    cell = load_plan(plan).cells[0].scenario
    _kept_the_rest(cell)
    assert cell.initiative.pdsa_rollout == 0.7


# --- 2. one path in two spellings is refused, naming both --------------------------------------
def test_experiment_parameter_in_two_spellings_is_refused(tmp_path, capsys):
    exp = write(tmp_path, "e.toml", f'scenario = "{EXAMPLE}"\n[uncertainties]\n'
                '"qi_team.technical" = [0.2, 0.8]\nqi_team.technical = [0.5]\n')  # fmt: skip
    code, out, err = cli(capsys, "sweep", exp, "--out", tmp_path / "o")
    assert code == 2 and "Traceback" not in err
    assert '"qi_team.technical"' in err and "as qi_team.technical" in err
    assert not (tmp_path / "o").exists()


def test_same_field_by_index_and_by_name_is_refused(tmp_path):
    from qisim.sweep.experiment import load_experiment

    ward = BASE.wards[0].name
    exp = write(tmp_path, "e.toml", f'scenario = "{EXAMPLE}"\n[uncertainties]\n'
                f'"wards.0.vacancy" = [0.1, 0.2]\n"wards.{ward}.vacancy" = [0.3]\n')  # fmt: skip
    with pytest.raises(ScenarioError, match="both set the field 'wards.0.vacancy'"):
        load_experiment(exp)
    lever = write(tmp_path, "l.toml", f'scenario = "{EXAMPLE}"\n[uncertainties]\n'
                  '"wards.*.vacancy" = [0.1, 0.2]\n'
                  f'[levers]\n"wards.{ward}.vacancy" = [0.3]\n')  # fmt: skip
    with pytest.raises(ScenarioError, match="both an uncertainty and a lever"):
        load_experiment(lever)


@pytest.mark.parametrize(
    "table",
    [
        '[set]\n"initiative.co_design" = 0.5\ninitiative.co_design = 0.9\n',
        '[[uncertainties.rows]]\nname = "a"\n"qi_team.technical" = 0.2\nqi_team.technical = 0.3\n',
    ],
)
def test_experiment_tables_refuse_two_spellings(tmp_path, table):
    from qisim.sweep.experiment import load_experiment

    exp = write(tmp_path, "e.toml", f'scenario = "{EXAMPLE}"\n' + table)
    with pytest.raises(ScenarioError, match="given twice"):
        load_experiment(exp)


def test_two_spellings_refused_in_cli_set_events_plans_and_api(tmp_path, capsys):
    code, _, err = cli(capsys, "run", EXAMPLE, "--set", "initiative.co_design=0.5",
                       "--set", "initiative={co_design=0.9}")  # fmt: skip
    assert code == 2 and "'initiative.co_design' is given twice" in err
    ward = BASE.wards[0].name
    with pytest.raises(ScenarioError, match="both set the field 'wards.0.vacancy'"):
        with_overrides(BASE, {"wards.0.vacancy": 0.1, f"wards.{ward}.vacancy": 0.2})
    # a wildcard refined for one ward is allowed
    sc = with_overrides(BASE, {"wards.*.vacancy": 0.1, f"wards.{ward}.vacancy": 0.2})
    assert sc.wards[0].vacancy == 0.2 and sc.wards[1].vacancy == 0.1
    text = EXAMPLE.read_text() + (
        '\n[[events]]\nday = 10\nset."initiative.co_design" = 0.5\nset.initiative.co_design = 0.9\n'
    )
    with pytest.raises(ScenarioError, match="given twice"):
        load_scenario(write(tmp_path, "s.toml", text))

    from qisim.planning import load_plan

    plan = write(tmp_path, "p.toml", f'scenario = "{EXAMPLE}"\nlaunch_months = [0]\n'
                 '[[strategies]]\nname = "w"\nrigid = false\n'
                 'set."initiative.rollout.rigid" = true\n')  # fmt: skip
    with pytest.raises(ScenarioError, match="initiative.rollout.rigid twice"):
        load_plan(plan)


# --- cross-field errors: one paragraph, not the whole scenario ---------------------------------
def test_cross_field_errors_are_one_short_paragraph(tmp_path, capsys):
    code, _, err = cli(
        capsys, "run", EXAMPLE, "--set", 'initiative.rollout.pilot_wards=["Nowhere"]'
    )
    assert code == 2 and "Nowhere" in err and len(err) < 800, err
    assert "'trust'" not in err and "culture" not in err  # no dump of the scenario
    bad = EXAMPLE.read_text().replace(
        "[initiative.rollout]", '[initiative.rollout]\ndefer_until = "X"', 1
    )
    code, _, err = cli(capsys, "run", write(tmp_path, "s.toml", bad))
    assert code == 2 and "defer_until" in err and len(err) < 800, err
    from qisim.planning import load_plan

    plan = write(tmp_path, "p.toml", f'scenario = "{EXAMPLE}"\nlaunch_months = [0]\n'
                 '[[strategies]]\nname = "w"\ndefer_until = "Nothing"\n')  # fmt: skip
    with pytest.raises(ScenarioError) as exc:
        load_plan(plan)
    assert "defer_until" in str(exc.value) and len(str(exc.value)) < 800, str(exc.value)


# --- 3. whole-number ranges: every value equally likely; Morris by the real step ---------------
def _plan(tmp_path, design: str, params: str):
    from qisim.sweep.design import make_plan
    from qisim.sweep.experiment import load_experiment

    exp = write(tmp_path, "e.toml", f'scenario = "{EXAMPLE}"\n[design]\n{design}\n'
                f"[uncertainties]\n{params}\n")  # fmt: skip
    return make_plan(load_experiment(exp))


@pytest.mark.parametrize(
    "design, expect_even",
    [('kind = "lhs"\nsamples = 60', True), ('kind = "sobol"\nsamples = 64', False)],
)
def test_integer_range_values_are_equally_likely(tmp_path, design, expect_even):
    params = '"qi_team.size" = { range = [1, 3], integer = true }\n"qi_team.technical" = { range = [0, 1] }'
    counts = _plan(tmp_path, design, params).design["qi_team.size"].value_counts()
    assert sorted(counts.index) == [1, 2, 3]
    if expect_even:  # a Latin hypercube of 60 has 20 strata in each third
        assert set(counts) == {20}
    else:  # rounding gave 64/128/64; equal bins give about a third each
        assert counts.max() / counts.min() < 1.25, counts.to_dict()


def test_integer_range_without_two_whole_numbers_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="fewer than two whole numbers"):
        _plan(
            tmp_path,
            'kind = "lhs"\nsamples = 4',
            '"qi_team.size" = { range = [1.2, 1.8], integer = true }',
        )


def test_morris_effects_use_the_real_step(tmp_path):
    """Continuous parameters: the same statistics as SALib. A whole-number parameter with an
    outcome linear in it: every elementary effect is exactly its range (one unit of range),
    which SALib's fixed unit-cube step gets wrong."""
    import numpy as np
    from SALib.analyze import morris

    from qisim.sweep.sensitivity import elementary_effects

    params = ('"qi_team.technical" = { range = [0, 1] }\n"trust.qi_training" = { range = [0, 1] }\n'
              '"qi_team.size" = { range = [1, 3], integer = true }')  # fmt: skip
    design = _plan(tmp_path, 'kind = "morris"\nsamples = 20\nlevels = 4', params).design
    names = ["qi_team.technical", "trust.qi_training", "qi_team.size"]
    unit = design[[f"unit:{n}" for n in names]].to_numpy(dtype=float)
    pos = design[[f"pos:{n}" for n in names]].to_numpy(dtype=float)
    y = 2.0 * design["qi_team.technical"] - design["trust.qi_training"] ** 2
    y = (y + design["qi_team.size"]).to_numpy(dtype=float)
    effects = elementary_effects(unit, pos, y)
    problem = {"num_vars": 3, "names": names, "bounds": [[0.0, 1.0]] * 3}
    ref = morris.analyze(problem, unit, y, num_levels=4, seed=0)
    for k in range(2):
        assert np.nanmean(np.abs(effects[k])) == pytest.approx(ref["mu_star"][k])
        assert np.nanstd(effects[k], ddof=1) == pytest.approx(ref["sigma"][k])
    size = effects[2][~np.isnan(effects[2])]
    assert size.size > 0 and np.allclose(size, 2.0)  # range 1..3: one unit of range is 2
    assert not np.isclose(ref["mu_star"][2], 2.0)
