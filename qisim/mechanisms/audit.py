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

import numpy as np

from qisim.mechanisms import problem

if TYPE_CHECKING:
    from qisim.model import QIModel


def outcome_rate(model: QIModel) -> np.ndarray:
    """Expected patient-outcome events per ward today: the outcome's base rate per bed-day (the
    scenario's local rate, else qisim's assumption; see ``scenario.outcome_base_rate``),
    reduced by the share of the target practice done on the ward."""
    w, k = model.wards, model.constants
    outcome = model.initiative.outcome
    practice = w.night_practice if outcome == "night_emergency_calls" else w.practice
    return w.outcome_base_rate * w.beds * (1 - k.outcome_effect * practice)


def patient_outcomes(model: QIModel) -> None:
    """Draw today's events (falls, pressure sores, night calls or delayed discharges)."""
    w = model.wards
    w.outcome_events = model.rng.poisson(outcome_rate(model)).astype(float)
    w.outcome_month += w.outcome_events
    w.practice_month += w.practice


def monthly_audit(model: QIModel) -> None:
    """The QI team audits each live ward's outcome rate with sampling noise, against the
    baseline audit (or, lacking one, against its own first audit after launch). An improvement
    clear of the noise raises ownership on that ward, as strongly as the trust's culture of
    adducing local data and the agreement on the problem allow."""
    w, k, s = model.wards, model.constants, model.staff
    days = max(model.day - model.last_audit_day, 1)
    observed = w.outcome_month / days
    noisy = observed * np.exp(model.rng.normal(0, k.audit_noise, w.n))
    w.outcome_month[:] = 0
    w.practice_month[:] = 0
    model.last_audit_day = model.day
    if not model.lifecycle.supporting:
        model.last_audit_improvement = 0.0
        return
    live = w.active
    unset = live & np.isnan(w.baseline_rate)
    w.baseline_rate[unset] = noisy[unset]
    with np.errstate(invalid="ignore", divide="ignore"):
        improvement = np.where(
            live, (w.baseline_rate - noisy) / np.maximum(w.baseline_rate, 1e-9), 0
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
    if not shows.any() or model.ablates("audit"):
        return
    data = model.qi_scenario.trust.culture.adducing_local_data
    boost = k.audit_feedback * data * problem.clarity(model)
    on = s.target & shows[s.ward]
    s.ownership[on] += boost * (0.5 + s.qi_skill[on]) * (1 - s.ownership[on])
    s.morale[on] = np.minimum(s.morale[on] + 0.5 * boost, 1.0)


def baseline_audit(model: QIModel) -> None:
    """Before launch, a baseline audit (if the scenario has one) measures each target ward's
    outcome rate, so later audits can show improvement from the start."""
    w = model.wards
    rate = outcome_rate(model)
    noisy = rate * np.exp(model.rng.normal(0, model.constants.audit_noise, w.n))
    w.baseline_rate = np.where(w.target, noisy, np.nan)


__all__ = ["baseline_audit", "monthly_audit", "outcome_rate", "patient_outcomes"]
