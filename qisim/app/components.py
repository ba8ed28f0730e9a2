"""What the page shows: the ward grid, the lesson, the trajectories, the selected ward's staff,
the initiative's lifecycle and competing initiatives, and the teacher's controls.

Each ``*_panel`` function takes the model (and the page's reactive state) and builds solara
elements; the page hands them to Mesa's SolaraViz, which redraws them after every step. Only
local front-end pieces are used (vuetify widgets, HTML, matplotlib images): nothing the page
would have to fetch from the internet.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from qisim.app.model import MESSENGERS, Choices, culture_index, lesson, lesson_keys, staffing_level
from qisim.plots import STAGE_COLOURS

if TYPE_CHECKING:
    from qisim.app.model import TeachingModel

PANEL_HEIGHT = 370  # px: Mesa's grid gives each component 10 rows of 30 px (+ margins)
RECENT = 7  # days over which a tile's practice is averaged
PRACTICE_CMAP = matplotlib.colormaps["YlGn"]
STAGE_CHIP = {
    "unaware": ("#eeeeee", "#555555"),
    "aware": ("#d6e9f8", "#1a4c72"),
    "understanding": ("#9ecae1", "#0b3954"),
    "ownership": ("#c7b8e8", "#3b2470"),
    "practice": ("#fdd49e", "#7a3b00"),
    "habit": ("#74c476", "#0b3d0b"),
}
ROLE_LABEL = {
    "staff_nurse": "staff nurse",
    "health_care_assistant": "health care assistant",
    "junior_doctor": "junior doctor",
    "consultant": "consultant",
    "allied_health_professional": "allied health professional",
    "agency_nurse": "agency nurse",
}


def css(style: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in style.items())


def panel_style(extra: dict[str, str] | None = None) -> str:
    return css({"height": f"{PANEL_HEIGHT}px", "overflow-y": "auto", "padding": "8px 12px",
                **(extra or {})})  # fmt: skip


def recent_practice(model: TeachingModel) -> np.ndarray:
    """Each ward's practice over the last week (0 before any day is done)."""
    rec = model.recorder
    d = rec.n_recorded
    if d == 0:
        return np.zeros(model.wards.n)
    return rec.ward["practice"][max(d - RECENT, 0) : d].mean(axis=0)


def day_line(model: TeachingModel) -> str:
    stage = model.lifecycle.stage
    return f"Day {model.days_done} of {model.days} · initiative stage: {stage}"


# ---------------------------------------------------------------------------------------------
# Ward grid


def tile_colours(active: bool, target: bool, practice: float) -> tuple[str, str]:
    """Background and text colour of a ward tile: grey when the change is not live there,
    then pale yellow (no practice) to deep green (full practice)."""
    if not target:
        return "#f5f5f5", "#9e9e9e"
    if not active:
        return "#e0e0e0", "#424242"
    r, g, b, _ = PRACTICE_CMAP(0.1 + 0.85 * float(np.clip(practice, 0, 1)))
    text = "#ffffff" if practice > 0.55 else "#1b1b1b"
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}", text


@solara.component
def WardTile(
    name: str,
    place: str,
    status: str,
    background: str,
    colour: str,
    selected: bool,
    on_select: Callable[[str], None],
):
    border = "3px solid #d62728" if selected else "1px solid #bdbdbd"
    style = {
        "background": background, "color": colour, "border": border, "border-radius": "6px",
        "padding": "2px 4px", "cursor": "pointer", "min-height": "50px", "line-height": "1.12",
    }  # fmt: skip
    tile = solara.v.Html(
        tag="div",
        class_="qisim-ward-tile",
        style_=css(style),
        attributes={"data-ward": name, "title": f"{name}: click to see its staff"},
        children=[
            solara.v.Html(tag="div", style_="font-weight: 600; font-size: 11px", children=[name]),
            solara.v.Html(tag="div", style_="font-size: 10px; opacity: 0.85", children=[place]),
            solara.v.Html(tag="div", style_="font-size: 11px; margin-top: 2px", children=[status]),
        ],
    )
    solara.v.use_event(tile, "click", lambda *_: on_select(name))
    return tile


