"""The seed's conditions as rules: pure functions of (the case as of D, the member, D).

Each rule is named after its id in DOMAIN.md ("Rules, evaluated per family member on date D") and
quotes the seed (`shared/seed/000_dbac3462121e55cd.txt`) it comes from. No rule reads a clock: the
date D and the case as it stood on D arrive in the `RuleContext`. Every result carries a `reason`
that names the facts it used, so an answer can be explained to the family and to a court.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.facts import CaseFacts, MemberFacts, age_on
from domain.term import Term
from domain.vocabulary import (
    AssessmentOutcome,
    ChildOf,
    Criterion,
    DocumentKind,
    MaritalStatus,
    Outcome,
    ParentKind,
    PermitKind,
    Relationship,
    RuleId,
)

ADULT_AGE = 18
YOUNG_ADULT_MAX_AGE = 25
CRIMINAL_RECORD_AGE = 12
NON_IMPEDIMENT_AGE = 15


@dataclass(frozen=True)
class RuleResult:
    id: RuleId
    outcome: Outcome
    reason: str
    missing_document: DocumentKind | None = None


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at: the case and member as they stood on `on` (facts after it removed)."""

    case: CaseFacts
    member: MemberFacts
    on: date
    term: Term | None
    sponsor_holds_dependent_permit: bool

    @property
    def age_reference_date(self) -> date:
        """DOMAIN.md: a member's age for a rule is the age on `submitted_on` (on D if none yet)."""
        application = self.member.application
        return application.submitted_on if application else self.on

    @property
    def age_reference_label(self) -> str:
        return "on the application date" if self.member.application else "on the as-of date"

    @property
    def member_age(self) -> int:
        return age_on(self.member.born_on, self.age_reference_date)


Rule = Callable[[RuleContext], RuleResult]


def _result(rule: RuleId, outcome: Outcome, reason: str, missing: DocumentKind | None = None):
    return RuleResult(rule, outcome, reason, missing)


def _d(day: date) -> str:
    return day.isoformat()


def sponsor_has_asylum_permit(ctx: RuleContext) -> RuleResult:
    """Seed: "Your family member is holder of a temporary asylum residence permit"."""
    rule = RuleId.SPONSOR_HAS_ASYLUM_PERMIT
    grant = ctx.case.grant
    if grant is None:
        return _result(
            rule, Outcome.UNKNOWN, f"no grant to the sponsor recorded on or before {_d(ctx.on)}"
        )
    return _result(rule, Outcome.MET, f"sponsor granted an asylum permit on {_d(grant.granted_on)}")


def sponsor_permit_independent(ctx: RuleContext) -> RuleResult:
    """Seed: "Your family member has an independent asylum residence permit" and "As a family member
    you cannot be a sponsor"."""
    rule = RuleId.SPONSOR_PERMIT_INDEPENDENT
    grant = ctx.case.grant
    if grant is None:
        return _result(rule, Outcome.UNKNOWN, "no grant to the sponsor recorded yet")
    if grant.permit_kind != PermitKind.INDEPENDENT:
        return _result(rule, Outcome.NOT_MET, f"the sponsor's permit is {grant.permit_kind}")
    if ctx.sponsor_holds_dependent_permit:
        return _result(
            rule,
            Outcome.NOT_MET,
            f"V-number {ctx.case.sponsor.v_number} holds a dependent permit as a family member",
        )
    return _result(rule, Outcome.MET, f"independent permit granted on {_d(grant.granted_on)}")


def mentioned_in_asylum_procedure(ctx: RuleContext) -> RuleResult:
    """Seed: "Your family member has mentioned you during the asylum procedure"."""
    rule = RuleId.MENTIONED_IN_ASYLUM_PROCEDURE
    if ctx.member.details.mentioned_in_asylum_procedure:
        return _result(rule, Outcome.MET, "mentioned by the sponsor in the asylum procedure")
    return _result(rule, Outcome.NOT_MET, "not mentioned by the sponsor in the asylum procedure")


