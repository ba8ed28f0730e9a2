"""The mechanisms the report supports, one module per family, named after the report's idea.

Each public function updates the model's arrays for all agents of a kind at once, and its
docstring cites the passage of *Able to improve?* it rests on. The model calls them in a visible
order each day (see :meth:`qisim.model.QIModel.step`) and each month (``monthly``).
"""
