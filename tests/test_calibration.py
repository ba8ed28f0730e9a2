"""The declared calibration: its file is checked, its search space follows the screening rule,
its objective is 1 exactly when everything passes, a fold never sees its held-out case, and the
command runs end to end, resumes and refuses to mix calibrations."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qisim import calibration as cal
from qisim import validation as v
from qisim.constants import DEFAULT_CONSTANTS
from tests.conftest import ROOT

SPEC = ROOT / "experiments" / "calibration" / "calibration.toml"
CONTRASTS = v.load_contrasts()


def _cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "qisim", "calibrate", *args],
        capture_output=True, text=True, cwd=cwd, timeout=600,
    )  # fmt: skip


def test_the_shipped_spec_follows_its_screening_rule():
    spec = cal.load_spec(SPEC)
    assert list(spec.constants) == cal.screened_constants(spec.screening, 0.3)
    assert spec.weights["cases"] > spec.weights["contrasts"] > spec.weights["patterns"]
    for name, lo, hi in zip(spec.constants, spec.lower, spec.upper, strict=True):
        default = getattr(DEFAULT_CONSTANTS, name)
        assert lo < hi
        assert lo >= 0.5 * default - 1e-12 and hi <= 1.5 * default + 1e-12


def test_design_is_seeded_within_bounds_and_starts_at_the_defaults():
    spec = cal.load_spec(SPEC)
    a, b = cal.design(spec), cal.design(spec)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == spec.samples + 1
    for name in spec.constants:
        assert a.loc[0, name] == getattr(DEFAULT_CONSTANTS, name)
    inner = a.iloc[1:].to_numpy()
    assert (inner >= spec.lower).all() and (inner <= spec.upper).all()
    # a Latin hypercube: each constant's samples fall one per stratum
    u = (inner - spec.lower) / (spec.upper - spec.lower)
    strata = np.floor(u * spec.samples).astype(int)
    for j in range(u.shape[1]):
        assert sorted(strata[:, j]) == list(range(spec.samples))


def _table(exp, con, share, effect):
    """A one-point judged table with every case at (exp, con), every contrast's effect at
    ``effect`` times its min_effect in the expected direction with right-sign share ``share``,
    every pattern holding in ``share`` of runs."""
    row = {}
    for c in v.CASES:
        row[f"case.{c.name}.expected"] = exp
        row[f"case.{c.name}.contradicting"] = con
        row[f"case.{c.name}.pass"] = exp >= 0.8 and con <= 0.1
    for c in CONTRASTS.contrasts:
        sign = 1 if c.direction == "higher" else -1
        row[f"contrast.{c.name}.effect"] = sign * effect * c.min_effect
        row[f"contrast.{c.name}.share"] = share
        row[f"contrast.{c.name}.holds"] = share >= 0.8 and effect >= 1
    for i in range(len(v.PATTERNS)):
        row[f"pattern.{i}.share"] = share
        row[f"pattern.{i}.pass"] = share >= 0.8
    return pd.DataFrame([row])


@settings(max_examples=60, deadline=None)
@given(exp=st.floats(0, 1), con=st.floats(0, 1), share=st.floats(0, 1), effect=st.floats(-2, 3))
def test_objective_is_in_0_1_and_1_exactly_when_everything_passes(exp, con, share, effect):
    con = min(con, 1 - exp)
    table = _table(exp, con, share, effect)
    j = float(cal.objective(table, {"cases": 0.6, "contrasts": 0.3, "patterns": 0.1}, CONTRASTS)[0])
    assert 0 <= j <= 1 + 1e-12
    everything = exp >= 0.8 and con <= 0.1 and share >= 0.8 and effect >= 1
    assert (j >= 1 - 1e-12) == everything


def test_objective_rises_with_the_expected_share():
    w = {"cases": 1.0, "contrasts": 0.0, "patterns": 0.0}
    js = [float(cal.objective(_table(e, 0.0, 0, 0), w, CONTRASTS)[0]) for e in (0, 0.3, 0.6, 0.8)]
    assert js == sorted(js) and js[0] == 0 and js[-1] == 1


def test_a_fold_does_not_see_its_held_out_case():
    """Only the held-out case fails; the fold's objective is 1 while the full one is not."""
    table = _table(1.0, 0.0, 1.0, 2.0)
    held = v.CASES[2]
    table[f"case.{held.name}.expected"] = 0.0
    for c in CONTRASTS.contrasts:
        if c.file == held.file:
            table[f"contrast.{c.name}.share"] = 0.0
    for i, p in enumerate(v.PATTERNS):
        if p.case == held.file:
            table[f"pattern.{i}.share"] = 0.0
    w = {"cases": 0.6, "contrasts": 0.3, "patterns": 0.1}
    assert float(cal.objective(table, w, CONTRASTS)[0]) < 0.95
    assert float(cal.objective(table, w, CONTRASTS, leave_out=held.name)[0]) == pytest.approx(1)
    with pytest.raises(ValueError):
        cal.objective(table, w, CONTRASTS, leave_out="no such case")