def family_bond_abroad(ctx: RuleContext) -> RuleResult:
    """Seed: "You were already part of your family member's family abroad. And you still are during
    your family member's journey to the Netherlands"."""
    rule = RuleId.FAMILY_BOND_ABROAD
    if ctx.member.details.family_bond_abroad:
        return _result(
            rule, Outcome.MET, "part of the sponsor's family abroad and during the journey"
        )
    return _result(rule, Outcome.NOT_MET, "not part of the sponsor's family abroad")


def timely(ctx: RuleContext) -> RuleResult:
    """Seed: "You travelled to the Netherlands at the same time with your family member or you had
    arrived earlier. Or you submit your own application ... on time. On time means within a period of
    3 months after your family member has been given his temporary asylum residence permit"."""
    rule = RuleId.TIMELY
    member, sponsor, term = ctx.member, ctx.case.sponsor, ctx.term
    if member.arrived_on is not None and member.arrived_on <= sponsor.arrived_on:
        return _result(
            rule,
            Outcome.MET,
            f"arrived {_d(member.arrived_on)}, with or before the sponsor ({_d(sponsor.arrived_on)})",
        )
    application = member.application
    if application is not None:
        if term is None:
            return _result(
                rule, Outcome.MET, f"applied {_d(application.submitted_on)}, before any grant"
            )
        if application.submitted_on <= term.ends_on:
            return _result(
                rule,
                Outcome.MET,
                f"applied {_d(application.submitted_on)}, within the term ending {_d(term.ends_on)}",
            )
        return _late_application(ctx, application.submitted_on, term)
    if term is None:
        return _result(rule, Outcome.UNKNOWN, "no application yet and no grant to the sponsor yet")
    if ctx.on > term.ends_on:
        return _result(
            rule, Outcome.NOT_MET, f"no application by the end of the term, {_d(term.ends_on)}"
        )
    return _result(rule, Outcome.UNKNOWN, f"no application yet; the term ends {_d(term.ends_on)}")


def _late_application(ctx: RuleContext, submitted_on: date, term: Term) -> RuleResult:
    """DOMAIN.md "Settled questions", excusable lateness: the service's consistent practice (upheld
    in Dutch case law; left open to member states by the CJEU in K and B, C-380/17) counts a late
    application when its lateness is excusable: a `late_application_excusable` finding that is met
    makes `timely` met; `not_met` or none changes nothing."""
    late = f"applied {_d(submitted_on)}, after the term ended {_d(term.ends_on)}"
    finding = ctx.member.finding(Criterion.LATE_APPLICATION_EXCUSABLE)
    if finding is not None and finding.outcome == AssessmentOutcome.MET:
        return _result(
            RuleId.TIMELY,
            Outcome.MET,
            f"{late}, but the lateness was assessed excusable ({_d(finding.assessed_on)})",
        )
    return _result(RuleId.TIMELY, Outcome.NOT_MET, late)


def partner_adult(ctx: RuleContext) -> RuleResult:
    """Seed: "You and your partner are both 18 years or older"."""
    rule = RuleId.PARTNER_ADULT
    if ctx.member.relationship != Relationship.PARTNER:
        return _result(rule, Outcome.NOT_APPLICABLE, "applies to partners only")
    member_age = ctx.member_age
    sponsor_age = age_on(ctx.case.sponsor.born_on, ctx.age_reference_date)
    ages = f"member {member_age}, sponsor {sponsor_age} {ctx.age_reference_label}"
    if member_age >= ADULT_AGE and sponsor_age >= ADULT_AGE:
        return _result(rule, Outcome.MET, f"both 18 or older ({ages})")
    return _result(rule, Outcome.NOT_MET, f"not both 18 or older ({ages})")


def _blocking_partner(ctx: RuleContext, partner: MemberFacts) -> MemberFacts | None:
    """Another partner granted before `partner` was: the first partner granted is the one who comes.
    The case's granted partners come earliest first, so at most two of them are looked at."""
    own_grant = partner.decision.decided_on if partner.is_granted else None  # type: ignore[union-attr]
    others = (m for m in ctx.case.granted_partners if m.member_id != partner.member_id)
    first = next(others, None)
    if first is None:
        return None
    earlier = own_grant is None or first.decision.decided_on < own_grant  # type: ignore[union-attr]
    return first if earlier else None


