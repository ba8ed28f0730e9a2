"""Paths qisim writes to and commands it prints for the user to paste.

An output option (``--out``, ``--csv``) that names an existing file where a folder is wanted (or a
folder where a file is wanted) is refused before any work, with one paragraph, and the file is
left as it is. Commands printed as advice ("finish with", "next:") are quoted for the shell.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qisim.scenario import ScenarioError


def shell_command(*words: Any) -> str:
    """A command line to print for the user to paste: each word quoted for a POSIX shell, so a
    path with spaces, brackets or quotes survives the paste (``qisim analyse 'out/my sweep'``)."""
    return " ".join(shlex.quote(str(w)) for w in words)


def check_folder(path: str | Path, option: str = "--out") -> Path:
    """``path`` as an output folder: it, or the first of its parents that exists, must be a
    folder. Raises :class:`ScenarioError` naming the file in the way otherwise; creates nothing."""
    out = Path(path)
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p == out else f"goes through {p}, which is a file"
                raise ScenarioError(
                    f"{option} {out}: {what}, not a folder. Give a new or existing folder for "
                    "the outputs; the file was left as it is."
                )
            break
    return out


def make_folder(path: str | Path, option: str = "--out") -> Path:
    """:func:`check_folder`, then create the folder (and its parents)."""
    out = check_folder(path, option)
    out.mkdir(parents=True, exist_ok=True)
    return out


def check_file(path: str | Path, option: str = "--out") -> Path:
    """``path`` as an output file: not a folder, and its folder (:func:`check_folder`) usable.
    Raises :class:`ScenarioError` otherwise; creates nothing."""
    out = Path(path)
    if out.is_dir():
        raise ScenarioError(
            f"{option} {out}: is a folder; give a file name (e.g. {out / 'out.png'})."
        )
    check_folder(out.parent, option)
    return out


def check_outputs(folder: str | Path, names: Iterable[str], option: str = "--out") -> Path:
    """:func:`check_folder` for ``folder``, and none of the files a command writes there
    (``names``, e.g. ``report.html``) may be a folder already. Raises :class:`ScenarioError`
    before any work otherwise; creates nothing."""
    out = check_folder(folder, option)
    for name in names:
        if (out / name).is_dir():
            raise ScenarioError(
                f"{option} {out}: {out / name} is a folder, where this command writes its file "
                f"{name}. Move that folder away or give another folder; nothing was written."
            )
    return out
