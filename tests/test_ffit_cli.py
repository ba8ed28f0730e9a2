"""The `qisim ffit` and `qisim study ffit-validity` commands end to end, error paths included."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from qisim.cli import main
from qisim.domain import FFIT_ITEM_IDS, FFIT_ITEMS, FFIT_SECTIONS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "example.toml"


def filled_audit(path: Path, score=lambda k: (k * 4) % 6) -> Path:
    lines = []
    for sec in FFIT_SECTIONS:
        lines.append(f"[{sec.key}]")
        lines += [
            f"{item.id} = {score(k)}"
            for k, item in enumerate(FFIT_ITEMS)
            if item.section == sec.key
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_template_prints_a_blank_audit(capsys):
    assert main(["ffit", "template"]) == 0
    out = capsys.readouterr().out
    data = tomllib.loads(out)
    assert data["staff"]["staff_01"] == "" and len(data["context"]) == 5
    assert main(["ffit", "template", "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0] == "section,item,text,score" and len(rows) == 46


def test_score_prints_sections_total_weakest_and_writes_radar(tmp_path, capsys):
    audit = filled_audit(tmp_path / "audit.toml")
    out_png = tmp_path / "radar.png"
    assert main(["ffit", "score", str(audit), "--out", str(out_png), "--weakest", "3"]) == 0
    out = capsys.readouterr().out
    assert "Front-line staff" in out and "Fitting the context" in out
    total = sum((k * 4) % 6 for k in range(45))
    assert f"{total} / 225" in out
    assert "SOFFT: Adopting and promulgating the appropriate style and tone" in out
    assert out_png.stat().st_size > 10_000


def test_score_default_radar_name(tmp_path, capsys, monkeypatch):
    filled_audit(tmp_path / "ward7.toml")
    monkeypatch.chdir(tmp_path)
    assert main(["ffit", "score", "ward7.toml"]) == 0
    assert (tmp_path / "ward7_radar.png").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "have an empty score"),
        ("staff_01 = 6\n", "'staff_01' = 6 is not a whole number from 0 to 5"),
        ("[staff]\nstaff_99 = 3\n", "'staff_99' is not an FFIT item"),
    ],
)
def test_score_errors_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "audit.toml"
    if content is None:
        assert main(["ffit", "template"]) == 0
        path.write_text(capsys.readouterr().out)
    else:
        path.write_text(content)
    assert main(["ffit", "score", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_score_error_in_a_subprocess_has_no_traceback(tmp_path):
    bad = tmp_path / "audit.csv"
    bad.write_text("section,item,score\nstaff,staff_01,9\n")
    proc = subprocess.run(
        [sys.executable, "-m", "qisim", "ffit", "score", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "44 item(s) are missing" in proc.stderr


def test_simulate_end_to_end(tmp_path, capsys):
    audit = filled_audit(tmp_path / "audit.toml", score=lambda k: 3)
    csv_path = tmp_path / "effects.csv"
    argv = ["ffit", "simulate", str(audit), "--initiative", str(EXAMPLE), "--reps", "2",
            "--days", "150", "--items", "resourcing_07,staff_09,learning_04", "--workers", "1",
            "--csv", str(csv_path), "--set", "initiative.design_days=30"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Predicted outcome" in out and "90% of runs between" in out
    assert "resourcing_07  3 -> 4" in out
    effects = pd.read_csv(csv_path)
    # learning_04 is not modelled, so it is not tried
    assert set(effects["item"]) == {"resourcing_07", "staff_09"} and len(effects) == 4


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--items", "staff_01,bogus_07"], "bogus_07 not FFIT item id"),
        (["--reps", "0"], "--reps 0"),
        (["--set", "initiative.co_design=7"], "initiative.co_design"),
    ],
)
def test_simulate_errors_exit_2(tmp_path, capsys, extra, message):
    audit = filled_audit(tmp_path / "audit.toml")
    assert main(["ffit", "simulate", str(audit), "--initiative", str(EXAMPLE), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_simulate_bad_scenario_exit_2(tmp_path, capsys):
    audit = filled_audit(tmp_path / "audit.toml")
    assert main(["ffit", "simulate", str(audit), "--initiative", str(tmp_path / "no.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_simulate_needs_the_initiative(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ffit", "simulate", str(filled_audit(tmp_path / "a.toml"))])
    assert exc.value.code == 2
    assert "--initiative" in capsys.readouterr().err


def test_ffit_without_action_shows_help(capsys):
    assert main(["ffit"]) == 0
    assert "qisim ffit template > audit.toml" in capsys.readouterr().out


# --- qisim study ffit-validity ----------------------------------------------------------------
def tiny_config(tmp_path: Path) -> Path:
    """The study's own configuration, with its base scenario given as an absolute path."""
    text = (ROOT / "experiments" / "ffit_validity.toml").read_text()
    text = text.replace('base = "../scenarios/example.toml"', f'base = "{EXAMPLE}"')
    path = tmp_path / "study.toml"
    path.write_text(text)
    return path


def test_study_runs_with_a_tiny_sample(tmp_path, capsys):
    config = tiny_config(tmp_path)
    out = tmp_path / "out"
    argv = ["study", "ffit-validity", "--config", str(config), "--n", "6", "--days", "60",
            "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "rho(FFIT total, share embedded)" in capsys.readouterr().out
    for name in ("validity_runs.csv.gz", "validity_table.csv", "validity_failures.csv",
                 "validity.png", "validity.md"):  # fmt: skip
        assert (out / name).exists(), name
    table = pd.read_csv(out / "validity_table.csv")
    assert len(table) == 1 + 7 + 45
    runs = pd.read_csv(out / "validity_runs.csv.gz")
    assert len(runs) == 6 and {f"item_{i}" for i in FFIT_ITEM_IDS} <= set(runs.columns)
    # analysing the same runs again, without running them, gives the same table
    assert main([*argv, "--reanalyse"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "validity_table.csv"), table)


def test_reanalyse_without_runs_exit_2(tmp_path, capsys):
    argv = ["study", "ffit-validity", "--config", str(tiny_config(tmp_path)), "--out",
            str(tmp_path / "empty"), "--reanalyse"]  # fmt: skip
    assert main(argv) == 2
    assert "run the study first" in capsys.readouterr().err


@pytest.mark.parametrize(
    "edit, message",
    [
        (('sampler = "lhs"', 'sampler = "grid"'), "study.sampler = 'grid' is not 'lhs' or 'sobol'"),
        (("[ranges]\n", '[ranges]\n"initiative.nonsense" = [0, 1]\n'), "initiative.nonsense"),
        (("n = 2000", "n = 0"), "study.n = 0 must be a whole number of at least 1"),
        (("[fixed]", "[fixd]"), "unknown field(s) fixd"),
    ],
)
def test_study_config_errors_exit_2(tmp_path, capsys, edit, message):
    config = tiny_config(tmp_path)
    config.write_text(config.read_text().replace(*edit, 1))
    assert main(["study", "ffit-validity", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_study_option_errors_exit_2(capsys):
    assert main(["study", "ffit-validity", "--n", "0"]) == 2
    assert "--n 0: must be at least 1" in capsys.readouterr().err


def test_study_missing_config_exit_2(tmp_path, capsys):
    assert main(["study", "ffit-validity", "--config", str(tmp_path / "none.toml")]) == 2
    assert "no such study configuration" in capsys.readouterr().err
