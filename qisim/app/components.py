"""What the page shows: the ward grid, the lesson, the trajectories, the selected ward's staff,
the initiative's lifecycle and competing initiatives, and the teacher's controls.

Each ``*_panel`` function takes the model (and the page's reactive state) and builds solara
elements; the page hands them to Mesa's SolaraViz, which redraws them after every step. Only
local front-end pieces are used (vuetify widgets, HTML, matplotlib images): nothing the page
would have to fetch from the internet.
"""

from __future__ import annotations

import html
import io
import textwrap
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from qisim.app.model import (
    DESIGN_CONTROLS,
    MESSENGERS,
    WARD_FIELDS,
    Baseline,
    Choices,
    View,
    changed_settings,
    culture_index,
    lesson,
    lesson_controls,
    lesson_keys,
    scenario_file_name,
    scenario_file_text,
    staffing_level,
    view_query,
)
from qisim.plots import STAGE_COLOURS, draw_ward_practice, smooth

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
FOCUS_COLOURS = ("#d62728", "#6a3d9a", "#ff7f0e", "#1f77b4", "#8c564b")  # named wards, in order
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
    return week_before(model.recorder.ward["practice"], model.recorder.n_recorded)


def week_before(practice: np.ndarray, day: int) -> np.ndarray:
    """Each ward's mean practice over the week before ``day`` (days x wards in; 0 at day 0)."""
    if day == 0:
        return np.zeros(practice.shape[1])
    return practice[max(day - RECENT, 0) : day].mean(axis=0)


def percent(share: float) -> int:
    """A share as the whole percent the page shows (``f"{share:.0%}"``)."""
    return int(f"{share:.0%}".removesuffix("%"))


def points(now: float, then: float) -> str:
    """The change from ``then`` to ``now`` in percentage points, e.g. ``+41``, ``-3`` or ``0``:
    the difference of the whole percents shown beside it, so that "40%, was 41%" says -1."""
    delta = percent(now) - percent(then)
    return f"{delta:+d}" if delta else "0"


def trust_practice(series: np.ndarray, day: int) -> float:
    """The trust's mean practice over the week before ``day``."""
    return float(series[max(day - RECENT, 0) : day].mean()) if day else 0.0


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
    compared: str = "",
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
            *(
                [
                    solara.v.Html(
                        tag="div",
                        class_="qisim-compare",
                        style_="font-size: 10px",
                        children=[compared],
                    )
                ]  # fmt: skip
                if compared
                else []
            ),
        ],
    )
    solara.v.use_event(tile, "click", lambda *_: on_select(name))
    return tile


def ward_grid_panel(
    model: TeachingModel, selected: solara.Reactive[str], base: Baseline | None = None
):
    """The trust's wards as tiles coloured by this week's practice, labelled with hospital and
    specialty; click one to select it. With ``base`` (the lesson's own run on the same seed),
    each tile also says its practice there and the change."""
    w = model.wards
    d = model.days_done
    practice = recent_practice(model)
    before = week_before(base.practice, d) if base is not None else None
    head = (
        f"<b>{html.escape(model.qi_scenario.trust.name)}</b> · "
        f"{html.escape(model.initiative.name)}<br><span class='qisim-day'>"
        f"{html.escape(day_line(model))}</span>"
    )
    if base is not None:
        now, then = (
            trust_practice(model.recorder.trust["practice"], d),
            trust_practice(base.trust_practice, d),
        )
        change = points(now, then)
        head += (
            "<br><span class='qisim-compare-head' style='font-size:12px;color:#5a3d00'>"
            f"Your change against the lesson's own run (same seed): trust practice {now:.0%}, "
            f"was {then:.0%} ({change} point{'' if change in ('+1', '-1') else 's'})</span>"
        )
    with solara.Column(style=panel_style(), gap="6px") as main:
        solara.HTML(tag="div", unsafe_innerHTML=head, style="font-size: 14px")
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
                compared = ""
                if before is not None and target:
                    change = points(practice[i], before[i])
                    compared = f"was {before[i]:.0%} · " + (
                        "no change" if change == "0" else f"{change} pts"
                    )
                bg, fg = tile_colours(active, target, practice[i])
                WardTile(name, place, status, bg, fg, name == selected.value, selected.set,
                         compared)  # fmt: skip
        legend = "".join(
            f"<span style='display:inline-block;width:22px;height:10px;background:"
            f"{tile_colours(True, True, p)[0]}'></span>"
            for p in np.linspace(0, 1, 6)
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<span style='font-size:11px'>practice this week: 0% {legend} 100%"
            " · grey: not live yet · ✓ embedded · click a ward to see its staff"
            + (" · <i>was</i>: this week in the lesson's own run" if base is not None else "")
            + "</span>",
        )
    return main


