"""The page ``qisim app`` serves: Mesa's SolaraViz around qisim's panels.

SolaraViz gives the frame a Mesa user knows: Step, ▶ (run) and Reset, the play and render
intervals, and the seed under "Model Parameters" (used when Reset is pressed). qisim adds the
lesson controls in the sidebar and six panels: ward grid, lesson, trajectories, the selected
ward's staff, staff stages and the initiative's lifecycle with its competing initiatives.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update

from qisim.app import components as ui
from qisim.app.model import DEFAULT_LESSON, Choices, TeachingModel, custom_scenario_path, lesson

DAYS_PER_STEP = 7  # Step and each frame of ▶ advance a week: a two-year run is ~100 steps


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


@solara.component
def Page():
    start = solara.use_memo(lambda: TeachingModel(first_choices(), rng=0), [])
    model = solara.use_reactive(start)
    choices = solara.use_reactive(start.choices)
    selected = solara.use_reactive(focus_ward(start))
    # bumped by every rebuild: a new key gives SolaraViz fresh controls (Mesa's Step and ▶ stay
    # greyed out once a run has ended, until its own Reset)
    generation = solara.use_reactive(0)

    def rebuild(new: Choices) -> None:
        """Start again at day 0 with these choices and the current seed."""
        lesson_changed = new.lesson != choices.value.lesson
        choices.set(new)
        model.set(TeachingModel(new, rng=model.value.seed))
        if lesson_changed or selected.value not in model.value.wards.names:
            selected.set(focus_ward(model.value))
        generation.set(generation.value + 1)

    def run_to_end() -> None:
        m = model.value
        while m.running:
            m.step()
        force_update()

    components = [
        (lambda m: ui.ward_grid_panel(m, selected), 0),
        (ui.lesson_panel, 0),
        (lambda m: ui.trajectories_panel(m, selected), 0),
        (lambda m: ui.staff_panel(m, selected), 0),
        (lambda m: ui.stages_panel(m, selected), 0),
        (ui.initiative_panel, 0),
    ]
    model_params = {
        # Mesa's Reset rebuilds TeachingModel(**params): give it the controls as they are now
        "choices": lambda: choices.value,
        "rng": {
            "type": "InputText",
            "value": str(model.value.seed),
            "label": "Seed (used when you press Reset)",
        },
    }
    SolaraViz(
        model,
        components=components,
        model_params=model_params,
        name="qisim: watch a ward take up a change",
        play_interval=150,
        render_interval=DAYS_PER_STEP,
    ).key(f"viz-{generation.value}")
    ui.SidebarControls(model, selected, rebuild, run_to_end)