def single_partner(ctx: RuleContext) -> RuleResult:
    """Seed: "Only 1 partner can come over to the Netherlands"."""
    rule = RuleId.SINGLE_PARTNER
    if ctx.member.relationship != Relationship.PARTNER:
        return _result(rule, Outcome.NOT_APPLICABLE, "applies to partners only")
    other = _blocking_partner(ctx, ctx.member)
    if other is None:
        return _result(rule, Outcome.MET, "no other partner in this case has been granted")
    decided_on = other.decision.decided_on  # type: ignore[union-attr]
    return _result(
        rule, Outcome.NOT_MET, f"partner {other.member_id} was granted on {_d(decided_on)}"
    )


def partner_relationship(ctx: RuleContext) -> RuleResult:
    """Seed: "The legally married or unmarried partner with whom your family member has a durable,
    exclusive relationship"."""
    rule = RuleId.PARTNER_RELATIONSHIP
    member = ctx.member
    if member.relationship != Relationship.PARTNER:
        return _result(rule, Outcome.NOT_APPLICABLE, "applies to partners only")
    finding = member.finding(Criterion.DURABLE_EXCLUSIVE_RELATIONSHIP)
    if finding is not None and finding.outcome == AssessmentOutcome.NOT_MET:
        return _result(
            rule,
            Outcome.NOT_MET,
            f"durable exclusive relationship not met ({_d(finding.assessed_on)})",
        )
    if member.details.marital_status == MaritalStatus.MARRIED:
        return _result(rule, Outcome.MET, "married to the sponsor")
    if finding is not None:
        return _result(
            rule, Outcome.MET, f"durable exclusive relationship met ({_d(finding.assessed_on)})"
        )
    return _result(
        rule, Outcome.UNKNOWN, "unmarried; durable exclusive relationship not assessed yet"
    )


def child_belongs_to_family(ctx: RuleContext) -> RuleResult:
    """Seed: "The child must belong to the family member's family ... Only the children of the partner
    who is coming to the Netherlands or already is in the Netherlands can come over"."""
    rule = RuleId.CHILD_BELONGS_TO_FAMILY
    details = ctx.member.details
    if ctx.member.relationship != Relationship.CHILD:
        return _result(rule, Outcome.NOT_APPLICABLE, "applies to children only")
    if details.child_of in (ChildOf.SPONSOR, ChildOf.SPONSOR_AND_PARTNER):
        return _result(rule, Outcome.MET, f"child of the {details.child_of.replace('_', ' ')}")
    partner = ctx.case.member(details.partner_member_id)
    if partner is None or partner.relationship != Relationship.PARTNER:
        return _result(
            rule, Outcome.NOT_MET, "the named partner is not a partner member of this case"
        )
    cannot_come = _partner_cannot_come(ctx, partner)
    if cannot_come is not None:
        return _result(rule, Outcome.NOT_MET, cannot_come)
    return _result(rule, Outcome.MET, f"child of partner {partner.member_id}, who may come")


def _partner_refused_or_withdrew(partner: MemberFacts) -> str | None:
    if partner.is_refused:
        return f"the partner {partner.member_id} was refused"
    if partner.is_withdrawn:
        return f"the partner {partner.member_id} withdrew"
    return None


def _partner_cannot_come(ctx: RuleContext, partner: MemberFacts) -> str | None:
    """Why a partner cannot come, if so: refused, withdrew, or another partner was granted first."""
    refused_or_withdrew = _partner_refused_or_withdrew(partner)
    if refused_or_withdrew is not None:
        return refused_or_withdrew
    other = _blocking_partner(ctx, partner)
    if other is None:
        return None
    return f"the partner {partner.member_id} cannot come: partner {other.member_id} was granted"


