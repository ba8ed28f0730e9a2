"""Who acts: front-line staff, ward managers, QI team members and executives (Mesa agents).

Staff are many, so their numeric state lives in the model's arrays (struct of arrays, see
:mod:`qisim.world`) and the daily mechanisms update all of them at once; a :class:`StaffMember`
is a named view of one row, for inspection, the app and tests. QI team members and executives are
few and decide things one by one, so they carry their state themselves and act through ``step``
methods (the QI team's day runs in one call, :func:`qisim.mechanisms.reach.run_team_sessions`,
member by member in the day's random order, as their ``step`` would).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from qisim.domain import ROLES, SHIFTS, STAGES, TRIBES
from qisim.streams import name_slots

if TYPE_CHECKING:
    from qisim.model import QIModel


class StaffMember(mesa.Agent):
    """A member of front-line staff: staff nurse, HCA, junior doctor, consultant, AHP or agency
    nurse. Reads and writes its row of ``model.staff``."""

    model: QIModel

    def __init__(self, model: QIModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    # Fixed attributes
    @property
    def role(self) -> str:
        return ROLES[self.model.staff.role[self.index]]

    @property
    def tribe(self) -> str:
        return TRIBES[self.model.staff.tribe[self.index]]

    @property
    def shift(self) -> str:
        return SHIFTS[self.model.staff.shift[self.index]]

    @property
    def ward(self) -> str:
        return self.model.ward_names[self.model.staff.ward[self.index]]

    @property
    def is_target(self) -> bool:
        return bool(self.model.staff.target[self.index])

    # State toward the initiative and working conditions
    @property
    def understanding(self) -> float:
        return float(self.model.staff.understanding[self.index])

    @property
    def ownership(self) -> float:
        return float(self.model.staff.ownership[self.index])

    @property
    def habit(self) -> float:
        return float(self.model.staff.habit[self.index])

    @property
    def fatigue(self) -> float:
        return float(self.model.staff.fatigue[self.index])

    @property
    def workload(self) -> float:
        """Initiatives this person is asked to carry today (the ward's initiative load)."""
        return float(self.model.wards.load[self.model.staff.ward[self.index]])

    @property
    def qi_skill(self) -> float:
        return float(self.model.staff.qi_skill[self.index])

    @property
    def on_duty(self) -> bool:
        return bool(self.model.staff.on_duty[self.index])

    @property
    def stage(self) -> str:
        return STAGES[int(self.model.staff_stages()[self.index])]


class WardManager(mesa.Agent):
    """A ward manager: style and tone, role modelling, leadership, shielding, enthusiasm.

    The manager's skills set the ward's pull on ownership and how well staff are shielded from
    initiativitis (report §3 Inculcating dedication; Avoiding and shielding staff)."""

    model: QIModel

    def __init__(self, model: QIModel, ward: int) -> None:
        super().__init__(model)
        self.ward_index = ward

    def _get(self, name: str) -> float:
        return float(getattr(self.model.wards, f"manager_{name}")[self.ward_index])

    @property
    def ward(self) -> str:
        return self.model.ward_names[self.ward_index]

    enthusiasm = property(lambda self: self._get("enthusiasm"))
    role_modelling = property(lambda self: self._get("role_modelling"))
    style_tone = property(lambda self: self._get("style_tone"))
    leadership = property(lambda self: self._get("leadership"))
    shielding = property(lambda self: self._get("shielding"))


class QITeamMember(mesa.Agent):
    """A member of the QI team. Each working day the member picks wards to visit and runs
    sessions there (report §3 Getting through: ward meetings, trolley dashes, coaching)."""

    model: QIModel

    def __init__(self, model: QIModel, number: int) -> None:
        super().__init__(model)
        self.sessions_done = 0
        # its slot in the random streams: members are numbered 0, 1, ... as they join
        self.number = number
        self.slot = name_slots("qi_team", [str(number)])[0]

    def step(self) -> None:
        from qisim.mechanisms import reach

        reach.run_sessions(self.model, self)


class Executive(mesa.Agent):
    """CEO, director of nursing or medical director. Executives push new top-down initiatives
    and, where the trust keeps an initiative log, review it (report §5 Implications)."""

    model: QIModel

    def __init__(self, model: QIModel, role: str) -> None:
        super().__init__(model)
        self.role = role

    def monthly_review(self) -> None:
        from qisim.mechanisms import initiativitis

        if self.role == "ceo":
            initiativitis.push_new_initiatives(self.model)
