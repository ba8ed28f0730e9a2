"""Driving the app in a real browser (Playwright and Debian's Chromium): for the browser tests
and for the screenshots of each lesson in ``results/app/``.

``python -m qisim.app.browser results/app`` starts ``qisim app`` on a free port, opens each
lesson, runs it to the end and saves ``<lesson>.png`` there; then the Upsworth lesson compared
with a change (``compare.png``) and that view's hand-out figure (``handout.png``), and
``provenance.json`` (the code version and the model fingerprint the screenshots show). Needs the
``dev`` extra (playwright) and ``/usr/bin/chromium`` (``.ci/install-browser`` installs it); without
them it says so and stops.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Where solara's proxy would fetch missing front-end files from: a closed local port, so a page
# that needs anything not installed locally fails here as it would in a classroom offline.
OFFLINE_CDN = "http://127.0.0.1:9/"
VIEWPORT = {"width": 1500, "height": 1250}
# The view ``compare.png`` shows: the Upsworth lesson with Medical 1 given the Outstanding unit's
# manager and micro-culture, run to the end, compared with the lesson's own run.
COMPARE_VIEW = (
    "lesson=upsworth_positive_deviant&seed=0&day=730&ward=Medical+1&Medical+1.micro_culture=0.85"
    "&Medical+1.enthusiasm=0.95&Medical+1.role_modelling=0.95&Medical+1.style_tone=0.95"
    "&Medical+1.shielding=0.95"
)


class NoBrowser(RuntimeError):
    """Chromium or playwright is not installed: the message says how to install it."""


def check_browser() -> None:
    """Raise :class:`NoBrowser`, saying what to install, unless playwright and Chromium are
    both here."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise NoBrowser(
            "playwright is not installed: pip install -e '.[dev]' (make install does it)"
        ) from None
    if not Path(CHROMIUM).exists():
        raise NoBrowser(
            f"Chromium is not installed at {CHROMIUM}: run .ci/install-browser "
            "(or apt-get install chromium)"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def app_server(scenario: str | None = None, timeout: float = 60.0) -> Iterator[str]:
    """Run ``qisim app`` in a subprocess on a free port, offline; yield its URL. Its output goes
    to a temporary file (a pipe nobody reads would fill up and stall the server)."""
    port = free_port()
    cmd = [sys.executable, "-m", "qisim", "app", "--port", str(port)]
    if scenario:
        cmd.insert(4, scenario)
    env = {**os.environ, "SOLARA_ASSETS_CDN": OFFLINE_CDN}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)

        def output() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")[-4000:]

        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"qisim app exited with {proc.returncode}:\n{output()}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"qisim app did not listen on port {port}") from None
                    time.sleep(0.1)
            try:
                yield f"http://127.0.0.1:{port}/"
            except Exception as exc:
                exc.add_note(f"qisim app output:\n{output()}")
                raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Console:
    """What the browser reported: console errors, uncaught page errors, failed requests."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
        )
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))


@contextmanager
def browser_page(url: str) -> Iterator[tuple[object, Console]]:
    """A Chromium page on ``url`` with the ward grid drawn; requests that leave this machine
    are refused, as they would be offline."""
    check_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            console = Console()
            console.attach(page)
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith("http://127.0.0.1")
                    else route.abort()
                ),
            )
            page.goto(url)
            try:
                page.wait_for_selector(".qisim-ward-tile", timeout=60_000)
            except Exception as exc:
                exc.add_note("page text: " + page.inner_text("body")[:1000])
                exc.add_note("browser errors: " + "; ".join(console.errors))
                raise
            yield page, console
        finally:
            browser.close()


def day_text(page) -> str:
    return page.locator(".qisim-day").inner_text()


def wait_for_day(page, day: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        f"(document.querySelector('.qisim-day') || {{innerText: ''}}).innerText"
        f".startsWith('Day {day} ')",
        timeout=timeout,
    )


def select_lesson(page, title: str) -> None:
    page.locator(".qisim-lesson-select").click()
    page.get_by_role("option", name=title).click()
    page.wait_for_function(
        "(() => { const s = document.querySelector('.qisim-lesson-select');"
        f" return s && s.innerText.includes({title!r}); }})()",
        timeout=30_000,
    )
    page.wait_for_function(  # the lesson's panel is redrawn after the selector changes
        "(() => { const s = document.querySelector('.qisim-lesson');"
        f" return s && s.innerText.includes({title!r}); }})()",
        timeout=30_000,
    )
    wait_for_day(page, 0)


def select_ward(page, name: str, attempts: int = 5) -> None:
    """Click a ward's tile until the staff panel shows that ward. Solara redraws Mesa's grid
    once just after a (re)load, and a click on the tile being replaced is lost, so retry."""
    for _ in range(attempts):
        page.locator(f".qisim-ward-tile[data-ward='{name}']").click()
        try:
            page.wait_for_function(
                "name => { const p = document.querySelector('.qisim-staff-panel b');"
                " return p && p.innerText === name; }",
                arg=name,
                timeout=3_000,
            )
            return
        except Exception:  # playwright's TimeoutError: click again
            continue
    raise TimeoutError(f"the staff panel never showed {name!r}")


def run_to_end(page, days: int) -> None:
    page.locator(".qisim-run").click()
    wait_for_day(page, days, timeout=60_000)


def press_slider(page, label: str, key: str = "End") -> None:
    """Move the sidebar slider labelled ``label`` with a key (End: to 1, Home: to 0, arrows: one
    step), as a keyboard user would, and wait until the lesson panel lists the change (the page
    starts the run again at day 0)."""
    changes = "(document.querySelector('.qisim-changes') || {innerText: ''}).innerText"
    before = page.evaluate(changes)
    slider = page.locator(".v-input").filter(has_text=label).locator(".v-slider__thumb-container")
    slider.focus()
    page.keyboard.press(key)
    page.wait_for_function(f"before => {changes} !== before", arg=before, timeout=30_000)
    wait_for_day(page, 0)


def open_view(page, url: str, query: str) -> None:
    """Open the page from a link (``url`` + ``?`` + ``query``) and wait for its grid."""
    page.goto(f"{url}?{query}")
    page.wait_for_selector(".qisim-ward-tile", timeout=60_000)


def screenshots(out: Path) -> list[Path]:
    """One screenshot per lesson, each run to the end; the Upsworth lesson compared with a
    change (:data:`COMPARE_VIEW`), and that view's hand-out figure as the page downloads it;
    then ``provenance.json``, which model the pictures show."""
    from qisim.app.model import lesson_scenario
    from qisim.app.presets import LESSONS
    from qisim.sweep.storage import write_provenance

    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with app_server() as url, browser_page(url) as (page, console):
        for lesson in LESSONS:
            select_lesson(page, lesson.title)
            run_to_end(page, lesson_scenario(lesson.key)[0].days)
            page.wait_for_timeout(1500)  # let the charts' images arrive
            path = out / f"{lesson.key}.png"
            page.screenshot(path=str(path), full_page=True)
            paths.append(path)
        open_view(page, url, COMPARE_VIEW)
        page.wait_for_selector(".qisim-compare-head", timeout=60_000)
        page.wait_for_timeout(1500)
        paths.append(out / "compare.png")
        page.screenshot(path=str(paths[-1]), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("button", name="Figure (PNG)").click()
        paths.append(out / "handout.png")
        download.value.save_as(paths[-1])
        if console.errors:
            raise RuntimeError("browser errors:\n" + "\n".join(console.errors))
    paths.append(write_provenance(out / "provenance.json"))
    return paths


def main(argv: list[str]) -> int:
    try:
        check_browser()
    except NoBrowser as exc:
        print(f"python -m qisim.app.browser: {exc}", file=sys.stderr)
        return 1
    for p in screenshots(Path(argv[0] if argv else "results/app")):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