def child_age(ctx: RuleContext) -> RuleResult:
    """Seed: "The minor child ... The young adult child up to around 25 years old ... The family bond
    ... has not been broken ... For children over 25 years old more than normal emotional ties must
    also exist"."""
    rule = RuleId.CHILD_AGE
    member = ctx.member
    if member.relationship != Relationship.CHILD:
        return _result(rule, Outcome.NOT_APPLICABLE, "applies to children only")
    age = ctx.member_age
    label = f"age {age} {ctx.age_reference_label}"
    if age < ADULT_AGE:
        return _result(rule, Outcome.MET, f"minor ({label})")
    needed = [Criterion.FAMILY_BOND_INTACT]
    if age > YOUNG_ADULT_MAX_AGE:
        needed.append(Criterion.MORE_THAN_NORMAL_EMOTIONAL_TIES)
    findings = {c: member.finding(c) for c in needed}
    failed = [
        c for c, f in findings.items() if f is not None and f.outcome == AssessmentOutcome.NOT_MET
    ]
    if failed:
        return _result(rule, Outcome.NOT_MET, f"{label}; {', '.join(failed)} not met")
    missing = [c for c, f in findings.items() if f is None]
    if missing:
        return _result(rule, Outcome.UNKNOWN, f"{label}; {', '.join(missing)} not assessed yet")
    return _result(rule, Outcome.MET, f"{label}; {', '.join(needed)} met")


def parent_of_unaccompanied_minor(ctx: RuleContext) -> RuleResult:
    """Seed: "The biological father or mother of the unaccompanied, minor family member. Determination
    of minor age: your family member's age while signing the asylum application. The minor status will
    remain valid until three months after granting the asylum residence permit"."""
    rule = RuleId.PARENT_OF_UNACCOMPANIED_MINOR
    member, sponsor, term = ctx.member, ctx.case.sponsor, ctx.term
    if member.relationship != Relationship.PARENT:
        return _result(rule, Outcome.NOT_APPLICABLE, "applies to parents only")
    if member.details.parent_kind != ParentKind.BIOLOGICAL:
        return _result(rule, Outcome.NOT_MET, "not a biological parent")
    if not sponsor.unaccompanied_minor:
        return _result(rule, Outcome.NOT_MET, "the sponsor did not travel unaccompanied")
    age_at_signing = age_on(sponsor.born_on, sponsor.asylum_application_signed_on)
    if age_at_signing >= ADULT_AGE:
        return _result(
            rule,
            Outcome.NOT_MET,
            f"the sponsor was {age_at_signing} when signing the asylum application "
            f"({_d(sponsor.asylum_application_signed_on)})",
        )
    day = member.application.submitted_on if member.application else ctx.on
    sponsor_minor = age_on(sponsor.born_on, day) < ADULT_AGE
    within_term = term is None or day <= term.ends_on
    if sponsor_minor or within_term:
        why = (
            "the sponsor is still a minor"
            if sponsor_minor
            else ("no grant yet" if term is None else f"within the term ending {_d(term.ends_on)}")
        )
        if member.application is None:
            return _result(rule, Outcome.UNKNOWN, f"no application yet; still possible: {why}")
        return _result(
            rule, Outcome.MET, f"applied {_d(day)} while the minor status lasted ({why})"
        )
    return _result(
        rule,
        Outcome.NOT_MET,
        f"the minor status ended with the term on {_d(term.ends_on)} and the sponsor is an adult",  # type: ignore[union-attr]
    )


def no_criminal_record(ctx: RuleContext) -> RuleResult:
    """Seed: "You do not have a criminal record. As of 12 years of age you sign an antecedents
    certificate for this with your application"."""
    rule = RuleId.NO_CRIMINAL_RECORD
    age = ctx.member_age
    if age < CRIMINAL_RECORD_AGE:
        return _result(
            rule, Outcome.NOT_APPLICABLE, f"under 12 (age {age} {ctx.age_reference_label})"
        )
    finding = ctx.member.finding(Criterion.CRIMINAL_RECORD_CLEAR)
    if finding is not None and finding.outcome == AssessmentOutcome.NOT_MET:
        return _result(
            rule, Outcome.NOT_MET, f"criminal record not clear ({_d(finding.assessed_on)})"
        )
    return _document_rule(ctx, rule, DocumentKind.ANTECEDENTS_CERTIFICATE)


def non_impediment_certificate(ctx: RuleContext) -> RuleResult:
    """Seed: "As of 15 years of age you sign a certificate of non-impediment with your application"."""
    rule = RuleId.NON_IMPEDIMENT_CERTIFICATE
    age = ctx.member_age
    if age < NON_IMPEDIMENT_AGE:
        return _result(
            rule, Outcome.NOT_APPLICABLE, f"under 15 (age {age} {ctx.age_reference_label})"
        )
    return _document_rule(ctx, rule, DocumentKind.NON_IMPEDIMENT_CERTIFICATE)


