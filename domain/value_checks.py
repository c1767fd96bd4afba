"""The aggregate's checks of a command's own values: against today, a birth, each other and
DOMAIN.md's lists. They need nothing the case records (the guards that do are `Case.check_*`).

The API's input schemas take only values from the lists too, yet these checks guard every caller
(the seeding generator and the demo do not go through the API): a recorded value stays in the
stream for good, and the API's answer shapes take only values from the lists, so one outside them
would keep the case from being shown at all.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TypeVar

from domain.errors import (
    DateBeforeBirth,
    FutureBusinessDate,
    GrantBeforeAsylumApplication,
    RelationshipFieldMismatch,
    ValueNotInList,
)
from domain.facts import MemberDetails, Sponsor
from domain.vocabulary import ChildKind, ChildOf, MaritalStatus, ParentKind, Relationship

E = TypeVar("E", bound=StrEnum)


def parse_choice(choices: type[E], value: object, field: str) -> E:
    """`value` as a member of `choices`, or `ValueNotInList` naming the allowed values."""
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(choices)
        raise ValueNotInList(field, f"{value!r} is not one of: {allowed}") from None


def check_not_in_future(day: date, today: date, field: str) -> None:
    if day > today:
        raise FutureBusinessDate(
            f"{field} {day.isoformat()} is in the future (today is {today.isoformat()})."
        )


def check_not_before_birth(day: date, born_on: date, field: str, whom: str) -> None:
    if day < born_on:
        raise DateBeforeBirth(
            f"{field} {day.isoformat()} is before {whom} was born ({born_on.isoformat()})."
        )


def check_sponsor(sponsor: Sponsor, today: date) -> None:
    check_not_in_future(sponsor.born_on, today, "sponsor.born_on")
    for field in ("asylum_application_signed_on", "arrived_on"):
        day = getattr(sponsor, field)
        check_not_in_future(day, today, f"sponsor.{field}")
        check_not_before_birth(day, sponsor.born_on, f"sponsor.{field}", "the sponsor")


def check_grant_after_asylum_application(granted_on: date, sponsor: Sponsor) -> None:
    """DOMAIN.md "Settled questions": a grant dated before the asylum application was signed is
    refused (409); the grant answers that application, so it cannot come first."""
    signed_on = sponsor.asylum_application_signed_on
    if granted_on < signed_on:
        raise GrantBeforeAsylumApplication(
            f"granted_on {granted_on.isoformat()} is before the sponsor signed the asylum "
            f"application on {signed_on.isoformat()}."
        )


# Each relationship's own fields (DOMAIN.md, FamilyMemberRegistered) and the list each value is
# from; `partner_member_id` names a member, and only a child whose parent is the partner has one.
_OWN_FIELDS: dict[Relationship, dict[str, type[StrEnum] | None]] = {
    Relationship.PARTNER: {"marital_status": MaritalStatus},
    Relationship.CHILD: {"child_of": ChildOf, "child_kind": ChildKind, "partner_member_id": None},
    Relationship.PARENT: {"parent_kind": ParentKind},
}
_RELATIONSHIP_FIELDS = sorted({field for own in _OWN_FIELDS.values() for field in own})


def check_member_details_shape(details: MemberDetails) -> None:
    """A relationship's own fields are there, each from its list; the others' are absent.
    (The API's schemas do not check this: here is the one place, for every caller.)"""
    relationship = parse_choice(Relationship, details.relationship, "relationship")
    own = _OWN_FIELDS[relationship]
    for field in _RELATIONSHIP_FIELDS:
        if field not in own and getattr(details, field) is not None:
            raise RelationshipFieldMismatch(field, f"does not apply to a {relationship}")
    for field in sorted(field for field, choices in own.items() if choices is not None):
        if getattr(details, field) is None:
            raise RelationshipFieldMismatch(field, f"is required for a {relationship}")
    for field, choices in own.items():
        if choices is not None:
            parse_choice(choices, getattr(details, field), field)
    if relationship == Relationship.CHILD:
        _check_partner_named_when_a_parent(details)


def _check_partner_named_when_a_parent(child: MemberDetails) -> None:
    names_partner = child.child_of in (ChildOf.PARTNER, ChildOf.SPONSOR_AND_PARTNER)
    if names_partner and child.partner_member_id is None:
        raise RelationshipFieldMismatch(
            "partner_member_id", f"is required when child_of is {child.child_of}"
        )
    if not names_partner and child.partner_member_id is not None:
        raise RelationshipFieldMismatch(
            "partner_member_id", "applies only when the partner is a parent"
        )