def ward_grid_panel(model: TeachingModel, selected: solara.Reactive[str]):
    """The trust's wards as tiles coloured by this week's practice, labelled with hospital and
    specialty; click one to select it."""
    w = model.wards
    practice = recent_practice(model)
    with solara.Column(style=panel_style(), gap="6px") as main:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<b>{html.escape(model.qi_scenario.trust.name)}</b> · "
            f"{html.escape(model.initiative.name)}<br><span class='qisim-day'>"
            f"{html.escape(day_line(model))}</span>",
            style="font-size: 14px",
        )
        with solara.Div(
            classes=["qisim-ward-grid"],
            style="display: grid; grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)); "
            "gap: 4px",
        ):
            for i, name in enumerate(w.names):
                place = f"{w.hospital_names[w.hospital[i]]} · {w.specialty[i]}"
                target, active = bool(w.target[i]), bool(w.active[i])
                if not target:
                    status = "not a target ward"
                elif not active:
                    status = "not live yet"
                else:
                    status = f"practice {practice[i]:.0%}" + (" ✓" if w.embedded[i] else "")
                bg, fg = tile_colours(active, target, practice[i])
                WardTile(name, place, status, bg, fg, name == selected.value, selected.set)
        legend = "".join(
            f"<span style='display:inline-block;width:22px;height:10px;background:"
            f"{tile_colours(True, True, p)[0]}'></span>"
            for p in np.linspace(0, 1, 6)
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<span style='font-size:11px'>practice this week: 0% {legend} 100%"
            " · grey: not live yet · ✓ embedded · click a ward to see its staff</span>",
        )
    return main


# ---------------------------------------------------------------------------------------------
# Lesson text


def lesson_panel(model: TeachingModel):
    """The lesson: what the report saw, what to watch, what to try."""
    ls = model.lesson
    parts = [f"<h3 style='margin:0 0 6px 0'>{html.escape(ls.title)}</h3>"]
    for note in model.notes:
        parts.append(
            f"<p style='background:#fff3cd;padding:4px 6px;border-radius:4px'>{html.escape(note)}</p>"
        )
    parts.append(f"<p>{html.escape(ls.story)}</p>")
    parts.append(f"<p><b>Watch.</b> {html.escape(ls.watch)}</p>")
    parts.append(f"<p><b>Try.</b> {html.escape(ls.try_)}</p>")
    if model.choices.changed:
        parts.append(
            "<p style='color:#8a4b00'><b>You have changed this lesson's settings</b> (on the "
            "left); 'Back to the lesson' restores them.</p>"
        )
    return solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(parts),
        classes=["qisim-lesson"],
        style=panel_style({"font-size": "14px", "line-height": "1.45"}),
    )


# ---------------------------------------------------------------------------------------------
# Charts


def shade(ax, history: list[tuple[int, str]], end: int, days: int) -> None:
    for i, (start, stage) in enumerate(history):
        stop = history[i + 1][0] if i + 1 < len(history) else end
        if stop > start:
            ax.axvspan(start, stop, color=STAGE_COLOURS.get(stage, "#eeeeee"), alpha=0.45, lw=0)
        if stop - start >= 0.06 * days:  # short stages would print over their neighbours
            ax.text((start + stop) / 2, 1.0, stage, ha="center", va="bottom", fontsize=7,
                    transform=ax.get_xaxis_transform())  # fmt: skip


def trajectories_figure(model: TeachingModel, ward: int) -> Figure:
    """Practice and habit of the trust and the selected ward; the ward's staffing and load."""
    rec = model.recorder
    d = rec.n_recorded
    t = np.arange(d)
    fig = Figure(figsize=(6.2, 3.7), dpi=85)
    ax, bx = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    shade(ax, [tuple(h) for h in model.lifecycle.history], max(d, 1), model.days)
    name = model.wards.names[ward]
    ax.plot(t, rec.trust["practice"][:d], color="#555555", lw=1.2, label="trust: practice")
    ax.plot(t, rec.ward["practice"][:d, ward], color="#2ca02c", lw=1.0, label=f"{name}: practice")
    ax.plot(
        t, rec.ward["habit"][:d, ward], color="#1b5e20", lw=1.6, ls="--", label=f"{name}: habit"
    )
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share")
    ax.legend(fontsize=7, loc="upper left", framealpha=0.8)
    bx.plot(t, rec.ward["staffing"][:d, ward], color="#1f77b4", lw=0.8, label="day staffing")
    bx.axhline(1.0, color="#1f77b4", lw=0.5, ls=":")
    bx.set_ylabel("staffing", fontsize=8)
    bx.set_ylim(0, max(1.3, float(rec.ward["staffing"][:d, ward].max(initial=1.0)) + 0.05))
    cx = bx.twinx()
    cx.step(t, rec.ward["load"][:d, ward], color="#d62728", lw=0.9, where="post")
    cx.set_ylabel("initiatives", fontsize=8, color="#d62728")
    cx.set_ylim(0, max(4.0, float(rec.ward["load"][:d, ward].max(initial=0.0)) + 1))
    bx.set_xlim(0, model.days)
    bx.set_xlabel("day")
    for a in (ax, bx, cx):
        a.tick_params(labelsize=7)
    # fixed margins: tight_layout would cost as much as drawing the figure, at every step
    fig.subplots_adjust(left=0.09, right=0.91, top=0.93, bottom=0.12, hspace=0.12)
    return fig


