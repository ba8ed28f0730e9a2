"""Where qisim's own files are: the example scenarios, trusts and lessons (``scenarios/``), the
experiments and plans (``experiments/``) and the planner's example trust (``examples/``).

In a checkout they are the top-level folders users of the repository know. A wheel carries copies
of them inside the package, under ``qisim/_data/`` (``setup.py`` maps them there at build time),
so a plain ``pip install qisim`` finds them too. Either way the folders keep their relative layout,
so the relative paths inside the files (``base = "trusts/upsworth.toml"``,
``scenario = "../scenarios/..."``) still hold.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from qisim.scenario import ScenarioError, close_names

FOLDERS = ("scenarios", "experiments", "examples")
PACKAGED = Path(__file__).resolve().parent / "_data"
CHECKOUT = Path(__file__).resolve().parent.parent


def data_root() -> Path:
    """The folder holding ``scenarios/``, ``experiments/`` and ``examples/``: the package's copy
    in an installed wheel, else the checkout this package runs from."""
    if (PACKAGED / "scenarios").is_dir():
        return PACKAGED
    return CHECKOUT


def data_dir(folder: str) -> Path:
    """``scenarios``, ``experiments`` or ``examples``, wherever this copy of qisim keeps it."""
    if folder not in FOLDERS:
        raise ValueError(f"unknown data folder {folder!r}; one of {', '.join(FOLDERS)}")
    return data_root() / folder


def scenario_names() -> dict[str, Path]:
    """Every shipped scenario by name (its file stem; lessons as ``lessons/<stem>`` too)."""
    root = data_dir("scenarios")
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*.toml")):
        if path.parent.name == "trusts":
            continue  # trusts are bases of scenarios, not runnable on their own
        if path.name.endswith(".lesson.toml"):
            continue  # the app's lessons (qisim.app.presets) point to scenarios, are none
        out.setdefault(path.stem, path)
        out[str(path.relative_to(root).with_suffix(""))] = path
    return out


def find_scenario(name: str | Path) -> Path:
    """A scenario file from a path, or a shipped scenario from its name (``example``,
    ``premton_handover_at_night``). Raises :class:`ScenarioError` naming the near misses."""
    path = Path(name)
    if path.exists() or path.suffix:
        return path  # a file (a missing one gets the loader's "no such file")
    known = scenario_names()
    if str(name) in known:
        return known[str(name)]
    close = close_names(str(name), known)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ScenarioError(
        f"{name}: no such scenario file, and no shipped scenario of that name.{hint} Shipped "
        f"scenarios: {', '.join(k for k in known if '/' not in k)}. `qisim init DIR` copies them "
        "into a folder you can edit."
    )


def init_folder(dest: str | Path) -> list[Path]:
    """Copy the shipped scenarios, experiments and examples into ``dest`` (made if absent) for
    a user to edit. Refuses to overwrite a file that is already there; returns the folders."""
    from qisim.paths import check_folder

    dest = Path(dest)
    for where in (dest, *(dest / f for f in FOLDERS)):  # a file there: refused before copying
        check_folder(where, "qisim init")
    root = data_root()
    clashes = [
        dest / f / p.relative_to(root / f)
        for f in FOLDERS
        for p in (root / f).rglob("*")
        if p.is_file() and (dest / f / p.relative_to(root / f)).exists()
    ]
    if clashes:
        raise ScenarioError(
            f"{dest}: already holds {len(clashes)} of the files qisim init would copy (e.g. "
            f"{clashes[0]}); nothing was copied. Choose an empty or new folder."
        )
    out = []
    for folder in FOLDERS:
        src = root / folder
        if not src.is_dir():
            continue
        for path in src.rglob("*"):
            rel = path.relative_to(src)
            if path.is_file() and path.suffix in (".toml", ".csv", ".xlsx", ".md"):
                target = dest / folder / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        out.append(dest / folder)
    return out