def _other_parent_stays_behind(ctx: RuleContext) -> str | None:
    details = ctx.member.details
    if details.child_of == ChildOf.SPONSOR:
        return "the other parent is not part of this case"
    if details.child_of == ChildOf.SPONSOR_AND_PARTNER:
        partner = ctx.case.member(details.partner_member_id)
        return None if partner is None else _partner_refused_or_withdrew(partner)
    return None


def custodial_parent_consent(ctx: RuleContext) -> RuleResult:
    """Seed: "If you are a child of the family member in the Netherlands: your biological (custodial)
    parent who is staying behind, has given permission for your departure to the Netherlands"."""
    rule = RuleId.CUSTODIAL_PARENT_CONSENT
    if ctx.member.relationship != Relationship.CHILD or ctx.member_age >= ADULT_AGE:
        return _result(rule, Outcome.NOT_APPLICABLE, "applies to minor children only")
    stays_behind = _other_parent_stays_behind(ctx)
    if stays_behind is None:
        return _result(rule, Outcome.NOT_APPLICABLE, "no parent stays behind")
    return _document_rule(ctx, rule, DocumentKind.CUSTODIAL_PARENT_CONSENT, f"{stays_behind}; ")


def sponsor_declaration(ctx: RuleContext) -> RuleResult:
    """Seed: "Your partner, parent or child declares that he or she is your sponsor"."""
    return _document_rule(ctx, RuleId.SPONSOR_DECLARATION, DocumentKind.SPONSOR_DECLARATION)


def _document_rule(
    ctx: RuleContext, rule: RuleId, kind: DocumentKind, prefix: str = ""
) -> RuleResult:
    documents = ctx.member.documents_of(kind)
    if documents:
        first = min(d.received_on for d in documents)
        return _result(rule, Outcome.MET, f"{prefix}{kind} received {_d(first)}")
    return _result(rule, Outcome.UNKNOWN, f"{prefix}no {kind} received yet", kind)


def _proof_rule(
    ctx: RuleContext, rule: RuleId, kind: DocumentKind, criterion: Criterion
) -> RuleResult:
    """Seed: "prove ... as much as is possible with documents. These are official documents from the
    government in your country. Or unofficial and supporting documents if there are no official ones"."""
    member = ctx.member
    finding = member.finding(criterion)
    if finding is not None and finding.outcome == AssessmentOutcome.NOT_MET:
        return _result(rule, Outcome.NOT_MET, f"{criterion} not met ({_d(finding.assessed_on)})")
    documents = member.documents_of(kind)
    official = [d for d in documents if d.official]
    if official:
        first = min(d.received_on for d in official)
        return _result(rule, Outcome.MET, f"official {kind} received {_d(first)}")
    if not documents:
        return _result(rule, Outcome.UNKNOWN, f"no {kind} received yet", kind)
    received = _d(min(d.received_on for d in documents))
    if finding is not None:
        return _result(
            rule,
            Outcome.MET,
            f"unofficial {kind} received {received}; {criterion} met ({_d(finding.assessed_on)})",
        )
    return _result(
        rule,
        Outcome.UNKNOWN,
        f"unofficial {kind} received {received}; {criterion} not assessed yet",
    )


def identity_proven(ctx: RuleContext) -> RuleResult:
    """Seed: "You have to prove your identity ... as much as is possible with documents"."""
    return _proof_rule(
        ctx, RuleId.IDENTITY_PROVEN, DocumentKind.IDENTITY_DOCUMENT, Criterion.IDENTITY_ESTABLISHED
    )


def family_ties_proven(ctx: RuleContext) -> RuleResult:
    """Seed: "You have to prove ... your family ties with your family member as much as is possible
    with documents"."""
    return _proof_rule(
        ctx,
        RuleId.FAMILY_TIES_PROVEN,
        DocumentKind.FAMILY_TIE_DOCUMENT,
        Criterion.FAMILY_TIES_ESTABLISHED,
    )
