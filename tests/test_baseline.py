"""A pinned baseline (issue 15): a few short runs must give the results committed in
tests/baseline.json, so that no change moves the model's results unnoticed.

Four scenarios (the example and three case studies) for 365 days, seeds 0 and 1; for each, every
field of the run summary and a digest of the daily trust table (tests/baseline.py says which
numbers). Numbers must agree to a relative 1e-9, not exactly: the same code on another platform
(another libm or numpy build) can differ in a float's last bits. Should such a difference tip a
decision the other way (a draw against a probability), the runs part for real; the failure
message says whether the model's code or only the packages and platform differ from the
recording.

A meant change regenerates the file deliberately, and commits it with the change::

    make baseline          # = .venv/bin/python -m tests.baseline --update
"""

from __future__ import annotations

import copy

import pytest

from tests import baseline

PINNED = baseline.load()


@pytest.mark.parametrize("key", baseline.run_keys())
def test_run_matches_baseline(key):
    pinned = PINNED["runs"].get(key)
    assert pinned is not None, f"{key} is not in tests/baseline.json: run {baseline.REGENERATE}"
    now = baseline.record_run(key)
    if found := baseline.run_changes(pinned, now):
        message = baseline.explain(key, found, pinned, now)
        pytest.fail(f"{message}\n{baseline.hint(PINNED['provenance'])}", pytrace=False)


def test_pinned_runs_are_the_runs_defined():
    assert sorted(PINNED["runs"]) == sorted(baseline.run_keys()), (
        f"tests/baseline.json pins other runs than tests/baseline.py defines: {baseline.REGENERATE}"
    )


def test_comparison_tolerates_last_bits_and_reports_real_changes():
    pinned = PINNED["runs"][baseline.run_keys()[0]]
    now = copy.deepcopy(pinned)
    practice = pinned["summary"]["practice_rate"]
    now["summary"]["practice_rate"] = practice * (1 + 1e-12)  # another libm's last bits
    assert baseline.run_changes(pinned, now) == []

    now["summary"]["practice_rate"] = practice * (1 + 1e-6)
    now["summary"]["status"] = "something else"
    now["trust"]["stage"] = now["trust"]["stage"][:1]
    del now["summary"]["momentum"]
    found = {c.where: c for c in baseline.run_changes(pinned, now)}
    assert set(found) == {
        "summary.practice_rate",
        "summary.status",
        "summary.momentum",
        "trust.stage",
    }
    assert "+1e-06 relative" in str(found["summary.practice_rate"])
    assert "(absent)" in str(found["summary.momentum"])
