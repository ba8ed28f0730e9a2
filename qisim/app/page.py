"""The page ``qisim app`` serves: Mesa's run controls around qisim's panels.

From Mesa's SolaraViz the page keeps what a class needs: the Step (one week), ▶ (run) and Reset
buttons (:func:`mesa.visualization.solara_viz.ModelController`) and panels that can be dragged
and resized. Its other chrome (play and render intervals, threads, page tabs, "Time: 730.0")
is left out. qisim adds the lesson controls and the take-away in the sidebar and six panels: ward
grid, lesson, trajectories, the selected ward's staff, staff stages and the initiative's
lifecycle with its competing initiatives.

A link with query parameters (:func:`qisim.app.model.view_query`) opens the page on a lesson,
seed, set of changes, ward and day.
"""

from __future__ import annotations

from collections.abc import Callable

import solara
from mesa.visualization.solara_viz import ModelController, make_initial_grid_layout
from mesa.visualization.utils import force_update, update_counter

from qisim.app import components as ui
from qisim.app.model import (
    DEFAULT_LESSON,
    Baseline,
    Choices,
    TeachingModel,
    View,
    baseline,
    custom_scenario_path,
    lesson,
    parse_seed,
    view_from_query,
)

DAYS_PER_STEP = 7  # Step and each frame of ▶ advance a week: a two-year run is ~100 steps
PLAY_INTERVAL = 150  # ms between the weeks of ▶


def first_choices() -> Choices:
    return Choices("custom") if custom_scenario_path() else Choices(DEFAULT_LESSON)


def focus_ward(model: TeachingModel) -> str:
    """The ward a lesson opens on: its first named focus ward that exists, else the first target
    ward."""
    names = model.wards.names
    for name in lesson(model.choices.lesson).focus:
        if name in names:
            return name
    targets = [n for n, t in zip(names, model.wards.target) if t]
    return (targets or names)[0]


def opening(query: str | None) -> tuple[View, TeachingModel]:
    """The view a link asks for (the lesson's start without one), its model run to the link's
    day; anything in the link not understood is said in the lesson panel."""
    view, notes = view_from_query(query, first_choices())
    model = TeachingModel(view.choices, rng=view.seed)
    model.notes += notes
    while model.running and model.days_done < view.day:
        model.step()
    return view, model


def compared(model: TeachingModel, compare: bool) -> Baseline | None:
    """The lesson's own run on the model's seed, when comparing and something was changed."""
    if not compare or not model.choices.changed:
        return None
    return baseline(model.choices.lesson, model.seed)


@solara.component
def Panel(draw: Callable[[TeachingModel], solara.Element], model: TeachingModel):
    update_counter.get()  # redrawn after every Step
    return draw(model)


@solara.component
def Page():
    router = solara.use_router()
    view, start = solara.use_memo(lambda: opening(router.search), [])
    model = solara.use_reactive(start)
    selected = solara.use_reactive(view.ward or focus_ward(start))
    compare = solara.use_reactive(view.compare)
    # bumped by every rebuild: a new key gives Mesa's controller fresh buttons (Step and ▶ stay
    # greyed out once a run has ended, until its own Reset)
    generation = solara.use_reactive(0)
    layout, set_layout = solara.use_state(make_initial_grid_layout(6))
    play_interval = solara.use_reactive(PLAY_INTERVAL)
    render_interval = solara.use_reactive(DAYS_PER_STEP)
    use_threads = solara.use_reactive(False)

    def rebuild(new: Choices, seed: int | None = None) -> None:
        """Start again at day 0 with these choices and the seed (the current one by default)."""
        old = model.value
        model.set(TeachingModel(new, rng=old.seed if seed is None else seed))
        if new.lesson != old.choices.lesson or selected.value not in model.value.wards.names:
            selected.set(focus_ward(model.value))
        generation.set(generation.value + 1)

    def run_to_end() -> None:
        m = model.value
        while m.running:
            m.step()
        force_update()

    def base(m: TeachingModel) -> Baseline | None:
        return compared(m, compare.value)

    m = model.value
    with solara.AppBar():
        solara.AppBarTitle("qisim: watch a ward take up a change")
    with solara.Sidebar():
        with solara.Card("Run", classes=["qisim-run-card"]):
            # Mesa's Reset rebuilds TeachingModel(**these): the choices and seed as they are now
            parameters = {"choices": m.choices, "rng": m.seed}
            ModelController(
                model,
                model_parameters=parameters,
                play_interval=play_interval,
                render_interval=render_interval,
                use_threads=use_threads,
            ).key(f"run-{generation.value}")
            solara.InputText(
                "Seed (a number or a word; Enter starts again)",
                value=str(m.seed),
                on_value=lambda text: rebuild(m.choices, parse_seed(text)),
                classes=["qisim-seed"],
            )
            solara.Text(
                "Step: one week · ▶ runs (▶ again pauses) · Reset: back to day 0",
                style="font-size: 12px; color: #666",
            )
        ui.ControlCards(model, selected, compare, rebuild, run_to_end, base)
    panels = [
        lambda m: ui.ward_grid_panel(m, selected, base(m)),
        ui.lesson_panel,
        lambda m: ui.trajectories_panel(m, selected, base(m)),
        lambda m: ui.staff_panel(m, selected),
        lambda m: ui.stages_panel(m, selected),
        ui.initiative_panel,
    ]
    solara.GridDraggable(
        items=[Panel(draw, m) for draw in panels],
        grid_layout=layout,
        resizable=True,
        draggable=True,
        on_grid_layout=set_layout,
    )
