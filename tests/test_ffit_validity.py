"""The FFIT validity study's pieces: sampling, diagnosis, statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qisim
from qisim.ffit import validity as v

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "experiments" / "ffit_validity.toml"


@pytest.fixture(scope="module")
def cfg():
    return v.load_config(CONFIG, n=8, days=60, workers=1)


def test_the_study_meets_the_issue(cfg):
    full = v.load_config(CONFIG)
    assert full.n >= 2000 and full.sampler in ("lhs", "sobol") and full.workers == 2
    prefixes = {k.split(".")[0] for k in full.ranges}
    assert {"trust", "wards", "initiative", "qi_team"} <= prefixes


def test_decode_respects_ranges_and_kinds(cfg):
    u = v.unit_sample(200, len(cfg.ranges), "lhs", 1)
    rows = v.decode(cfg, u)
    col = [r["initiative.rollout.wave_interval"] for r in rows]
    assert (
        all(isinstance(x, int) and 30 <= x <= 120 for x in col) and min(col) < 40 and max(col) > 110
    )
    vac = [r["wards.0.vacancy"] for r in rows]
    assert all(0 <= x <= 0.35 for x in vac)
    assert {r["initiative.origin"] for r in rows} == {"home_grown", "imported", "top_down"}
    assert {r["trust.initiative_log_review"] for r in rows} == {True, False}
    assert len({len(r["initiative.target_roles"]) for r in rows}) == 2
    # Latin hypercube: each tenth of a range holds a tenth of the sample
    counts = np.histogram(u[:, 0], bins=10, range=(0, 1))[0]
    assert (counts == 20).all()


def test_sobol_sampler(cfg):
    u = v.unit_sample(64, 5, "sobol", 3)
    assert u.shape == (64, 5) and (0 <= u).all() and (u < 1).all()


def test_auc_and_spearman():
    x = np.arange(100, dtype=float)
    assert v.auc(x, x >= 50) == 1.0 and v.auc(-x, x >= 50) == 0.0
    assert v.auc(np.ones(100), x >= 50) == 0.5
    rho, lo, hi = v.spearman(x, x**3)
    assert rho == pytest.approx(1.0) and lo <= rho <= hi
    rng = np.random.default_rng(0)
    rho, lo, hi = v.spearman(rng.random(2000), rng.random(2000))
    assert lo < 0 < hi and abs(rho) < 0.06
    assert np.isnan(v.spearman(np.ones(10), x[:10])[0])


def test_diagnose_reads_a_finished_run(example):
    understaffed = qisim.run(example, seed=1, days=300, overrides={"qi_team.size": 1})
    full = qisim.run(example, seed=1, days=300)
    d_under, d_full = v.diagnose(understaffed.model), v.diagnose(full.model)
    assert set(d_full) == set(v.FACTORS) | {"momentum", "ownership"}
    assert d_under["qi_team"] == pytest.approx(1 / 3) and d_full["qi_team"] == 1
    assert np.isnan(d_full["tribes"])  # no doctors among the targets
    for key in ("design", "qi_team", "reach", "clarity", "culture", "fatigue", "staffing", "fit"):
        assert np.isnan(d_full[key]) or 0 <= d_full[key] <= 1, key
    assert d_full["origin"] > 0 and d_full["managers"] >= 1


def test_why_failed_names_the_relatively_lowest_factor():
    runs = pd.DataFrame({f"factor_{k}": [0.5, 0.5, 0.5, 0.5] for k in v.FACTORS})
    runs["factor_design"] = 1.0
    runs.loc[0, "factor_staffing"] = 0.1
    runs.loc[1, "factor_design"] = 0.4
    runs.loc[2, "factor_fatigue"] = 0.0
    runs["failed"] = [True, True, False, True]
    why = v.why_failed(runs)
    assert list(why[:3]) == ["staffing", "design", ""]


def test_study_run_and_tables(cfg, tmp_path):
    cfg.out = tmp_path
    runs = v.run_study(cfg, progress=False)
    assert len(runs) == 8 and runs["ffit_total"].between(0, 225).all()
    assert (runs["why"] != "").sum() == runs["failed"].sum()
    # the sampled attributes are in the table, and the profile reflects them
    sizes = runs["input_qi_team.size"].to_numpy()
    assert np.allclose(runs["item_resourcing_07"], sizes)
    table = v.predictor_table(runs)
    assert list(table["predictor"][:2]) == ["total", "staff"]
    failures = v.failure_table(runs, 0.75)
    assert failures["all_failures"].sum() == runs["failed"].sum()
    paths = v.write_results(runs, cfg)
    assert "Spearman's rho of the FFIT total" in paths["note"].read_text()


def test_study_is_reproducible(cfg):
    small = v.load_config(CONFIG, n=2, days=40, workers=1)
    a, b = v.run_study(small, progress=False), v.run_study(small, progress=False)
    assert len(a) == 2 and a["cpu_seconds"].gt(0).all()  # two runs were done, not none
    # everything but the CPU time each run took
    pd.testing.assert_frame_equal(a.drop(columns="cpu_seconds"), b.drop(columns="cpu_seconds"))
