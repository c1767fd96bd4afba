"""The `Case` aggregate: one sponsor's family-reunification case, one event stream.

Public methods are commands: they check (`check_*`, raising a domain error before anything is
recorded), compute what is needed, and then trigger an event. Each event is a class nested in `Case`
(its topic is `domain.case:Case.<name>`) that declares its fields in their stored order and whose
`apply` only applies the recorded values. A fact and its correction record the same fields, so they
share a base that declares and applies them (`...Fields`: the sponsor's details, the grant, a
member's details, arrival and application); every correction adds its reason and actor
(`Correction`). An event that records one fact of a member applies it as the others do
(`MemberFact`): the value its fields make becomes the member's attribute of that kind. `apply` never
checks anything, so replaying old events never fails on today's rules or today's date.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.eligibility import evaluate_member
from domain.erasure import Erasure, without_personal_data
from domain.errors import (
    AlreadyDecided,
    AlreadyWithdrawn,
    ApplicationMissing,
    CaseErased,
    CommandRefused,
    CorrectionWithoutReason,
    DateBeforeApplication,
    DateBeforeBirth,
    DecisionMissing,
    DecisionPeriodAlreadyExtended,
    GrantBeforeAsylumApplication,
    GrantRequiresEligibility,
    MemberNotFound,
    MemberWithdrawn,
    NotAPartnerMember,
    PartnerParentOfChildren,
    PermitAlreadyIssued,
    PermitBeforeDecision,
    RefusalWithoutGrounds,
    TooManyMembers,
)
from domain.facts import (
    Application,
    Assessment,
    CaseFacts,
    Decision,
    DecisionPeriodExtension,
    Document,
    MemberDetails,
    MemberFacts,
    Permit,
    Sponsor,
    SponsorGrant,
    Withdrawal,
)
from domain.typed_text import check_not_blank, check_typed_text
from domain.value_checks import (
    check_grant_after_asylum_application,
    check_member_details_shape,
    check_not_before_birth,
    check_not_in_future,
    check_sponsor,
    parse_choice,
)
from domain.vocabulary import (
    AssessmentOutcome,
    Channel,
    Criterion,
    DecisionOutcome,
    DocumentKind,
    Outcome,
    Overall,
    PermitKind,
    Relationship,
    RuleId,
)

MAX_MEMBERS = 50  # DOMAIN.md "Settled questions": at most 50 family members per case

# The facts a member has at most once: the error that refuses a second one, and what it says.
RECORDED_ONCE: dict[str, tuple[type[CommandRefused], str]] = {
    "decision": (
        AlreadyDecided,
        "Family member {member_id} already has a decision "
        "({recorded.outcome} on {recorded.decided_on}).",
    ),
    "permit": (
        PermitAlreadyIssued,
        "A permit was already issued to {member_id} on {recorded.issued_on}.",
    ),
    "withdrawal": (
        AlreadyWithdrawn,
        "Family member {member_id} was already withdrawn on {recorded.withdrawn_on}.",
    ),
    "extension": (
        DecisionPeriodAlreadyExtended,
        "The decision period of {member_id} was already extended on {recorded.extended_on}.",
    ),
}


class MemberFact:
    """How an event that records one fact of a member applies: the fact (by default a `fact_type`
    made of the event's fields of the same names) becomes the member's `slot`, or, where a member
    holds several (`adds`: documents, assessments), joins the ones held."""

    slot: ClassVar[str]
    fact_type: ClassVar[type]
    adds: ClassVar[bool] = False

    def fact(self) -> Any:
        return _value_from(self.fact_type, self)

    def apply(self, case: Case) -> None:
        member_id: str = self.member_id  # type: ignore[attr-defined]
        fact = self.fact()
        if self.adds:
            # Concatenated, not unpacked: one copy instead of a list and a tuple (on a slot of 10,000
            # documents, 123 against 286 us for every document added).
            held = getattr(case.members[member_id], self.slot)
            fact = held + (fact,)  # noqa: RUF005
        case._update_member(member_id, **{self.slot: fact})


@dataclass(frozen=True)
class SponsorDetailsFields(Sponsor):
    """The sponsor's details, as CaseOpened and SponsorDetailsCorrected record them: the fields of
    `Sponsor`, in its order (as stored)."""

    def apply(self, case: Case) -> None:
        case.sponsor = _value_from(Sponsor, self)


@dataclass(frozen=True)
class MemberDetailsFields(MemberFact):
    """A member's details, as FamilyMemberRegistered and FamilyMemberDetailsCorrected record them
    (stored events hold these names in this order; a field that does not apply is None)."""

    member_id: str
    name: str
    born_on: date
    relationship: str
    mentioned_in_asylum_procedure: bool
    family_bond_abroad: bool
    v_number: str | None
    marital_status: str | None
    child_of: str | None
    partner_member_id: str | None
    child_kind: str | None
    parent_kind: str | None
    slot, fact_type = "details", MemberDetails


@dataclass(frozen=True)
class GrantFields:
    """The sponsor's grant, as SponsorPermitGranted and SponsorPermitGrantCorrected record it."""

    granted_on: date
    permit_kind: str

    def apply(self, case: Case) -> None:
        case.grant = SponsorGrant(self.granted_on, self.permit_kind)


@dataclass(frozen=True)
class ArrivalFields(MemberFact):
    """A member's arrival, as FamilyMemberArrived and FamilyMemberArrivalCorrected record it."""

    member_id: str
    arrived_on: date
    slot = "arrived_on"

    def fact(self) -> date:
        return self.arrived_on


@dataclass(frozen=True)
class ApplicationFields(MemberFact):
    """A member's application, as ApplicationSubmitted and ApplicationCorrected record it."""

    member_id: str
    submitted_on: date
    channel: str
    slot, fact_type = "application", Application


@dataclass(frozen=True)
class Correction:
    """What a correction records after the corrected fields: why, and who. A correction event
    names it first among its bases, so that these fields come last, as stored."""

    correction_reason: str
    actor: str


class Case(Aggregate):
    """One sponsor's case: the sponsor, the grant, and every family member's facts."""

    # Who erased the case's personal data, when and why (a class default: snapshots taken before
    # erasure existed have no such attribute).
    erasure: Erasure | None = None

    # --- creation -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, sponsor: Sponsor, *, actor: str, today: date, case_id: UUID | None = None
    ) -> Case:
        check_sponsor(sponsor, today)
        return cls._create(cls.CaseOpened, id=case_id, actor=actor, **_as_event_fields(sponsor))

    def __init__(self) -> None:
        self.sponsor: Sponsor  # CaseOpened.apply records it, once this has run
        self.grant: SponsorGrant | None = None
        self.members: dict[str, MemberFacts] = {}

    class CaseOpened(SponsorDetailsFields, Aggregate.Created):
        actor: str

    # --- reading --------------------------------------------------------------------------------

    def facts(self) -> CaseFacts:
        return CaseFacts(
            case_id=str(self.id),
            sponsor=self.sponsor,
            grant=self.grant,
            members=tuple(self.members.values()),
        )

    def member(self, member_id: str) -> MemberFacts:
        try:
            return self.members[member_id]
        except KeyError:
            raise MemberNotFound(self.id, member_id) from None

    # --- the sponsor ----------------------------------------------------------------------------

    def correct_sponsor_details(
        self, sponsor: Sponsor, correction_reason: str | None, *, actor: str, today: date
    ) -> None:
        check_sponsor(sponsor, today)
        if sponsor == self.sponsor:
            return
        self.check_correction_reason(correction_reason, "The sponsor's details")
        if self.grant is not None:
            check_not_before_birth(
                self.grant.granted_on, sponsor.born_on, "granted_on", "the sponsor"
            )
            self.check_signed_by_recorded_grant(sponsor.asylum_application_signed_on)
        self._record(
            self.SponsorDetailsCorrected, sponsor, correction_reason=correction_reason, actor=actor
        )

    class SponsorDetailsCorrected(Correction, SponsorDetailsFields, Aggregate.Event):
        pass

    def grant_sponsor_permit(
        self,
        granted_on: date,
        permit_kind: str,
        correction_reason: str | None = None,
        *,
        actor: str,
        today: date,
    ) -> None:
        kind = parse_choice(PermitKind, permit_kind, "permit_kind")
        check_not_in_future(granted_on, today, "granted_on")
        check_not_before_birth(granted_on, self.sponsor.born_on, "granted_on", "the sponsor")
        check_grant_after_asylum_application(granted_on, self.sponsor)
        grant = SponsorGrant(granted_on, kind.value)
        if self.grant is None:
            self._record(self.SponsorPermitGranted, grant, actor=actor)
        elif grant != self.grant:
            self.check_correction_reason(correction_reason, "The sponsor's grant")
            self._record(
                self.SponsorPermitGrantCorrected,
                grant,
                correction_reason=correction_reason,
                actor=actor,
            )

    class SponsorPermitGranted(GrantFields, Aggregate.Event):
        actor: str

    class SponsorPermitGrantCorrected(Correction, GrantFields, Aggregate.Event):
        pass

    # --- family members -------------------------------------------------------------------------

    def register_member(
        self, member_id: str, details: MemberDetails, *, actor: str, today: date
    ) -> None:
        self.check_room_for_a_member()
        self.check_member_details(member_id, details, today)
        self._record(self.FamilyMemberRegistered, details, member_id=member_id, actor=actor)

    class FamilyMemberRegistered(MemberDetailsFields, Aggregate.Event):
        actor: str

        def apply(self, case: Case) -> None:
            case.members[self.member_id] = MemberFacts(self.member_id, self.fact())

    def correct_member_details(
        self,
        member_id: str,
        details: MemberDetails,
        correction_reason: str | None,
        *,
        actor: str,
        today: date,
    ) -> None:
        member = self.member(member_id)
        self.check_member_details(member_id, details, today)
        if details == member.details:
            return
        self.check_correction_reason(correction_reason, "The family member's details")
        self.check_no_fact_before_birth(member, details.born_on)
        self.check_still_partner_of_children(member_id, details)
        self._record(
            self.FamilyMemberDetailsCorrected,
            details,
            member_id=member_id,
            correction_reason=correction_reason,
            actor=actor,
        )

    class FamilyMemberDetailsCorrected(Correction, MemberDetailsFields, Aggregate.Event):
        pass

    def record_arrival(
        self,
        member_id: str,
        arrived_on: date,
        correction_reason: str | None = None,
        *,
        actor: str,
        today: date,
    ) -> None:
        member = self.member(member_id)
        self.check_member_date(member, arrived_on, "arrived_on", today)
        arrival = {"member_id": member_id, "arrived_on": arrived_on, "actor": actor}
        if member.arrived_on is None:
            self.trigger_event(self.FamilyMemberArrived, **arrival)
        elif member.arrived_on != arrived_on:
            self.check_correction_reason(correction_reason, "The family member's arrival")
            self.trigger_event(
                self.FamilyMemberArrivalCorrected, correction_reason=correction_reason, **arrival
            )

    class FamilyMemberArrived(ArrivalFields, Aggregate.Event):
        actor: str

    class FamilyMemberArrivalCorrected(Correction, ArrivalFields, Aggregate.Event):
        pass

    def submit_application(
        self,
        member_id: str,
        submitted_on: date,
        channel: str,
        correction_reason: str | None = None,
        *,
        actor: str,
        today: date,
    ) -> None:
        member = self.member(member_id)
        chosen = parse_choice(Channel, channel, "channel")
        self.check_member_date(member, submitted_on, "submitted_on", today)
        application = Application(submitted_on, chosen.value)
        if member.application is None:
            self.check_not_withdrawn(member)
            self._record(self.ApplicationSubmitted, application, member_id=member_id, actor=actor)
        elif application != member.application:
            self.check_correction_reason(correction_reason, "The application")
            self.check_application_precedes_what_follows(member, submitted_on)
            self._record(
                self.ApplicationCorrected,
                application,
                member_id=member_id,
                correction_reason=correction_reason,
                actor=actor,
            )

    class ApplicationSubmitted(ApplicationFields, Aggregate.Event):
        actor: str

    class ApplicationCorrected(Correction, ApplicationFields, Aggregate.Event):
        pass

    def receive_document(
        self,
        member_id: str,
        received_on: date,
        kind: str,
        official: bool,
        *,
        actor: str,
        today: date,
    ) -> None:
        member = self.member(member_id)
        chosen = parse_choice(DocumentKind, kind, "kind")
        self.check_member_date(member, received_on, "received_on", today)
        document = Document(received_on, chosen.value, official, document_id_for(self.version + 1))
        self._record(self.DocumentReceived, document, member_id=member_id, actor=actor)

    class DocumentReceived(MemberFact, Aggregate.Event):
        """v2 added `document_id`, so a client can tell apart several documents of one kind.
        A v1 event gets the id v2 would have given it: it is derived from the event's version."""

        class_version = 2
        member_id: str
        received_on: date
        kind: str
        official: bool
        document_id: str
        actor: str
        slot, fact_type, adds = "documents", Document, True

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["document_id"] = document_id_for(state["originator_version"])

    def record_assessment(
        self,
        member_id: str,
        assessed_on: date,
        criterion: str,
        outcome: str,
        note: str,
        *,
        actor: str,
        today: date,
    ) -> None:
        member = self.member(member_id)
        chosen_criterion = parse_choice(Criterion, criterion, "criterion")
        chosen_outcome = parse_choice(AssessmentOutcome, outcome, "outcome")
        self.check_member_date(member, assessed_on, "assessed_on", today)
        self.trigger_event(
            self.AssessmentRecorded,
            member_id=member_id,
            assessed_on=assessed_on,
            criterion=chosen_criterion.value,
            outcome=chosen_outcome.value,
            note=note,
            actor=actor,
        )

    class AssessmentRecorded(MemberFact, Aggregate.Event):
        member_id: str
        assessed_on: date
        criterion: str
        outcome: str
        note: str
        actor: str
        slot, adds = "assessments", True

        def fact(self) -> Assessment:
            # The event's own version breaks the tie between assessments with equal dates.
            return Assessment(
                self.assessed_on, self.criterion, self.outcome, self.note, self.originator_version
            )

    def take_decision(
        self,
        member_id: str,
        decided_on: date,
        outcome: str,
        grounds: list[str] | tuple[str, ...],
        *,
        sponsor_holds_dependent_permit: bool,
        actor: str,
        today: date,
        calendar: AtwCalendar = ATW_CALENDAR,
    ) -> None:
        member = self.member(member_id)
        chosen = parse_choice(DecisionOutcome, outcome, "outcome")
        rule_ids = tuple(parse_choice(RuleId, g, "grounds").value for g in grounds)
        if chosen == DecisionOutcome.REFUSED and not rule_ids:
            raise RefusalWithoutGrounds("grounds", "a refusal names the rule ids it rests on")
        self.check_member_date(member, decided_on, "decided_on", today)
        self.check_not_withdrawn(member)
        self.check_not_recorded(member, "decision")
        self.check_has_application_by(member, decided_on, "decided_on")
        if chosen == DecisionOutcome.GRANTED:
            self.check_eligible_on(member_id, decided_on, sponsor_holds_dependent_permit, calendar)
        self.trigger_event(
            self.DecisionTaken,
            member_id=member_id,
            decided_on=decided_on,
            outcome=chosen.value,
            grounds=list(rule_ids),
            actor=actor,
        )

    class DecisionTaken(MemberFact, Aggregate.Event):
        member_id: str
        decided_on: date
        outcome: str
        grounds: list[str]
        actor: str
        slot = "decision"

        def fact(self) -> Decision:
            return Decision(self.decided_on, self.outcome, tuple(self.grounds))

    def issue_permit(
        self, member_id: str, issued_on: date, valid_from: date, *, actor: str, today: date
    ) -> None:
        member = self.member(member_id)
        self.check_member_date(member, issued_on, "issued_on", today)
        self.check_member_date(member, valid_from, "valid_from", today)
        self.check_not_withdrawn(member)
        self.check_not_recorded(member, "permit")
        self.check_granted_by(member, issued_on)
        permit = Permit(issued_on, valid_from)
        self._record(self.PermitIssued, permit, member_id=member_id, actor=actor)

    class PermitIssued(MemberFact, Aggregate.Event):
        member_id: str
        issued_on: date
        valid_from: date
        actor: str
        slot, fact_type = "permit", Permit

    def withdraw(
        self, member_id: str, withdrawn_on: date, reason: str, *, actor: str, today: date
    ) -> None:
        member = self.member(member_id)
        self.check_member_date(member, withdrawn_on, "withdrawn_on", today)
        self.check_not_recorded(member, "withdrawal")
        self.check_not_before_application(member, withdrawn_on, "withdrawn_on")
        withdrawal = Withdrawal(withdrawn_on, reason)
        self._record(self.ApplicationWithdrawn, withdrawal, member_id=member_id, actor=actor)

    class ApplicationWithdrawn(MemberFact, Aggregate.Event):
        member_id: str
        withdrawn_on: date
        reason: str
        actor: str
        slot, fact_type = "withdrawal", Withdrawal

    def extend_decision_period(
        self, member_id: str, extended_on: date, reason: str, *, actor: str, today: date
    ) -> None:
        member = self.member(member_id)
        self.check_member_date(member, extended_on, "extended_on", today)
        self.check_not_withdrawn(member)
        self.check_not_recorded(member, "extension")
        self.check_has_application_by(member, extended_on, "extended_on")
        self.check_not_recorded(member, "decision")
        extension = DecisionPeriodExtension(extended_on, reason)
        self._record(self.DecisionPeriodExtended, extension, member_id=member_id, actor=actor)

    class DecisionPeriodExtended(MemberFact, Aggregate.Event):
        member_id: str
        extended_on: date
        reason: str
        actor: str
        slot, fact_type = "extension", DecisionPeriodExtension

    # --- erasure --------------------------------------------------------------------------------

    def erase(self, erasure_reason: str, *, actor: str) -> None:
        """Erase the case's personal data (`domain/erasure.py`): the store destroys the case's key
        with this event, which holds no personal data."""
        self.check_not_erased()
        check_typed_text(erasure_reason, "reason")
        check_not_blank(erasure_reason, "reason")
        self.trigger_event(self.CaseErased, actor=actor, erasure_reason=erasure_reason)

    class CaseErased(Aggregate.Event):
        actor: str
        erasure_reason: str

        def apply(self, case: Case) -> None:
            case.erasure = Erasure(self.timestamp, self.actor, self.erasure_reason)
            case.sponsor = without_personal_data(case.sponsor)
            case.members = {
                member_id: _member_without_personal_data(member)
                for member_id, member in case.members.items()
            }

    # --- guards ---------------------------------------------------------------------------------

    def check_not_erased(self) -> None:
        if self.erasure is not None:
            raise CaseErased(self.id, self.erasure)

    @staticmethod
    def check_correction_reason(correction_reason: str | None, what: str) -> None:
        if not correction_reason or not correction_reason.strip():
            raise CorrectionWithoutReason(
                "correction_reason",
                f"{what} is already recorded with other values; "
                "re-recording it is a correction and needs a correction_reason",
            )

    def check_signed_by_recorded_grant(self, signed_on: date) -> None:
        """A correction may not put the asylum application after the recorded grant (DOMAIN.md
        "Settled questions": a grant dated before the asylum application was signed is refused)."""
        if self.grant is not None and signed_on > self.grant.granted_on:
            raise GrantBeforeAsylumApplication(
                f"asylum_application_signed_on {signed_on.isoformat()} would be after the "
                f"recorded grant of {self.grant.granted_on.isoformat()}."
            )

    def check_room_for_a_member(self) -> None:
        if len(self.members) >= MAX_MEMBERS:
            raise TooManyMembers(
                "body",
                f"the case already holds {len(self.members)} family members, the most a case "
                f"may hold ({MAX_MEMBERS})",
            )

    @staticmethod
    def check_member_date(member: MemberFacts, day: date, field: str, today: date) -> None:
        check_not_in_future(day, today, field)
        check_not_before_birth(day, member.born_on, field, "the family member")

    @staticmethod
    def check_not_withdrawn(member: MemberFacts) -> None:
        if member.withdrawal is not None:
            raise MemberWithdrawn(
                f"Family member {member.member_id} withdrew on "
                f"{member.withdrawal.withdrawn_on.isoformat()}."
            )

    @staticmethod
    def check_not_recorded(member: MemberFacts, slot: str) -> None:
        """A fact a member has at most once (`RECORDED_ONCE`) is refused a second time."""
        recorded = getattr(member, slot)
        if recorded is not None:
            error, message = RECORDED_ONCE[slot]
            raise error(message.format(member_id=member.member_id, recorded=recorded))

    @classmethod
    def check_has_application_by(cls, member: MemberFacts, day: date, field: str) -> None:
        if member.application is None:
            raise ApplicationMissing(f"Family member {member.member_id} has no application.")
        cls.check_not_before_application(member, day, field)

    @staticmethod
    def check_not_before_application(member: MemberFacts, day: date, field: str) -> None:
        if member.application and day < member.application.submitted_on:
            raise DateBeforeApplication(
                f"{field} {day.isoformat()} is before the application of "
                f"{member.application.submitted_on.isoformat()}."
            )

    @staticmethod
    def check_granted_by(member: MemberFacts, issued_on: date) -> None:
        if member.decision is None or not member.is_granted:
            raise DecisionMissing(f"Family member {member.member_id} has no granted decision.")
        if issued_on < member.decision.decided_on:
            raise PermitBeforeDecision(
                f"issued_on {issued_on.isoformat()} is before the decision of "
                f"{member.decision.decided_on.isoformat()}."
            )

    @staticmethod
    def check_application_precedes_what_follows(member: MemberFacts, submitted_on: date) -> None:
        later = {
            "decided_on": member.decision.decided_on if member.decision else None,
            "extended_on": member.extension.extended_on if member.extension else None,
            "withdrawn_on": member.withdrawal.withdrawn_on if member.withdrawal else None,
        }
        for field, day in later.items():
            if day is not None and submitted_on > day:
                raise DateBeforeApplication(
                    f"submitted_on {submitted_on.isoformat()} would be after the recorded "
                    f"{field} {day.isoformat()}."
                )

    def check_member_details(self, member_id: str, details: MemberDetails, today: date) -> None:
        check_member_details_shape(details)
        check_not_in_future(details.born_on, today, "born_on")
        partner_id = details.partner_member_id
        if partner_id is None:
            return
        partner = self.members.get(partner_id)
        if (
            partner_id == member_id
            or partner is None
            or partner.relationship != Relationship.PARTNER
        ):
            raise NotAPartnerMember(
                "partner_member_id", f"{partner_id!r} is not a partner member of this case"
            )

    @staticmethod
    def check_no_fact_before_birth(member: MemberFacts, born_on: date) -> None:
        dated = [member.arrived_on]
        dated += [member.application.submitted_on if member.application else None]
        dated += [d.received_on for d in member.documents]
        dated += [a.assessed_on for a in member.assessments]
        dated += [member.decision.decided_on if member.decision else None]
        dated += [member.permit.issued_on if member.permit else None]
        dated += [member.withdrawal.withdrawn_on if member.withdrawal else None]
        dated += [member.extension.extended_on if member.extension else None]
        earliest = min((d for d in dated if d is not None), default=None)
        if earliest is not None and earliest < born_on:
            raise DateBeforeBirth(
                f"born_on {born_on.isoformat()} would be after a recorded fact of "
                f"{earliest.isoformat()}."
            )

    def check_still_partner_of_children(self, member_id: str, details: MemberDetails) -> None:
        if details.relationship == Relationship.PARTNER:
            return
        children = [
            m.member_id for m in self.members.values() if m.details.partner_member_id == member_id
        ]
        if children:
            raise PartnerParentOfChildren(
                f"Family member {member_id} is named as the partner-parent of "
                f"{', '.join(children)}; correct those children first."
            )

    def check_eligible_on(
        self,
        member_id: str,
        decided_on: date,
        sponsor_holds_dependent_permit: bool,
        calendar: AtwCalendar = ATW_CALENDAR,
    ) -> None:
        eligibility = evaluate_member(
            self.facts(), member_id, decided_on, sponsor_holds_dependent_permit, calendar=calendar
        )
        if eligibility.overall != Overall.ELIGIBLE:
            open_rules = [
                f"{r.id} ({r.outcome})"
                for r in eligibility.rules
                if r.outcome in (Outcome.NOT_MET, Outcome.UNKNOWN)
            ]
            raise GrantRequiresEligibility(
                f"Family member {member_id} is {eligibility.overall} on "
                f"{decided_on.isoformat()}, so a grant is refused; open rules: "
                f"{', '.join(open_rules)}."
            )

    # --- mechanics ------------------------------------------------------------------------------

    def _record(self, event_class: type[Any], fact: object, **more: Any) -> None:
        """Triggers `event_class` with the fields of the value `fact` and `more` (the member, the
        actor, a correction's reason)."""
        self.trigger_event(event_class, **more, **_as_event_fields(fact))

    def _update_member(self, member_id: str, **changes: Any) -> None:
        self.members[member_id] = replace(self.members[member_id], **changes)

    def __deepcopy__(self, memo: dict[int, Any]) -> Case:
        # The repository copies a cached case for every use. The state is immutable values held in
        # a few containers, so copying the containers is a full copy, at a fraction of the cost.
        clone = object.__new__(type(self))
        clone.__dict__.update(
            {k: copy(v) if isinstance(v, dict | list) else v for k, v in self.__dict__.items()}
        )
        return clone

    def trigger_event(self, event_class: type[Any], **kwargs: Any) -> None:
        # recorded_at never decreases within a case, even if the wall clock steps back.
        if kwargs.get("timestamp") is None:
            now: datetime = event_class.create_timestamp()
            kwargs["timestamp"] = max(now, self.modified_on)
        super().trigger_event(event_class, **kwargs)


def _member_without_personal_data(member: MemberFacts) -> MemberFacts:
    return replace(
        member,
        details=without_personal_data(member.details),
        assessments=tuple(without_personal_data(a) for a in member.assessments),
        withdrawal=member.withdrawal and without_personal_data(member.withdrawal),
        extension=member.extension and without_personal_data(member.extension),
    )


def document_id_for(case_version: int) -> str:
    """A document's id: the case version that recorded it, unique within the case."""
    return f"doc-{case_version}"


V = TypeVar("V")


def _value_from(value_type: type[V], event: object) -> V:
    """The value object whose fields an event carries."""
    return value_type(**{f.name: getattr(event, f.name) for f in fields(value_type)})  # type: ignore[arg-type]


def _as_event_fields(value: object) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in fields(value)}  # type: ignore[arg-type]
