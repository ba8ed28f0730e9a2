"""The board-ready plan report: the honest lead ("no clear difference" and how many more runs),
and the whole path a planner takes, from the shipped example trust's spreadsheets to report.html,
checked in a real browser (Chromium via Playwright)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from qisim.cli import main as cli_main
from qisim.planning.report import lead, verdict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "trust"
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)


# --- the lead: a recommendation only when the runs show one ------------------------------------
def fake(a: np.ndarray, b: np.ndarray):
    """A plan of two options (A and B, one launch month, one staffing case) whose runs give
    ``a`` and ``b`` on the same seeds."""
    plan = SimpleNamespace(
        spec=SimpleNamespace(rank_by="embedded_24m"),
        staffing=["as is"],
        replications=len(a),
        launch_date=lambda month: None,
    )
    runs = pd.DataFrame(
        [
            {
                "strategy": s,
                "launch_month": 3,
                "staffing": "as is",
                "replication": r,
                "embedded_24m": float(v),
            }  # fmt: skip
            for s, values in (("A", a), ("B", b))
            for r, v in enumerate(values)
        ]
    )
    table = pd.DataFrame(
        [{"strategy": "A", "launch_month": 3}, {"strategy": "B", "launch_month": 3}]
    )
    return plan, runs, table


def test_a_clear_difference_leads_with_the_recommendation():
    rng = np.random.default_rng(0)
    base = rng.uniform(0.3, 0.6, 10)
    plan, runs, table = fake(base + 0.2 + rng.normal(0, 0.01, 10), base)
    v = verdict(plan, runs, table)
    assert v.clear and v.more_reps is None
    assert lead(plan, v) == "Recommendation: A, launched month 3."


def test_no_clear_difference_says_how_many_more_runs():
    rng = np.random.default_rng(1)
    base = rng.uniform(0.3, 0.6, 6)
    noise = np.array([0.12, -0.1, 0.08, -0.05, 0.1, -0.09])
    plan, runs, table = fake(base + 0.02 + noise, base)
    v = verdict(plan, runs, table)
    assert not v.clear and v.more_reps > 0
    text = lead(plan, v)
    assert text.startswith("No clear difference: A (launch month 3) leads")
    assert f"Run about {v.more_reps} more replications (--reps {6 + v.more_reps})" in text
    # a bigger difference on the same noise needs fewer runs; more noise needs more
    bigger = verdict(*fake(base + 0.04 + noise, base))
    noisier = verdict(*fake(base + 0.02 + 2 * noise, base))
    assert bigger.more_reps < v.more_reps < noisier.more_reps


def test_identical_options_are_not_sent_for_more_runs():
    base = np.linspace(0.2, 0.8, 5)
    plan, runs, table = fake(base, base)
    v = verdict(plan, runs, table)
    assert not v.clear and v.more_reps is None
    assert "More replications will not settle it" in lead(plan, v)


# --- from the spreadsheets to the board report, in a browser ------------------------------------
@pytest.fixture(scope="module")  # a trust and its plan (15 s): the tests using it are slow
def report(tmp_path_factory) -> Path:
    """`qisim trust from-csv` on the shipped example, then `qisim plan` on its starter plan made
    small (two launch months, one staffing case, two replications)."""
    out = tmp_path_factory.mktemp("trust")
    assert cli_main(["trust", "from-csv", str(EXAMPLE / "wards.csv"), "--audit",
                     str(EXAMPLE / "ffit_by_ward.csv"), "--out", str(out), "--name",
                     "Tamsford Hospitals NHS Trust", "--start-date", "2027-04-01"]) == 0  # fmt: skip
    plan = out / "plan.toml"
    text = plan.read_text().replace("launch_months = [3, 6, 9]", "launch_months = [3, 6]")
    plan.write_text(text.split('[[staffing]]\nname = "winter peak"')[0])
    assert cli_main(["plan", str(plan), "--reps", "2", "--quiet"]) == 0
    return out / "plan"


@pytest.mark.slow
def test_report_files(report):
    for name in ("report.html", "report.txt", "wards.csv", "trajectories.png", "heatmap.png"):
        assert (report / name).stat().st_size > 0, name
    assert "stalled: the design never finished" in (report / "report.txt").read_text()
    wards = pd.read_csv(report / "wards.csv")
    assert len(wards) == 3 * 2 * 8 and set(wards.rag) <= {"green", "amber", "red"}


@pytest.mark.slow
def test_report_in_a_browser(report, tmp_path):
    pytest.importorskip("playwright", reason="the dev extra (playwright) is not installed")
    from qisim.app.browser import CHROMIUM, CHROMIUM_ARGS, Console

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent: run .ci/install-browser")
    from playwright.sync_api import sync_playwright

    text_lead = next(
        line
        for line in (report / "report.txt").read_text().splitlines()
        if line.startswith(("Recommendation:", "No clear difference:"))
    )
    wards = pd.read_csv(report / "wards.csv")
    top = wards[wards["rank"] == 1]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            console = Console()
            console.attach(page)
            page.goto((report / "report.html").resolve().as_uri())
            # the recommendation (or the honest "no clear difference"), as report.txt has it
            assert page.locator(".answer .lead").inner_text() == text_lead
            # the ward table: every target ward once, rated by its chance of embedding
            rows = page.locator("table.wards tr:has(td)")
            assert rows.count() == 8
            seen = {}
            for i in range(rows.count()):
                cells = rows.nth(i).locator("td")
                name, chance = cells.nth(0).inner_text(), cells.nth(8).inner_text()
                rating = cells.nth(9).inner_text()
                pct = int(re.match(r"(\d+)%", chance).group(1))
                expected = "GREEN" if pct >= 70 else "AMBER" if pct >= 40 else "RED"
                assert rating == expected, (name, chance, rating)
                seen[name] = pct
            assert seen == {r.ward: round(100 * r.p_embedded) for r in top.itertuples()}
            # calendar dates, not months from day 0
            body = page.inner_text("body")
            assert "1 Jul 2027" in body and "1 Oct 2027" in body and "day 0 is 1 Apr 2027" in body
            assert "month 3 (" not in body
            # what the numbers rest on: the outcome rate and its source, what 'stalled' means
            assert re.search(r"Heron Ward 8.9, Kestrel Ward 9.3, .*\(each ward's own rate\)", body)
            assert "stalled: the design never finished" in body
            # the figures are in the file and drawn
            widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
            assert len(widths) == 2 and min(widths) > 100
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            # one A4 page when printed
            pdf = page.pdf(format="A4", print_background=True)
            assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
            assert not console.errors, console.errors
        finally:
            browser.close()
