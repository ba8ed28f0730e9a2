"""Audit: patient outcomes fall as practice rises; the QI team's audits sample them with noise,
and what they show feeds back into staff motivation (adducing local data).

Report §3 Adducing local data: ideas "had to be backed up with local data"; §3 Ensuring the QI
team use technical QI skills: Nurse-led discharge made "effective use of audit, for example by
demonstrating to initially resistant staff that when the Nurse-led discharge documentation was
used, fewer patients were phoning for help"; "A lack of benchmarking or initial audit diminished
the incentive to improve" (Handover at night had none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from qisim.mechanisms import problem
from qisim.streams import draw_poisson

if TYPE_CHECKING:
    from qisim.model import QIModel

AUDIT_RATE_FLOOR = np.finfo(float).tiny  # guards a division by a zero baseline rate


def outcome_rate(model: QIModel) -> np.ndarray:
    """Expected patient-outcome events per ward today: the outcome's base rate per bed-day (the
    scenario's local rate, else qisim's assumption; see ``scenario.outcome_base_rate``),
    reduced by the share of the target practice done on the ward."""
    w, k = model.wards, model.constants
    outcome = model.initiative.outcome
    practice = w.night_practice if outcome == "night_emergency_calls" else w.practice
    return w.outcome_base_rate * w.beds * (1 - k.outcome_effect * practice)


def patient_outcomes(model: QIModel) -> None:
    """Draw today's events (falls, pressure sores, night calls or delayed discharges): Poisson
    counts at each ward's :func:`outcome_rate` (one compiled pass, :func:`_patient_outcomes`,
    drawing as ``model.streams.poisson("outcome_events", ...)`` would)."""
    w, k = model.wards, model.constants
    night = model.initiative.outcome == "night_emergency_calls"
    w.outcome_events = np.empty(w.n)
    ok = _patient_outcomes(
        model.streams.key("outcome_events"), model.streams.fixed, model.day, w.slot,
        w.outcome_base_rate, w.beds, k.outcome_effect, w.night_practice if night else w.practice,
        w.outcome_events, w.outcome_month,
    )  # fmt: skip
    if not ok:
        raise ValueError("poisson 'outcome_events': means must be finite and >= 0")


@numba.njit(cache=True)
def _patient_outcomes(
    key, fixed, day, slot, base_rate, beds, effect, practice, events, month
):  # fmt: skip
    for w in range(slot.size):
        # the expected events (outcome_rate): base rate per bed-day, less the practice done
        rate = base_rate[w] * beds[w] * (1 - effect * practice[w])
        # today's events: a Poisson count at that rate
        count = draw_poisson(key, fixed, day, slot[w], rate)
        if count < 0:
            return False
        events[w] = count
        month[w] += count
    return True


def monthly_audit(model: QIModel) -> None:
    """The QI team audits each live ward's outcome rate with sampling noise, against the
    baseline audit (or, lacking one, against its own first audit after launch).

    How the ward answers what the audit shows is the trust's culture, two features on two
    pathways:

    * an improvement clear of the noise raises ownership on that ward, as strongly as the
      trust's culture of *adducing local data* and the agreement on the problem allow
      (``audit_feedback * adducing_local_data * clarity``, more for staff with QI skill; report
      §3 Adducing local data; Nurse-led discharge's audit "demonstrating to initially resistant
      staff");
    * a disappointing audit (no improvement clear of the noise) is *confronted*: constructively,
      the ward learns and adjusts the change (``failure_learning * confronting_failure`` of its
      misfit removed); with blame, staff back away (``blame_erosion * (1 - confronting_failure)``
      of their ownership lost) (report §3 Confronting failure constructively: "Blame was
      considered inappropriate ... The response instead ... should be mutual support and
      development"; §3 Upsworth: "blame and/or panicky, short-term fixes imposed from above").
    """
    w, k, s = model.wards, model.constants, model.staff
    days = max(model.day - model.last_audit_day, 1)
    observed = w.outcome_month / days
    noisy = observed * np.exp(
        model.streams.normal("audit_noise", model.day, w.slot, 0, k.audit_noise)
    )
    w.outcome_month[:] = 0
    model.last_audit_day = model.day
    if not model.lifecycle.supporting:
        model.last_audit_improvement = 0.0
        return
    live = w.active
    unset = live & np.isnan(w.baseline_rate)
    compared = live & ~unset  # a first audit after launch sets the baseline; it shows nothing
    w.baseline_rate[unset] = noisy[unset]
    with np.errstate(invalid="ignore", divide="ignore"):
        improvement = np.where(
            live, (w.baseline_rate - noisy) / np.maximum(w.baseline_rate, AUDIT_RATE_FLOOR), 0
        )
    shows = live & (improvement > k.audit_noise)
    model.last_audit_improvement = float(np.mean(improvement[live])) if live.any() else 0.0
    model.audits.append(
        (
            model.day,
            float(np.mean(noisy[live])) if live.any() else np.nan,
            model.last_audit_improvement,
        )
    )
    confront_failure(model, compared & ~shows)
    if not shows.any() or model.ablates("audit"):
        return
    data = model.qi_scenario.trust.culture.adducing_local_data
    if model.ablates("culture"):
        data = 1.0
    boost = k.audit_feedback * data * problem.clarity(model)
    on = s.target & shows[s.ward]
    s.ownership[on] += boost * (k.audit_skill_base + s.qi_skill[on]) * (1 - s.ownership[on])


def confront_failure(model: QIModel, disappointing: np.ndarray) -> None:
    """Wards whose audit disappoints (mask ``disappointing``): a trust that confronts failure
    constructively learns (the ward's misfit shrinks by ``failure_learning *
    confronting_failure``); one that blames loses ownership (``blame_erosion * (1 -
    confronting_failure)`` of it). Nothing when audit feedback or culture is ablated."""
    if not disappointing.any() or model.ablates("audit") or model.ablates("culture"):
        return
    w, k, s = model.wards, model.constants, model.staff
    confronting = model.qi_scenario.trust.culture.confronting_failure
    w.fit[disappointing] += k.failure_learning * confronting * (1 - w.fit[disappointing])
    on = s.target & disappointing[s.ward]
    s.ownership[on] *= 1 - k.blame_erosion * (1 - confronting)


def baseline_audit(model: QIModel) -> None:
    """Before launch, a baseline audit (if the scenario has one) measures each target ward's
    outcome rate, so later audits can show improvement from the start."""
    w = model.wards
    rate = outcome_rate(model)
    sd = model.constants.audit_noise
    noisy = rate * np.exp(model.streams.normal("baseline_audit_noise", model.day, w.slot, 0, sd))
    w.baseline_rate = np.where(w.target, noisy, np.nan)


__all__ = [
    "baseline_audit",
    "confront_failure",
    "monthly_audit",
    "outcome_rate",
    "patient_outcomes",
]
