"""``qisim app``: the teaching app in a browser (Mesa SolaraViz), on this machine only."""

from __future__ import annotations

import sys
import threading

HELP = "open the teaching app: watch wards take up a change, and change one thing to see why"


def register(sub) -> None:
    p = sub.add_parser(
        "app",
        help=HELP,
        description=HELP
        + ". Serves a web page on 127.0.0.1 (this machine only) with four preset lessons from the "
        "report (a positive deviant at Upsworth, Handover at night, Nurse-led discharge, "
        "Enhanced care), or your own scenario. Needs the app extra: pip install 'qisim[app]'.",
        epilog="example: qisim app   (then open http://127.0.0.1:8765/ in a browser)",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        help="a scenario TOML file, or a shipped scenario's name, to open (default: the lessons)",
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=main)


def main(args) -> int:
    from qisim.scenario import ScenarioError, load_scenario

    scenario = None
    if args.scenario:
        from qisim.resources import find_scenario

        scenario = find_scenario(args.scenario)
        load_scenario(scenario)  # a bad file fails here, with the usual message
    try:
        from qisim.app import server
    except ImportError as exc:
        raise ScenarioError(
            f"qisim app needs the app extra ({exc}): pip install 'qisim[app]'."
        ) from None
    server.configure(scenario)  # before solara is imported: it reads its settings once
    missing = server.missing_assets()
    if missing:
        print(
            "warning: the page's front-end files are not installed locally ("
            + ", ".join(missing)
            + "); without internet the page will stay blank. Install them with: "
            "pip install 'qisim[app]' (solara-assets).",
            file=sys.stderr,
        )
    port = args.port or server.free_port()
    url = f"http://{server.HOST}:{port}/"
    print(f"qisim app: open {url} in a browser (Ctrl+C to stop)", flush=True)
    if args.open:
        import webbrowser

        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    server.serve(port=port)
    return 0
