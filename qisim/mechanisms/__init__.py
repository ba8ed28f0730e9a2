"""The mechanisms the report supports, one module per family, named after the report's idea.

Each public function updates the model's arrays for all agents of a kind at once, and its
docstring cites the passage of *Able to improve?* it rests on. The model calls them in a visible
order each day (see :meth:`qisim.model.QIModel.step`) and each month (``monthly``).

Ablation: each family can be switched off (``qisim.run(..., ablate={"tribes"})``, ``qisim
validate --ablate tribes``). An ablated family is replaced by its *neutral element*, the value
that makes it neither help nor hinder: a multiplier of 1, an erosion of 0, a step that does
nothing. :data:`ABLATIONS` states each one; ``tests/test_validation.py`` checks each.
"""

ABLATIONS: dict[str, str] = {
    "reach": "every target member of staff on a live ward understands the change fully every day "
    "(no loss to shifts, release, cascade, written material or turnover)",
    "staffing": "every shift can do the practice (feasibility 1) and release staff to learn "
    "(release 1), whatever its staffing",
    "ownership": "where the change came from and co-design neither help nor hinder: origin factor "
    "1, imposition's resistance 0, no involvement during design",
    "problem": "the problem's clarity neither helps nor hinders: clarity factor 1, no stifling by "
    "senior clinicians",
    "tribes": "messages cross professional borders intact (weight 1), no pull toward one's own "
    "profession, joint practice never waits for another profession",
    "role_modelling": "ward managers' enthusiasm and role modelling add nothing: pull 1, habit "
    "hold 0",
    "initiativitis": "competing initiatives cost nothing: no change fatigue, no initiatives pushed "
    "by executives",
    "adaptation": "the change fits every ward from launch (fit 1); PDSA has nothing to do",
    "momentum": "the team never loses momentum: the monthly review never stops or redesigns",
    "leadership": "design runs at full speed whoever leads (no turf battles) and the team's time "
    "is its time share, whatever the executives' backing",
    "framing": "the message's framing neither helps nor hinders: no early boost from tailoring, "
    "no cynicism from inconsistent motives",
    "culture": "the sound organisational base neither adds nor restricts: environment 1 on every "
    "ward and full audit pull and follow-through (the restricting pathways), no bridging of "
    "professions, no senior cover, no learning or blame after a disappointing audit, no local "
    "adjustments by ward staff and no scrutiny skipped (the adding pathways)",
    "learning": "QI skills of staff and team stay as they start: no growth",
    "audit": "audits are taken but change nothing: no boost to ownership, no learning or blame "
    "after a disappointing one, ignored by the monthly review",
}


def check_ablations(names) -> frozenset[str]:
    """The set of ablated families, checked against :data:`ABLATIONS`.

    Raises:
        ValueError: naming an unknown family and listing the allowed ones.
    """
    names = frozenset(names or ())
    unknown = sorted(names - set(ABLATIONS))
    if unknown:
        raise ValueError(
            f"unknown mechanism family {', '.join(repr(n) for n in unknown)} to ablate; "
            f"allowed: {', '.join(ABLATIONS)}"
        )
    return names
