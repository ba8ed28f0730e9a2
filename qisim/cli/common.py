"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse

from qisim.scenario import ScenarioError, parse_value


def parse_sets(items: list[str] | None) -> dict:
    """``["a.b=1", "c=x"]`` -> ``{"a.b": 1, "c": "x"}``; values parsed as TOML."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ScenarioError(
                f"--set {item!r}: expected PATH=VALUE, e.g. initiative.co_design=0.8"
            )
        key, value = item.split("=", 1)
        out[key.strip()] = parse_value(value.strip())
    return out


def add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        metavar="PATH=VALUE",
        help="override a scenario field by dotted path, e.g. --set initiative.pdsa_rollout=0.8 "
        "or --set 'wards.*.vacancy=0.2' (repeatable; list elements by index, name or *)",
    )
