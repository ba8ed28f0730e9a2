"""The board-ready plan report: one page of HTML a planner can hand to a board unedited.

It leads with the answer in plain words (or, when the runs cannot separate the top two options,
"no clear difference" and how many more replications would), gives the launch as calendar dates
when the plan has a ``start_date``, a ward-by-ward table rated red, amber or green by the chance
each ward embeds, the options compared, the figures, and what the numbers rest on (the runs,
the assumptions, the outcome rate's source, what each status means). Figures are embedded, so
the file stands alone. ``report_pdf`` prints it to PDF with Chromium (Playwright) when both are
installed; ``report_png`` takes a picture of it as a screen shows it (the README's).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
from pathlib import Path

import numpy as np
import pandas as pd

from qisim import __version__
from qisim.planning.plan import MEASURE_MONTHS, METRICS, Plan
from qisim.planning.report import (
    LEVEL,
    OUTCOME_WORDS,
    STATUS_WORDS,
    Verdict,
    chance_interval,
    fmt,
    fmt_interval,
    lead,
    runner_words,
    verdict,
    when,
)
from qisim.results import EMBEDDED_SHARE
from qisim.scenario import RATE_UNIT, outcome_base_rate

# RAG: the chance a ward has embedded the change 24 months after the planned launch
GREEN, AMBER = 0.7, 0.4

CSS = """
@page { size: A4; margin: 12mm; }
body { font: 10.5px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1b1b1b; max-width: 190mm; margin: 0 auto; padding: 8px; }
h1 { font-size: 17px; margin: 0 0 2px; } h2 { font-size: 12.5px; margin: 10px 0 4px;
  border-bottom: 1px solid #ccc; }
.sub { color: #555; margin: 0 0 6px; }
.answer { border-left: 5px solid #1f6f3f; background: #eef6f0; padding: 6px 10px; }
.answer.unclear { border-color: #b7791f; background: #fdf6e7; }
.answer p { margin: 3px 0; } .answer .lead { font-size: 13px; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 2px 0; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 2px 5px; text-align: left; }
th { background: #f3f3f3; font-weight: 600; } td.num { text-align: right; }
td.num .small { white-space: nowrap; }
.rag { font-weight: 600; text-align: center; width: 60px; }
.rag.green { background: #c8e6c9; } .rag.amber { background: #ffe0a3; }
.rag.red { background: #f8c4c0; }
.figs figure { margin: 0 0 6px; } .figs img { width: 100%; }
figcaption { color: #555; font-size: 9.5px; }
ul { margin: 2px 0; padding-left: 16px; } .small { font-size: 9.5px; color: #444; }
@media print {
  body { font-size: 7.8px; padding: 0; } h1 { font-size: 13px; } h2 { font-size: 10px;
  margin: 5px 0 2px; } th, td { padding: 0 4px; } .small, figcaption { font-size: 7px; }
  .answer .lead { font-size: 10.5px; } .figs { display: flex; gap: 8px; }
  .figs figure { flex: 1; margin: 0; } .figs img { max-height: 52mm; object-fit: contain; }
}
"""


def _e(x: object) -> str:
    return html.escape(str(x))


def rag(p: float) -> str:
    """'green', 'amber' or 'red' for a ward's chance of embedding."""
    return "green" if p >= GREEN else "amber" if p >= AMBER else "red"


def ward_table(plan: Plan, runs: pd.DataFrame, strategy: str, month: float) -> pd.DataFrame:
    """One row per target ward for one option (strategy, launch month), pooled over staffing
    cases and replications: the chance it embedded by 24 months with its 90% interval, the
    chance it was live, and its RAG rating; with the ward's staffing and FFIT readiness."""
    from qisim.planning.run import target_wards
    from qisim.world import expand_wards

    cell = next(c for c in plan.cells if c.strategy == strategy and c.launch_month == month)
    scenario = cell.scenario
    names = target_wards(scenario)
    specs = {name: spec for name, spec, _ in expand_wards(scenario)}
    g = runs[(runs.strategy == strategy) & (runs.launch_month == month)]
    emb = np.array(g.ward_embedded.tolist(), dtype=float)
    live = np.array(g.ward_live.tolist(), dtype=float)
    rows = []
    for i, name in enumerate(names):
        spec = specs[name]
        p, lo, hi = chance_interval(emb[:, i])
        rows.append(
            {
                "ward": name,
                "site": spec.hospital,
                "specialty": spec.specialty,
                "beds": spec.beds,
                "vacancy": spec.vacancy,
                "sickness": spec.sickness,
                "manager": np.mean(
                    [getattr(spec.manager, k) for k in type(spec.manager).model_fields]
                ),
                "p_live": float(live[:, i].mean()),
                "p_embedded": p,
                "p_embedded_lo": lo,
                "p_embedded_hi": hi,
                "rag": rag(p),
            }
        )
    return pd.DataFrame(rows)


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{_e(path.stem)}" src="data:image/png;base64,{data}">'


def _answer(plan: Plan, table: pd.DataFrame, v: Verdict, outcome: str) -> str:
    key = plan.spec.rank_by
    top = table.iloc[0]
    words = OUTCOME_WORDS.get(outcome, outcome)
    first = lead(plan, v)
    parts = [f'<p class="lead">{_e(first)}</p>']
    interval = fmt_interval(key, top[key + "_lo"], top[key + "_hi"]).strip("()")
    parts.append(
        f"<p>With {_e(top.strategy)} launched {_e(when(plan, top.launch_month))}, the model "
        f"expects <b>{fmt(key, top[key])}</b> {_e(METRICS[key][0])} (90% interval {interval}); "
        f"a {fmt('p_embedded', top.p_embedded)} chance that {EMBEDDED_SHARE:.0%} of the wards "
        f"embed it within 24 months, a {fmt('p_fizzled', top.p_fizzled)} chance that it "
        f"fizzles or is halted, and about {max(round(top.outcome_avoided), 0)} {_e(words)} "
        f"avoided over the 24 months.</p>"
    )
    if v.p is not None and v.runner is not None:
        p = v.p
        points = key.startswith(("p_", "embedded"))
        unit = " points" if points else ""
        scale = 100 if points else 1
        parts.append(
            f"<p>Against {_e(runner_words(plan, v))}: {scale * p.diff:+.0f}{unit} "
            f"(90% interval {scale * p.lo:+.0f} to {scale * p.hi:+.0f}) on {p.n} paired runs "
            f"with the same seeds: {'clearly better' if v.clear else 'not clearly different'}."
            "</p>"
            if not math.isnan(p.lo)
            else f"<p>Against {_e(runner_words(plan, v))}: too few runs for an interval.</p>"
        )
    mine = table[table.strategy == top.strategy].sort_values("launch_month")
    if len(mine) > 1:
        dates = ", ".join(
            f"{when(plan, r.launch_month)} {fmt(key, r[key])}" for _, r in mine.iterrows()
        )
        parts.append(f"<p>Launch date for {_e(top.strategy)} ({_e(METRICS[key][0])}): {dates}.</p>")
    cls = "answer" if v.clear else "answer unclear"
    return f'<div class="{cls}">' + "".join(parts) + "</div>"


def _ward_section(wards: pd.DataFrame, strategy: str, launch: str) -> str:
    head = (
        "<tr><th>ward</th><th>site</th><th>specialty</th><th>beds</th><th>vacancy</th>"
        "<th>sickness</th><th>manager SOFFT</th><th>live by 24 m</th>"
        "<th>chance embedded by 24 months (90% interval)</th><th>rating</th></tr>"
    )
    rows = []
    for r in wards.sort_values("p_embedded").itertuples():
        rows.append(
            f"<tr><td>{_e(r.ward)}</td><td>{_e(r.site)}</td><td>{_e(r.specialty)}</td>"
            f'<td class="num">{r.beds}</td><td class="num">{r.vacancy:.0%}</td>'
            f'<td class="num">{r.sickness:.1%}</td><td class="num">{r.manager:.2f}</td>'
            f'<td class="num">{r.p_live:.0%}</td>'
            f'<td class="num">{r.p_embedded:.0%} ({r.p_embedded_lo:.0%}-{r.p_embedded_hi:.0%})</td>'
            f'<td class="rag {r.rag}">{r.rag.upper()}</td></tr>'
        )
    struggling = wards[wards.rag == "red"].ward.tolist()
    note = (
        f"Wards likely to struggle: {_e(', '.join(struggling))}."
        if struggling
        else "No ward is rated red."
    )
    return (
        f"<h2>Ward by ward: {_e(strategy)}, launch {_e(launch)}</h2>"
        f'<table class="wards">{head}{"".join(rows)}</table>'
        f'<p class="small">{note} Rating by the chance the ward has embedded the change '
        f"24 months after the planned launch: GREEN at least {GREEN:.0%}, AMBER "
        f"{AMBER:.0%}-{GREEN:.0%}, RED below {AMBER:.0%}. Manager SOFFT: the mean of the ward "
        "manager's five skills (0-1), from the FFIT audit where there is one.</p>"
    )


def _options(plan: Plan, table: pd.DataFrame, outcome: str) -> str:
    words = OUTCOME_WORDS.get(outcome, outcome)
    keys = [
        "p_embedded",
        "embedded_12m",
        "embedded_24m",
        "outcome_avoided",
        "burden_days",
        "p_fizzled",
    ]
    heads = ["chance of embedding", "wards embedded at 12 m", "at 24 m", f"{words} avoided",
             "staff burden (ward-days)", "chance of fizzling"]  # fmt: skip
    out = ["<tr><th>#</th><th>option</th><th>launch</th>"]
    out += [f"<th>{_e(h)}</th>" for h in heads]
    out.append("</tr>")
    for r in table.itertuples():
        d = r._asdict()
        cells = "".join(
            f'<td class="num">{fmt(k, d[k])} <span class="small">'
            f"{fmt_interval(k, d[k + '_lo'], d[k + '_hi'])}</span></td>"
            for k in keys
        )
        out.append(
            f"<tr><td>{d['rank']}</td><td>{_e(d['strategy'])}</td>"
            f"<td>{_e(when(plan, d['launch_month']))}</td>{cells}</tr>"
        )
    return (
        "<h2>The options compared</h2>"
        f'<table class="options">{"".join(out)}</table>'
        f'<p class="small">Ranked by {_e(METRICS[plan.spec.rank_by][0])}; under each estimate '
        f"its {LEVEL:.0%} interval. Each row pools {len(plan.staffing)} staffing case(s) "
        f"({_e(', '.join(plan.staffing))}) x {plan.replications} replications.</p>"
    )


def _basis(plan: Plan, outcome: str) -> str:
    scenario = plan.cells[0].scenario
    words = OUTCOME_WORDS.get(outcome, outcome)
    sources: dict[str, list[str]] = {}
    for w in scenario.wards:
        rate, src = outcome_base_rate(scenario, w)
        sources.setdefault(src, []).append(f"{w.name} {1000 * rate:.3g}")
    rates = "; ".join(
        f"{', '.join(v)} ({_e(k.replace('the ward', 'each ward', 1))})" for k, v in sources.items()
    )
    assumptions = [
        f"{plan.n_runs} simulated runs: {len(plan.strategies)} strategies x "
        f"{len(plan.launch_months)} launch dates x {len(plan.staffing)} staffing cases x "
        f"{plan.replications} replications, every option on the same seeds (common random "
        "numbers), so differences between options are the options, not chance.",
        f"Baseline {_e(words)} {RATE_UNIT}: {rates}. 'Avoided' is the baseline rate x the "
        "target wards' beds x 24 months, less the events the runs counted.",
        "The model is qisim, an agent-based simulation of quality-improvement initiatives "
        "built on the Health Foundation report 'Able to improve?' (Gabbay, le May & Wright); "
        "it shows how the report's mechanisms (staffing, initiativitis, SOFFT skills, PDSA, "
        "timing) play out on these wards. It is a guide to thinking, not a forecast.",
        "Days are simulated; months are 365/12 days"
        + (
            f"; day 0 is {_e(when(plan, 0))}."
            if plan.start_date
            else "; the plan has no start_date, so launches are counted in months from day 0."
        )  # fmt: skip
        + f" Wards embedded are counted {', '.join(str(m) for m in MEASURE_MONTHS)} months "
        "after the planned launch.",
    ]
    if plan.spec.set:
        shown = ", ".join(f"{k} = {v!r}" for k, v in plan.spec.set.items() if k != "events")
        if shown:
            assumptions.append(f"The plan's own assumptions for every run: {_e(shown)}.")
    for s in plan.spec.staffing:
        o = s.overrides()
        if o:
            assumptions.append(
                f"Staffing case '{_e(s.name)}': "
                + _e(", ".join(f"{k} = {v}" for k, v in o.items()))
            )
    statuses = "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in STATUS_WORDS.items())
    return (
        "<h2>What the numbers rest on</h2><ul>"
        + "".join(f"<li>{a}</li>" for a in assumptions)
        + f'</ul><p class="small"><b>What the outcomes mean.</b></p><ul class="small">{statuses}</ul>'
    )


def report_html(
    plan: Plan, runs: pd.DataFrame, table: pd.DataFrame, figures: list[Path] = ()
) -> str:
    """The one-page report as an HTML string (figures embedded from ``figures``)."""
    scenario = plan.cells[0].scenario
    outcome = scenario.initiative.outcome
    v = verdict(plan, runs, table)
    top = v.top
    wards = ward_table(plan, runs, top.strategy, top.launch_month)
    title = f"{scenario.initiative.name} at {scenario.trust.name}: when and how to roll it out"
    figs = "".join(
        f"<figure>{_img(p)}<figcaption>{_e(cap)}</figcaption></figure>"
        for p, cap in zip(
            figures,
            (
                "Share of target wards embedded, month by month after the launch: median and "
                "bands over every run, for each option.",
                f"{METRICS[plan.spec.rank_by][0]} by launch date and staffing case.",
            ),
        )
        if Path(p).exists()
    )
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(plan.description)} &middot; written {dt.date.today():%d %b %Y} '
        f"by qisim {__version__} from {_e(plan.path.name)}</p>",
        _answer(plan, table, v, outcome),
        _ward_section(wards, top.strategy, when(plan, top.launch_month)),
        _options(plan, table, outcome),
        f'<h2>Figures</h2><div class="figs">{figs}</div>' if figs else "",
        _basis(plan, outcome),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def report_pdf(html_path: Path, pdf_path: Path) -> Path | None:
    """Print the HTML report to PDF with Chromium through Playwright (A4); None when either is
    not installed (the HTML prints from any browser too)."""
    try:
        from playwright.sync_api import sync_playwright

        from qisim.app.browser import CHROMIUM, CHROMIUM_ARGS
    except ImportError:
        return None
    exe = CHROMIUM if Path(CHROMIUM).exists() else None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(html_path.resolve().as_uri())
                page.pdf(path=str(pdf_path), format="A4", print_background=True)
            finally:
                browser.close()
    except Exception:  # no browser installed for playwright: the HTML is the report
        return None
    return pdf_path


def report_png(html_path: Path, png_path: Path, width: int = 900) -> Path:
    """A picture of the HTML report as a screen shows it (``width`` pixels wide, the whole
    page), with Chromium through Playwright: the README's ``results/plan/tamsford/report.png``
    (``experiments/rerun_all.sh plans``). Raises :class:`qisim.app.browser.NoBrowser`, saying
    what to install, when either is missing."""
    from qisim.app.browser import CHROMIUM, CHROMIUM_ARGS, check_browser

    check_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 1200})
            page.goto(Path(html_path).resolve().as_uri())
            page.screenshot(path=str(png_path), full_page=True)
        finally:
            browser.close()
    return Path(png_path)
