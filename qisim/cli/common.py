"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse

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
