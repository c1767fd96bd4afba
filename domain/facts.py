"""What a case records, as immutable values, and the case as it stood on a business date.

The `Case` aggregate keeps its state in these values; rules and the term read them. `CaseFacts.as_of`
is the one place that applies DOMAIN.md's "only facts whose business date is on or before D count;
facts without a business date (the case opening, a member's registration) count at every D".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from domain.term import permanent_residence_possible_from, permit_valid_until
from domain.vocabulary import (
    Criterion,
    DecisionOutcome,
    DocumentKind,
    Relationship,
    Stage,
)


@dataclass(frozen=True)
class Sponsor:
    v_number: str
    name: str
    born_on: date
    asylum_application_signed_on: date
    arrived_on: date
    unaccompanied_minor: bool


@dataclass(frozen=True)
class SponsorGrant:
    granted_on: date
    permit_kind: str


@dataclass(frozen=True)
class MemberDetails:
    """A family member as registered. Relationship-specific fields are None where they do not apply."""

    name: str
    born_on: date
    relationship: str
    mentioned_in_asylum_procedure: bool
    family_bond_abroad: bool
    v_number: str | None = None
    marital_status: str | None = None
    child_of: str | None = None
    partner_member_id: str | None = None
    child_kind: str | None = None
    parent_kind: str | None = None


@dataclass(frozen=True)
class Application:
    submitted_on: date
    channel: str


@dataclass(frozen=True)
class Document:
    received_on: date
    kind: str
    official: bool
    document_id: str = ""


@dataclass(frozen=True)
class Assessment:
    assessed_on: date
    criterion: str
    outcome: str
    note: str
    sequence: int  # the case version that recorded it: breaks ties between equal `assessed_on`


@dataclass(frozen=True)
class Decision:
    decided_on: date
    outcome: str
    grounds: tuple[str, ...]


@dataclass(frozen=True)
class Permit:
    issued_on: date
    valid_from: date

    @property
    def valid_until(self) -> date:
        return permit_valid_until(self.valid_from)

    @property
    def permanent_residence_from(self) -> date:
        """From when permanent residence (and Dutch citizenship) can be applied for."""
        return permanent_residence_possible_from(self.valid_from)


@dataclass(frozen=True)
class Withdrawal:
    withdrawn_on: date
    reason: str


@dataclass(frozen=True)
class DecisionPeriodExtension:
    extended_on: date
    reason: str


def _on_or_before(fact, attribute: str, day: date):
    return fact if fact is not None and getattr(fact, attribute) <= day else None


@dataclass(frozen=True)
class MemberFacts:
    member_id: str
    details: MemberDetails
    arrived_on: date | None = None
    application: Application | None = None
    documents: tuple[Document, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    decision: Decision | None = None
    permit: Permit | None = None
    withdrawal: Withdrawal | None = None
    extension: DecisionPeriodExtension | None = None

    @property
    def relationship(self) -> Relationship:
        return Relationship(self.details.relationship)

    @property
    def born_on(self) -> date:
        return self.details.born_on

    def as_of(self, day: date) -> MemberFacts:
        return replace(
            self,
            arrived_on=self.arrived_on if self.arrived_on and self.arrived_on <= day else None,
            application=_on_or_before(self.application, "submitted_on", day),
            documents=tuple(d for d in self.documents if d.received_on <= day),
            assessments=tuple(a for a in self.assessments if a.assessed_on <= day),
            decision=_on_or_before(self.decision, "decided_on", day),
            permit=_on_or_before(self.permit, "issued_on", day),
            withdrawal=_on_or_before(self.withdrawal, "withdrawn_on", day),
            extension=_on_or_before(self.extension, "extended_on", day),
        )

    def documents_of(self, kind: DocumentKind) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.kind == kind)

    def finding(self, criterion: Criterion) -> Assessment | None:
        """The assessment that counts for a criterion: the latest `assessed_on`, ties by recording."""
        relevant = [a for a in self.assessments if a.criterion == criterion]
        return max(relevant, key=lambda a: (a.assessed_on, a.sequence), default=None)

    @property
    def is_granted(self) -> bool:
        return self.decision is not None and self.decision.outcome == DecisionOutcome.GRANTED

    @property
    def is_refused(self) -> bool:
        return self.decision is not None and self.decision.outcome == DecisionOutcome.REFUSED

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawal is not None

    @property
    def stage(self) -> Stage:
        if self.withdrawal is not None:
            return Stage.WITHDRAWN
        if self.permit is not None:
            return Stage.PERMIT_ISSUED
        if self.decision is not None:
            return Stage.GRANTED if self.is_granted else Stage.REFUSED
        return Stage.APPLIED if self.application is not None else Stage.REGISTERED


@dataclass(frozen=True)
class CaseFacts:
    """Everything one case records, or (after `as_of`) what counted on one business date.

    The facts never change, so what is derived from all members (an index by id, the granted
    partners) is computed once per value and kept: evaluating every member then costs work linear
    in the members, not quadratic."""

    case_id: str
    sponsor: Sponsor
    grant: SponsorGrant | None
    members: tuple[MemberFacts, ...]

    def as_of(self, day: date) -> CaseFacts:
        return replace(
            self,
            grant=_on_or_before(self.grant, "granted_on", day),
            members=tuple(m.as_of(day) for m in self.members),
        )

    def member(self, member_id: str | None) -> MemberFacts | None:
        """The member with this id; None for an id not in the case, or no id (a child whose
        `partner_member_id` is not set)."""
        return self._members_by_id.get(member_id)  # type: ignore[arg-type]

    @cached_property
    def _members_by_id(self) -> dict[str, MemberFacts]:
        return {m.member_id: m for m in self.members}

    @cached_property
    def granted_partners(self) -> tuple[MemberFacts, ...]:
        """The partners with a granted decision, the earliest decided first (ties: in the order
        they were registered)."""
        granted = [
            m for m in self.members if m.relationship == Relationship.PARTNER and m.is_granted
        ]
        return tuple(sorted(granted, key=lambda m: m.decision.decided_on))  # type: ignore[union-attr]


def age_on(born_on: date, day: date) -> int:
    """Age in whole years on `day` (a birthday on 29 February counts on 1 March in other years)."""
    had_birthday = (day.month, day.day) >= (born_on.month, born_on.day)
    return day.year - born_on.year - (0 if had_birthday else 1)