def _small_spec(tmp_path, **change):
    text = SPEC.read_text()
    for key, value in {"samples": 1, "reps": 1, "refine_top": 1, "refine_reps": 1,
                       "loco_reps": 1, "batch": 1, **change}.items():  # fmt: skip
        text = "\n".join(
            f"{key} = {value}" if line.startswith(f"{key} =") else line
            for line in text.splitlines()
        )
    text = text.replace('"screening_indices.csv"', f'"{SPEC.parent}/screening_indices.csv"')
    path = tmp_path / "small.toml"
    path.write_text(text + "\n")
    return path


@pytest.mark.slow
def test_calibrate_runs_end_to_end_resumes_and_refuses_another_spec(tmp_path):
    spec = _small_spec(tmp_path)
    out = tmp_path / "out"
    first = _cli(str(spec), "--out", str(out), "--workers", "1")
    assert first.returncode == 0, first.stderr
    chosen = json.loads((out / "calibrated.json").read_text())
    assert set(chosen["constants"]) == set(cal.load_spec(spec).constants)
    assert len(pd.read_csv(out / "loco.csv")) == 6
    assert set(pd.read_csv(out / "sensitivity.csv")["objective"]) >= {"declared", "cases_only"}
    stage1 = pd.read_csv(out / "stage1.csv", index_col="point")
    assert list(stage1.index) == [0, 1]
    # run again: everything is read back, nothing run, the same choice
    again = _cli(str(spec), "--out", str(out), "--workers", "1")
    assert again.returncode == 0, again.stderr
    assert "stage1:" not in again.stdout
    assert json.loads((out / "calibrated.json").read_text()) == chosen
    # a folder holding another calibration is refused, with one paragraph
    other = _small_spec(tmp_path, seed=7)
    shutil.copy(other, tmp_path / "other.toml")
    refused = _cli(str(tmp_path / "other.toml"), "--out", str(out), "--workers", "1")
    assert refused.returncode == 2
    assert "another calibration file" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    "change, says",
    [
        (("samples = 200", "samples = 0"), "'samples' = 0"),
        (('"visits_per_member_week",', '"visits_per_member_week", "no_such"'), "no_such"),
        (('"audit_feedback", ', ""), "exactly the constants the screening rule gives"),
        (("relative = [0.5, 1.5]", "relative = [1.5, 0.5]"), "'relative'"),
        (("reps = 4", "reps = 'four'"), "'reps'"),
        (("[weights]", "[weight]"), "'weight' is not a field"),
        (("samples = 200", "sample = 200"), "'sample' is not a field"),
        (
            (
                "[alternatives.equal]\ncases = 1.0\ncontrasts = 1.0\npatterns = 1.0",
                "[alternatives.equal]\ncases = 0\ncontrasts = 0\npatterns = 0",
            ),
            "'alternatives.equal' must not all be 0",
        ),
        (("screening_threshold = 0.3", "screening_threshold = 9"), "no constant reaches"),
        (("relative = [0.5, 1.5]", "relative = [0.5, 1.5, 2]"), "[0.5, 1.5, 2]"),
    ],
)
def test_a_bad_calibration_file_is_one_paragraph_and_exit_2(tmp_path, change, says):
    text = SPEC.read_text().replace(
        '"screening_indices.csv"', f'"{SPEC.parent}/screening_indices.csv"'
    )
    assert change[0] in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(change[0], change[1], 1))
    r = _cli(str(path), "--out", str(tmp_path / "o"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert says in r.stderr and str(path) in r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("\n") <= 2


def test_a_missing_calibration_file_is_exit_2(tmp_path):
    r = _cli(str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and "no such calibration file" in r.stderr


def test_the_defaults_are_the_calibrated_point_rounded():
    """qisim/constants.py holds the committed calibration's chosen constants (4 significant
    figures) and lists them in CALIBRATED; the rest are the hand-set values."""
    from qisim.constants import CALIBRATED

    chosen = json.loads((ROOT / "results/calibration/calibrated.json").read_text())
    assert set(CALIBRATED) == set(chosen["constants"]) == set(cal.load_spec(SPEC).constants)
    for name, value in chosen["constants"].items():
        assert getattr(DEFAULT_CONSTANTS, name) == float(f"{value:.4g}"), name


def test_docs_calibration_tables_are_the_committed_calibration():
    """docs/calibration.md's tables are made from results/calibration/ (refresh them with
    `python -m qisim.calibration results/calibration docs/calibration.md`)."""
    text = (ROOT / "docs/calibration.md").read_text()
    for name, block in cal.doc_blocks(ROOT / "results/calibration", cal.load_spec(SPEC)).items():
        inside = text.split(f"<!-- {name}:start -->\n", 1)[1].split(f"<!-- {name}:end -->", 1)[0]
        assert inside == block, f"docs/calibration.md's {name} table is stale"
