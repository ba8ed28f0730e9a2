"""Serving the page: solara's server on 127.0.0.1 (or a room's network, if asked), with the
page's front-end files local.

Solara's page loads its front end (the vuetify app, require.js, fonts, the draggable grid) from a
public CDN through a proxy at ``/_solara/cdn``; the proxy serves files from
``<prefix>/share/solara/cdn`` when they are there and otherwise fetches them from the internet.
The ``solara-assets`` package (in qisim's ``app`` extra) installs those files, so a classroom
without internet still gets a working page. :func:`missing_assets` checks that every file the
page asks for is installed, and ``qisim app`` warns if not.

The port is bound before ``qisim app`` announces its address (:func:`listen`), so a port already
in use gets one plain sentence instead of an address that does not work and uvicorn's error.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import socket
import warnings
from collections.abc import Iterable
from pathlib import Path

from qisim.scenario import ScenarioError

HOST = "127.0.0.1"  # the default: never reachable from other machines
DEFAULT_PORT = 8765
# Ports below 1024 are the system's (a web server's 80, ...): binding one needs root, and a
# classroom app run as root would take it silently.
FIRST_PORT, LAST_PORT = 1024, 65535
PAGE_MODULE = "qisim.app.page"


def needed_assets() -> list[str]:
    """The CDN packages (``name@version``) the page loads, read from solara's own templates:
    the vuetify-2 app (ipyvuetify < 2), require.js, font-awesome and the draggable grid."""
    import solara.server
    import solara.widgets

    server_dir = Path(solara.server.__file__).parent
    template = (server_dir / "templates" / "solara.html.j2").read_text()
    grid = (Path(solara.widgets.__file__).parent / "vue" / "gridlayout.vue").read_text()
    pattern = r"(?:\{\{cdn\}\}|\$\{this\.getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+@[\w.+-]+)/"
    found = set(re.findall(pattern, template)) | set(re.findall(pattern, grid))
    found = {p for p in found if "vuetify3" not in p}  # the vuetify-3 app is for ipyvuetify 3
    from solara.server import settings

    fontawesome = settings.assets.fontawesome_path.strip("/").split("/")[0]
    return sorted(found | {fontawesome})


def missing_assets() -> list[str]:
    """Which of :func:`needed_assets` are not installed for solara's CDN proxy."""
    from solara.server import settings

    cache = Path(settings.assets.proxy_cache_dir)
    return [p for p in needed_assets() if not (cache / p).is_dir()]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def listen(host: str = HOST, port: int = DEFAULT_PORT) -> socket.socket:
    """A socket bound to ``host``:``port`` (1024 to 65535; 0: any free port) for the server to
    accept on.

    Raises :class:`ScenarioError` in one sentence when the port is taken (say, by another
    ``qisim app``) or the address is not one of this machine's."""
    if not (port == 0 or FIRST_PORT <= port <= LAST_PORT):
        what = "is reserved for system services" if 0 < port < FIRST_PORT else "not a port"
        raise ScenarioError(
            f"--port {port}: {what}; give one from {FIRST_PORT} to {LAST_PORT}, or 0 for any "
            "free one."
        )
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ScenarioError(
            f"--host {host}: not an address to listen on ({exc}); give an address of this "
            "machine (127.0.0.1, the default, for this machine only; 0.0.0.0 for all of its "
            "networks)."
        ) from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            other = port + 1 if port < LAST_PORT else port - 1
            raise ScenarioError(
                f"port {port} on {host} is already in use (another qisim app?); stop that one, "
                f"or choose another port: qisim app --port {other} (--port 0 picks a free one)."
            ) from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ScenarioError(
                f"--host {host}: not an address of this machine; give one of its own addresses, "
                "or 0.0.0.0 for all of its networks."
            ) from None
        raise ScenarioError(f"cannot listen on {host} port {port}: {exc.strerror}.") from None
    sock.set_inheritable(True)
    return sock


def is_local(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (a loopback address or name)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def page_address(host: str) -> str:
    """The address to type in a browser: ``host`` itself, or for all networks (0.0.0.0, ::)
    this machine's address on its main network (learnt without sending anything)."""
    if host not in ("0.0.0.0", "::", ""):
        return f"[{host}]" if ":" in host else host
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))  # a UDP "connect" only picks the route
            return str(s.getsockname()[0])
    except OSError:
        return socket.gethostname()


def reach_warning(host: str, url: str) -> str:
    """What ``qisim app --host`` prints: who can now open the page."""
    where = "every network this machine is on" if host in ("0.0.0.0", "::") else "that network"
    return (
        f"warning: --host {host}: the app is open to {where}: anyone there who knows the "
        f"address ({url}) can open it and use it, with no login. Use it on a network you "
        "trust, such as a classroom's, and stop it with Ctrl+C after the class."
    )


def configure(scenario: Path | None = None, lessons: Iterable[str | Path] = ()) -> None:
    """Environment for solara before it is imported: which page, the teacher's lessons, no
    telemetry, our title. Call it before anything imports :mod:`qisim.app.presets`, which reads
    the lessons once."""
    from qisim.app.presets import LESSONS_ENV

    os.environ["SOLARA_APP"] = PAGE_MODULE
    places = [str(Path(p).resolve()) for p in lessons]
    if places:
        os.environ[LESSONS_ENV] = os.pathsep.join(places)
    if scenario is not None:
        from qisim.app.model import CUSTOM_ENV

        os.environ[CUSTOM_ENV] = str(Path(scenario).resolve())
    # solara reports usage to a web service by default; a classroom app should not phone home
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_TITLE", "qisim")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")


def serve(sock: socket.socket, log_level: str = "warning") -> None:
    """Serve the app on a socket from :func:`listen` until interrupted."""
    import uvicorn

    # Solara asks for a samesite=none session cookie, which browsers take over https only; over
    # http it falls back to samesite=lax and says so in a 12-line UserWarning on the first page
    # load. Lax is right for this app (it is never embedded in another site's frame), so that one
    # warning is silenced; every other warning and log line still shows.
    warnings.filterwarnings(
        "ignore",
        message="Cookies with samesite=none require https",
        category=UserWarning,
        module=r"solara\.server\.starlette",
    )
    host, port = sock.getsockname()[:2]
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    config = uvicorn.Config("solara.server.starlette:app", log_level=log_level)
    uvicorn.Server(config).run(sockets=[sock])
