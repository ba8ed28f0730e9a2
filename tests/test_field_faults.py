"""Issue 11, field faults: each kind of fault, in every place it can occur.

Overrides (nested tables, two spellings of one path), integer ranges, censored outcomes in
sensitivity, failed runs and --resume, one Parquet schema, --resume with nothing to resume,
padded CSV headers, --out naming a file, scripts without a main guard, plain progress in logs,
shell-quoted advice, orphaned workers, one-paragraph cross-field errors."""

from __future__ import annotations

import re
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
    with pytest.raises(
        ScenarioError, match=re.escape(f"both set the field 'wards.{ward}.vacancy'")
    ):
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
    with pytest.raises(
        ScenarioError, match=re.escape(f"both set the field 'wards.{ward}.vacancy'")
    ):
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


# --- sweeps: a small fast experiment -----------------------------------------------------------
SMALL = f"""
scenario = "{EXAMPLE}"
days = 60
seed = 3
[set]
"wards.0.count" = 2
"wards.1.count" = 1
"initiative.design_days" = 10
"initiative.rollout.pilot_wards" = []
"competing" = []
"""


def sweep_file(
    folder: Path, body: str, replications: int = 2, name: str = "exp", output: bool = True
) -> Path:
    head = f"replications = {replications}\n" + (f'output = "out-{name}"\n' if output else "")
    return write(folder, f"{name}.toml", head + SMALL + body)


GRID = '[uncertainties]\n"wards.*.vacancy" = [0.05, 0.25]\n[levers]\n"initiative.pdsa_rollout" = [0.2, 0.8]\n'


def by_key(df):
    import pandas as pd

    keep = [c for c in df.columns if c not in ("run", "seed", "traceback")]
    out = df[keep].sort_values(["point", "lever", "replication"]).reset_index(drop=True)
    return (
        out.astype({c: object for c in out.columns if out[c].dtype == "object"})
        if len(out)
        else pd.DataFrame()
    )


# --- 5. --resume retries failed runs; every printed piece of advice works ----------------------
def test_resume_retries_failed_runs(tmp_path, monkeypatch, capsys):
    import pandas as pd

    from qisim.sweep import read_runs, run_sweep
    from qisim.sweep.storage import Store
    from qisim.sweep.worker import FAULTS_ENV

    clean = read_runs(run_sweep(sweep_file(tmp_path / "a", GRID), workers=1, output=tmp_path / "clean",
                                progress=False).folder)  # fmt: skip
    exp = sweep_file(tmp_path / "b", GRID)
    out = tmp_path / "with failures"
    monkeypatch.setenv(FAULTS_ENV, "2:exit,5:raise")
    code, text, _ = cli(capsys, "sweep", exp, "--workers", "1", "--no-progress", "--out", out)
    assert code == 0 and "2 failed" in text
    monkeypatch.delenv(FAULTS_ENV)
    code, _, err = cli(capsys, "sensitivity", out)
    assert code == 2 and "2 run(s) failed" in err
    # both pieces of advice name the real command, quoted: follow one
    import shlex

    line = next(x for x in text.splitlines() if "--resume" in x)
    argv = shlex.split(line.split(":", 1)[1].strip())
    assert argv == shlex.split(err.split("with: ", 1)[1].strip())[:2] + [
        str(exp),
        "--resume",
        "--out",
        str(out),
    ]
    code, text, _ = cli(capsys, *argv[1:], "--workers", "1", "--no-progress")
    assert code == 0 and "2 this session, 0 failed" in text, text
    rows = read_runs(out)
    assert rows["error"].isna().all() and len(rows) == 8
    pd.testing.assert_frame_equal(by_key(rows), by_key(clean), check_dtype=False)
    assert Store(out).manifest()["sessions"][-1]["retried_failed_runs"] == [2, 5]
    # 6. the documented reader reads the resumed sweep's parts as one table
    assert len(pd.read_parquet(out / "runs")) == 8


