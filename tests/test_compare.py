"""`qisim compare`: FFIT radars beside simulated outcomes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import qisim
from qisim.cli import main
from qisim.ffit.compare import compare, launch_profile_of
from qisim.model import QIModel

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "scenarios" / "example.toml"


def test_compare_table(example):
    weak = qisim.with_overrides(example, {"qi_team.size": 1, "wards.*.vacancy": 0.3})
    table, sections, profiles = compare(
        [example, weak], ["strong", "weak"], reps=3, days=200, workers=1
    )
    assert list(table["scenario"]) == ["strong", "weak"]
    assert (table["embedded_lo"] <= table["embedded_median"]).all()
    assert (table["embedded_median"] <= table["embedded_hi"]).all()
    share_cols = [c for c in table if c.startswith("share_")]
    assert table[share_cols].sum(axis=1).tolist() == pytest.approx([1, 1])
    assert sections[1]["resourcing"] < sections[0]["resourcing"]
    assert profiles[0] == qisim.ffit.model_profile(QIModel(example))
    assert launch_profile_of(weak)["resourcing_07"] == pytest.approx(5 / 3)


def test_compare_command(tmp_path, capsys):
    variant = tmp_path / "variant.toml"
    variant.write_text(f'base = "{EXAMPLE}"\nname = "short-staffed"\n[qi_team]\nsize = 1\n')
    out = tmp_path / "cmp"
    argv = ["compare", str(EXAMPLE), str(variant), "--reps", "2", "--days", "120",
            "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "example" in text and "short-staffed" in text and "embedded: median (90%)" in text
    table = pd.read_csv(out / "compare.csv")
    assert list(table["scenario"]) == ["example", "short-staffed"]
    assert {"ffit_total", "ffit_staff", "embedded_median", "embedded_lo", "embedded_hi"} <= set(
        table
    )
    assert (out / "compare.png").stat().st_size > 10_000


def test_compare_repeated_names_use_file_names(tmp_path, capsys):
    copy = tmp_path / "copy.toml"
    copy.write_text(f'base = "{EXAMPLE}"\n')
    argv = ["compare", str(EXAMPLE), str(copy), "--reps", "1", "--days", "30", "--workers", "1",
            "--out", str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    assert list(pd.read_csv(tmp_path / "compare.csv")["scenario"]) == ["example", "copy"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", "nowhere.toml"], "no such file"),
        (["compare", str(EXAMPLE), "--reps", "0"], "--reps 0"),
    ],
)
def test_compare_errors_exit_2(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