# ---------------------------------------------------------------------------------------------
# Lesson text


def lesson_panel(model: TeachingModel):
    """The lesson: what the report saw, what to watch, what to try."""
    ls = model.lesson
    parts = [f"<h3 style='margin:0 0 6px 0'>{html.escape(ls.title)}</h3>"]
    changes = changed_settings(model.choices)
    if changes:
        items = "".join(
            f"<li>{html.escape(what)}: {before} → <b>{after}</b></li>"
            for what, before, after in changes
        )
        parts.append(
            "<div class='qisim-changes' style='color:#8a4b00'><b>You have changed this lesson"
            f"</b> (on the left; 'Back to the lesson' undoes it):<ul style='margin:2px 0'>{items}"
            "</ul></div>"
        )
    for note in model.notes:
        parts.append(
            f"<p style='background:#fff3cd;padding:4px 6px;border-radius:4px'>{html.escape(note)}</p>"
        )
    parts.append(f"<p>{html.escape(ls.story)}</p>")
    parts.append(f"<p><b>Watch.</b> {html.escape(ls.watch)}</p>")
    parts.append(f"<p><b>Try.</b> {html.escape(ls.try_)}</p>")
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


def trajectories_figure(model: TeachingModel, ward: int, base: Baseline | None = None) -> Figure:
    """Practice and habit of the trust and the selected ward; the ward's staffing and load.
    With ``base``, the lesson's own run on the same seed as faint dotted lines beside them."""
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
    if base is not None:
        ax.plot(t, base.trust_practice[:d], color="#555555", lw=1.0, ls=":", alpha=0.8,
                label="trust: lesson's own run")  # fmt: skip
        ax.plot(t, base.practice[:d, ward], color="#2ca02c", lw=1.0, ls=":", alpha=0.8,
                label=f"{name}: lesson's own run")  # fmt: skip
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


def highlighted_wards(model: TeachingModel, selected: str) -> list[int]:
    """The wards a hand-out picks out: the lesson's focus wards, the wards the teacher changed
    and the selected ward."""
    names = model.wards.names
    wanted = [*model.lesson.focus, *(s[0] for s in model.choices.wards), selected]
    return [names.index(n) for n in dict.fromkeys(wanted) if n in names]