def stages_figure(model: TeachingModel, ward: int) -> Figure:
    """Shares of the selected ward's target staff at each stage or beyond, over time."""
    rec = model.recorder
    d = rec.n_recorded
    t = np.arange(d)
    fig = Figure(figsize=(6.2, 3.7), dpi=85)
    ax = fig.subplots()
    levels = [("aware", "aware"), ("understanding", "understanding"), ("owning", "ownership"),
              ("practising", "practice")]  # fmt: skip
    for field, stage in levels:
        ax.fill_between(t, rec.ward[field][:d, ward], color=STAGE_CHIP[stage][0], lw=0,
                        label=f"{stage} or beyond")  # fmt: skip
        ax.plot(t, rec.ward[field][:d, ward], color=STAGE_CHIP[stage][1], lw=0.6)
    ax.set_xlim(0, model.days)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("day", fontsize=8)
    ax.set_ylabel("share of the ward's target staff", fontsize=8)
    ax.set_title(f"{model.wards.names[ward]}: how far staff have come", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", framealpha=0.8)
    ax.tick_params(labelsize=7)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.92, bottom=0.12)
    return fig


def ward_index(model: TeachingModel, name: str) -> int:
    names = model.wards.names
    return names.index(name) if name in names else int(np.flatnonzero(model.wards.target)[0])


def trajectories_panel(model: TeachingModel, selected: solara.Reactive[str]):
    ward = ward_index(model, selected.value)
    with solara.Column(
        style=panel_style({"padding": "4px"}), classes=["qisim-trajectories"]
    ) as main:
        solara.FigureMatplotlib(
            trajectories_figure(model, ward),
            format="png",
            dependencies=[id(model), model.days_done, ward],
        )
    return main


def stages_panel(model: TeachingModel, selected: solara.Reactive[str]):
    ward = ward_index(model, selected.value)
    with solara.Column(style=panel_style({"padding": "4px"}), classes=["qisim-stages"]) as main:
        solara.FigureMatplotlib(
            stages_figure(model, ward),
            format="png",
            dependencies=[id(model), model.days_done, ward],
        )
    return main


# ---------------------------------------------------------------------------------------------
# The selected ward's staff


def staff_rows(model: TeachingModel, ward: int) -> list[dict]:
    """One dict per member of the ward's staff (Mesa agents): on duty, role, tribe, shift, stage;
    on duty first."""
    rows = []
    for agent in model.staff_agents:
        if model.staff.ward[agent.index] != ward:
            continue
        rows.append(
            {
                "on_duty": agent.on_duty,
                "role": ROLE_LABEL[agent.role],
                "tribe": agent.tribe,
                "shift": agent.shift,
                "stage": agent.stage if agent.is_target else "",
                "target": agent.is_target,
            }
        )
    rows.sort(key=lambda r: (not r["on_duty"], r["tribe"], r["role"]))
    return rows


