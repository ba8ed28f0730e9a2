"""``qisim app``: the teaching app in a browser (Mesa SolaraViz), on this machine unless told."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

HELP = "open the teaching app: watch wards take up a change, and change one thing to see why"


def register(sub) -> None:
    p = sub.add_parser(
        "app",
        help=HELP,
        description=HELP
        + ". Serves a web page on 127.0.0.1 (this machine only) with the lessons shipped with "
        "qisim (a positive deviant at Upsworth, Handover at night, Nurse-led discharge, "
        "Enhanced care), your own lessons (*.lesson.toml files: docs/app.md, 'Writing a "
        "lesson'), or your own scenario. Needs the app extra: pip install 'qisim[app]'.",
        epilog="examples: qisim app   (then open http://127.0.0.1:8765/ in a browser); "
        "qisim app --lessons mylessons/; qisim app mylessons/ward.lesson.toml; "
        "qisim app --host 0.0.0.0   (a classroom's network: read the warning it prints)",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        help="a scenario TOML file or a shipped scenario's name to open; or a lesson file "
        "(*.lesson.toml) or a folder of them, shown first (default: the shipped lessons)",
    )
    p.add_argument(
        "--lessons",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of lesson files (*.lesson.toml), or one such file, shown before the "
        "shipped lessons; a lesson named like a shipped one replaces it (may be repeated)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default 127.0.0.1: this machine only); 0.0.0.0 lets anyone "
        "on this machine's networks open the page, with no login",
    )
    p.add_argument(
        "--port",
        type=int,
        default=8765,
        help="port, 1024 to 65535 (default 8765; 0 picks a free one)",
    )
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.set_defaults(func=main)


def is_lessons(argument: str) -> bool:
    """Whether ``qisim app``'s argument names lessons (a lesson file or a folder), not a
    scenario."""
    from qisim.app.presets import SUFFIX

    return argument.endswith(SUFFIX) or Path(argument).is_dir()


def main(args) -> int:
    from qisim.scenario import ScenarioError, load_scenario

    scenario = None
    places = list(args.lessons)
    if args.scenario and is_lessons(args.scenario):
        places.insert(0, args.scenario)
    elif args.scenario:
        from qisim.resources import find_scenario

        scenario = find_scenario(args.scenario)
        load_scenario(scenario)  # a bad file fails here, with the usual message
    try:
        from qisim.app import server
        from qisim.app.presets import check_lesson, lesson_files, load_lessons
    except ImportError as exc:
        raise ScenarioError(
            f"qisim app needs the app extra ({exc}): pip install 'qisim[app]'."
        ) from None
    ours = {str(p) for place in places for p in lesson_files(place)}
    for lesson in load_lessons(places):  # bad lesson files fail here, before serving
        if lesson.source in ours:
            check_lesson(lesson)
    server.configure(scenario, places)  # before solara is imported: it reads its settings once
    missing = server.missing_assets()
    if missing:
        print(
            "warning: the page's front-end files are not installed locally ("
            + ", ".join(missing)
            + "); without internet the page will stay blank. Install them with: "
            "pip install 'qisim[app]' (solara-assets).",
            file=sys.stderr,
        )
    sock = server.listen(args.host, args.port)  # a port in use fails here, before announcing
    port = sock.getsockname()[1]
    url = f"http://{server.page_address(args.host)}:{port}/"
    print(f"qisim app: open {url} in a browser (Ctrl+C to stop)", flush=True)
    if not server.is_local(args.host):
        print(server.reach_warning(args.host, url), file=sys.stderr, flush=True)
    if args.open:
        import webbrowser

        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    server.serve(sock)
    return 0