def handout_figure(model: TeachingModel, selected: str, base: Baseline | None = None) -> Figure:
    """The figure to take away: each ward's practice over the run, the lesson's focus wards, the
    changed wards and the selected ward named; beside it, each ward's practice this week (and in
    the lesson's own run on the same seed, with the change)."""
    rec, w = model.recorder, model.wards
    d = rec.n_recorded
    t = np.arange(d)
    focus = highlighted_wards(model, selected)
    fig = Figure(figsize=(12, 5.4), dpi=110)
    ax, bx = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    shade(ax, [tuple(h) for h in model.lifecycle.history], max(d, 1), model.days)
    draw_ward_practice(ax, rec.ward["practice"][:d], w, focus, focus_colours=FOCUS_COLOURS)
    ax.plot(t, smooth(rec.trust["practice"][:d]), color="black", lw=2.0, label="trust")
    if base is not None:
        for i in focus:
            ax.plot(t, smooth(base.practice[:d, i]), color="#777777", lw=1.2, ls=":")
        ax.plot(t, smooth(base.trust_practice[:d]), color="black", lw=1.2, ls=":",
                label="lesson's own run (same seed)")  # fmt: skip
    ax.set_xlim(0, model.days)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("day")
    ax.set_ylabel("practice (share done, 14-day mean)")
    ax.legend(fontsize=8, loc="upper left", framealpha=0.8)

    target = np.flatnonzero(w.target)
    now = recent_practice(model)[target]
    y = np.arange(len(target))[::-1]
    height = 0.4 if base is not None else 0.7
    bx.barh(y + (height / 2 if base is not None else 0), now, height=height, color="#2ca02c",
            label="now")  # fmt: skip
    if base is not None:
        then = week_before(base.practice, d)[target]
        bx.barh(y - height / 2, then, height=height, color="#bdbdbd", label="lesson's own run")
        for yi, a, b in zip(y, now, then):
            bx.text(max(a, b) + 0.01, yi, points(a, b), va="center", fontsize=7)
        bx.legend(fontsize=8, loc="lower right", framealpha=0.8)
    bx.set_yticks(y, [w.names[i] for i in target], fontsize=7)
    for label, i in zip(bx.get_yticklabels(), target):
        if i in focus:
            label.set_fontweight("bold")
            label.set_color(FOCUS_COLOURS[focus.index(i) % len(FOCUS_COLOURS)])
    bx.set_xlim(0, 1.1)
    bx.set_xlabel(f"practice in the week to day {d}")
    changes = changed_settings(model.choices)
    title = f"{model.lesson.title} · seed {model.seed} · day {d} of {model.days}"
    fig.suptitle(title, fontsize=12, x=0.01, ha="left")
    text = "; ".join(f"{what} {b} → {a}" for what, b, a in changes)
    lines = textwrap.wrap(f"Changed: {text}", 170, max_lines=3) if changes else []
    for k, line in enumerate(lines):
        fig.text(0.01, 0.905 - 0.035 * k, line, fontsize=8, color="#8a4b00", ha="left")
    fig.subplots_adjust(left=0.06, right=0.98, top=0.84 - 0.035 * max(len(lines) - 1, 0),
                        bottom=0.1, wspace=0.28)  # fmt: skip
    return fig


