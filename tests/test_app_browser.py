"""The teaching app in a real browser: `qisim app` started as a user would, Debian's Chromium
driven by Playwright, offline (solara's CDN pointed at a closed local port and every request that
leaves this machine refused), so the page must work from locally installed files alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qisim.app.browser import CHROMIUM

pytest.importorskip("playwright", reason="the dev extra (playwright) is not installed")
pytest.importorskip("solara", reason="the app extra (solara) is not installed")
pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is absent: run .ci/install-browser (apt-get install chromium)",
    ),
    pytest.mark.slow,  # starting the app and a browser takes 10-13 s
]

from qisim.app import browser  # noqa: E402
from qisim.app.model import lesson_scenario  # noqa: E402
from qisim.domain import LIFECYCLE  # noqa: E402
from qisim.scenario import ward_names  # noqa: E402

FIRST = "upsworth_positive_deviant"
SECOND_TITLE = "Why Handover at night fizzled out"
SECOND = "premton_handover_at_night"


@pytest.fixture(scope="module")
def app():
    """One `qisim app` process and one browser page for the tests below, which run in order."""
    with browser.app_server() as url, browser.browser_page(url) as (page, console):
        yield page, console


def test_page_renders_the_ward_grid(app):
    page, _ = app
    tiles = page.locator(".qisim-ward-tile")
    names = ward_names(lesson_scenario(FIRST)[0])
    assert tiles.count() == len(names)
    assert [tiles.nth(i).get_attribute("data-ward") for i in range(len(names))] == names
    first = tiles.nth(0).inner_text()
    assert "Outstanding unit" in first and "Upsworth" in first and "elderly care" in first
    assert browser.day_text(page).startswith("Day 0 of 730")


def test_step_advances_the_day_and_changes_the_chart(app):
    page, _ = app
    chart = page.locator(".qisim-trajectories img")
    before = chart.get_attribute("src")
    page.get_by_role("button", name="Step", exact=True).click()
    browser.wait_for_day(page, 7)
    page.wait_for_function(
        "src => { const img = document.querySelector('.qisim-trajectories img');"
        " return img && img.getAttribute('src') !== src; }",
        arg=before,
        timeout=30_000,
    )
    assert re.match(r"Day 7 of 730", browser.day_text(page))


def test_switching_the_preset_reloads_the_scenario(app):
    page, _ = app
    browser.select_lesson(page, SECOND_TITLE)
    names = ward_names(lesson_scenario(SECOND)[0])
    page.wait_for_function(
        f"document.querySelectorAll('.qisim-ward-tile').length === {len(names)}", timeout=30_000
    )
    assert page.locator(".qisim-ward-tile").nth(0).get_attribute("data-ward") == names[0]
    assert SECOND_TITLE in page.locator(".qisim-lesson").inner_text()
    days = lesson_scenario(SECOND)[0].days
    assert browser.day_text(page).startswith(f"Day 0 of {days}")


def test_clicking_a_tile_shows_that_wards_staff(app):
    page, _ = app
    name = ward_names(lesson_scenario(SECOND)[0])[5]
    browser.select_ward(page, name)
    tile = page.locator(f".qisim-ward-tile[data-ward='{name}']")
    assert "3px solid" in tile.get_attribute("style")  # the selected tile is outlined
    staff = page.locator(".qisim-staff")
    assert staff.locator("tbody tr").count() > 10
    for word in ("nurse", "nursing", "medical"):
        assert word in staff.inner_text()


def test_run_to_the_end_and_save_a_screenshot(app, tmp_path):
    page, _ = app
    browser.run_to_end(page, lesson_scenario(SECOND)[0].days)
    assert page.locator(".qisim-stage").inner_text() in LIFECYCLE
    assert page.locator(".qisim-run").is_disabled()  # nothing left to run
    path = tmp_path / "app.png"
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_no_browser_errors(app):
    _, console = app
    assert console.errors == []