# --- 6. every part shares one schema -----------------------------------------------------------
def test_parts_share_one_schema_for_any_parquet_reader(tmp_path):
    import pandas as pd
    import pyarrow.parquet as pq

    from qisim.sweep.storage import Store

    store = Store(tmp_path)
    (tmp_path / "runs").mkdir()
    sessions = [
        [{"run": 0, "x": 0.5, "time_to_embed": None, "error": None, "traceback": None}],
        [{"run": 1, "error": "WorkerDied: exit code 70", "traceback": None}],
        [{"run": 2, "x": 1, "time_to_embed": 40, "error": "E: x", "traceback": "Traceback..."}],
    ]
    for rows in sessions:
        for row in rows:
            store.write_run(row)
        store.compact()
    parts = sorted((tmp_path / "runs").glob("part-*.parquet"))
    assert len(parts) == 3
    schemas = [pq.read_schema(p).remove_metadata() for p in parts]
    assert all(s.equals(schemas[0]) for s in schemas)
    df = pd.read_parquet(tmp_path / "runs").sort_values("run")
    assert list(df["error"].isna()) == [True, False, False]
    assert df["time_to_embed"].tolist()[2] == 40 and df["x"].tolist()[0] == 0.5


# --- 7. --resume with nothing to resume --------------------------------------------------------
def test_resume_with_nothing_to_resume_says_so_and_finds_the_sweep(tmp_path, monkeypatch, capsys):
    exp = sweep_file(
        tmp_path / "project" / "experiments",
        '[uncertainties]\n"wards.*.vacancy" = [0.1]\n',
        1,
        output=False,
    )
    monkeypatch.chdir(tmp_path / "project")
    assert cli(capsys, "sweep", exp, "--workers", "1", "--no-progress")[0] == 0
    started = tmp_path / "project" / "out" / "sweeps" / "exp"
    assert (started / "manifest.json").exists()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = cli(capsys, "sweep", exp, "--resume")
    assert code == 2 and "nothing to resume" in err and "Traceback" not in err
    assert str(started) in err and not (elsewhere / "out").exists()
    code, _, err = cli(capsys, "sweep", exp, "--resume", "--out", tmp_path / "none")
    assert code == 2 and "nothing to resume" in err and not (tmp_path / "none").exists()
    code, _, err = cli(capsys, "sweep", exp, "--resume", "--overwrite")
    assert code == 2 and "contradict" in err


# --- issue 13, item 2: extendable sweeps -------------------------------------------------------
def test_resume_takes_more_replications_and_runs_only_them(tmp_path):
    from qisim.sweep import read_runs, run_sweep
    from qisim.sweep.storage import Store

    exp = sweep_file(tmp_path / "a", GRID, replications=2)
    first = run_sweep(exp, workers=1, progress=False)
    before = read_runs(first.folder)
    exp.write_text(exp.read_text().replace("replications = 2", "replications = 3"))
    report = run_sweep(exp, workers=1, resume=True, progress=False)
    assert report.skipped == 8 and report.done == 4  # 4 points x levers, one more replication
    rows = read_runs(first.folder)
    kept = rows[rows["run"].isin(before["run"])].reset_index(drop=True)
    import pandas as pd

    pd.testing.assert_frame_equal(kept, before)  # old runs untouched, same ids
    fresh = read_runs(run_sweep(sweep_file(tmp_path / "b", GRID, 3), workers=1, progress=False,
                                output=tmp_path / "fresh").folder)  # fmt: skip
    pd.testing.assert_frame_equal(by_key(rows), by_key(fresh), check_dtype=False)
    manifest = Store(first.folder).manifest()
    assert manifest["replications"] == 3 and manifest["n_runs"] == 12
    ext = manifest["extensions"][0]
    assert ext["runs_added"] == 4 and ext["replications"] == [2, 3]
    assert (first.folder / "experiment.toml").read_text() == exp.read_text()


def test_resume_takes_more_sobol_samples_but_refuses_a_new_lhs(tmp_path):
    from qisim.sweep import read_runs, run_sweep

    sobol = '[design]\nkind = "sobol"\nsamples = 4\n[uncertainties]\n"wards.*.vacancy" = { range = [0.05, 0.3] }\n"qi_team.technical" = { range = [0.2, 0.8] }\n'
    exp = sweep_file(tmp_path / "s", sobol, replications=1)
    first = run_sweep(exp, workers=2, progress=False)
    assert first.done == 16
    exp.write_text(exp.read_text().replace("samples = 4", "samples = 8"))
    again = run_sweep(exp, workers=2, resume=True, progress=False)
    assert again.done == 16 and again.skipped == 16
    assert sorted(read_runs(first.folder)["point"].unique()) == list(range(32))
    lhs = sobol.replace('"sobol"', '"lhs"')
    exp = sweep_file(tmp_path / "l", lhs, replications=1)
    run_sweep(exp, workers=2, progress=False)
    exp.write_text(exp.read_text().replace("samples = 4", "samples = 8"))
    with pytest.raises(ScenarioError, match="other values or another seed"):
        run_sweep(exp, workers=2, resume=True, progress=False)
    exp.write_text(
        exp.read_text()
        .replace("replications = 1", "replications = 2")
        .replace("samples = 8", "samples = 4")
        .replace("days = 60", "days = 61")
    )
    with pytest.raises(ScenarioError, match="base scenario"):
        run_sweep(exp, workers=2, resume=True, progress=False)


