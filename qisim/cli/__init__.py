"""The ``qisim`` command. Each subcommand lives in its own module here and registers itself.

A bad input file (scenario, experiment, audit, plan) ends with a one-paragraph message naming the
file, the field and what is allowed, and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from qisim import __version__
from qisim.scenario import ScenarioError

# subcommand modules, in the order --help lists them; a module that is absent is skipped
COMMANDS = (
    "init",
    "run",
    "validate",
    "calibrate",
    "compare",
    "ffit",
    "trust",
    "plan",
    "sweep",
    "analyse",
    "sensitivity",
    "discover",
    "study",
    "deviance",
    "app",
    "constants",
)

DESCRIPTION = """\
qisim simulates quality-improvement (QI) initiatives on hospital wards: staff, ward managers, QI
teams and executives with SOFFT skills, under staffing shortages and competing initiatives
(after Gabbay, le May & Wright, "Able to improve?", The Health Foundation).

Start with:  qisim run example     (a shipped scenario, by name)
             qisim init mydir      (copies the examples into a folder to edit)
Scenario files are TOML; every field is described in docs/ODD.md."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qisim",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qisim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"qisim.cli.cmd_{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"qisim.cli.cmd_{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except (FileExistsError, NotADirectoryError, IsADirectoryError, PermissionError) as exc:
        # an output path that cannot be written: one paragraph, not a traceback
        print(
            f"error: cannot write {exc.filename}: {exc.strerror}. Give another output path "
            "(--out); nothing there was changed.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