def staff_panel(model: TeachingModel, selected: solara.Reactive[str]):
    """The selected ward: its manager and its staff (on duty now, role, tribe, shift, stage)."""
    ward = ward_index(model, selected.value)
    w = model.wards
    manager = next(m for m in model.ward_managers if m.ward_index == ward)
    rows = staff_rows(model, ward)
    on_duty = sum(r["on_duty"] for r in rows)
    head = (
        f"<b>{html.escape(w.names[ward])}</b> · {html.escape(w.hospital_names[w.hospital[ward]])}"
        f" · {html.escape(w.specialty[ward])}<br>"
        f"<span style='font-size:12px'>Manager: enthusiasm {manager.enthusiasm:.2f} · role "
        f"modelling {manager.role_modelling:.2f} · style and tone {manager.style_tone:.2f} · "
        f"shielding {manager.shielding:.2f}<br>Micro-culture {w.micro_culture[ward]:.2f} · "
        f"on duty now: {on_duty} of {len(rows)} staff · staffing today "
        f"{w.staffing[ward, 0]:.0%} (day), {w.staffing[ward, 1]:.0%} (night)</span>"
    )
    body = []
    for r in rows:
        dot = "●" if r["on_duty"] else "○"
        if r["stage"]:
            bg, fg = STAGE_CHIP[r["stage"]]
            stage = f"<span style='background:{bg};color:{fg};padding:0 6px;border-radius:8px'>{r['stage']}</span>"
        else:
            stage = "<span style='color:#9e9e9e'>not targeted</span>"
        body.append(
            f"<tr{' style="opacity:0.55"' if not r['on_duty'] else ''}><td>{dot}</td>"
            f"<td>{r['role']}</td><td>{r['tribe']}</td><td>{r['shift']}</td><td>{stage}</td></tr>"
        )
    table = (
        "<table class='qisim-staff' style='border-collapse:collapse;font-size:12px;width:100%'>"
        "<thead><tr style='text-align:left;border-bottom:1px solid #ccc'><th>on duty</th>"
        "<th>role</th><th>tribe</th><th>shift</th><th>stage toward the initiative</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=f"<div style='margin-bottom:6px'>{head}</div>{table}",
        classes=["qisim-staff-panel"],
        style=panel_style({"font-size": "13px"}),
    )


# ---------------------------------------------------------------------------------------------
# Lifecycle and competing initiatives


def initiative_panel(model: TeachingModel):
    """The lifecycle stage and its history, the QI team, and the initiatives competing for the
    same wards today."""
    lc, c = model.lifecycle, model.competing
    day = model.day if model.days_done else 0
    chips = " → ".join(
        f"<span style='background:{STAGE_COLOURS.get(s, '#eee')};padding:1px 6px;"
        f"border-radius:8px'>{html.escape(s)}</span> <small>day {d}</small>"
        for d, s in lc.history
    )
    live = [i for i in range(c.n) if c.start[i] <= day < c.end[i] and not c.halted[i]]
    rows = "".join(
        f"<tr><td>{html.escape(c.names[i])}</td><td>{'pushed by the board' if c.pushed[i] else 'planned'}"
        f"</td><td>{int(c.wards[i].sum())}</td><td>{int(c.end[i])}</td></tr>"
        for i in live
    )
    competing = (
        "<table style='border-collapse:collapse;font-size:12px;width:100%'><thead><tr "
        "style='text-align:left;border-bottom:1px solid #ccc'><th>competing initiative</th>"
        f"<th>origin</th><th>wards</th><th>until day</th></tr></thead><tbody>{rows}</tbody></table>"
        if live
        else "<p>No other initiative is running on these wards today.</p>"
    )
    events = "".join(f"<li>day {d}: {html.escape(note)}</li>" for d, note in model.event_log)
    text = (
        f"<div style='font-size:15px'>Stage now: <b class='qisim-stage'>{html.escape(lc.stage)}</b>"
        f" · momentum {lc.momentum:.2f} · QI team {len(model.qi_team)}"
        f" of {model.qi_scenario.qi_team.establishment}</div>"
        f"<div style='margin:6px 0;line-height:1.9'>{chips}</div>"
        f"<div><b>{len(live)}</b> other initiative{'s' if len(live) != 1 else ''} running today"
        f" ({c.n} so far, {int(c.pushed.sum())} pushed by the board)</div>{competing}"
        + (f"<div style='margin-top:6px'><b>Events</b><ul>{events}</ul></div>" if events else "")
    )
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=text,
        classes=["qisim-initiative"],
        style=panel_style({"font-size": "13px"}),
    )


# ---------------------------------------------------------------------------------------------
# Controls (in the sidebar)


@solara.component
def SidebarControls(
    model: solara.Reactive[TeachingModel],
    selected: solara.Reactive[str],
    rebuild: Callable[[Choices], None],
    run_to_end: Callable[[], None],
):
    """The teacher's controls, placed in the sidebar *below* Mesa's Step / ▶ / Reset: solara
    orders sidebar entries by how deep in the page they are declared, hence the extra level."""
    LessonControls(model, selected, rebuild, run_to_end)