# --- 4. sensitivity: censored outcomes are counted, and the user chooses ------------------------
def test_sensitivity_refuses_censored_outcomes_unless_told(tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qisim.sweep import run_sweep, sensitivity
    from qisim.sweep.storage import Store

    sobol = '[design]\nkind = "sobol"\nsamples = 4\n[uncertainties]\n"wards.*.vacancy" = { range = [0.05, 0.3] }\n"qi_team.technical" = { range = [0.2, 0.8] }\n'
    folder = run_sweep(sweep_file(tmp_path, sobol, 2), workers=2, progress=False).folder
    # a launch on day 10 and embedding in a third of the runs; the others never embed
    part = next((folder / "runs").glob("part-*.parquet"))
    t = pq.read_table(part)
    runs = t.column("run").to_pylist()
    tte = [None if r % 3 else 20 + r for r in runs]
    t = t.set_column(
        t.schema.get_field_index("time_to_embed"), "time_to_embed", pa.array(tte, pa.int64())
    )
    t = t.set_column(
        t.schema.get_field_index("first_launch_day"),
        "first_launch_day",
        pa.array([10] * len(runs), pa.int64()),
    )
    pq.write_table(t, part)
    lacking = sum(v is None for v in tte)
    store = Store(folder)
    with pytest.raises(ScenarioError, match=f"{lacking} of {len(runs)} runs have no value") as exc:
        sensitivity.analyse(store, "time_to_embed")
    assert "censored" in str(exc.value) and "--censor-at" in str(exc.value)
    code, _, err = cli(capsys, "sensitivity", folder, "--outcome", "time_to_embed")
    assert code == 2 and "Traceback" not in err
    by_horizon = sensitivity.analyse(store, "time_to_embed", censor_at="horizon")
    by_number = sensitivity.analyse(store, "time_to_embed", censor_at=60 - 10)
    assert by_horizon.attrs["censored"] == lacking
    assert by_horizon["ST"].tolist() == by_number["ST"].tolist()
    code, out, _ = cli(
        capsys, "sensitivity", folder, "--outcome", "time_to_embed", "--censor-at", "horizon"
    )
    assert code == 0 and f"{lacking} run(s) lacked time_to_embed" in out
    # the same kind in an expression, and in PRIM: a comparison with a missing value would
    # silently come out false
    with pytest.raises(ScenarioError, match="runs have no value of time_to_embed"):
        sensitivity.analyse(store, "time_to_embed > 30")
    from qisim.sweep import discovery

    with pytest.raises(ScenarioError, match=f"{lacking} of {len(runs)} runs have no value"):
        discovery.discover(store, "time_to_embed > 30")
    d = discovery.discover(store, "time_to_embed > 30", censor_at="horizon")  # 50 days > 30
    assert d.of_interest == lacking + sum(1 for v in tte if v is not None and v > 30)
    code, _, err = cli(capsys, "discover", folder, "--outcome", "time_to_embed > 30")
    assert code == 2 and "--censor-at" in err


# --- 8. a spreadsheet's padded header ----------------------------------------------------------
def test_csv_audit_with_padded_header_is_accepted(tmp_path):
    from qisim import ffit

    rows = ffit.template_csv().splitlines()
    assert all(r.endswith(",") for r in rows[1:])  # an empty score last
    filled = [rows[0] + ","] + [r + "3," for r in rows[1:]]
    path = write(tmp_path, "audit.csv", "\n".join(filled) + "\n,,,,\n")
    scores = ffit.read_audit(path)
    assert set(scores.values()) == {3} and len(scores) == 45
    # a value under the unnamed column is not padding; odd names are quoted
    stray = write(tmp_path, "stray.csv", "\n".join([filled[0], filled[1] + "x", *filled[2:]]))
    with pytest.raises(ScenarioError, match="line 2: 'x' is in a column with no name"):
        ffit.read_audit(stray)
    odd = write(tmp_path, "odd.csv", "\n".join([rows[0] + ", Score ", *filled[1:]]))
    with pytest.raises(ScenarioError, match="column\\(s\\) named twice 'score'"):
        ffit.read_audit(odd)


# --- 9. --out naming a file: exit 2, one paragraph, the file untouched -------------------------
@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    from qisim.sweep import run_sweep

    folder = tmp_path_factory.mktemp("sweep")
    exp = sweep_file(folder, '[uncertainties]\n"wards.*.vacancy" = [0.1, 0.2]\n', 1)
    return run_sweep(exp, workers=1, progress=False).folder


@pytest.mark.parametrize(
    "argv",
    [
        ["run", EXAMPLE, "--days", "5", "--out", "{file}"],
        ["sweep", "{exp}", "--out", "{file}"],
        ["sweep", "{exp}", "--out", "{file}/sub"],
        ["analyse", "{sweep}", "--out", "{file}"],
        ["sensitivity", "{sweep}", "--out", "{file}"],
        ["discover", "{sweep}", "--outcome", "habit_rate < 0.5", "--out", "{file}"],
        ["compare", EXAMPLE, "--reps", "1", "--out", "{file}"],
        ["deviance", EXAMPLE, "--reps", "2", "--out", "{file}"],
        ["plan", "{plan}", "--out", "{file}"],
        ["study", "ffit-validity", "--n", "1", "--out", "{file}"],
        ["validate", "--reps", "1", "--out", "{file}"],
        ["ffit", "score", "{audit}", "--out", "{folder}"],
        ["ffit", "simulate", "{audit}", "--initiative", EXAMPLE, "--csv", "{folder}"],
    ],
    ids=lambda a: " ".join(str(x) for x in a[:2]),
)
def test_out_naming_an_existing_file_exits_2_and_leaves_it(tmp_path, capsys, small_sweep, argv):
    from qisim import ffit

    file = write(tmp_path, "results.txt", "precious\n")
    audit = ffit.template_csv().replace(",\n", ",3\n")
    names = {
        "file": file,
        "folder": tmp_path,
        "sweep": small_sweep,
        "exp": sweep_file(tmp_path / "e", '[uncertainties]\n"wards.*.vacancy" = [0.1]\n', 1),
        "plan": write(
            tmp_path,
            "p.toml",
            f'scenario = "{EXAMPLE}"\nlaunch_months = [0]\n[[strategies]]\nname = "w"\n',
        ),  # fmt: skip
        "audit": write(tmp_path, "audit.csv", audit),
    }
    code, _, err = cli(capsys, *[str(a).format(**names) for a in argv])
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and str(tmp_path) in err
    assert file.read_text() == "precious\n"


# --- 10. a script without the main guard ---------------------------------------------------------
@pytest.mark.parametrize(
    "layout", ["top level", "inside a function called at top level", "guarded"]
)
def test_script_without_main_guard_gets_one_clear_message(tmp_path, layout):
    import subprocess
    import sys

    exp = sweep_file(tmp_path, '[uncertainties]\n"wards.*.vacancy" = [0.1]\n', 1)
    call = f"run_sweep({str(exp)!r}, workers=1, progress=False)"
    body = {
        "top level": f"r = {call}\n",
        "inside a function called at top level": f"def go():\n    return {call}\n\nr = go()\n",
        "guarded": f'if __name__ == "__main__":\n    r = {call}\n',
    }[layout]
    script = write(tmp_path, "my script.py", "from qisim.sweep import run_sweep\n\n" + body)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    if layout == "guarded":
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 1
    assert proc.stderr.count("Traceback") == 1, proc.stderr  # the script's own, not one per worker
    assert 'if __name__ == "__main__":' in proc.stderr and "MainGuardError" in proc.stderr
    assert "import qisim" not in proc.stderr  # no advice that points elsewhere


# --- smaller: plain progress in logs; orphaned workers end quietly -----------------------------
def test_progress_in_a_log_is_plain_lines(tmp_path):
    import subprocess
    import sys

    exp = sweep_file(tmp_path, '[uncertainties]\n"wards.*.vacancy" = [0.1, 0.2, 0.3]\n', 1)
    log = tmp_path / "sweep.log"
    with open(log, "w") as fh:
        proc = subprocess.run([sys.executable, "-m", "qisim", "sweep", str(exp), "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=fh, timeout=120)  # fmt: skip
    text = log.read_text()
    assert proc.returncode == 0 and "\r" not in text
    assert "exp: 3/3 runs (100%)" in text, text


def test_orphaned_worker_ends_quietly_when_the_parent_is_gone(capfd):
    import multiprocessing as mp
    import signal

    from qisim.sweep.backends import _serve
    from qisim.sweep.design import RunSpec
    from qisim.sweep.worker import Context

    parent, child = mp.Pipe()
    parent.send(RunSpec(0, 0, 0, 0, seed=1, overrides={"days": 3}, constants={}))
    parent.close()  # the parent is killed while the run goes on
    handler = signal.getsignal(signal.SIGINT)
    try:
        _serve(child, Context(BASE))  # returns: no BrokenPipeError
    finally:
        signal.signal(signal.SIGINT, handler)
    assert "Traceback" not in capfd.readouterr().err


# --- smaller: advice printed for pasting is shell-quoted ---------------------------------------
def test_printed_commands_survive_paths_with_spaces_and_brackets(tmp_path, capsys, monkeypatch):
    import shlex

    from qisim.sweep.worker import FAULTS_ENV

    exp = sweep_file(
        tmp_path / "my [project]", '[uncertainties]\n"wards.*.vacancy" = [0.1, 0.2]\n', 1
    )
    out = tmp_path / "results (v2)" / "my sweep"
    monkeypatch.chdir(tmp_path)  # `qisim run` writes to ./out
    monkeypatch.setenv(FAULTS_ENV, "1:raise")
    code, text, _ = cli(capsys, "sweep", exp, "--workers", "1", "--no-progress", "--out", out)
    assert code == 0
    monkeypatch.delenv(FAULTS_ENV)
    commands = [line.split(": ", 1)[1] for line in text.splitlines() if ": qisim " in line]
    assert len(commands) == 3  # see one alone, run the failed again, next
    for command in commands:
        argv = shlex.split(command)
        assert argv[0] == "qisim" and cli(capsys, *argv[1:])[0] == 0, command


def test_analyse_advice_to_add_replications_works_when_followed(tmp_path, capsys):
    import shlex

    from qisim.sweep import run_sweep
    from qisim.sweep.storage import Store

    exp = sweep_file(tmp_path, GRID, replications=3)
    folder = run_sweep(exp, workers=2, progress=False).folder
    code, out, _ = cli(capsys, "analyse", folder)
    line = next(x for x in out.splitlines() if "to add replications" in x)
    command = shlex.split(line.split(" with ", 1)[1])
    exp.write_text(exp.read_text().replace("replications = 3", "replications = 5"))
    code, out, _ = cli(capsys, *command[1:], "--workers", "2", "--no-progress")
    assert code == 0 and "20 of 20 runs on disk (8 this session" in out, out
    assert Store(folder).manifest()["extensions"][0]["replications"] == [3, 5]


FRACTIONS = ("co_design", "problem_clarity", "pdsa_pilot", "senior_backing", "channels.written",
             "channels.sessions", "rollout.readiness_threshold")  # fmt: skip


def test_nested_and_dotted_overrides_are_the_same_property():
    """Any set of initiative fields, written as one nested table, as bare dotted keys (TOML's
    nested tables) or as quoted dotted paths, gives the same scenario; every other field keeps
    its value."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None)
    @given(st.dictionaries(st.sampled_from(FRACTIONS), st.floats(0, 1), min_size=1))
    def check(values):
        nested: dict = {}
        for path, v in values.items():
            node = nested
            *heads, last = path.split(".")
            for h in heads:
                node = node.setdefault(h, {})
            node[last] = v
        dotted = {f"initiative.{p}": v for p, v in values.items()}
        a = with_overrides(BASE, {"initiative": nested})
        b = with_overrides(BASE, dotted)
        assert a == b
        expect = BASE.model_dump()
        for path, v in values.items():
            node = expect["initiative"]
            *heads, last = path.split(".")
            for h in heads:
                node = node[h]
            node[last] = v
        assert a.model_dump() == expect

    check()


# --- merged with issue 12: the new commands and inputs get the same checks --------------------
def test_trust_from_csv_init_and_plan_refuse_a_file_where_a_folder_goes(tmp_path, capsys):
    wards = ROOT / "examples" / "trust" / "wards.csv"
    afile = write(tmp_path, "afile", "keep me")
    code, _, err = cli(capsys, "trust", "from-csv", wards, "--out", afile)
    assert code == 2 and "is a file" in err and "Traceback" not in err
    code, _, err = cli(capsys, "trust", "from-csv", "--template", afile / "wards.csv")
    assert code == 2 and "Traceback" not in err
    code, _, err = cli(capsys, "init", afile)
    assert code == 2 and "qisim init" in err and "is a file" in err
    write(tmp_path / "d", "scenarios", "")
    code, _, err = cli(capsys, "init", tmp_path / "d")
    assert code == 2 and "is a file" in err and not (tmp_path / "d" / "experiments").exists()
    assert afile.read_text() == "keep me"
    # the plan's board report: a folder where report.html goes is refused before any run
    code, _, _ = cli(capsys, "trust", "from-csv", wards, "--out", tmp_path / "t")
    assert code == 0
    (tmp_path / "t" / "plan" / "report.html").mkdir(parents=True)
    code, _, err = cli(capsys, "plan", tmp_path / "t" / "plan.toml", "--reps", "1", "--quiet")
    assert code == 2 and "report.html" in err and "Traceback" not in err
    assert not (tmp_path / "t" / "plan" / "runs.csv").exists()
    code, _, err = cli(capsys, "plan", tmp_path / "t" / "plan.toml", "--out", afile)
    assert code == 2 and "is a file" in err


def test_two_spellings_and_cross_field_errors_name_wards_by_name(tmp_path):
    from qisim.sweep.experiment import load_experiment

    ward = BASE.wards[1].name
    with pytest.raises(ScenarioError, match=re.escape(f"field 'wards.{ward}.sickness'")):
        with_overrides(BASE, {"wards.1.sickness": 0.1, f"wards.{ward}.sickness": 0.2})
    exp = write(tmp_path, "e.toml", f'scenario = "{EXAMPLE}"\n[uncertainties]\n'
                '"wards.1.sickness" = [0.1, 0.2]\n[levers]\n'
                f'"wards.{ward}.sickness" = [0.3]\n')  # fmt: skip
    with pytest.raises(ScenarioError, match=re.escape(f"wards.{ward}.sickness is both")):
        load_experiment(exp)
    # a near miss gets a suggestion, in an override as in a file
    with pytest.raises(ScenarioError, match="did you mean"):
        with_overrides(BASE, {f"wards.{ward.lower()}x.sickness": 0.1})


def test_outcome_rates_merge_field_by_field(tmp_path):
    sc = with_overrides(
        BASE, {"outcome_rates": {"falls": 4.0}, "wards.*.outcome_rates": {"source": "Datix"}}
    )
    sc = with_overrides(sc, {"outcome_rates": {"source": "Datix 2025"}})
    assert sc.outcome_rates.falls == 4.0 and sc.outcome_rates.source == "Datix 2025"
    assert all(w.outcome_rates.source == "Datix" for w in sc.wards)


@pytest.mark.parametrize(
    "spelling", ["[set]\nstaffing.start_month = 9\n", "[set.staffing]\nstart_month = 9\n"]
)
def test_plan_start_date_against_a_nested_set(tmp_path, spelling):
    from qisim.planning import load_plan

    head = f'scenario = "{EXAMPLE}"\nlaunch_months = [0]\nreplications = 1\n'
    tail = '[[strategies]]\nname = "waves"\n'
    clash = write(tmp_path, "c.toml", head + "start_date = 2027-04-01\n" + spelling + tail)
    with pytest.raises(ScenarioError, match="start_date 2027-04-01 is in month 4"):
        load_plan(clash)
    same = write(tmp_path, "s.toml", head + "start_date = 2027-09-01\n" + spelling + tail)
    plan = load_plan(same)
    assert plan.start_month == 9 and plan.spec.set == {"staffing.start_month": 9}


def test_validate_refuses_a_file_as_out(tmp_path, capsys):
    afile = write(tmp_path, "afile", "keep me")
    code, _, err = cli(capsys, "validate", "--reps", "1", "--out", afile / "v")
    assert code == 2 and "goes through" in err and "Traceback" not in err
    assert afile.read_text() == "keep me"
