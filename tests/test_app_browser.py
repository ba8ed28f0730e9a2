"""The teaching app in a real browser: `qisim app` started as a user would, Debian's Chromium
driven by Playwright, offline (solara's CDN pointed at a closed local port and every request that
leaves this machine refused), so the page must work from locally installed files alone."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
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
from qisim.app.presets import SCENARIOS  # noqa: E402
from qisim.domain import LIFECYCLE  # noqa: E402
from qisim.scenario import ward_names  # noqa: E402

FIRST = "upsworth_positive_deviant"
FIRST_TITLE = "A positive deviant at Upsworth"
SECOND_TITLE = "Why Handover at night fizzled out"
SECOND = "premton_handover_at_night"


@pytest.fixture(scope="module")
def served():
    """One `qisim app` process and one browser page for the tests below, which run in order."""
    with browser.app_server() as url, browser.browser_page(url) as (page, console):
        yield url, page, console


@pytest.fixture
def app(served):
    _, page, console = served
    return page, console


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


def test_the_page_shows_no_mesa_leftovers(app):
    page, _ = app
    text = page.inner_text("body").lower()
    for leftover in ("page 0", "use threads", "render interval", "play interval", "time:",
                     "model parameters"):  # fmt: skip
        assert leftover not in text
    assert re.search(r"day \d+ of \d+", text)


def tiles(page) -> dict[str, str]:
    loc = page.locator(".qisim-ward-tile")
    return {
        loc.nth(i).get_attribute("data-ward"): loc.nth(i).inner_text() for i in range(loc.count())
    }


def test_a_change_is_shown_beside_the_lessons_own_run(app):
    """Medical 1 given an exceptional manager: its tile says how much its practice moved
    against the lesson's own run on the same seed; every other ward's says 'no change'."""
    page, _ = app
    browser.select_lesson(page, FIRST_TITLE)
    browser.select_ward(page, "Medical 1")
    for label in ("Enthusiasm", "Role modelling", "Style and tone", "Shielding"):
        browser.press_slider(page, label)
    assert "Medical 1: manager's shielding from other initiatives: 0.3 → 1.0" in (
        page.locator(".qisim-changes").inner_text()
    )
    browser.run_to_end(page, 730)
    page.wait_for_selector(".qisim-compare-head", timeout=60_000)
    shown = tiles(page)
    changed = re.search(r"was (\d+)% · \+(\d+) pts", shown.pop("Medical 1"))
    assert changed and int(changed[2]) >= 5, "the changed ward gains practice"
    assert all("no change" in text for text in shown.values()), shown
    assert "lesson's own run" in page.locator(".qisim-compare-head").inner_text()


def test_the_figure_downloads_as_a_png(app, tmp_path):
    page, _ = app
    with page.expect_download() as download:
        page.get_by_role("button", name="Figure (PNG)").click()
    assert download.value.suggested_filename == "upsworth_positive_deviant_changed_day730.png"
    path = tmp_path / "figure.png"
    download.value.save_as(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_scenario_downloads_and_qisim_run_accepts_it(app, tmp_path):
    page, _ = app
    with page.expect_download() as download:
        page.get_by_role("button", name="Scenario (TOML)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "upsworth_positive_deviant_changed.toml"
    text = path.read_text()
    assert "Medical 1: manager's enthusiasm: 0.35 -> 1.0" in text  # the header says what changed
    ward = next(w for w in tomllib.loads(text)["wards"] if w["name"] == "Medical 1")
    assert ward["manager"]["enthusiasm"] == 1.0
    done = subprocess.run(
        [sys.executable, "-m", "qisim", "run", str(path), "--days", "60", "--no-figure",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "upsworth_positive_deviant_changed" in done.stdout


def test_a_link_opens_the_same_view(served):
    url, page, _ = served
    href = page.locator(".qisim-link").get_attribute("href")
    assert href.startswith("?lesson=upsworth_positive_deviant&seed=0&day=730&ward=Medical+1&")
    before = (tiles(page), browser.day_text(page), page.locator(".qisim-changes").inner_text())
    browser.open_view(page, url, href[1:])
    page.wait_for_selector(".qisim-compare-head", timeout=60_000)
    after = (tiles(page), browser.day_text(page), page.locator(".qisim-changes").inner_text())
    assert after == before
    assert page.locator(".qisim-staff-panel b").first.inner_text() == "Medical 1"


def lesson_files() -> list[Path]:
    """Lessons written as files (a TOML file with a title and a story), once there are any."""
    found = []
    for path in sorted(SCENARIOS.rglob("*.toml")):
        data = tomllib.loads(path.read_text())
        if isinstance(data.get("title"), str) and isinstance(data.get("story"), str):
            found.append(path)
    return found


@pytest.mark.parametrize("path", lesson_files() or [None], ids=lambda p: p.stem if p else "none")
def test_a_lesson_file_opens_on_its_focus_ward(served, path):
    if path is None:
        pytest.skip("no lesson is written as a file yet")
    url, page, _ = served
    data = tomllib.loads(path.read_text())
    browser.open_view(page, url, "")
    browser.select_lesson(page, data["title"])
    assert data["title"] in page.locator(".qisim-lesson").inner_text()
    focus = data.get("focus") or []
    focus = [focus] if isinstance(focus, str) else focus
    if focus:
        assert page.locator(".qisim-staff-panel b").first.inner_text() in focus


def test_no_browser_errors(app):
    _, console = app
    assert console.errors == []
