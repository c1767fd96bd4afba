"""Realistic generated cases, for benchmarks and demos (`nareis seed-load`).

The mix follows DOMAIN.md's situations: most sponsors granted an independent permit, a few awaiting
their grant or holding a dependent one; partners (married or not, sometimes two), minor and adult
children, parents of unaccompanied minors; timely, late and missing applications; official and
unofficial documents with assessments; grants, refusals, permits inside and outside the 4-day
target, extensions, withdrawals and corrections of every kind (the sponsor's details, the grant, a
member's details, arrival and application), findings on excusable lateness, and members whose
V-number is another case's sponsor's. Every case is built through the `Case` aggregate's commands,
so its guards keep every generated history one the system would have accepted; an ordinary step the
guards refuse is skipped, while corrections are made valid by construction (a refused one raises).
`revise` records a later round of corrections on cases already saved, so that the instants between
rounds fall between corrections. The same seed and `today` give the same cases (ids included).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, timedelta
from random import Random
from uuid import UUID

from domain.case import Case
from domain.eligibility import evaluate_member
from domain.errors import NareisError
from domain.facts import MemberDetails, Sponsor
from domain.vocabulary import Outcome, Overall

ACTORS = ("caseworker-1", "caseworker-2", "caseworker-3", "caseworker-4")
NAMES = (
    "Amal",
    "Samir",
    "Lina",
    "Omar",
    "Hiwet",
    "Dawit",
    "Sara",
    "Yusuf",
    "Maryam",
    "Reza",
    "Amina",
    "Fatima",
    "Idris",
    "Khalid",
    "Noor",
    "Jamal",
    "Aya",
    "Hassan",
    "Rami",
    "Leila",
)
FAMILIES = (
    "Haddad",
    "Tesfaye",
    "Rahimi",
    "Ahmadi",
    "Osman",
    "Karimi",
    "Yousef",
    "Bekele",
    "Hosseini",
    "Mohamed",
    "Abdi",
    "Nouri",
    "Said",
    "Tekle",
    "Sultani",
)


@dataclass(frozen=True)
class Mix:
    """How often each situation occurs: the chance per case, member or fact."""

    sponsor_was_a_member: float = 0.005  # a sponsor's V-number is a family member's elsewhere
    member_is_a_sponsor: float = 0.002  # a member's V-number is another case's sponsor's
    arrival: float = 0.04
    late: float = 0.08
    excusable_finding: float = 0.3  # of late applications
    grant_correction: float = 0.03
    application_correction: float = 0.03
    sponsor_correction: float = 0.01
    member_correction: float = 0.01
    arrival_correction: float = 0.2  # of arrivals


REALISTIC = Mix()
# For tests that must meet every kind of correction and the cross-case rule in a few hundred cases.
EVERY_CORRECTION = Mix(
    sponsor_was_a_member=0.2,
    member_is_a_sponsor=0.1,
    arrival=0.25,
    late=0.25,
    excusable_finding=0.6,
    grant_correction=0.3,
    application_correction=0.25,
    sponsor_correction=0.3,
    member_correction=0.25,
    arrival_correction=0.5,
)
CRITERION_EXCUSABLE = "late_application_excusable"


class CaseGenerator:
    def __init__(self, seed: int, today: date, mix: Mix = REALISTIC) -> None:
        self.rng = Random(seed)
        self.today = today
        self.mix = mix
        self.member_v_numbers: list[str] = []
        # V-number -> the days dependent permits were issued under it, as generated so far.
        self.permits_issued: dict[str, list[date]] = {}
        self.sponsor_v_numbers: list[str] = []
        self._v_number = 1_000_000_000 + self.rng.randrange(1_000_000)

    def cases(self, count: int) -> Iterator[Case]:
        for _ in range(count):
            yield self.case()

    # --- one case -------------------------------------------------------------------------------

    def case(self) -> Case:
        rng = self.rng
        sponsor = self.sponsor()
        case = Case.open(
            sponsor,
            actor=self.actor(),
            today=self.today,
            case_id=UUID(int=rng.getrandbits(128), version=4),
        )
        grant_on = sponsor.asylum_application_signed_on + self.days(60, 420)
        if rng.random() < 0.92 and grant_on <= self.today:
            kind = "dependent" if rng.random() < 0.02 else "independent"
            self.attempt(
                lambda: case.grant_sponsor_permit(
                    grant_on, kind, actor=self.actor(), today=self.today
                )
            )
        for member_id, details in self.family(sponsor):
            self.attempt(
                lambda m=member_id, d=details: case.register_member(
                    m, d, actor=self.actor(), today=self.today
                )
            )
            if member_id in case.members:
                self.procedure(case, member_id)
                if rng.random() < self.mix.member_correction:
                    self.correct_member(case, member_id)
        if case.grant is not None and rng.random() < self.mix.grant_correction:
            self.correct_grant(case)
        if rng.random() < self.mix.sponsor_correction:
            self.correct_sponsor(case)
        return case

    def revise(self, case: Case) -> None:
        """A later round on a saved case: corrections of every kind and findings on lateness, each
        with its chance from the mix."""
        rng, mix = self.rng, self.mix
        if rng.random() < mix.sponsor_correction:
            self.correct_sponsor(case)
        if case.grant is not None and rng.random() < mix.grant_correction:
            self.correct_grant(case)
        for member_id in list(case.members):
            if rng.random() < mix.member_correction:
                self.correct_member(case, member_id)
            member = case.members[member_id]
            if member.arrived_on is not None and rng.random() < mix.arrival_correction:
                self.correct_arrival(case, member_id)
            if member.application is not None and rng.random() < mix.application_correction:
                self.correct_application(case, member_id)
            if member.application is not None and rng.random() < mix.excusable_finding:
                self.find_lateness(case, member_id)

    def sponsor(self) -> Sponsor:
        rng = self.rng
        signed_on = self.today - self.days(70, 1100)
        unaccompanied_minor = rng.random() < 0.08
        age = rng.randint(15, 17) if unaccompanied_minor else rng.randint(19, 55)
        born_on = signed_on - timedelta(days=365 * age + rng.randrange(365))
        if self.member_v_numbers and rng.random() < self.mix.sponsor_was_a_member:
            v_number = rng.choice(self.member_v_numbers)  # a family member now asking as sponsor
        else:
            v_number = self.next_v_number()
        self.sponsor_v_numbers.append(v_number)
        return Sponsor(
            v_number,
            self.name(),
            born_on,
            signed_on,
            signed_on - self.days(0, 30),
            unaccompanied_minor,
        )

    def family(self, sponsor: Sponsor) -> list[tuple[str, MemberDetails]]:
        """An unaccompanied minor's parents; otherwise partners (mostly one) and children."""
        if sponsor.unaccompanied_minor:
            return self.parents(sponsor)
        partners = self.partners(sponsor) if self.rng.random() < 0.75 else []
        partner_id = partners[0][0] if partners else None
        return partners + self.children(sponsor, partner_id)

    def parents(self, sponsor: Sponsor) -> list[tuple[str, MemberDetails]]:
        parents = []
        for _ in range(self.rng.choice((1, 2, 2))):
            kind = "biological" if self.rng.random() < 0.9 else "other"
            born_on = sponsor.born_on - self.days(7000, 14000)
            parents.append(self.member("parent", born_on, parent_kind=kind))
        return parents

    def partners(self, sponsor: Sponsor) -> list[tuple[str, MemberDetails]]:
        married = "married" if self.rng.random() < 0.8 else "unmarried"
        born_on = sponsor.born_on + self.days(-2500, 2500)
        partners = [self.member("partner", born_on, marital_status=married)]
        if self.rng.random() < 0.03:
            born_on = sponsor.born_on + self.days(-2500, 2500)
            partners.append(self.member("partner", born_on, marital_status="married"))
        return partners

    def children(self, sponsor: Sponsor, partner_id: str | None) -> list[tuple[str, MemberDetails]]:
        rng = self.rng
        members: list[tuple[str, MemberDetails]] = []
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            age_days = rng.choice(
                (
                    self.days(200, 6400),
                    self.days(200, 6400),
                    self.days(6600, 9300),
                    self.days(9400, 11000),
                )
            )
            born_on = max(self.today - age_days, sponsor.born_on + timedelta(days=16 * 365))
            child_of = "sponsor"
            if partner_id is not None:
                child_of = "sponsor_and_partner" if rng.random() < 0.9 else "partner"
            members.append(
                self.member(
                    "child",
                    born_on,
                    child_of=child_of,
                    child_kind=rng.choice(("biological",) * 8 + ("adoptive", "foster")),
                    partner_member_id=partner_id if child_of != "sponsor" else None,
                )
            )
        return members

    def member(
        self, relationship: str, born_on: date, **details: object
    ) -> tuple[str, MemberDetails]:
        rng = self.rng
        v_number = self.next_v_number() if rng.random() < 0.7 else None
        if self.sponsor_v_numbers and rng.random() < self.mix.member_is_a_sponsor:
            v_number = rng.choice(self.sponsor_v_numbers)  # a sponsor elsewhere, coming as family
        return str(UUID(int=rng.getrandbits(128), version=4)), MemberDetails(
            name=self.name(),
            born_on=min(born_on, self.today),
            relationship=relationship,
            mentioned_in_asylum_procedure=rng.random() < 0.97,
            family_bond_abroad=rng.random() < 0.97,
            v_number=v_number,
            **details,  # type: ignore[arg-type]
        )

    # --- one member's procedure -----------------------------------------------------------------

    def procedure(self, case: Case, member_id: str) -> None:
        rng, grant = self.rng, case.grant
        if rng.random() < self.mix.arrival:
            self.act(case.record_arrival, member_id, case.sponsor.arrived_on)
            arrived = case.members[member_id].arrived_on is not None
            if arrived and rng.random() < self.mix.arrival_correction:
                self.correct_arrival(case, member_id)
        if grant is None or rng.random() < 0.08:
            return
        late = rng.random() < self.mix.late
        submitted_on = grant.granted_on + (self.days(95, 220) if late else self.days(1, 88))
        if submitted_on > self.today:
            return
        self.act(
            case.submit_application,
            member_id,
            submitted_on,
            rng.choice(("mvv_abroad", "in_netherlands")),
        )
        if case.members[member_id].application is None:
            return  # refused: not possible on that date
        self.documents(case, member_id, submitted_on)
        if late and rng.random() < self.mix.excusable_finding:
            self.find_lateness(case, member_id)
        decided_on = submitted_on + self.days(20, 240)
        if rng.random() < 0.1:
            self.act(
                case.extend_decision_period,
                member_id,
                submitted_on + self.days(50, 85),
                "waiting for documents",
            )
        if rng.random() < 0.03:
            self.act(case.withdraw, member_id, submitted_on + self.days(5, 60), "no longer comes")
        elif decided_on <= self.today and rng.random() < 0.8:
            self.decide(case, member_id, decided_on)
        if rng.random() < self.mix.application_correction:
            self.correct_application(case, member_id)

    # --- corrections, valid by construction -----------------------------------------------------

    def correct_sponsor(self, case: Case) -> None:
        rng, sponsor = self.rng, case.sponsor
        v_number = sponsor.v_number
        if rng.random() < 0.3:
            v_number = (
                rng.choice(self.member_v_numbers)
                if self.member_v_numbers and rng.random() < 0.5
                else self.next_v_number()
            )
        signed_on = sponsor.asylum_application_signed_on
        corrected = replace(
            sponsor,
            v_number=v_number,
            name=self.name() if rng.random() < 0.5 else sponsor.name,
            # On or before signing the asylum application (DOMAIN.md), never before birth.
            arrived_on=max(signed_on - self.days(0, 30), sponsor.born_on),
        )
        self.sponsor_v_numbers.append(v_number)
        case.correct_sponsor_details(
            corrected, "details from the asylum file", actor=self.actor(), today=self.today
        )

    def correct_grant(self, case: Case) -> None:
        grant = case.grant
        assert grant is not None
        earliest = case.sponsor.asylum_application_signed_on + timedelta(days=1)
        granted_on = min(max(grant.granted_on + self.days(-20, 20), earliest), self.today)
        kind = grant.permit_kind
        if self.rng.random() < 0.1:
            kind = "dependent" if kind == "independent" else "independent"
        case.grant_sponsor_permit(
            granted_on, kind, "date on the grant letter", actor=self.actor(), today=self.today
        )

    def correct_member(self, case: Case, member_id: str) -> None:
        rng, details = self.rng, case.members[member_id].details
        changes: dict[str, object] = {"name": self.name()}
        if rng.random() < 0.5:
            choices = [None, self.next_v_number(), *self.sponsor_v_numbers[-20:]]
            changes["v_number"] = rng.choice(choices)
        changes |= self.other_relationship(case, member_id) if rng.random() < 0.3 else {}
        case.correct_member_details(
            member_id,
            replace(details, **changes),  # type: ignore[arg-type]
            "details from the family file",
            actor=self.actor(),
            today=self.today,
        )

    @staticmethod
    def other_relationship(case: Case, member_id: str) -> dict[str, object]:
        """A partner recorded as the sponsor's child, or a child as a partner, where no child
        names that member as its parent (the aggregate refuses that)."""
        details = case.members[member_id].details
        named = any(m.details.partner_member_id == member_id for m in case.members.values())
        neutral = dict.fromkeys(("marital_status", "child_of", "child_kind", "parent_kind"))
        if details.relationship == "partner" and not named:
            return neutral | {"relationship": "child", "child_of": "sponsor"} | {
                "child_kind": "biological", "partner_member_id": None
            }  # fmt: skip
        if details.relationship == "child":
            return neutral | {"relationship": "partner", "marital_status": "married"} | {
                "partner_member_id": None
            }  # fmt: skip
        return {}

    def correct_arrival(self, case: Case, member_id: str) -> None:
        member = case.members[member_id]
        arrived_on = case.sponsor.arrived_on + self.days(-5, 5)
        arrived_on = min(max(arrived_on, member.born_on), self.today)
        case.record_arrival(
            member_id, arrived_on, "stamp in the passport", actor=self.actor(), today=self.today
        )

    def correct_application(self, case: Case, member_id: str) -> None:
        """Another date (not after what followed it, not before birth) or another channel."""
        member = case.members[member_id]
        application = member.application
        assert application is not None
        following = [
            fact_on
            for fact_on in (
                member.decision.decided_on if member.decision else None,
                member.extension.extended_on if member.extension else None,
                member.withdrawal.withdrawn_on if member.withdrawal else None,
                self.today,
            )
            if fact_on is not None
        ]
        submitted_on = application.submitted_on + self.days(-12, 12)
        submitted_on = max(min(submitted_on, *following), member.born_on)
        channel = self.rng.choice(("mvv_abroad", "in_netherlands"))
        case.submit_application(
            member_id,
            submitted_on,
            channel,
            "date stamp misread",
            actor=self.actor(),
            today=self.today,
        )

    def find_lateness(self, case: Case, member_id: str) -> None:
        """A finding on whether the lateness is excusable; sometimes two on one day (the later
        recorded counts)."""
        application = case.members[member_id].application
        assert application is not None
        assessed_on = min(application.submitted_on + self.days(0, 40), self.today)
        for _ in range(self.rng.choice((1, 1, 1, 2))):
            outcome = "met" if self.rng.random() < 0.6 else "not_met"
            case.record_assessment(
                member_id,
                assessed_on,
                CRITERION_EXCUSABLE,
                outcome,
                "reasons for the delay",
                actor=self.actor(),
                today=self.today,
            )

    def documents(self, case: Case, member_id: str, submitted_on: date) -> None:
        rng = self.rng
        for kind, chance in (
            ("identity_document", 0.97),
            ("family_tie_document", 0.95),
            ("sponsor_declaration", 0.95),
            ("antecedents_certificate", 0.93),
            ("non_impediment_certificate", 0.93),
            ("custodial_parent_consent", 0.7),
        ):
            if rng.random() < chance:
                official = rng.random() < 0.8
                received_on = min(submitted_on + self.days(0, 30), self.today)
                self.act(case.receive_document, member_id, received_on, kind, official)
                if not official:
                    criterion = (
                        "identity_established"
                        if kind == "identity_document"
                        else "family_ties_established"
                    )
                    self.assess(case, member_id, received_on + self.days(1, 20), criterion, 0.9)
        for criterion in (
            "durable_exclusive_relationship",
            "family_bond_intact",
            "more_than_normal_emotional_ties",
        ):
            if rng.random() < 0.5:
                self.assess(case, member_id, submitted_on + self.days(10, 40), criterion, 0.85)

    def assess(
        self, case: Case, member_id: str, assessed_on: date, criterion: str, chance_met: float
    ) -> None:
        """A finding without a note on `criterion`, met with the chance `chance_met`."""
        outcome = "met" if self.rng.random() < chance_met else "not_met"
        self.act(case.record_assessment, member_id, assessed_on, criterion, outcome, "")

    def decide(self, case: Case, member_id: str, decided_on: date) -> None:
        # As the command path does: the sponsor's V-number may hold a dependent permit elsewhere.
        issued = self.permits_issued.get(case.sponsor.v_number, ())
        holds = any(day <= decided_on for day in issued)
        eligibility = evaluate_member(case.facts(), member_id, decided_on, holds)
        if eligibility.overall == Overall.ELIGIBLE and self.rng.random() < 0.95:
            self.act(case.take_decision, member_id, decided_on, "granted", [], holds)
            issued_on = decided_on + self.days(0, 8)
            permit_pending = self.rng.random() < 0.05
            if (
                issued_on <= self.today
                and case.members[member_id].is_granted
                and not permit_pending
            ):
                self.act(case.issue_permit, member_id, issued_on, decided_on)
                v_number = case.members[member_id].details.v_number
                if v_number:
                    self.member_v_numbers.append(v_number)
                    self.permits_issued.setdefault(v_number, []).append(issued_on)
            return
        if eligibility.overall == Overall.INCOMPLETE and self.rng.random() < 0.6:
            return  # still waiting for evidence: the decision is pending (and may be overdue)
        grounds = [
            r.id.value for r in eligibility.rules if r.outcome in (Outcome.NOT_MET, Outcome.UNKNOWN)
        ] or ["identity_proven"]
        self.act(case.take_decision, member_id, decided_on, "refused", grounds, holds)

    # --- helpers --------------------------------------------------------------------------------

    def act(self, command, member_id: str, day: date, *args: object) -> None:
        if day > self.today:
            return
        if command.__name__ == "take_decision":
            *rest, holds = args
            self.attempt(
                lambda: command(
                    member_id,
                    day,
                    *rest,
                    sponsor_holds_dependent_permit=holds,
                    actor=self.actor(),
                    today=self.today,
                )
            )
            return
        self.attempt(lambda: command(member_id, day, *args, actor=self.actor(), today=self.today))

    @staticmethod
    def attempt(step) -> None:
        # The aggregate refused it: such a step would not have been recorded either.
        with suppress(NareisError):
            step()

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def actor(self) -> str:
        return self.rng.choice(ACTORS)

    def name(self) -> str:
        return f"{self.rng.choice(NAMES)} {self.rng.choice(FAMILIES)}"

    def next_v_number(self) -> str:
        self._v_number += self.rng.randint(1, 97)
        return str(self._v_number)
