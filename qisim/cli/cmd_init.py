"""``qisim init DIR``: a folder of example scenarios, plans and an example trust to edit."""

from __future__ import annotations

HELP = "copy the example scenarios, experiments, plans and example trust into a folder to edit"


def register(sub) -> None:
    p = sub.add_parser(
        "init",
        help=HELP,
        description=HELP + ". DIR gets scenarios/ (the report's case studies, their trusts and "
        "the app's lessons), experiments/ (sweeps and roll-out plans) and examples/ (a trust "
        "not in the report: its ward spreadsheet and per-ward FFIT audits, for `qisim trust "
        "from-csv`). Relative paths between them keep working; nothing already in DIR is "
        "overwritten.",
        epilog="example: qisim init mytrust && qisim run mytrust/scenarios/example.toml",
    )
    p.add_argument("dir", help="folder to create or fill (files already there are never replaced)")
    p.set_defaults(func=main)


def main(args) -> int:
    from qisim.resources import init_folder

    folders = init_folder(args.dir)
    print(f"qisim init: copied the examples into {args.dir}:")
    for f in folders:
        n = sum(1 for p in f.rglob("*") if p.is_file())
        print(f"  {f}/  ({n} files)")
    print(f"Next: qisim run {args.dir}/scenarios/example.toml")
    return 0