def png_bytes(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def ward_index(model: TeachingModel, name: str) -> int:
    names = model.wards.names
    return names.index(name) if name in names else int(np.flatnonzero(model.wards.target)[0])


def trajectories_panel(
    model: TeachingModel, selected: solara.Reactive[str], base: Baseline | None = None
):
    ward = ward_index(model, selected.value)
    with solara.Column(
        style=panel_style({"padding": "4px"}), classes=["qisim-trajectories"]
    ) as main:
        solara.FigureMatplotlib(
            trajectories_figure(model, ward, base),
            format="png",
            dependencies=[id(model), model.days_done, ward, base is None],
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


def slider(label: str, value: float, on_value: Callable[[float], None], **kw) -> None:
    solara.SliderFloat(label, value=round(float(value), 2), min=kw.pop("min", 0.0), max=1.0,
                       step=0.01, on_value=lambda v: on_value(float(v)), **kw)  # fmt: skip


@solara.component
def ControlCards(
    model: solara.Reactive[TeachingModel],
    selected: solara.Reactive[str],
    compare: solara.Reactive[bool],
    rebuild: Callable[[Choices], None],
    run_to_end: Callable[[], None],
    baseline_for: Callable[[TeachingModel], Baseline | None],
):
    """What a teacher may change (the controls the lesson lists), and what she may take away.
    Any change starts the run again at day 0 with the same seed, so the class sees the effect of
    that one change."""
    # Mesa's force_update after a step does not reach the sidebar: read its counter so the
    # "Run to the end" button greys out when the run ends, and the link carries the day
    update_counter.get()
    m = model.value
    c = m.choices
    scenario = m.qi_scenario
    ward = ward_index(m, selected.value)
    name = m.wards.names[ward]
    manager = next(a for a in m.ward_managers if a.ward_index == ward)
    titles = {k: lesson(k).title for k in lesson_keys()}
    by_title = {v: k for k, v in titles.items()}
    shown = lesson_controls(c.lesson)

    def change(**kw) -> None:
        rebuild(replace(c, **kw))

    def set_ward(key: str) -> Callable[[float], None]:
        return lambda v: rebuild(c.with_ward(name, **{key: v}))

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
        solara.Switch(
            label="Compare with the lesson's own run",
            value=compare,
            classes=["qisim-compare-switch"],
        )
        solara.Text(
            "Any change below starts the run again at day 0 with the same seed; with compare "
            "on, each tile and the chart also show the lesson's own run on that seed.",
            style="font-size: 12px; color: #666",
        )
    if {"culture", "staffing"} & set(shown):
        with solara.Card("Trust"):
            if "culture" in shown:
                slider("Trust culture (0 hostile, 1 exemplary)", culture_index(scenario),
                       lambda v: change(culture=v))  # fmt: skip
            if "staffing" in shown:
                level = round(staffing_level(scenario), 2)
                slider("Staffing: share of nursing posts filled", level,
                       lambda v: change(staffing=v), min=min(0.5, level))  # fmt: skip
    ward_controls = [k for k in shown if k in WARD_FIELDS]
    with solara.Card("Selected ward", classes=["qisim-ward-controls"]):
        solara.Select(
            label="Ward (or click a tile)",
            value=name,
            values=list(m.wards.names),
            on_value=selected.set,
            classes=["qisim-ward-select"],
        )
        if "micro_culture" in ward_controls:
            slider("Micro-culture", m.wards.micro_culture[ward],
                   set_ward("micro_culture"))  # fmt: skip
        labels = {
            "enthusiasm": "Enthusiasm",
            "role_modelling": "Role modelling",
            "style_tone": "Style and tone",
            "shielding": "Shielding",
        }
        if set(labels) & set(ward_controls):
            solara.Text(
                "Its manager (shielding: keeping other initiatives off the ward)",
                style="font-size: 12px; color: #666",
            )
        for key, label in labels.items():
            if key in ward_controls:
                slider(label, getattr(manager, key), set_ward(key))
    design = [k for k in shown if k in DESIGN_CONTROLS]
    init = m.initiative
    if design:
        with solara.Card("Initiative design"):
            labels = {
                "co_design": "Co-design with staff",
                "pdsa_rollout": "PDSA cycles in the roll-out",
                "problem_clarity": "Problem clarity",
            }
            for key, label in labels.items():
                if key in design:
                    slider(label, getattr(init, key), lambda v, key=key: change(**{key: v}))
            if "messenger" in design:
                solara.Select(
                    label="Messenger's profession",
                    value=init.messenger,
                    values=list(MESSENGERS),
                    on_value=lambda v: change(messenger=v),
                )
    TakeAway(model, selected, compare, baseline_for)


@solara.component
def TakeAway(
    model: solara.Reactive[TeachingModel],
    selected: solara.Reactive[str],
    compare: solara.Reactive[bool],
    baseline_for: Callable[[TeachingModel], Baseline | None],
):
    """Something to hand out: the figure, the scenario file, a link to this view."""
    update_counter.get()  # the link carries the day reached
    m = model.value
    query = view_query(View(m.choices, m.seed, selected.value, m.days_done, compare.value))
    stem = scenario_file_name(m.choices).removesuffix(".toml")

    def figure() -> bytes:
        now = model.value
        return png_bytes(handout_figure(now, selected.value, baseline_for(now)))

    with solara.Card("Take away", classes=["qisim-takeaway"]):
        with solara.Row(gap="8px", style="flex-wrap: wrap"):
            solara.FileDownload(
                figure, filename=f"{stem}_day{m.days_done}.png", mime_type="image/png",
                label="Figure (PNG)",
            )  # fmt: skip
            solara.FileDownload(
                lambda: scenario_file_text(model.value.choices, model.value.seed),
                filename=scenario_file_name(m.choices),
                mime_type="application/toml",
                label="Scenario (TOML)",
            )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=f"<a class='qisim-link' href='?{html.escape(query)}' "
            "target='_blank'>Link to this view</a> <span style='font-size:12px;color:#666'>"
            "(lesson, seed, your changes, ward and day: copy it, or open it in a new tab)</span>",
            style="font-size: 14px; margin-top: 6px",
        )


__all__ = [
    "ControlCards",
    "handout_figure",
    "initiative_panel",
    "lesson_panel",
    "stages_panel",
    "staff_panel",
    "trajectories_panel",
    "ward_grid_panel",
]
