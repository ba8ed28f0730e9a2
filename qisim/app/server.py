"""Serving the page: solara's server on 127.0.0.1, with the page's front-end files local.

Solara's page loads its front end (the vuetify app, require.js, fonts, the draggable grid) from a
public CDN through a proxy at ``/_solara/cdn``; the proxy serves files from
``<prefix>/share/solara/cdn`` when they are there and otherwise fetches them from the internet.
The ``solara-assets`` package (in qisim's ``app`` extra) installs those files, so a classroom
without internet still gets a working page. :func:`missing_assets` checks that every file the
page asks for is installed, and ``qisim app`` warns if not.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

HOST = "127.0.0.1"  # never reachable from other machines
DEFAULT_PORT = 8765
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


def configure(scenario: Path | None = None) -> None:
    """Environment for solara before it is imported: which page, no telemetry, our title."""
    os.environ["SOLARA_APP"] = PAGE_MODULE
    if scenario is not None:
        from qisim.app.model import CUSTOM_ENV

        os.environ[CUSTOM_ENV] = str(Path(scenario).resolve())
    # solara reports usage to a web service by default; a classroom app should not phone home
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_TITLE", "qisim")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")


def serve(
    scenario: Path | None = None, port: int = DEFAULT_PORT, log_level: str = "warning"
) -> None:
    """Serve the app on 127.0.0.1:``port`` until interrupted."""
    configure(scenario)
    import uvicorn

    os.environ["SERVER_NAME"] = HOST
    os.environ["SERVER_PORT"] = str(port)
    uvicorn.run("solara.server.starlette:app", host=HOST, port=port, log_level=log_level)
