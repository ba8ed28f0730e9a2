"""What a researcher takes from a sweep into a paper: readable labels with units, figures in
vector formats, a provenance record beside every analysis and a methods paragraph to paste.

Labels come from the experiment file (``label`` and ``unit`` on a parameter, ``[outcomes.NAME]``
for an outcome), stored in the sweep's manifest; without them, outcomes take the labels below and
parameters a shortened path (``wards.*.manager.enthusiasm`` -> "manager: enthusiasm").
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

from qisim.results import FINAL_WINDOW, LAUNCH_MONTHS
from qisim.scenario import ScenarioError

FORMATS = ("png", "svg", "pdf")

# built-in outcomes: (label, unit)
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "practice_rate": (f"practice, last {FINAL_WINDOW} days", "share"),
    "habit_rate": ("habit of target wards' staff at the end", "share"),
    "embedded_ward_fraction": ("target wards embedded at the end", "share"),
    "launched_ward_fraction": ("target wards launched at the end", "share"),
    "ward_spread": ("spread of habit between wards (sd)", "share"),
    "time_to_embed": ("time from launch to 80% of wards embedded", "days"),
    "first_launch_day": ("first launch", "day"),
    "days_after_launch": ("days observed after launch", "days"),
    "outcome_change": ("change in patient-outcome events, last 28 vs first 90 days", "ratio - 1"),
    "mean_fatigue": ("change fatigue, last 28 days", "0-1"),
    "initiative_load_days": ("initiative load", "ward-days"),
    **{f"practice_{m}m": (f"practice {m} months after launch", "share") for m in LAUNCH_MONTHS},
    **{
        f"embedded_{m}m": (f"target wards embedded {m} months after launch", "share")
        for m in LAUNCH_MONTHS
    },
}
SHARE_UNITS = ("share", "0-1", "proportion")

PARAMETER_PREFIXES = (
    ("constants.", ""),
    ("wards.*.manager.", "manager: "),
    ("wards.*.", "ward: "),
    ("qi_team.", "QI team: "),
    ("trust.executives.", "executives: "),
    ("trust.culture.", "culture: "),
    ("trust.", "trust: "),
    ("initiative.", "initiative: "),
)


def short_path(name: str) -> str:
    """A parameter path as a label: ``wards.*.manager.role_modelling`` -> ``manager: role
    modelling``."""
    for prefix, label in PARAMETER_PREFIXES:
        if name.startswith(prefix):
            name = label + name[len(prefix) :]
            break
    return name.replace("_", " ")


def label_of(name: str, labels: dict[str, dict[str, str]] | None = None) -> tuple[str, str]:
    """(label, unit) of a column: the experiment file's, else the built-in outcome's, else the
    shortened path and no unit."""
    given = (labels or {}).get(name, {})
    default = OUTCOME_LABELS.get(name, (short_path(name), ""))
    return given.get("label", default[0]), given.get("unit", default[1])


def axis_label(name: str, labels: dict[str, dict[str, str]] | None = None) -> str:
    """The axis or table heading "label (unit)"."""
    text, unit = label_of(name, labels)
    return f"{text} ({unit})" if unit else text


def is_share(name: str, labels: dict[str, dict[str, str]] | None = None) -> bool:
    """Whether an outcome is a share in [0, 1] (its unit says so)."""
    return label_of(name, labels)[1] in SHARE_UNITS


def parse_formats(text: str | None) -> tuple[str, ...]:
    """``--format png,svg`` as a tuple; raises ScenarioError on an unknown format."""
    if not text:
        return ("png",)
    out = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()))
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ScenarioError(
            f"--format {text!r}: {', '.join(bad) or 'nothing'} is not a figure format; give one "
            f"or more of {', '.join(FORMATS)}, comma-separated (e.g. png,pdf)."
        )
    return out


def save_figure(fig, path: Path, formats: tuple[str, ...] = ("png",), dpi: int = 130) -> list[Path]:
    """Save ``fig`` as ``path`` with each suffix in ``formats`` (png at ``dpi``; svg and pdf as
    vectors) and close it. Returns the files written."""
    import matplotlib.pyplot as plt

    out = []
    for fmt in formats:
        target = Path(path).with_suffix(f".{fmt}")
        fig.savefig(target, dpi=dpi if fmt == "png" else None)
        out.append(target)
    plt.close(fig)
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_provenance(
    path: Path,
    sweep: Path,
    manifest: dict[str, Any],
    outputs: list[Path],
    runs_used: int,
    settings: dict[str, Any] | None = None,
    arguments: Any = None,
) -> Path:
    """A JSON record beside an analysis: the process's command line and the command's parsed
    ``arguments`` (an argparse namespace: what the analysis actually used), when, qisim's version
    and git commit, the model fingerprint, Python and package versions, the sweep it read (folder,
    experiment hash, root seed, runs planned and used), the analysis's own settings (bootstrap
    seed, ...) and the SHA-256 of every file it wrote."""
    from qisim.sweep.storage import git_commit, model_fingerprint, now, package_versions

    parsed = {k: v for k, v in vars(arguments).items() if k != "func"} if arguments else {}
    record = {
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]],
        "arguments": parsed,
        "written": now(),
        "qisim_version": manifest.get("qisim_version"),
        "git": git_commit(),
        "model_fingerprint": model_fingerprint(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "sweep": {
            "folder": str(Path(sweep).resolve()),
            "experiment": manifest["experiment"]["name"],
            "experiment_sha256": manifest["experiment"]["sha256"],
            "model_fingerprint": manifest.get("model_fingerprint"),
            "git_commit": (manifest.get("git") or {}).get("commit"),
            "root_seed": manifest["root_seed"],
            "seeds": manifest.get("seeds"),
            "runs_planned": manifest["n_runs"],
            "runs_used": runs_used,
        },
        "settings": settings or {},
        "outputs": {p.name: _sha256(p) for p in outputs if Path(p).exists()},
    }
    path.write_text(json.dumps(record, indent=2, default=str) + "\n")
    return path


DESIGN_WORDS = {
    "grid": "a full factorial grid",
    "scenarios": "named scenarios",
    "lhs": "a Latin hypercube sample (scipy.stats.qmc)",
    "sobol": "Saltelli's extension of the Sobol sequence (SALib)",
    "morris": "Morris trajectories (SALib)",
}


def _listing(names: list[str], labels) -> str:
    return "; ".join(axis_label(n, labels) for n in names)


def methods_paragraph(
    manifest: dict[str, Any], runs_ok: int, runs_failed: int, extra: str = ""
) -> str:
    """A paragraph for a paper's methods section: model and version, scenario, design, factors,
    runs, seeds and common random numbers, and how the numbers were computed (``extra``: the
    analysis's own sentences). Every figure comes from the sweep's manifest."""
    d = manifest["design"]
    labels = manifest.get("labels", {})
    packages = manifest.get("packages", {})
    git = manifest.get("git") or {}
    commit = (git.get("commit") or "unknown")[:10] + (
        " (uncommitted changes)" if git.get("dirty") else ""
    )
    scenario = manifest["scenario"]
    u, lv = manifest["uncertainties"], manifest["levers"]
    rows_u, rows_l = manifest.get("uncertainty_rows", []), manifest.get("lever_rows", [])
    parts = [
        f"We simulated {scenario['name']} with qisim {manifest.get('qisim_version')} (git "
        f"{commit}; model fingerprint {str(manifest.get('model_fingerprint'))[:12]}), an "
        f"agent-based model of quality-improvement initiatives on hospital wards built on the "
        f"Health Foundation report 'Able to improve?', using Mesa {packages.get('mesa')} on "
        f"Python {manifest.get('python')}. Each run covered {scenario['days']} days."
    ]
    design = DESIGN_WORDS.get(d["kind"], d["kind"])
    if d["kind"] in ("lhs", "sobol", "morris"):
        design += f" with {d.get('samples')} " + (
            "base samples"
            if d["kind"] == "sobol"
            else "trajectories"
            if d["kind"] == "morris"
            else "points"
        )
    if u:
        parts.append(
            f"The uncertainties ({_listing(u, labels)}) were varied by {design}, giving "
            f"{manifest['n_points']} design points."
        )
    elif rows_u:
        parts.append(f"{len(rows_u)} named scenarios were compared ({', '.join(rows_u)}).")
    if lv:
        parts.append(
            f"The levers ({_listing(lv, labels)}) formed {manifest['n_levers']} combinations, each run at every point."
        )
    elif rows_l:
        parts.append(
            f"{len(rows_l)} named lever settings ({', '.join(rows_l)}) were each run at every point."
        )
    parts.append(
        f"Each combination was replicated {manifest['replications']} times: "
        f"{manifest['n_runs']} runs were planned, {runs_ok} finished and {runs_failed} failed. "
        f"Run seeds were root seed {manifest['root_seed']} + replication x points + point "
        "(each point, or Sobol/Morris block, its own seeds); the lever settings were not part "
        "of it, so they met the same random numbers (common random numbers)."
    )
    if extra:
        parts.append(extra)
    parts.append(
        "The experiment file, manifest and provenance records are in the sweep's folder; every "
        "run can be repeated alone with `qisim run --from-sweep DIR --run ID`."
    )
    return " ".join(parts)
