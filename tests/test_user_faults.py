"""Faults a new user found: each with the behaviour a user should see."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qisim.cli import main as cli
from qisim.planning.plan import launch_date


@pytest.mark.parametrize("days", ["0", "-5", "4000"])
def test_run_days_out_of_range_names_the_option_and_the_range(tmp_path, capsys, days):
    code = cli(["run", "scenarios/example.toml", "--days", days, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--days {days}" in err and "1 to 3650" in err
    assert not (tmp_path / "o").exists()


# --- 3: launch dates in the plan report ---------------------------------------------------------


def test_launch_months_from_1_december_are_firsts_of_the_month():
    start = dt.date(2026, 12, 1)
    got = [launch_date(start, m) for m in (0, 3, 6, 9, 12, 14)]
    assert got == [
        dt.date(2026, 12, 1),
        dt.date(2027, 3, 1),
        dt.date(2027, 6, 1),
        dt.date(2027, 9, 1),
        dt.date(2027, 12, 1),
        dt.date(2028, 2, 1),
    ]


@given(
    start=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    month=st.integers(min_value=1, max_value=90),
)
def test_a_whole_launch_month_is_the_first_of_its_calendar_month(start, month):
    d = launch_date(start, month)
    assert d.day == 1
    assert (d.year - start.year) * 12 + d.month - start.month == month


@given(
    start=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)),
    a=st.floats(min_value=0, max_value=90),
    b=st.floats(min_value=0, max_value=90),
)
def test_launch_dates_keep_the_order_of_launch_months(start, a, b):
    lo, hi = sorted((a, b))
    assert start <= launch_date(start, lo) <= launch_date(start, hi)


# --- 2: analyse writes no figure for an outcome with no values ----------------------------------
def test_analyse_writes_no_figure_for_an_outcome_no_run_observed(tmp_path, capsys):
    """An 80-day grid sweep cannot observe practice 12 months after launch: no empty figure."""
    from tests.test_sweep_analysis import sweep

    body = '[uncertainties]\n"wards.*.vacancy" = [0.05, 0.3]\n'
    folder = sweep(tmp_path, "replications = 2\n", body)
    assert cli(["analyse", str(folder)]) == 0
    capsys.readouterr()
    analysis = folder / "analysis"
    assert (analysis / "habit_rate.png").exists()
    assert not list(analysis.glob("*practice_12m*.png"))


# --- 5: trust from-csv keeps a hand-edited trust.toml -------------------------------------------
def test_trust_from_csv_refuses_an_existing_trust_toml_unless_force(tmp_path, capsys):
    from tests.conftest import ROOT

    wards = str(ROOT / "examples" / "trust" / "wards.csv")
    out = tmp_path / "mytrust"
    assert cli(["trust", "from-csv", wards, "--out", str(out)]) == 0
    edited = out / "trust.toml"
    edited.write_text(edited.read_text() + "\n# my hand edit\n")
    capsys.readouterr()
    assert cli(["trust", "from-csv", wards, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(edited) in err and "--force" in err and err.count("\n") == 1
    assert "# my hand edit" in edited.read_text()
    assert cli(["trust", "from-csv", wards, "--out", str(out), "--force"]) == 0
    assert "# my hand edit" not in edited.read_text()


def test_trust_from_csv_help_documents_force(capsys):
    with pytest.raises(SystemExit):
        cli(["trust", "from-csv", "--help"])
    assert "--force" in capsys.readouterr().out


# --- 6: CSV files separated by ';' or tabs ------------------------------------------------------
def _resave(src, dst, delimiter: str, decimal_comma: bool = False) -> None:
    """``src`` as a spreadsheet saves it with another delimiter (and a decimal comma)."""
    import csv
    import re

    rows = list(csv.reader(src.read_text(encoding="utf-8").splitlines()))
    if decimal_comma:
        rows = [[re.sub(r"^(\d+)\.(\d+)", r"\1,\2", v) for v in row] for row in rows]
    with dst.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)


@pytest.mark.parametrize(("delimiter", "decimal_comma"), [(";", True), (";", False), ("\t", False)])
def test_ward_sheet_separated_by_semicolons_or_tabs_reads_as_the_comma_one(
    tmp_path, delimiter, decimal_comma
):
    from qisim.trust_import import read_wards
    from tests.conftest import ROOT

    src = ROOT / "examples" / "trust" / "wards.csv"
    other = tmp_path / "wards.csv"
    _resave(src, other, delimiter, decimal_comma)
    assert (";" in other.read_text()) == (delimiter == ";")
    assert read_wards(other).wards == read_wards(src).wards


def test_a_header_that_cannot_be_split_hints_at_the_delimiter(tmp_path):
    from qisim.scenario import ScenarioError
    from qisim.trust_import import read_wards

    path = tmp_path / "wards.csv"
    path.write_text("Ward|Beds|RN WTE|HCA WTE\nHeron|28|24.6|14.2\n")
    with pytest.raises(ScenarioError, match=r"missing column.*separated by bars"):
        read_wards(path)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_ffit_audits_separated_by_semicolons_or_tabs_read_as_comma_ones(tmp_path, delimiter):
    from qisim.ffit import read_audit
    from qisim.ffit.audit import template_csv
    from qisim.trust_import import read_ward_audits, read_wards
    from tests.conftest import ROOT

    # one ward's audit (qisim ffit template --format csv), scored
    lines = template_csv().splitlines()
    comma = tmp_path / "one.csv"
    comma.write_text("\n".join([lines[0]] + [f"{ln.rstrip(',')},3" for ln in lines[1:]]) + "\n")
    other = tmp_path / "one_other.csv"
    _resave(comma, other, delimiter)
    assert read_audit(other) == read_audit(comma)
    # the per-ward audit of the example trust, one column per ward
    src = ROOT / "examples" / "trust" / "ffit_by_ward.csv"
    wide = tmp_path / "ffit.csv"
    _resave(src, wide, delimiter)
    names = [w["name"] for w in read_wards(ROOT / "examples" / "trust" / "wards.csv").wards]

    def scores(path):
        return {w: s for w, (s, _) in read_ward_audits([str(path)], names).items()}

    assert len(scores(src)) == len(names) and scores(wide) == scores(src)


# --- 1: a sweep says what it plans; Ctrl-C advice true to what is on disk -----------------------
def _experiment(folder, body: str, top: str = "replications = 2\n"):
    from tests.test_sweep_analysis import HEAD

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "exp.toml"
    path.write_text(f'output = "out"\n{top}{HEAD}{body}')
    return path


GRID = '[uncertainties]\n"wards.*.vacancy" = [0.05, 0.3]\n'
SOBOL = (
    "[design]\nkind = 'sobol'\nsamples = {n}\n[uncertainties]\n"
    "'initiative.design_days' = {{range = [5, 60], integer = true}}\n"
    "'qi_team.communication' = {{range = [0.1, 0.9]}}\n"
)


@pytest.mark.parametrize("name", ["rollout_staffing", "constants_sobol", "team_vs_enthusiasm"])
def test_planned_runs_counts_the_plan_without_building_it(name):
    from math import prod

    from qisim.sweep.design import make_plan
    from qisim.sweep.experiment import load_experiment
    from qisim.sweep.runner import planned_runs
    from tests.conftest import ROOT

    exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
    assert prod(planned_runs(exp)) == len(make_plan(exp).runs)


def test_a_huge_sweep_is_counted_at_once_and_warned_about(tmp_path):
    import time

    from qisim.sweep.experiment import load_experiment
    from qisim.sweep.runner import plan_message

    exp = load_experiment(_experiment(tmp_path, SOBOL.format(n=262144)))
    start = time.perf_counter()
    text = plan_message(exp, 2)
    assert time.perf_counter() - start < 1
    n = 262144 * 4 * 2  # N (k + 2) points x 2 replications
    assert f"{n:,} runs planned" in text and "warning" in text and "very large" in text
    assert "days on 2 workers" in text
    small = plan_message(load_experiment(_experiment(tmp_path / "s", GRID)), 2)
    assert "4 runs planned" in small and "warning" not in small


def test_sweep_prints_its_plan_before_it_starts(tmp_path, capsys):
    exp = _experiment(tmp_path, GRID)
    assert cli(["sweep", str(exp), "--workers", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.index("4 runs planned") < out.index("4 of 4 runs on disk")


def test_ctrl_c_before_the_folder_exists_does_not_advise_resume(tmp_path, capsys, monkeypatch):
    from qisim.sweep import runner

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    exp = _experiment(tmp_path, GRID)
    monkeypatch.setattr(runner, "make_plan", interrupt)
    assert cli(["sweep", str(exp), "--out", str(tmp_path / "s12")]) == 130
    err = capsys.readouterr().err
    assert "--resume" not in err and "nothing to resume" in err and "was not made" in err
    assert not (tmp_path / "s12").exists()


def test_ctrl_c_while_the_folder_is_made_leaves_no_half_folder(tmp_path, capsys, monkeypatch):
    from qisim.sweep.storage import Store

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    exp = _experiment(tmp_path, GRID)
    monkeypatch.setattr(Store, "replace_plan", interrupt)
    assert cli(["sweep", str(exp), "--out", str(tmp_path / "s12")]) == 130
    assert "--resume" not in capsys.readouterr().err
    assert not (tmp_path / "s12").exists()
    monkeypatch.undo()
    assert cli(["sweep", str(exp), "--out", str(tmp_path / "s12"), "--no-progress"]) == 0


def test_ctrl_c_before_any_run_finished_says_so_and_resume_works(tmp_path, capsys, monkeypatch):
    from qisim.sweep import runner

    def interrupt(*a, **k):
        raise KeyboardInterrupt

    exp = _experiment(tmp_path, GRID)
    out = str(tmp_path / "s12")
    monkeypatch.setattr(runner, "make_pool", interrupt)
    assert cli(["sweep", str(exp), "--out", out]) == 130
    err = capsys.readouterr().err
    assert "no run had finished" in err and "--resume" in err
    monkeypatch.undo()
    assert cli(["sweep", str(exp), "--out", out, "--resume", "--no-progress"]) == 0
    assert "4 of 4 runs on disk" in capsys.readouterr().out
