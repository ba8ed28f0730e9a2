"""Experiment files: validation errors, designs and seeds (no runs)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qisim.cli import main as cli_main
from qisim.constants import DEFAULT_CONSTANTS
from qisim.scenario import ScenarioError
from qisim.sweep import load_experiment, make_plan, run_seed

EXAMPLE = Path(__file__).resolve().parent.parent / "scenarios" / "example.toml"


def write(tmp_path: Path, body: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(f'scenario = "{EXAMPLE}"\n' + body)
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    return str(info.value)


# --- validation ---------------------------------------------------------------------------------


def test_unknown_key_names_file_field_and_allowed(tmp_path):
    msg = error_of(write(tmp_path, "replicatoins = 3\n"))
    assert "exp.toml" in msg and "'replicatoins' is not a known field" in msg
    assert "replications" in msg  # the allowed fields are listed


def test_unknown_design_key(tmp_path):
    msg = error_of(write(tmp_path, "[design]\nkind = 'grid'\nsample = 8\n"))
    assert "'design.sample' is not a known field" in msg and "samples" in msg


def test_bad_type(tmp_path):
    msg = error_of(write(tmp_path, 'replications = "many"\n'))
    assert "'replications' = 'many'" in msg and "integer" in msg


def test_bad_design_kind_lists_allowed(tmp_path):
    msg = error_of(write(tmp_path, "[design]\nkind = 'factorial'\n"))
    assert "'factorial'" in msg
    for kind in ("grid", "scenarios", "lhs", "sobol", "morris"):
        assert kind in msg


def test_unknown_parameter_key(tmp_path):
    msg = error_of(write(tmp_path, "[uncertainties.'wards.*.vacancy']\nspan = [0, 1]\n"))
    assert "span" in msg and "range" in msg and "values" in msg


def test_unknown_scenario_path(tmp_path):
    msg = error_of(write(tmp_path, "[uncertainties]\n'trust.culturee.extra_mile' = [0.2, 0.8]\n"))
    assert "exp.toml" in msg and "culturee" in msg


def test_value_outside_scenario_range(tmp_path):
    body = "[design]\nkind = 'lhs'\nsamples = 4\n[uncertainties]\n'wards.*.vacancy' = {range = [0.0, 1.5]}\n"
    msg = error_of(write(tmp_path, body))
    assert "vacancy" in msg and "1.5" in msg and "less than or equal to 1" in msg


def test_unknown_constant(tmp_path):
    msg = error_of(write(tmp_path, "[uncertainties]\n'constants.nonsense' = [1, 2]\n"))
    assert "nonsense" in msg and "cascade_fidelity" in msg


def test_constant_outside_documented_range(tmp_path):
    msg = error_of(write(tmp_path, "[uncertainties]\n'constants.cascade_fidelity' = [0.5, 3.0]\n"))
    assert "cascade_fidelity" in msg and "3.0" in msg and "range" in msg


def test_scalar_parameter_points_to_set(tmp_path):
    msg = error_of(write(tmp_path, "[levers]\n'initiative.co_design' = 0.5\n"))
    assert "[set]" in msg


def test_sobol_samples_power_of_two(tmp_path):
    body = "[design]\nkind = 'sobol'\nsamples = 100\n[uncertainties]\n'qi_team.technical' = {range = [0, 1]}\n"
    msg = error_of(write(tmp_path, body))
    assert "power of 2" in msg and "64" in msg and "128" in msg


def test_grid_needs_values_or_levels(tmp_path):
    msg = error_of(write(tmp_path, "[uncertainties]\n'qi_team.technical' = {range = [0, 1]}\n"))
    assert "levels" in msg


def test_path_cannot_be_lever_and_uncertainty(tmp_path):
    body = (
        "[uncertainties]\n'qi_team.technical' = [0.2, 0.8]\n[levers]\n'qi_team.technical' = [0.5]\n"
    )
    msg = error_of(write(tmp_path, body))
    assert "both an uncertainty and a lever" in msg


def test_missing_scenario_file(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('scenario = "nowhere.toml"\n')
    msg = error_of(path)
    assert "nowhere.toml" in msg and "relative to the experiment file" in msg


def test_cli_prints_error_and_exits_2(tmp_path, capsys):
    path = write(tmp_path, "[design]\nkind = 'factorial'\n")
    assert cli_main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


# --- designs --------------------------------------------------------------------------------------


def test_grid_crosses_uncertainties_and_levers(tmp_path):
    body = (
        "replications = 3\n[uncertainties]\n'wards.*.vacancy' = [0.1, 0.2]\n"
        "'constants.cascade_rate' = [0.05, 0.1, 0.2]\n[levers]\n'initiative.co_design' = [0.2, 0.8]\n"
    )
    plan = make_plan(load_experiment(write(tmp_path, body)))
    assert len(plan.runs) == 2 * 3 * 2 * 3
    r = plan.runs[-1]
    assert r.overrides == {"wards.*.vacancy": 0.2, "initiative.co_design": 0.8}
    assert r.constants == {"cascade_rate": 0.2}


def test_sobol_sample_size_and_ranges(tmp_path):
    body = (
        "[design]\nkind = 'sobol'\nsamples = 8\n[uncertainties]\n"
        "'qi_team.technical' = {range = [0.2, 0.6]}\n"
        "'initiative.rollout.start_day' = {range = [0, 90], integer = true}\n"
        "'initiative.origin' = {values = ['home_grown', 'imported', 'top_down']}\n"
    )
    plan = make_plan(load_experiment(write(tmp_path, body)))
    assert len(plan.points) == 8 * (3 + 2)  # Saltelli without second order: N (D + 2)
    t = plan.table
    assert t["qi_team.technical"].between(0.2, 0.6).all()
    assert all(isinstance(v, int) and 0 <= v <= 90 for v in t["initiative.rollout.start_day"])
    assert set(t["initiative.origin"]) <= {"home_grown", "imported", "top_down"}
    assert {f"unit:{n}" for n in ("qi_team.technical", "initiative.origin")} <= set(plan.design)


def test_lhs_is_stratified(tmp_path):
    body = "[design]\nkind = 'lhs'\nsamples = 20\n[uncertainties]\n'qi_team.technical' = {range = [0, 1]}\n"
    plan = make_plan(load_experiment(write(tmp_path, body)))
    u = plan.design["unit:qi_team.technical"].to_numpy()
    assert sorted(np.floor(u * 20).astype(int)) == list(range(20))


def test_morris_trajectories(tmp_path):
    body = (
        "[design]\nkind = 'morris'\nsamples = 5\nlevels = 4\n[uncertainties]\n"
        "'qi_team.technical' = {range = [0, 1]}\n'qi_team.judgement' = {range = [0, 1]}\n"
    )
    plan = make_plan(load_experiment(write(tmp_path, body)))
    assert len(plan.points) == 5 * (2 + 1)


def test_each_expands_wildcards_and_paths_tie(tmp_path):
    body = (
        "[design]\nkind = 'lhs'\nsamples = 4\n[uncertainties]\n"
        "'constants.*' = {relative = [0.5, 1.5], each = true}\n"
        "culture = {paths = ['trust.culture.*'], range = [0.1, 0.9]}\n"
    )
    exp = load_experiment(write(tmp_path, body))
    names = [p.name for p in exp.uncertainties]
    assert "constants.cascade_fidelity" in names and "culture" in names
    culture = next(p for p in exp.uncertainties if p.name == "culture")
    assert len(culture.paths) == 7 and all(p.startswith("trust.culture.") for p in culture.paths)
    fidelity = next(p for p in exp.uncertainties if p.name == "constants.cascade_fidelity")
    default = DEFAULT_CONSTANTS.cascade_fidelity
    assert fidelity.low == pytest.approx(0.5 * default) and fidelity.high == pytest.approx(
        1.5 * default
    )


def test_named_rows(tmp_path):
    body = (
        "[design]\nkind = 'scenarios'\n"
        "[[uncertainties.rows]]\nname = 'calm'\n'wards.*.vacancy' = 0.05\n"
        "[[uncertainties.rows]]\nname = 'winter'\n'wards.*.vacancy' = 0.25\n'wards.*.sickness' = 0.1\n"
        "[[levers.rows]]\nname = 'all at once'\n'initiative.rollout.wave_size' = 8\n"
        "[[levers.rows]]\nname = 'waves'\n'initiative.rollout.wave_size' = 2\n"
    )
    plan = make_plan(load_experiment(write(tmp_path, body)))
    assert list(plan.table["point_name"]) == ["calm", "calm", "winter", "winter"]
    assert list(plan.table["lever_name"]) == ["all at once", "waves"] * 2
    assert plan.runs[2].overrides == {
        "wards.*.vacancy": 0.25,
        "wards.*.sickness": 0.1,
        "initiative.rollout.wave_size": 8,
    }


# --- seeds ----------------------------------------------------------------------------------------


def test_seed_is_the_studys_scheme_numbered_across_points():
    assert run_seed(42, 3, 1, 4) == 42 + 1 * 4 + 3
    assert run_seed(42, 3, 1, 4) != run_seed(42, 1, 3, 4) != run_seed(43, 3, 1, 4)
    with pytest.raises(ValueError):
        run_seed(42, 4, 0, 4)


def test_common_random_numbers_across_levers(tmp_path):
    body = (
        "replications = 2\nseed = 9\n[uncertainties]\n'wards.*.vacancy' = [0.1, 0.2, 0.3]\n"
        "[levers]\n'initiative.co_design' = [0.2, 0.5, 0.8]\n"
    )
    t = make_plan(load_experiment(write(tmp_path, body))).table
    per_cell = t.groupby(["point", "replication"])["seed"].nunique()
    assert (per_cell == 1).all()  # every lever sees the same seed
    assert t.drop_duplicates(["point", "replication"])["seed"].is_unique
    assert all(
        s == run_seed(9, p, r, 3) for s, p, r in zip(t["seed"], t["point"], t["replication"])
    )


def test_seeds_do_not_depend_on_lever_values_or_order(tmp_path):
    a = "seed = 5\n[uncertainties]\n'wards.*.vacancy' = [0.1, 0.2]\n[levers]\n'initiative.co_design' = [0.2, 0.8]\n"
    b = "seed = 5\n[uncertainties]\n'wards.*.vacancy' = [0.1, 0.2]\n[levers]\n'initiative.co_design' = [0.9, 0.3, 0.6]\n"
    ta = make_plan(load_experiment(write(tmp_path, a, "a.toml"))).table
    tb = make_plan(load_experiment(write(tmp_path, b, "b.toml"))).table
    sa = dict(zip(zip(ta["point"], ta["replication"]), ta["seed"]))
    sb = dict(zip(zip(tb["point"], tb["replication"]), tb["seed"]))
    assert sa == sb


def test_sobol_and_morris_blocks_share_seeds(tmp_path):
    """A Saltelli block (A, AB_1..AB_D, B) or a Morris trajectory is compared within itself, so
    it shares its seeds: a parameter without effect then shows none."""
    params = "[uncertainties]\n'qi_team.technical' = {range = [0, 1]}\n'qi_team.judgement' = {range = [0, 1]}\n"
    sobol = make_plan(
        load_experiment(
            write(tmp_path, "[design]\nkind = 'sobol'\nsamples = 4\n" + params, "s.toml")
        )
    )
    seeds = sobol.table["seed"].to_numpy()
    assert len(seeds) == 16 and all(len(set(seeds[k : k + 4])) == 1 for k in range(0, 16, 4))
    assert len(set(seeds)) == 4
    morris = make_plan(
        load_experiment(
            write(tmp_path, "[design]\nkind = 'morris'\nsamples = 3\n" + params, "m.toml")
        )
    )
    seeds = morris.table["seed"].to_numpy()
    assert all(len(set(seeds[k : k + 3])) == 1 for k in range(0, 9, 3)) and len(set(seeds)) == 3


def test_set_fixes_scenario_fields_and_constants(tmp_path):
    body = (
        "days = 50\n[set]\n'initiative.co_design' = 0.9\n'constants.cascade_rate' = 0.1\n"
        "[uncertainties]\n'constants.cascade_fidelity' = [0.3, 0.6]\n"
    )
    exp = load_experiment(write(tmp_path, body))
    assert exp.base.initiative.co_design == 0.9 and exp.base.days == 50
    runs = make_plan(exp).runs
    assert [r.constants for r in runs] == [
        {"cascade_rate": 0.1, "cascade_fidelity": 0.3},
        {"cascade_rate": 0.1, "cascade_fidelity": 0.6},
    ]


@pytest.mark.parametrize("command", ["sweep", "analyse", "sensitivity", "discover"])
def test_help_pages(command, capsys):
    with pytest.raises(SystemExit) as info:
        cli_main([command, "--help"])
    assert info.value.code == 0 and command in capsys.readouterr().out
    from qisim.cli import build_parser

    assert command in build_parser().format_help()


def test_second_order_sobol_blocks(tmp_path):
    body = (
        "[design]\nkind = 'sobol'\nsamples = 4\nsecond_order = true\n[uncertainties]\n"
        "'qi_team.technical' = {range = [0, 1]}\n'qi_team.judgement' = {range = [0, 1]}\n"
    )
    seeds = make_plan(load_experiment(write(tmp_path, body))).table["seed"].to_numpy()
    assert len(seeds) == 4 * (2 * 2 + 2)
    assert all(len(set(seeds[k : k + 6])) == 1 for k in range(0, 24, 6))


def test_a_plan_over_a_hundred_inputs_is_quiet():
    """A robustness study varies every constant (over 100 inputs): planning it printed some 200
    lines of pandas' fragmented-frame warnings to the terminal."""
    import warnings

    root = EXAMPLE.parent.parent
    exp = load_experiment(root / "experiments" / "robustness" / "premton_handover_at_night.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plan = make_plan(exp)
    assert len(exp.uncertainties) > 100
    assert {f"unit:{u.name}" for u in exp.uncertainties} <= set(plan.design.columns)
