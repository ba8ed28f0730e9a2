"""``qisim constants``: list the mechanism constants with their meaning, range and source."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser(
        "constants",
        help="list the mechanism constants (one set for every scenario) with range and source",
    )
    p.set_defaults(func=main)


def main(args) -> int:
    from qisim.constants import constant_table

    for row in constant_table():
        print(
            f"{row['name']:24s} {row['default']:<7g} [{row['min']:g}, {row['max']:g}]  {row['meaning']}"
        )
        print(f"{'':24s} source: {row['source']}")
    return 0
