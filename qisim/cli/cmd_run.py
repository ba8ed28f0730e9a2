"""``qisim run``: one scenario, one seed; a summary, a daily table and a figure."""

from __future__ import annotations

import argparse
import json

from qisim.cli.common import add_set_option, parse_sets

HELP = "run one scenario once and write summary.json, daily.csv, wards.csv and practice.png"


def register(sub) -> None:
    p = sub.add_parser(
        "run",
        help=HELP,
        description=HELP
        + ". The daily table has one row per ward per day: the shares of target staff aware, "
        "understanding, owning and practising, the practice done, habit, staffing, initiative "
        "load, fatigue, patient-outcome events and whether the ward is live and embedded. "
        "summary.json also records the scheduled events as applied and the model fingerprint "
        "(a hash of the model's code).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "scenario",
        nargs="?",
        help="scenario TOML file, or the name of a shipped scenario (e.g. example, "
        "premton_handover_at_night; `qisim init DIR` copies them to edit)",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0); same seed, same run"
    )
    p.add_argument("--days", type=int, help="days to simulate (default: the scenario's `days`)")
    add_set_option(p)
    p.add_argument("--out", default="out", help="output folder (default ./out)")
    p.add_argument("--from-sweep", metavar="DIR", help="re-run one run of a sweep (with --run)")
    p.add_argument("--run", dest="run_id", metavar="ID", help="run id within --from-sweep DIR")
    p.add_argument("--no-figure", action="store_true", help="skip the figure")
    p.add_argument(
        "--focus",
        action="append",
        metavar="WARD",
        help="a ward (or ward group, or hospital) to draw thick and name in practice.png; "
        "repeat for more (default: the ward that stands out most from the others)",
    )
    p.set_defaults(func=main)


def main(args) -> int:
    import qisim
    from qisim.paths import check_folder, make_folder
    from qisim.scenario import ScenarioError
    from qisim.sweep.storage import model_fingerprint

    if args.days is not None and not 1 <= args.days <= 3650:
        raise ScenarioError(
            f"--days {args.days}: give a whole number of days from 1 to 3650 (10 years), or "
            "leave --days out to use the scenario's `days`."
        )
    check_folder(args.out)  # before the run: a file in the way is refused, untouched
    if args.from_sweep:
        try:
            from qisim.sweep import rerun_spec
        except ImportError:
            raise ScenarioError(
                "--from-sweep needs the sweep tools (pip install qisim[sweep])"
            ) from None
        scenario, seed, overrides, constants = rerun_spec(args.from_sweep, args.run_id)
        focus = focus_wards(scenario, args.focus)
        result = qisim.run(
            scenario, seed=seed, days=args.days, overrides=overrides, constants=constants
        )
    else:
        if not args.scenario:
            raise ScenarioError("qisim run: give a scenario file, or --from-sweep DIR --run ID.")
        if not 0 <= args.seed < 2**63:
            raise ScenarioError(f"--seed {args.seed}: give a whole number from 0 to 2**63 - 1.")
        from qisim.resources import find_scenario

        scenario = qisim.load_scenario(find_scenario(args.scenario), parse_sets(args.set))
        focus = focus_wards(scenario, args.focus)
        result = qisim.run(scenario, seed=args.seed, days=args.days)
    out = make_folder(args.out)
    s = result.summary
    # the scheduled events as applied, and what the lifecycle logged (a launch cut short by
    # its deadline); a day event on day d runs before day d's step and is logged on day d - 1
    events = [[int(d), note] for d, note in result.model.event_log]
    # which model made the run (a hash of its code): a results folder belongs to one model
    summary = {**s, "events": events, "model_fingerprint": model_fingerprint()}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    result.daily.to_csv(out / "daily.csv", index=False, float_format="%.4g")
    result.wards.to_csv(out / "wards.csv", index=False, float_format="%.4g")
    if not args.no_figure:
        from qisim.plots import plot_run

        plot_run(result, out / "practice.png", focus)
    tte = "never" if s["time_to_embed"] is None else f"{s['time_to_embed']} days after launch"
    name = result.model.qi_scenario.name
    print(
        f"{name} (seed {s['seed']}, {s['days']} days, {s['n_wards']} wards, {s['n_staff']} staff)\n"
        f"  status            {s['status']}  (lifecycle: "
        + " -> ".join(f"{st}@{d}" for d, st in s["stages"])
        + ")\n"
        f"  practice rate     {s['practice_rate']:.2f}  (share of the practice done, last 28 days)\n"
        f"  wards embedded    {s['embedded_ward_fraction']:.0%}  (spread between wards {s['ward_spread']:.2f})\n"
        f"  time to embed     {tte}\n"
        f"  outcome change    {s['outcome_change']:+.0%}  ({result.model.initiative.outcome}, last 28 days vs first 90)\n"
        + "".join(f"  event @{d:<12} {note}\n" for d, note in events)
        + f"  wrote             {out}/summary.json, daily.csv, wards.csv"
        + ("" if args.no_figure else ", practice.png")
    )
    return 0


def focus_wards(scenario, names: list[str] | None) -> list[str] | None:
    """The ward names ``--focus`` selects (ward, group or hospital names, as in a scenario's
    ``target_wards``); a name that matches no ward is refused, listing the names there are."""
    if not names:
        return None
    from qisim.scenario import ScenarioError
    from qisim.world import expand_wards, resolve_names

    wards = expand_wards(scenario)
    for name in names:
        if not resolve_names([name], wards).any():
            known = sorted({n for n, _, _ in wards} | {g for _, _, g in wards})
            raise ScenarioError(
                f"--focus {name!r}: no ward, ward group or hospital of that name in the scenario; "
                f"its wards and groups are: {', '.join(known)}."
            )
    mask = resolve_names(names, wards)
    return [n for (n, _, _), on in zip(wards, mask) if on]
