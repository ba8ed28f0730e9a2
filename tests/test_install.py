"""A non-editable install, as a user outside the repository gets it: the wheel built from this
checkout (setup.py maps scenarios/, experiments/ and examples/ into it) installed into a fresh
venv in a temporary folder, then `qisim run example`, the app's lessons and `qisim init` used
from another temporary folder, so nothing of the checkout is on the path.

Kept fast: the venv reuses the test environment's installed dependencies (a .pth file naming
its site-packages) and pip installs only qisim itself (--no-deps)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # building and installing the wheel takes 8-13 s

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (
    "qisim",
    "scenarios",
    "experiments",
    "examples",
    "pyproject.toml",
    "setup.py",
    "README.md",
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("install")
    # a copy of the sources, so the build leaves nothing in the checkout
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(
                path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(path, src / name)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    # the test environment's dependencies, without its editable qisim (a .pth line adds the
    # folder to the path but does not run the .pth files inside it)
    Path(site, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    result = subprocess.run(
        [py, "-m", "pip", "install", "--no-deps", "-q", str(src)],
        capture_output=True, text=True, cwd=base,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    work = base / "user"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {"bin": env_dir / "bin", "py": py, "work": work, "env": env, "site": Path(site)}


def run(installed: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*args], capture_output=True, text=True, cwd=installed["work"], env=installed["env"]
    )


def test_installed_package_is_not_the_checkout(installed):
    r = run(installed, str(installed["py"]), "-c", "import qisim, qisim.resources as r; "
            "print(qisim.__file__); print(r.data_root())")  # fmt: skip
    assert r.returncode == 0, r.stderr
    where, root = r.stdout.split()
    assert Path(where).is_relative_to(installed["site"]) and not Path(where).is_relative_to(ROOT)
    assert Path(root) == installed["site"] / "qisim" / "_data"


def test_run_example_by_name(installed):
    r = run(installed, str(installed["bin"] / "qisim"), "run", "example", "--out", "ex",
            "--no-figure", "--days", "60")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "example (seed 0, 60 days" in r.stdout
    assert (installed["work"] / "ex" / "summary.json").is_file()


def test_app_finds_its_lessons(installed):
    code = (
        "from qisim.app.presets import LESSONS, SCENARIOS\n"
        "from qisim.app.model import lesson_scenario\n"
        "assert LESSONS and all(lesson.path.is_file() for lesson in LESSONS), SCENARIOS\n"
        "notes = [lesson_scenario(lesson.key)[1] for lesson in LESSONS]\n"
        "assert notes == [''] * len(LESSONS), notes\n"
        "print(SCENARIOS)"
    )
    r = run(installed, str(installed["py"]), "-c", code)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).is_relative_to(installed["site"])


def test_init_copies_a_starting_set_that_runs(installed):
    qisim = str(installed["bin"] / "qisim")
    r = run(installed, qisim, "init", "mine")
    assert r.returncode == 0, r.stderr
    mine = installed["work"] / "mine"
    for rel in ("scenarios/example.toml", "scenarios/trusts/premton.toml",
                "experiments/enhanced_care_rollout.toml", "examples/trust/wards.csv",
                "examples/trust/ffit_by_ward.csv"):  # fmt: skip
        assert (mine / rel).is_file(), rel
    # a case study with a base file: the relative path still holds in the copy
    r = run(installed, qisim, "run", "mine/scenarios/premton_handover_at_night.toml",
            "--days", "30", "--no-figure", "--out", "o2")  # fmt: skip
    assert r.returncode == 0, r.stderr
    again = run(installed, qisim, "init", "mine")
    assert again.returncode == 2 and "nothing was copied" in again.stderr
    assert "Traceback" not in again.stderr


def test_validation_finds_its_classes_contrasts_and_robustness_files(installed):
    r = run(installed, str(installed["bin"] / "qisim"), "validate", "--help")
    assert r.returncode == 0 and "case studies" in r.stdout, r.stderr
    code = (
        "import qisim.validation as v\n"
        "assert v.CLASSES_FILE.is_file() and v.CONTRASTS_FILE.is_file(), v.VALIDATION_DIR\n"
        "assert sorted(v.ROBUSTNESS_DIR.glob('*.toml')), v.ROBUSTNESS_DIR\n"
        "assert all((v.SCENARIO_DIR / c.file).is_file() for c in v.CASES), v.SCENARIO_DIR\n"
        "print(v.VALIDATION_DIR)"
    )
    r = run(installed, str(installed["py"]), "-c", code)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).is_relative_to(installed["site"])


def test_study_finds_its_configuration(installed):
    code = (
        "from qisim.cli.cmd_study import config_path\n"
        "path = config_path('ffit-validity', None)\n"
        "assert path.is_file(), path\n"
        "print(path)"
    )
    r = run(installed, str(installed["py"]), "-c", code)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()).is_relative_to(installed["site"])
