"""``replicate``: one seed scheme, the same rows on any number of workers, failures named; and
the one median-and-interval helper."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import qisim
from qisim.results import median_interval
from qisim.scenario import with_overrides
from qisim.sweep.design import replication_seed
from qisim.sweep.replicate import Arm, ReplicateError, replicate
from qisim.sweep.worker import FAULTS_ENV


@pytest.fixture(scope="module")
def arms():
    base = qisim.load_scenario("scenarios/example.toml")
    changed = with_overrides(base, {"initiative.co_design": 0.9})
    return [
        Arm(base, "base", days=150),
        Arm(changed, "co-design", {"cascade_fidelity": 0.9}, days=150),
    ]


def test_one_and_two_workers_give_identical_rows(arms):
    one = pd.DataFrame(replicate(arms, 3, seed=11, workers=1))
    two = pd.DataFrame(replicate(arms, 3, seed=11, workers=2))
    pd.testing.assert_frame_equal(one, two)
    assert one["outcome_events"].nunique() > 1, "runs that differ by seed"


def test_replication_r_runs_with_seed_plus_r_in_every_arm(arms):
    rows = replicate(arms, 3, seed=11, workers=1)
    assert [(r["arm"], r["replication"], r["seed"]) for r in rows] == [
        (k, r, 11 + r) for k in range(2) for r in range(3)
    ]
    # run r alone, as `qisim run FILE --seed <seed + r>` would
    alone = qisim.run(arms[0].scenario, seed=12, days=150).summary
    assert rows[1]["outcome_events"] == alone["outcome_events"]


def test_a_failing_run_is_named_after_the_others_finish(arms, monkeypatch):
    monkeypatch.setenv(FAULTS_ENV, "1:raise")
    done = []
    with pytest.raises(ReplicateError, match=r"1 of 4 runs failed.*replication 1, seed 4"):
        replicate(arms[:1], 4, seed=3, workers=2, progress=lambda n, total: done.append(n))
    assert done[-1] == 4


def test_seeds_stay_in_range():
    assert replication_seed(2**63 - 2, 1) == 2**63 - 1
    with pytest.raises(ValueError, match="smaller --seed"):
        replication_seed(2**63 - 1, 1)
    with pytest.raises(ValueError):
        replication_seed(-1, 0)


def test_median_interval():
    assert median_interval(range(101)) == pytest.approx((50.0, 5.0, 95.0))
    assert median_interval([1.0, None, float("nan"), 3.0]) == pytest.approx((2.0, 1.1, 2.9))
    assert all(math.isnan(x) for x in median_interval([None, float("nan")]))
    assert median_interval([0, 10], level=0.5) == pytest.approx((5.0, 2.5, 7.5))
    curves = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, np.nan]])
    med, lo, hi = median_interval(curves, axis=0)
    np.testing.assert_allclose(med, [2.0, 2.0])
    np.testing.assert_allclose(lo, [0.2, 1.1])
    with pytest.raises(ValueError):
        median_interval([1.0], level=90)
