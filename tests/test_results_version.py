"""Every committed results folder was made by one model: the one the reference validation ran.

Each folder records the model it was made with, as ``model_fingerprint`` (a hash of the model's
code, :func:`qisim.sweep.storage.model_fingerprint`) in its manifest, summary or provenance JSON.
After a change to the model every folder is re-made at one commit (``make results``, which runs
``experiments/rerun_all.sh``); a folder left over from another model version fails here, named
with both fingerprints and the step that re-makes it. ``results/calibration*`` (made by ``qisim
calibrate`` at the model before calibration) and ``results/benchmarks`` (timings) are other
versions by definition and are not checked.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parent.parent / "results"
REFERENCE = "validation/provenance_cases.json"
NOT_CHECKED = ("calibration", "benchmarks")  # and anything named calibration* (its output text)
# top-level folder -> the step of experiments/rerun_all.sh that re-makes it (in validation/,
# the robustness sweeps and their analysis, robustness*, are the step "robustness")
STEPS = {
    "validation": "validation",
    "ffit": "ffit",
    "plan": "plans",
    "sweeps": "sweeps",
    "deviance": "deviance",
    "example": "example",
    "app": "app",
}
STEP_ORDER = ("validation", "robustness", "ffit", "plans", "sweeps", "deviance", "example", "app")
GROUPS = ("plan", "sweeps")  # one results folder per subfolder


def fingerprints(data, where: str = "") -> Iterator[tuple[str, str | None]]:
    """Every ``model_fingerprint`` in a JSON document, with where it is (``sessions[0]``, ...)."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = f"{where}.{key}" if where else key
            if key == "model_fingerprint":
                yield here, value
            else:
                yield from fingerprints(value, here)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from fingerprints(value, f"{where}[{i}]")


def results_folders() -> list[Path]:
    """The results folders: each top-level folder of results/, and each subfolder of plan/ and
    sweeps/ (a plan or a sweep each), except the ones not checked."""
    folders = []
    for top in sorted(p for p in RESULTS.iterdir() if p.is_dir()):
        if top.name.startswith(NOT_CHECKED):
            continue
        if top.name in GROUPS:
            folders += sorted(p for p in top.iterdir() if p.is_dir())
        else:
            folders.append(top)
    return folders


def step(folder: Path, file: str = "") -> str | None:
    """The step of experiments/rerun_all.sh that re-makes ``file`` (a path inside ``folder``)."""
    top = folder.relative_to(RESULTS).parts[0]
    return "robustness" if top == "validation" and file.startswith("robustness") else STEPS.get(top)


def remake(steps: set[str | None]) -> str:
    named = [s for s in STEP_ORDER if s in steps]
    return "`make results`" + (
        f" (or `experiments/rerun_all.sh {' '.join(named)}`)" if named else ""
    )


def reference() -> str:
    return json.loads((RESULTS / REFERENCE).read_text())["model_fingerprint"]


def problems() -> list[str]:
    """One paragraph per results folder that records no model fingerprint or another one than
    the reference validation's."""
    ref = reference()
    out = []
    for folder in results_folders():
        name = folder.relative_to(RESULTS.parent).as_posix()
        found = [
            (path.relative_to(folder).as_posix() + ":" + key, value)
            for path in sorted(folder.rglob("*.json"))
            for key, value in fingerprints(json.loads(path.read_text()))
        ]
        if not found:
            out.append(
                f"{name} records no model fingerprint, so which model made it is unknown "
                f"(reference: {ref[:16]} in results/{REFERENCE}); re-make it with "
                f"{remake({step(folder)})}."
            )
        others = sorted({value for _, value in found if value != ref}, key=str)
        for value in others:
            where = [w for w, v in found if v == value]
            how = remake({step(folder, w) for w in where})
            out.append(
                f"{name} was made by another model version: fingerprint {str(value)[:16]} (in "
                f"{', '.join(where[:3])}{', ...' if len(where) > 3 else ''}), not {ref[:16]} as in "
                f"results/{REFERENCE}; re-make it with {how}."
            )
    return out


def test_every_results_folder_was_made_by_the_reference_model():
    found = problems()
    assert not found, "\n".join(found)


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


@pytest.fixture
def results(tmp_path, monkeypatch) -> Path:
    """A small results tree, all of one model ("a" * 64), as the test's results root."""
    root = tmp_path / "results"
    same = "a" * 64
    write_json(root / REFERENCE, {"kind": "cases", "model_fingerprint": same})
    write_json(
        root / "sweeps/one/manifest.json",
        {"model_fingerprint": same, "sessions": [{"model_fingerprint": same}]},
    )
    write_json(root / "plan/p/manifest.json", {"model_fingerprint": same})
    write_json(root / "example/summary.json", {"habit_rate": 0.5, "model_fingerprint": same})
    write_json(root / "calibration/manifest.json", {"model_fingerprint": "c" * 64})  # not checked
    (root / "calibration_output.txt").write_text("...")
    write_json(root / "benchmarks/bench_run.json", {"model_fingerprint": "d" * 64})  # not checked
    monkeypatch.setattr(sys.modules[__name__], "RESULTS", root)
    return root


def test_one_model_throughout_passes(results):
    assert problems() == []


def test_a_folder_made_by_another_model_is_named_with_both_fingerprints(results):
    write_json(
        results / "sweeps/one/manifest.json",
        {"model_fingerprint": "a" * 64, "sessions": [{"model_fingerprint": "b" * 64}]},
    )
    (found,) = problems()
    assert found.startswith("results/sweeps/one was made by another model version")
    assert "b" * 16 in found and "a" * 16 in found and "manifest.json:sessions[0]" in found
    assert "`make results` (or `experiments/rerun_all.sh sweeps`)" in found


def test_a_folder_that_records_no_model_is_named(results):
    (results / "deviance").mkdir()
    (results / "deviance/report.txt").write_text("Positive deviance: ...")
    (found,) = problems()
    assert found.startswith("results/deviance records no model fingerprint")
    assert "experiments/rerun_all.sh deviance" in found


def test_an_old_robustness_sweep_names_its_own_step(results):
    write_json(
        results / "validation/robustness/case/manifest.json", {"model_fingerprint": "b" * 64}
    )
    (found,) = problems()
    assert found.startswith("results/validation was made by another model version")
    assert "robustness/case/manifest.json:model_fingerprint" in found
    assert "(or `experiments/rerun_all.sh robustness`)" in found
