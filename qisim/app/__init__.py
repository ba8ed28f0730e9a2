"""The teaching app: a Mesa SolaraViz page where a class watches wards take up (or drop) an
initiative, and changes one thing to see why (``qisim app``; docs/app.md).

Modules: :mod:`~qisim.app.presets` (the lessons), :mod:`~qisim.app.model` (the teacher's choices
-> scenario -> model), :mod:`~qisim.app.components` (ward grid, staff, charts, lesson text),
:mod:`~qisim.app.page` (the SolaraViz page), :mod:`~qisim.app.server` (serving it on
127.0.0.1, with the page's front-end files installed locally so it works offline).
"""
