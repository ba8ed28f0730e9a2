"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import sys

from qisim.scenario import ScenarioError, flatten_overrides, parse_value


def parse_sets(items: list[str] | None) -> dict:
    """``["a.b=1", "c=x"]`` -> ``{"a.b": 1, "c": "x"}``; values parsed as TOML. An inline table
    (``initiative={co_design=0.9}``) sets its fields one by one; a path given twice (in any
    spelling) raises :class:`ScenarioError`."""
    out: dict = {}
    spelled: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise ScenarioError(
                f"--set {item!r}: expected PATH=VALUE, e.g. initiative.co_design=0.8"
            )
        key, value = item.split("=", 1)
        for path, v in flatten_overrides({key.strip(): parse_value(value.strip())}).items():
            if path in out:
                raise ScenarioError(
                    f"--set: '{path}' is given twice ({spelled[path]!r} and {item!r}); keep one."
                )
            out[path], spelled[path] = v, item
    return out


def add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="override a scenario field by dotted path, e.g. --set initiative.pdsa_rollout=0.8 "
        "or --set 'wards.*.vacancy=0.2' (repeatable; list elements by index, name or *; values "
        "are read as TOML, so text, numbers, true/false, [lists] and {tables} work; 'none' "
        "removes a setting, back to its default, e.g. --set initiative.rollout.launch_deadline=none)",
    )


class _OldJobs(argparse.Action):
    """``--jobs N``: the old name of ``--workers`` in ``qisim validate`` and ``qisim deviance``,
    accepted for one release with a note."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(
            f"qisim {parser.prog.split()[-1]}: --jobs is now --workers; --jobs goes in the next "
            "release.",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


def add_workers_option(
    parser: argparse.ArgumentParser, default: int | None = None, old_jobs: bool = False
) -> None:
    """``--workers N``, the worker processes of every command that runs many runs; ``old_jobs``
    also takes ``--jobs``, its old name (hidden, with a note on stderr)."""
    shown = "all cores" if default is None else str(default)
    parser.add_argument(
        "--workers",
        type=int,
        default=default,
        help=f"worker processes (default: {shown})"
        + ("; --jobs, its old name, still works in this release" if old_jobs else ""),
    )
    if old_jobs:
        parser.add_argument(
            "--jobs", type=int, dest="workers", action=_OldJobs, help=argparse.SUPPRESS
        )


def check_workers(workers: int | None) -> None:
    """A ``--workers`` value below 1 is refused."""
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers {workers}: give at least 1 worker process.")
