"""The ubiquitous language of DOMAIN.md as closed lists of values.

Every value outside these lists is bad input. The enums are `StrEnum`s so that events store plain
strings (deterministic, hashable JSON) and compare equal to the enum members after a round trip.
"""

from __future__ import annotations

from enum import StrEnum


class PermitKind(StrEnum):
    INDEPENDENT = "independent"
    DEPENDENT = "dependent"


class Relationship(StrEnum):
    PARTNER = "partner"
    CHILD = "child"
    PARENT = "parent"


class MaritalStatus(StrEnum):
    MARRIED = "married"
    UNMARRIED = "unmarried"


class ChildOf(StrEnum):
    SPONSOR = "sponsor"
    PARTNER = "partner"
    SPONSOR_AND_PARTNER = "sponsor_and_partner"


class ChildKind(StrEnum):
    BIOLOGICAL = "biological"
    ADOPTIVE = "adoptive"
    FOSTER = "foster"


class ParentKind(StrEnum):
    BIOLOGICAL = "biological"
    OTHER = "other"


class Channel(StrEnum):
    MVV_ABROAD = "mvv_abroad"
    IN_NETHERLANDS = "in_netherlands"


class DocumentKind(StrEnum):
    IDENTITY_DOCUMENT = "identity_document"
    FAMILY_TIE_DOCUMENT = "family_tie_document"
    ANTECEDENTS_CERTIFICATE = "antecedents_certificate"
    NON_IMPEDIMENT_CERTIFICATE = "non_impediment_certificate"
    CUSTODIAL_PARENT_CONSENT = "custodial_parent_consent"
    SPONSOR_DECLARATION = "sponsor_declaration"
    OTHER = "other"


class Criterion(StrEnum):
    DURABLE_EXCLUSIVE_RELATIONSHIP = "durable_exclusive_relationship"
    FAMILY_BOND_INTACT = "family_bond_intact"
    MORE_THAN_NORMAL_EMOTIONAL_TIES = "more_than_normal_emotional_ties"
    IDENTITY_ESTABLISHED = "identity_established"
    FAMILY_TIES_ESTABLISHED = "family_ties_established"
    CRIMINAL_RECORD_CLEAR = "criminal_record_clear"
    LATE_APPLICATION_EXCUSABLE = "late_application_excusable"


class AssessmentOutcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"


class DecisionOutcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class RuleId(StrEnum):
    """The rules of DOMAIN.md ("Rules, evaluated per family member"), in checklist order."""

    SPONSOR_HAS_ASYLUM_PERMIT = "sponsor_has_asylum_permit"
    SPONSOR_PERMIT_INDEPENDENT = "sponsor_permit_independent"
    MENTIONED_IN_ASYLUM_PROCEDURE = "mentioned_in_asylum_procedure"
    FAMILY_BOND_ABROAD = "family_bond_abroad"
    TIMELY = "timely"
    PARTNER_ADULT = "partner_adult"
    SINGLE_PARTNER = "single_partner"
    PARTNER_RELATIONSHIP = "partner_relationship"
    CHILD_BELONGS_TO_FAMILY = "child_belongs_to_family"
    CHILD_AGE = "child_age"
    PARENT_OF_UNACCOMPANIED_MINOR = "parent_of_unaccompanied_minor"
    NO_CRIMINAL_RECORD = "no_criminal_record"
    NON_IMPEDIMENT_CERTIFICATE = "non_impediment_certificate"
    CUSTODIAL_PARENT_CONSENT = "custodial_parent_consent"
    SPONSOR_DECLARATION = "sponsor_declaration"
    IDENTITY_PROVEN = "identity_proven"
    FAMILY_TIES_PROVEN = "family_ties_proven"


class Outcome(StrEnum):
    """A rule's outcome for one member on one date."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class Overall(StrEnum):
    ELIGIBLE = "eligible"
    INCOMPLETE = "incomplete"
    INELIGIBLE = "ineligible"


class Route(StrEnum):
    NAREIS = "nareis"
    REGULAR = "regular"


class DeadlineStatus(StrEnum):
    AWAITING_GRANT = "awaiting_grant"
    OPEN = "open"
    EXPIRED = "expired"


class ApplicationTimeliness(StrEnum):
    TIMELY = "timely"
    LATE = "late"
    NONE = "none"


class Stage(StrEnum):
    """Where a member's procedure stands (reports): the furthest step reached; withdrawal wins."""

    REGISTERED = "registered"
    APPLIED = "applied"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    PERMIT_ISSUED = "permit_issued"
