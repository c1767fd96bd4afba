"""The dependent-permit index: per V-number, the family members who hold a dependent permit under
it, in any case (DOMAIN.md: "A member who received a dependent permit can never be a sponsor";
the rule `sponsor_permit_independent`).

The fact lives in the cases (a member's V-number and their PermitIssued), but the decision on a
sponsor's family needs it across cases, at once. So each V-number has an aggregate of its own,
changed in the same save as the case event that changes what it holds: a permit issued to a
member with that V-number, or a correction of a permit holder's V-number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.erasure import is_erased
from domain.facts import MemberFacts

# Index ids are uuid5(NAMESPACE, v_number): anyone can find the index of a V-number, and no two
# processes can create two indexes for one V-number.
NAMESPACE = UUID("6f1d2b8e-3c3f-4e41-9c1e-5a0b7d2e9a10")


@dataclass(frozen=True, order=True)
class Holding:
    """A family member who holds a dependent permit under a V-number."""

    v_number: str
    case_id: str
    member_id: str
    issued_on: date


def holdings_of(case_id: str, members: Iterable[MemberFacts]) -> frozenset[Holding]:
    """The holdings a case records: each member with a V-number and a permit (an erased
    case's V-numbers are gone: it records none)."""
    return frozenset(
        Holding(m.details.v_number, case_id, m.member_id, m.permit.issued_on)
        for m in members
        if m.details.v_number is not None
        and m.permit is not None
        and not is_erased(m.details.v_number)
    )


class DependentPermitIndex(Aggregate):
    """The members who hold a dependent permit under one V-number."""

    @staticmethod
    def create_id(v_number: str) -> UUID:
        return uuid5(NAMESPACE, v_number)

    @event("IndexOpened")
    def __init__(self, v_number: str) -> None:
        self.v_number = v_number
        self.holders: dict[tuple[str, str], date] = {}  # (case_id, member_id) -> issued_on

    def holds_on(self, day: date) -> bool:
        """Whether a permit under this V-number was issued on or before `day`."""
        return any(issued_on <= day for issued_on in self.holders.values())

    def holdings(self) -> frozenset[Holding]:
        return frozenset(
            Holding(self.v_number, case_id, member_id, issued_on)
            for (case_id, member_id), issued_on in self.holders.items()
        )

    def record(self, holding: Holding) -> None:
        """Record a holder (again: nothing, when already recorded as it is)."""
        if self.holders.get((holding.case_id, holding.member_id)) != holding.issued_on:
            self._record(
                case_id=holding.case_id, member_id=holding.member_id, issued_on=holding.issued_on
            )

    @event("DependentPermitRecorded")
    def _record(self, case_id: str, member_id: str, issued_on: date) -> None:
        self.holders[(case_id, member_id)] = issued_on

    def remove(self, holding: Holding) -> None:
        """The holder no longer has this V-number (a correction): nothing, when not recorded."""
        if (holding.case_id, holding.member_id) in self.holders:
            self._remove(case_id=holding.case_id, member_id=holding.member_id)

    @event("DependentPermitRemoved")
    def _remove(self, case_id: str, member_id: str) -> None:
        del self.holders[(case_id, member_id)]

    def note_grant(self, case_id: str, member_id: str, decided_on: date) -> None:
        """A grant was decided on what this index held. Saving the note with the grant makes a
        permit recorded under this V-number in the meantime a conflict, so the grant is checked
        again instead of slipping through."""
        self._note_grant(case_id=case_id, member_id=member_id, decided_on=decided_on)

    @event("GrantDecidedOnIndex")
    def _note_grant(self, case_id: str, member_id: str, decided_on: date) -> None:
        pass
