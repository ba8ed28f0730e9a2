"""Issue 13: outcomes measured from launch and the launch-timing check, relative ranges on wards
that differ, honest small samples (Wilson intervals, Sobol/Morris convergence) and
publication-grade outputs (labels, vector figures, provenance, methods paragraph, citation,
example notebook)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qisim
from qisim.cli import main as cli_main
from qisim.results import FINAL_WINDOW, LAUNCH_MONTHS, since_launch
from qisim.scenario import MONTH_DAYS, ScenarioError, load_scenario
from qisim.sweep import load_experiment, make_plan, read_runs, run_sweep, timing
from qisim.sweep.analysis import _ci, wilson
from qisim.sweep.publish import parse_formats
from tests.test_sweep_analysis import HEAD, sweep

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "example.toml"


# --- 1. outcomes measured from launch ------------------------------------------------------------


def test_since_launch_reads_the_day_m_months_after_launch():
    days = 500
    practice = np.linspace(0, 1, days)
    embedded = (np.arange(days) >= 300).astype(float)
    out = since_launch(practice, embedded, launch=100)
    d6 = 100 + round(6 * MONTH_DAYS)
    assert out["days_after_launch"] == 400
    assert out["practice_6m"] == pytest.approx(practice[d6 - FINAL_WINDOW + 1 : d6 + 1].mean())
    assert out["embedded_6m"] == 0.0 and out["embedded_12m"] == 1.0  # day 283 vs day 465
    assert out["practice_24m"] is None and out["embedded_24m"] is None  # beyond the run: censored


def test_since_launch_without_a_launch_is_empty():
    out = since_launch(np.ones(100), np.ones(100), launch=None)
    assert out["days_after_launch"] is None
    assert all(out[f"practice_{m}m"] is None for m in LAUNCH_MONTHS)


@settings(max_examples=60, deadline=None)
@given(days=st.integers(1, 1500), launch=st.integers(0, 1500), seed=st.integers(0, 2**16))
def test_since_launch_censors_exactly_the_unreached_times(days, launch, seed):
    rng = np.random.default_rng(seed)
    practice, embedded = rng.random(days), rng.random(days)
    launch = min(launch, days - 1)
    out = since_launch(practice, embedded, launch)
    assert out["days_after_launch"] == days - launch
    for m in LAUNCH_MONTHS:
        reached = launch + round(m * MONTH_DAYS) < days
        assert (out[f"practice_{m}m"] is not None) == reached
        if reached:
            assert 0.0 <= out[f"practice_{m}m"] <= 1.0
            assert out[f"embedded_{m}m"] == embedded[launch + round(m * MONTH_DAYS)]


def test_a_later_launch_is_observed_for_fewer_days():
    quick = qisim.run(load_scenario(EXAMPLE, {"initiative.design_days": 20}), seed=4)
    slow = qisim.run(load_scenario(EXAMPLE, {"initiative.design_days": 120}), seed=4)
    q, s = quick.summary, slow.summary
    assert s["first_launch_day"] > q["first_launch_day"]
    assert s["days_after_launch"] < q["days_after_launch"]
    assert q["days_after_launch"] == q["days"] - q["first_launch_day"]


@pytest.fixture(scope="module")
def timing_dir(tmp_path_factory) -> Path:
    """Design time 8 or 70 days in 200-day runs, with a fixed-day event on day 40: the experiment
    file (its sweep goes to ``out`` beside it)."""
    folder = tmp_path_factory.mktemp("timing")
    path = folder / "exp.toml"
    path.write_text(
        f'output = "out"\nreplications = 3\n{HEAD.replace("days = 80", "days = 200")}'
        "'events' = [{day = 40, set = {'initiative.pdsa_rollout' = 0.0}, note = 'PDSA stops'}]\n"
        "[levers]\n'initiative.design_days' = {values = [8, 70], label = 'design time', "
        "unit = 'days'}\n"
    )
    return path


def test_sweep_warns_when_a_factor_moves_launch_across_an_event(timing_dir, capsys):
    assert cli_main(["sweep", str(timing_dir), "--workers", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "initiative.design_days moves the first launch" in out
    assert "across the scheduled event on day 40 ('PDSA stops')" in out
    runs = read_runs(timing_dir.parent / "out")
    assert (runs[runs["initiative.design_days"] == 70]["first_launch_day"] > 40).all()
    assert (runs[runs["initiative.design_days"] == 8]["first_launch_day"] < 40).all()


def test_timing_check_is_quiet_when_launch_does_not_move():
    runs = pd.DataFrame(
        {
            "factor": [1, 1, 2, 2],
            "first_launch_day": [50, 52, 51, 50],
            "days": [900] * 4,
            "error": [None] * 4,
        }
    )
    scenario = load_scenario(EXAMPLE)
    result = timing.check(runs, ["factor"], scenario)
    assert not [w for w in result.warnings if "factor" in w]
    assert set(result.table["level"]) == {1, 2}


def test_timing_check_warns_about_censoring_near_the_horizon():
    runs = pd.DataFrame(
        {"f": [1, 2], "first_launch_day": [100, 600], "days": [900, 900], "error": [None, None]}
    )
    result = timing.check(runs, ["f"], load_scenario(EXAMPLE))
    text = " ".join(result.warnings)
    assert "f moves the first launch" in text
    assert "near the horizon: 1 of 2 launched runs end less than 12 months" in text


# --- 3. relative ranges on wards that differ -------------------------------------------------------


def write_exp(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(f'scenario = "{EXAMPLE}"\n' + body)
    return path


def test_relative_scales_each_ward_from_its_own_value(tmp_path):
    path = write_exp(
        tmp_path,
        "[uncertainties]\n'wards.*.manager.enthusiasm' = {relative = [0.5, 1.25], levels = 2}\n",
    )
    exp = load_experiment(path)
    (p,) = exp.uncertainties
    assert p.grid() == [0.5, 1.25] and p.unit == "x base value"
    plan = make_plan(exp)
    low, high = plan.points[0].overrides, plan.points[1].overrides
    # example.toml: Elderly care 0.7, Surgical 0.4; the ratio between wards stays
    assert low == {
        "wards.Elderly care.manager.enthusiasm": 0.35,
        "wards.Surgical.manager.enthusiasm": 0.2,
    }
    assert high["wards.Elderly care.manager.enthusiasm"] == pytest.approx(0.875)
    assert high["wards.Surgical.manager.enthusiasm"] == pytest.approx(0.5)
    assert list(plan.table["wards.*.manager.enthusiasm"].unique()) == [0.5, 1.25]


def test_relative_integer_rounds_each_ward_not_the_multiplier(tmp_path):
    path = write_exp(
        tmp_path,
        "[set]\n'wards.Surgical.count' = 3\n"
        "[levers]\n'wards.*.count' = {relative = [0.5, 1.5], levels = 3, integer = true}\n",
    )
    exp = load_experiment(path)
    (p,) = exp.levers
    assert p.grid() == [0.5, 1.0, 1.5]  # the column keeps the multiplier
    # Elderly care 4 wards, Surgical 3: 0.5 x gives 2 and round(1.5) = 2; 1.5 x gives 6 and 4
    assert p.overrides(0.5) == {"wards.Elderly care.count": 2, "wards.Surgical.count": 2}
    assert p.overrides(1.5) == {"wards.Elderly care.count": 6, "wards.Surgical.count": 4}


def test_relative_on_equal_values_keeps_absolute_values(tmp_path):
    path = write_exp(
        tmp_path, "[uncertainties]\n'qi_team.technical' = {relative = [0.5, 1.0], levels = 2}\n"
    )
    (p,) = load_experiment(path).uncertainties
    assert p.scale is None and p.high == pytest.approx(load_scenario(EXAMPLE).qi_team.technical)


def test_relative_out_of_range_names_the_ward(tmp_path):
    path = write_exp(
        tmp_path,
        "[uncertainties]\n'wards.*.manager.enthusiasm' = {relative = [0.5, 1.6], levels = 2}\n",
    )
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    msg = str(info.value)
    assert "'wards.Elderly care.manager.enthusiasm' = 1.6 x 0.7 = 1.12" in msg
    assert "Surgical" not in msg  # 1.6 x 0.4 is allowed
    assert "Narrow the range" in msg


def test_relative_sweep_runs_with_the_scaled_values(tmp_path):
    body = "[uncertainties]\n'wards.*.manager.enthusiasm' = {relative = [0.5, 1.2], levels = 2}\n"
    folder = sweep(tmp_path, "", body)
    runs = read_runs(folder)
    assert len(runs) == 2 and runs["error"].isna().all()


# --- 4. honest small samples ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 200), data=st.data())
def test_wilson_interval_stays_in_unit_interval_and_holds_the_estimate(n, data):
    k = data.draw(st.integers(0, n))
    low, high = wilson(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert high - low > 0  # never a zero-width interval, even at 0 of n


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=6))
def test_share_intervals_stay_in_unit_interval(values):
    ci = _ci(np.array(values), share=True)
    assert 0.0 <= ci["ci_low"] <= ci["mean"] + 1e-12
    assert ci["mean"] - 1e-12 <= ci["ci_high"] <= 1.0


def test_t_interval_at_n3_would_leave_unit_interval_but_share_interval_does_not():
    values = np.array([0.0, 0.05, 0.6])
    plain, share = _ci(values), _ci(values, share=True)
    assert plain["ci_low"] < 0 and plain["ci_method"] == "t"
    assert share["ci_low"] == 0.0 and share["ci_method"] == "t, cut at [0, 1]"
    assert _ci(np.array([0.0, 1.0, 1.0]), share=True)["ci_method"] == "wilson"
    # a paired difference of 0/1 outcomes is not a proportion
    assert _ci(np.array([0.0, 1.0, 1.0]), difference=True)["ci_method"] == "t"


def test_analyse_never_prints_nan_when_no_point_settles():
    from qisim.cli.cmd_analyse import _adequacy

    row = pd.Series(
        {"outcome": "habit_rate", "points_with_cv": 4, "share_settled": 0.0,
         "median_stable_from": np.nan, "replications": 3, "median_cv": 0.2}
    )  # fmt: skip
    line = _adequacy(row)
    assert "nan" not in line and "settled at no point (of 4) within 3 replications" in line


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory) -> Path:
    body = (
        "[design]\nkind = 'sobol'\nsamples = 8\n[uncertainties]\n"
        "'initiative.design_days' = {range = [5, 60], integer = true, label = 'design time', "
        "unit = 'days'}\n"
        "'qi_team.communication' = {range = [0.1, 0.9]}\n"
        "description = {values = ['dummy a', 'dummy b']}\n"
    )
    return sweep(tmp_path_factory.mktemp("sobol13"), "replications = 1\n", body)


def test_sensitivity_convergence_check_warns_at_small_n(sobol_dir, capsys):
    assert cli_main(["sensitivity", str(sobol_dir), "--format", "png,pdf"]) == 0
    out = capsys.readouterr().out
    folder = sobol_dir / "sensitivity"
    conv = pd.read_csv(folder / "habit_rate_sobol_convergence.csv")
    assert sorted(conv["N"].unique()) == [2, 4, 8]
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(conv.columns)
    assert "convergence check" in out
    assert "warning:" in out and "raise design.samples (now 8) to 32 or more" in out
    for name in ("habit_rate_sobol.pdf", "habit_rate_sobol_convergence.pdf"):
        assert (folder / name).read_bytes()[:5] == b"%PDF-"
    methods = (folder / "habit_rate_sobol_methods.md").read_text()
    assert "N = 8 base samples" in methods and "design time (days)" in methods


def test_sobol_bootstrap_is_reproducible_at_seed_0(sobol_dir):
    tables = []
    for k in range(2):
        out = sobol_dir / f"rerun{k}"
        assert cli_main(["sensitivity", str(sobol_dir), "--out", str(out)]) == 0
        tables.append((out / "habit_rate_sobol.csv").read_text())
    assert tables[0] == tables[1]


def test_morris_convergence_by_trajectories(tmp_path, capsys):
    body = (
        "[design]\nkind = 'morris'\nsamples = 8\nlevels = 4\n[uncertainties]\n"
        "'initiative.design_days' = {range = [5, 60], integer = true}\n"
        "description = {values = ['dummy a', 'dummy b']}\n"
    )
    folder = sweep(tmp_path, "", body)
    assert cli_main(["sensitivity", str(folder)]) == 0
    conv = pd.read_csv(folder / "sensitivity" / "habit_rate_morris_convergence.csv")
    assert sorted(conv["N"].unique()) == [2, 4, 8]
    dummy = conv[conv["parameter"] == "description"]
    assert (dummy["mu_star"] == 0).all()  # no effect at any r: shared seeds within a trajectory


# --- 5. publication-grade outputs ------------------------------------------------------------------


def test_analyse_writes_labelled_effects_vector_figures_methods_and_provenance(timing_dir, capsys):
    folder = timing_dir.parent / "out"
    if not folder.exists():  # the timing test made it; run alone, make it here
        run_sweep(timing_dir, workers=2, progress=False)
    assert cli_main(["analyse", str(folder), "--format", "png,svg"]) == 0
    out = capsys.readouterr().out
    a = folder / "analysis"
    effects = pd.read_csv(a / "main_effects.csv")
    assert set(effects["factor"]) == {"initiative.design_days"}
    assert {"practice_6m", "days_after_launch"} <= set(effects["outcome"])
    svg = (a / "main_effects_habit_rate.svg").read_text()
    assert "design time (days)" in svg  # the experiment file's label, not the dotted path
    assert (a / "main_effects_habit_rate.png").exists()
    timing_table = pd.read_csv(a / "launch_timing.csv")
    assert "before:40" in timing_table.columns
    assert "launch timing:" in out
    # 200-day runs never reach 12 months after launch: counted, not plotted, never zero
    assert "practice_12m             0 of 6 runs" in out
    assert not (a / "practice_12m.png").exists()
    points = pd.read_csv(a / "points.csv")
    shares = points[points["outcome"].isin(["habit_rate", "practice_rate"])]
    assert (shares["ci_low"] >= 0).all() and (shares["ci_high"] <= 1).all()
    assert {"share_embedded_low", "share_embedded_high"} <= set(points.columns)
    methods = (a / "methods.md").read_text()
    assert "replicated 3 times: 6 runs were planned, 6 finished and 0 failed" in methods
    assert "root seed 3" in methods and "design time (days)" in methods
    prov = json.loads((a / "provenance.json").read_text())
    assert prov["arguments"]["command"] == "analyse" and prov["arguments"]["folder"] == str(folder)
    assert prov["arguments"]["format"] == "png,svg"
    assert prov["sweep"]["root_seed"] == 3 and prov["sweep"]["runs_used"] == 6
    assert prov["qisim_version"] == qisim.__version__
    import hashlib

    digest = hashlib.sha256((a / "points.csv").read_bytes()).hexdigest()
    assert prov["outputs"]["points.csv"] == digest
    assert "main_effects_habit_rate.svg" in prov["outputs"]


def test_levers_design_gets_main_effect_and_interaction_plots(tmp_path, capsys):
    body = (
        "[levers]\n'initiative.design_days' = [10, 40]\n"
        "'qi_team.communication' = {values = [0.2, 0.8], label = 'QI team communication'}\n"
    )
    folder = sweep(tmp_path, "replications = 2\n", body)
    assert cli_main(["analyse", str(folder)]) == 0
    a = folder / "analysis"
    assert (a / "main_effects_habit_rate.png").stat().st_size > 10_000
    assert (a / "interactions_habit_rate.png").stat().st_size > 10_000
    effects = pd.read_csv(a / "main_effects.csv")
    hab = effects[effects["outcome"] == "habit_rate"].set_index(["factor", "level"])
    # a quicker design launches sooner: more habit by the end, over the same seeds
    assert (
        hab.loc[("initiative.design_days", 10), "mean"]
        > hab.loc[("initiative.design_days", 40), "mean"]
    )


def test_bad_format_is_a_clear_error(timing_dir, capsys):
    with pytest.raises(ScenarioError, match="gif is not a figure format; give one or more of png"):
        parse_formats("png,gif")
    folder = timing_dir.parent / "out"
    if not folder.exists():
        run_sweep(timing_dir, workers=2, progress=False)
    assert cli_main(["analyse", str(folder), "--format", "gif"]) == 2
    assert "--format 'gif'" in capsys.readouterr().err


def test_labels_and_units_are_validated(tmp_path):
    path = write_exp(tmp_path, "[outcomes]\nhabit_rate = {label = 'habit', colour = 'red'}\n")
    with pytest.raises(ScenarioError, match="colour"):
        load_experiment(path)
    path = write_exp(
        tmp_path,
        "[levers]\n'qi_team.size' = {values = [1, 2], label = 'QI team size', unit = 'people'}\n"
        "[outcomes]\nhabit_rate = {label = 'habit'}\n",
    )
    assert load_experiment(path).labels == {
        "qi_team.size": {"label": "QI team size", "unit": "people"},
        "habit_rate": {"label": "habit"},
    }
    path = write_exp(
        tmp_path,
        "[uncertainties]\n'trust.culture.*' = {values = [0.2, 0.8], each = true, label = 'culture'}\n",
    )
    labels = load_experiment(path).labels
    assert labels["trust.culture.respectful_dialogue"] == {"label": "culture: respectful dialogue"}


def test_citation_and_license_match_pyproject():
    import yaml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == project["license"] == "MIT"
    assert cff["version"] == project["version"] == qisim.__version__
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.slow
def test_example_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = ROOT / "examples" / "notebooks" / "researcher_sweep.ipynb"
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    text = "\n".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert "moves the first launch" in text  # the timing check spoke
    assert "We simulated" in text  # the methods paragraph


def test_timing_check_names_a_few_crossed_events_then_counts_the_rest():
    events = [{"day": d, "set": {"initiative.pdsa_rollout": 0.0}, "note": f"e{d}"} for d in
              (110, 120, 130, 140, 150)]  # fmt: skip
    scenario = load_scenario(EXAMPLE, {"events": events})
    runs = pd.DataFrame(
        {"f": [1, 1, 2, 2], "first_launch_day": [100, 100, 200, 200], "days": [900] * 4}
    )
    warnings = timing.check(runs, ["f"], scenario).warnings
    named = [w for w in warnings if "across the scheduled event" in w]
    assert len(named) == timing.MAX_EVENTS
    assert any("across 2 more scheduled event(s)" in w for w in warnings)


def test_discover_writes_provenance_and_vector_figure(timing_dir, capsys):
    folder = timing_dir.parent / "out"
    if not folder.exists():
        run_sweep(timing_dir, workers=2, progress=False)
    cut = float(read_runs(folder)["habit_rate"].median())
    args = ["discover", str(folder), "--outcome", f"habit_rate < {cut}", "--format", "svg"]
    assert cli_main(args) == 0
    prov_file = next((folder / "discover").glob("*_provenance.json"))
    prov = json.loads(prov_file.read_text())
    assert prov["arguments"]["outcome"] == f"habit_rate < {cut}"
    svgs = list((folder / "discover").glob("*.svg"))
    assert len(svgs) == 1 and svgs[0].name in prov["outputs"]