@solara.component
def LessonControls(
    model: solara.Reactive[TeachingModel],
    selected: solara.Reactive[str],
    rebuild: Callable[[Choices], None],
    run_to_end: Callable[[], None],
):
    """What a teacher may change. Any change starts the run again at day 0 with the same seed,
    so the class sees the effect of that one change."""
    with solara.Sidebar():
        ControlCards(model, selected, rebuild, run_to_end)


@solara.component
def ControlCards(
    model: solara.Reactive[TeachingModel],
    selected: solara.Reactive[str],
    rebuild: Callable[[Choices], None],
    run_to_end: Callable[[], None],
):
    # Mesa's force_update after a step does not reach the sidebar: read its counter so the
    # "Run to the end" button greys out when the run ends
    update_counter.get()
    m = model.value
    c = m.choices
    scenario = m.qi_scenario
    ward = ward_index(m, selected.value)
    manager = next(a for a in m.ward_managers if a.ward_index == ward)
    titles = {k: lesson(k).title for k in lesson_keys()}
    by_title = {v: k for k, v in titles.items()}

    def change(**kw) -> None:
        rebuild(replace(c, **kw))

    def set_manager(enthusiasm: float, role_modelling: float) -> None:
        rebuild(c.with_manager(m.wards.names[ward], enthusiasm, role_modelling))

    with solara.Card("Lesson", classes=["qisim-controls"]):
        solara.Select(
            label="Lesson",
            value=titles[c.lesson],
            values=list(titles.values()),
            on_value=lambda title: rebuild(Choices(by_title[title])),
            classes=["qisim-lesson-select"],
        )
        with solara.Row(gap="8px", style="flex-wrap: wrap"):
            solara.Button("Run to the end", on_click=run_to_end, color="primary", outlined=True,
                          disabled=not m.running, classes=["qisim-run"])  # fmt: skip
            solara.Button("Back to the lesson", on_click=lambda: rebuild(Choices(c.lesson)),
                          outlined=True, disabled=not c.changed, classes=["qisim-back"])  # fmt: skip
        solara.Text(
            "Any change below starts the run again at day 0 (same seed).",
            style="font-size: 12px; color: #666",
        )
    with solara.Card("Trust"):
        solara.SliderFloat(
            "Trust culture (0 hostile, 1 exemplary)",
            value=round(culture_index(scenario), 2),
            min=0.0, max=1.0, step=0.01,
            on_value=lambda v: change(culture=float(v)),
        )  # fmt: skip
        solara.SliderFloat(
            "Staffing: share of nursing posts filled",
            value=round(staffing_level(scenario), 2),
            min=min(0.5, round(staffing_level(scenario), 2)), max=1.0, step=0.01,
            on_value=lambda v: change(staffing=float(v)),
        )  # fmt: skip
    with solara.Card("Selected ward's manager"):
        solara.Select(
            label="Ward (or click a tile)",
            value=m.wards.names[ward],
            values=list(m.wards.names),
            on_value=selected.set,
        )
        solara.SliderFloat(
            "Enthusiasm for the initiative",
            value=round(manager.enthusiasm, 2),
            min=0.0, max=1.0, step=0.01,
            on_value=lambda v: set_manager(float(v), manager.role_modelling),
        )  # fmt: skip
        solara.SliderFloat(
            "Role modelling",
            value=round(manager.role_modelling, 2),
            min=0.0, max=1.0, step=0.01,
            on_value=lambda v: set_manager(manager.enthusiasm, float(v)),
        )  # fmt: skip
    init = m.initiative
    with solara.Card("Initiative design"):
        solara.SliderFloat("Co-design with staff", value=round(init.co_design, 2), min=0.0,
                           max=1.0, step=0.01, on_value=lambda v: change(co_design=float(v)))  # fmt: skip
        solara.SliderFloat("PDSA cycles in the roll-out", value=round(init.pdsa_rollout, 2),
                           min=0.0, max=1.0, step=0.01,
                           on_value=lambda v: change(pdsa_rollout=float(v)))  # fmt: skip
        solara.SliderFloat("Problem clarity", value=round(init.problem_clarity, 2), min=0.0,
                           max=1.0, step=0.01, on_value=lambda v: change(problem_clarity=float(v)))  # fmt: skip
        solara.Select(
            label="Messenger's profession",
            value=init.messenger,
            values=list(MESSENGERS),
            on_value=lambda v: change(messenger=v),
        )


__all__ = [
    "SidebarControls",
    "initiative_panel",
    "lesson_panel",
    "stages_panel",
    "staff_panel",
    "trajectories_panel",
    "ward_grid_panel",
]
