"""The `Case` aggregate: one sponsor's family-reunification case, one event stream.

Public methods are commands: they check (`check_*`, raising a domain error before anything is
recorded), compute what is needed, and then trigger an event. Each event is a class nested in `Case`
(its topic is `domain.case:Case.<name>`) that declares its fields in their stored order and whose
`apply` only applies the recorded values; a fact and its correction record the same fields, so they
share a base that declares and applies them (`...Fields`: the sponsor's details, the grant, a
member's details, arrival and application). `apply` never checks anything, so replaying old events
never fails on today's rules or today's date.
"""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.calendar import ATW_CALENDAR, AtwCalendar
from domain.eligibility import evaluate_member
from domain.errors import (
    AlreadyDecided,
    AlreadyWithdrawn,
    ApplicationMissing,
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


@dataclass(frozen=True)
class SponsorDetailsFields:
    """The sponsor's details, as CaseOpened and SponsorDetailsCorrected record them (stored events
    hold these names in this order)."""

    v_number: str
    name: str
    born_on: date
    asylum_application_signed_on: date
    arrived_on: date
    unaccompanied_minor: bool

    def apply(self, case: Case) -> None:
        case.sponsor = _value_from(Sponsor, self)


@dataclass(frozen=True)
class MemberDetailsFields:
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

    def details(self) -> MemberDetails:
        return _value_from(MemberDetails, self)


@dataclass(frozen=True)
class GrantFields:
    """The sponsor's grant, as SponsorPermitGranted and SponsorPermitGrantCorrected record it."""

    granted_on: date
    permit_kind: str

    def apply(self, case: Case) -> None:
        case.grant = SponsorGrant(self.granted_on, self.permit_kind)


@dataclass(frozen=True)
class ArrivalFields:
    """A member's arrival, as FamilyMemberArrived and FamilyMemberArrivalCorrected record it."""

    member_id: str
    arrived_on: date

    def apply(self, case: Case) -> None:
        case._update_member(self.member_id, arrived_on=self.arrived_on)


@dataclass(frozen=True)
class ApplicationFields:
    """A member's application, as ApplicationSubmitted and ApplicationCorrected record it."""

    member_id: str
    submitted_on: date
    channel: str

    def apply(self, case: Case) -> None:
        application = Application(self.submitted_on, self.channel)
        case._update_member(self.member_id, application=application)


class Case(Aggregate):
    """One sponsor's case: the sponsor, the grant, and every family member's facts."""

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
        self.trigger_event(
            self.SponsorDetailsCorrected,
            correction_reason=correction_reason,
            actor=actor,
            **_as_event_fields(sponsor),
        )

    class SponsorDetailsCorrected(SponsorDetailsFields, Aggregate.Event):
        correction_reason: str
        actor: str

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
            self.trigger_event(self.SponsorPermitGranted, actor=actor, **_as_event_fields(grant))
        elif grant != self.grant:
            self.check_correction_reason(correction_reason, "The sponsor's grant")
            self.trigger_event(
                self.SponsorPermitGrantCorrected,
                correction_reason=correction_reason,
                actor=actor,
                **_as_event_fields(grant),
            )

    class SponsorPermitGranted(GrantFields, Aggregate.Event):
        actor: str

    class SponsorPermitGrantCorrected(GrantFields, Aggregate.Event):
        correction_reason: str
        actor: str

    # --- family members -------------------------------------------------------------------------

    def register_member(
        self, member_id: str, details: MemberDetails, *, actor: str, today: date
    ) -> None:
        self.check_room_for_a_member()
        self.check_member_details(member_id, details, today)
        self.trigger_event(
            self.FamilyMemberRegistered,
            member_id=member_id,
            actor=actor,
            **_as_event_fields(details),
        )

    class FamilyMemberRegistered(MemberDetailsFields, Aggregate.Event):
        actor: str

        def apply(self, case: Case) -> None:
            case.members[self.member_id] = MemberFacts(self.member_id, self.details())

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
        self.trigger_event(
            self.FamilyMemberDetailsCorrected,
            member_id=member_id,
            correction_reason=correction_reason,
            actor=actor,
            **_as_event_fields(details),
        )

    class FamilyMemberDetailsCorrected(MemberDetailsFields, Aggregate.Event):
        correction_reason: str
        actor: str

        def apply(self, case: Case) -> None:
            case._update_member(self.member_id, details=self.details())

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

    class FamilyMemberArrivalCorrected(ArrivalFields, Aggregate.Event):
        correction_reason: str
        actor: str

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
        recorded = {"member_id": member_id, "actor": actor, **_as_event_fields(application)}
        if member.application is None:
            self.check_not_withdrawn(member)
            self.trigger_event(self.ApplicationSubmitted, **recorded)
        elif application != member.application:
            self.check_correction_reason(correction_reason, "The application")
            self.check_application_precedes_what_follows(member, submitted_on)
            self.trigger_event(
                self.ApplicationCorrected, correction_reason=correction_reason, **recorded
            )

    class ApplicationSubmitted(ApplicationFields, Aggregate.Event):
        actor: str

    class ApplicationCorrected(ApplicationFields, Aggregate.Event):
        correction_reason: str
        actor: str

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
        self.trigger_event(
            self.DocumentReceived,
            member_id=member_id,
            received_on=received_on,
            kind=chosen.value,
            official=official,
            document_id=document_id_for(self.version + 1),
            actor=actor,
        )

    class DocumentReceived(Aggregate.Event):
        """v2 added `document_id`, so a client can tell apart several documents of one kind.
        A v1 event gets the id v2 would have given it: it is derived from the event's version."""

        class_version = 2
        member_id: str
        received_on: date
        kind: str
        official: bool
        document_id: str
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["document_id"] = document_id_for(state["originator_version"])

        def apply(self, case: Case) -> None:
            document = Document(self.received_on, self.kind, self.official, self.document_id)
            documents = (*case.members[self.member_id].documents, document)
            case._update_member(self.member_id, documents=documents)

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

    class AssessmentRecorded(Aggregate.Event):
        member_id: str
        assessed_on: date
        criterion: str
        outcome: str
        note: str
        actor: str

        def apply(self, case: Case) -> None:
            # The event's own version breaks the tie between assessments with equal dates.
            assessment = Assessment(
                self.assessed_on, self.criterion, self.outcome, self.note, self.originator_version
            )
            assessments = (*case.members[self.member_id].assessments, assessment)
            case._update_member(self.member_id, assessments=assessments)

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
        self.check_not_decided(member)
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

    class DecisionTaken(Aggregate.Event):
        member_id: str
        decided_on: date
        outcome: str
        grounds: list[str]
        actor: str

        def apply(self, case: Case) -> None:
            decision = Decision(self.decided_on, self.outcome, tuple(self.grounds))
            case._update_member(self.member_id, decision=decision)

    def issue_permit(
        self, member_id: str, issued_on: date, valid_from: date, *, actor: str, today: date
    ) -> None:
        member = self.member(member_id)
        self.check_member_date(member, issued_on, "issued_on", today)
        self.check_member_date(member, valid_from, "valid_from", today)
        self.check_not_withdrawn(member)
        if member.permit is not None:
            raise PermitAlreadyIssued(
                f"A permit was already issued to {member_id} "
                f"on {member.permit.issued_on.isoformat()}."
            )
        if not member.is_granted:
            raise DecisionMissing(f"Family member {member_id} has no granted decision.")
        assert member.decision is not None
        if issued_on < member.decision.decided_on:
            raise PermitBeforeDecision(
                f"issued_on {issued_on.isoformat()} is before the decision of "
                f"{member.decision.decided_on.isoformat()}."
            )
        self.trigger_event(
            self.PermitIssued,
            member_id=member_id,
            issued_on=issued_on,
            valid_from=valid_from,
            actor=actor,
        )

    class PermitIssued(Aggregate.Event):
        member_id: str
        issued_on: date
        valid_from: date
        actor: str

        def apply(self, case: Case) -> None:
            case._update_member(self.member_id, permit=Permit(self.issued_on, self.valid_from))

    def withdraw(
        self, member_id: str, withdrawn_on: date, reason: str, *, actor: str, today: date
    ) -> None:
        member = self.member(member_id)
        self.check_member_date(member, withdrawn_on, "withdrawn_on", today)
        if member.withdrawal is not None:
            raise AlreadyWithdrawn(
                f"Family member {member_id} was already withdrawn "
                f"on {member.withdrawal.withdrawn_on.isoformat()}."
            )
        if member.application and withdrawn_on < member.application.submitted_on:
            raise DateBeforeApplication(
                f"withdrawn_on {withdrawn_on.isoformat()} is before the application of "
                f"{member.application.submitted_on.isoformat()}."
            )
        self.trigger_event(
            self.ApplicationWithdrawn,
            member_id=member_id,
            withdrawn_on=withdrawn_on,
            reason=reason,
            actor=actor,
        )

    class ApplicationWithdrawn(Aggregate.Event):
        member_id: str
        withdrawn_on: date
        reason: str
        actor: str

        def apply(self, case: Case) -> None:
            withdrawal = Withdrawal(self.withdrawn_on, self.reason)
            case._update_member(self.member_id, withdrawal=withdrawal)

    def extend_decision_period(
        self, member_id: str, extended_on: date, reason: str, *, actor: str, today: date
    ) -> None:
        member = self.member(member_id)
        self.check_member_date(member, extended_on, "extended_on", today)
        self.check_not_withdrawn(member)
        if member.extension is not None:
            raise DecisionPeriodAlreadyExtended(
                f"The decision period of {member_id} was already extended "
                f"on {member.extension.extended_on.isoformat()}."
            )
        self.check_has_application_by(member, extended_on, "extended_on")
        self.check_not_decided(member)
        self.trigger_event(
            self.DecisionPeriodExtended,
            member_id=member_id,
            extended_on=extended_on,
            reason=reason,
            actor=actor,
        )

    class DecisionPeriodExtended(Aggregate.Event):
        member_id: str
        extended_on: date
        reason: str
        actor: str

        def apply(self, case: Case) -> None:
            extension = DecisionPeriodExtension(self.extended_on, self.reason)
            case._update_member(self.member_id, extension=extension)

    # --- guards ---------------------------------------------------------------------------------

    @staticmethod
    def check_correction_reason(correction_reason: str | None, what: str) -> None:
        if not correction_reason or not correction_reason.strip():
            raise CorrectionWithoutReason(what)

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
    def check_not_decided(member: MemberFacts) -> None:
        if member.decision is not None:
            raise AlreadyDecided(
                f"Family member {member.member_id} already has a decision "
                f"({member.decision.outcome} on {member.decision.decided_on.isoformat()})."
            )

    @staticmethod
    def check_has_application_by(member: MemberFacts, day: date, field: str) -> None:
        if member.application is None:
            raise ApplicationMissing(f"Family member {member.member_id} has no application.")
        if day < member.application.submitted_on:
            raise DateBeforeApplication(
                f"{field} {day.isoformat()} is before the application of "
                f"{member.application.submitted_on.isoformat()}."
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


def document_id_for(case_version: int) -> str:
    """A document's id: the case version that recorded it, unique within the case."""
    return f"doc-{case_version}"


V = TypeVar("V")


def _value_from(value_type: type[V], event: object) -> V:
    """The value object whose fields an event carries."""
    return value_type(**{f.name: getattr(event, f.name) for f in fields(value_type)})  # type: ignore[arg-type]


def _as_event_fields(value: object) -> dict[str, Any]:
    return {f.name: getattr(value, f.name) for f in fields(value)}  # type: ignore[arg-type]
