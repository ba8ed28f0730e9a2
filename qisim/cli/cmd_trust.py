"""``qisim trust from-csv``: your own trust from a ward spreadsheet and per-ward FFIT audits."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from qisim.scenario import ScenarioError

HELP = "your own trust: wards from a spreadsheet (CSV or Excel) and per-ward FFIT audits"
USAGE = """\
Build a scenario of your own trust from the spreadsheets you already keep:

  qisim trust from-csv --template wards.csv          a blank ward sheet (.csv or .xlsx)
  qisim trust from-csv wards.csv --audit-template ffit.csv
                                                     a blank FFIT audit, one column per ward
  qisim trust from-csv wards.csv --audit ffit.csv --out mytrust
                                                     mytrust/trust.toml (the scenario),
                                                     provenance.csv and a starter plan.toml
  qisim plan mytrust/plan.toml                       compare roll-outs; report.html

The ward sheet's columns, units and conversions: docs/plan.md ("Your own trust")."""


def register(sub) -> None:
    p = sub.add_parser(
        "trust", help=HELP, description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    trust_sub = p.add_subparsers(dest="trust_command", metavar="ACTION")
    f = trust_sub.add_parser(
        "from-csv",
        help="build a scenario from a ward sheet (CSV or Excel) and per-ward FFIT audits",
        description="Read one row per ward (columns: Ward, Site, Specialty, Beds, RN WTE, HCA "
        "WTE, Vacancy %, Sickness %, Bank/agency fill %, Turnover %, Falls per 1,000 "
        "bed-days, ...; only Ward, Beds, RN WTE and HCA WTE are required, the others take "
        "documented defaults) and any FFIT audits (one column per ward, or one file per ward "
        "named after it). Ward-level audit items set that ward's attributes, trust-level items "
        "the trust (mean of the wards' scores, rounded); a value measured in the ward sheet "
        "always wins over one inferred from an audit. Writes OUT/trust.toml (the scenario), "
        "OUT/provenance.csv (where every value came from) and OUT/plan.toml (a starter plan "
        "for `qisim plan`, unless one is there). A bad cell ends with one paragraph naming the "
        "ward, the column, the value and what is allowed (exit code 2).",
        epilog="example: qisim trust from-csv examples/trust/wards.csv "
        "--audit examples/trust/ffit_by_ward.csv --out mytrust",
    )
    f.add_argument("wards", nargs="?", help="ward sheet: .csv, or .xlsx (first sheet or --sheet)")
    f.add_argument("--audit", action="append", default=[], metavar="FILE",
                   help="FFIT audit: one column per ward (.csv/.xlsx), or one ward's audit "
                   "(.toml/.csv from `qisim ffit template`, its ward its `unit` or file name); "
                   "repeatable")  # fmt: skip
    f.add_argument("--sheet", help="sheet of the Excel workbook (default: the first)")
    f.add_argument("--name", help="the trust's name (default: from the sheet's file name)")
    f.add_argument("--outcome", default="falls",
                   choices=("falls", "pressure_sores", "night_emergency_calls", "discharge_delays"),
                   help="the outcome the initiative works on (default falls)")  # fmt: skip
    f.add_argument("--start-date", type=iso_date, metavar="YYYY-MM-DD",
                   help="day 0 of the plan, a first of the month (default: the first of next "
                   "month)")  # fmt: skip
    f.add_argument("--out", default="mytrust", help="output folder (default ./mytrust); one "
                   "that already holds a trust.toml is refused, to keep its hand edits, unless "
                   "--force")  # fmt: skip
    f.add_argument("--force", action="store_true",
                   help="overwrite OUT/trust.toml and OUT/provenance.csv if there (OUT/plan.toml "
                   "is never overwritten)")  # fmt: skip
    f.add_argument("--template", metavar="FILE",
                   help="write a blank ward sheet with every column and one example row "
                   "(.csv, or .xlsx with a second sheet describing the columns) and stop")  # fmt: skip
    f.add_argument("--audit-template", metavar="FILE",
                   help="write a blank FFIT audit with one column per ward of WARDS and stop")  # fmt: skip
    f.set_defaults(func=main_from_csv)
    p.set_defaults(func=main, trust_parser=p)


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def main(args) -> int:
    args.trust_parser.print_help()
    return 0


def first_of_next_month(today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    return dt.date(today.year + today.month // 12, today.month % 12 + 1, 1)


def main_from_csv(args) -> int:
    from qisim import trust_import as ti
    from qisim.paths import check_file, check_outputs, make_folder

    if args.template:
        path = ti.write_template(check_file(args.template, "--template"))
        print(f"wrote {path}: fill in one row per ward, then: qisim trust from-csv {path}")
        return 0
    if not args.wards:
        raise ScenarioError("qisim trust from-csv: give a ward sheet (or --template FILE).")
    if args.audit_template:
        check_file(args.audit_template, "--audit-template")
        sheet = ti.read_wards(args.wards, args.sheet)
        names = [w["name"] for w in sheet.wards]
        Path(args.audit_template).write_text(ti.audit_template(names))
        print(f"wrote {args.audit_template}: the 45 FFIT items, one score column (0-5) per ward "
              f"({len(names)} wards); then: qisim trust from-csv {args.wards} --audit "
              f"{args.audit_template}")  # fmt: skip
        return 0
    # a file where the folder (or one of its files) goes: refused before reading anything
    check_outputs(args.out, ("trust.toml", "provenance.csv", "plan.toml"))
    existing = Path(args.out) / "trust.toml"
    if existing.is_file() and not args.force:
        raise ScenarioError(
            f"--out {args.out}: {existing} is already there and may hold hand edits; nothing "
            "was written. Give another folder (--out), move that file away, or add --force to "
            "overwrite it (and provenance.csv beside it) from the ward sheet."
        )
    start = args.start_date or first_of_next_month()
    scenario, data, prov, notes = ti.build_scenario(
        args.wards, args.audit, args.name, args.outcome, args.sheet, start.month
    )
    out = make_folder(args.out)
    audits = ", ".join(args.audit) if args.audit else "none"
    header = [
        f"{scenario.trust.name}: a scenario built by `qisim trust from-csv` from",
        f"  wards:  {args.wards}",
        f"  audits: {audits}",
        "Where every value came from: provenance.csv beside this file. Edit freely: the",
        "initiative below is a starting point; every field is described in docs/ODD.md.",
    ]
    scenario_file = out / "trust.toml"
    scenario_file.write_text(ti.scenario_toml(data, header))
    prov_file = prov.to_csv(out / "provenance.csv")
    plan_file = out / "plan.toml"
    wrote = [scenario_file, prov_file]
    if not plan_file.exists():
        plan_file.write_text(ti.starter_plan(scenario, "trust.toml", start))
        wrote.append(plan_file)
    _print_summary(scenario, prov, notes, args.audit)
    print("wrote " + ", ".join(str(w) for w in wrote))
    print(f"next: qisim plan {plan_file}")
    return 0


def _print_summary(scenario, prov, notes: list[str], audits: list[str]) -> None:
    from qisim.scenario import ward_names

    names = ward_names(scenario)
    print(f"{scenario.trust.name}: {len(names)} wards ({', '.join(names)})")
    for note in notes:
        print(f"  note: {note}")
    if not audits:
        return
    rows = prov.rows
    print("\nWhat the FFIT audits set, by ward (every value: provenance.csv)")
    print(f"  {'ward':<24} {'set by audit':>12}  kept as measured in the ward sheet")
    for ward in names:
        mine = [r for r in rows if r["ward"] == ward]
        if any(r["source"] == "no audit" for r in mine):
            print(f"  {ward:<24} {'no audit':>12}")
            continue
        got = sum(r["source"].startswith("FFIT") for r in mine)
        kept = [
            f"{r['field']} {r['value']:g}" for r in mine if r["source"] == "ward sheet (measured)"
        ]
        print(f"  {ward:<24} {got:>12}  {', '.join(kept) or '-'}")
    trust_rows = [r for r in rows if r["ward"] == "(trust)" and r["source"].startswith("FFIT")]
    print(
        f"  {'trust, initiative, QI team':<24} {len(trust_rows):>12}  (mean of the wards' scores)"
    )
    not_set = [r for r in rows if r["ward"] == "(trust)" and "not modelled" in r["note"]]
    if not_set:
        print(
            "  not set (the model has no counterpart): "
            + ", ".join(r["field"].removeprefix("ffit.") for r in not_set)
        )
    sys.stdout.flush()
