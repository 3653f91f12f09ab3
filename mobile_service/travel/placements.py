"""Placement types of the DCFS feed and which of them the ETR covers (DCFS 0900-520.20).

The feed's ``placement_type`` column takes one of these codes; anything else rejects the file.
"""
from __future__ import annotations

FFH, RFA, REL, SFH, NREFM, FFA, SILP = "FFH", "RFA", "REL", "SFH", "NREFM", "FFA", "SILP"
STRTP, THP, GROUP, OTHER = "STRTP", "THP", "GROUP", "OTHER"

# Policy: "Children/youth/NMDs residing in the following circumstances are eligible:" (in its order).
ELIGIBLE = {
    FFH: "Licensed foster family homes",
    RFA: "Resource Family Approved Homes",
    REL: "Approved relatives' homes",
    SFH: "Small family homes",
    NREFM: "Non-related extended family members' (NREFM) homes",
    FFA: "FFA Certified foster homes",
    SILP: "Nonminor dependents (NMDs) in Supervised Independent Living Placements (SILPs) who are finishing high school",
}
# Placements the policy's list does not name (no ETR; other arrangements apply).
NOT_LISTED = {
    STRTP: "Short-Term Residential Therapeutic Program",
    THP: "Transitional Housing Placement",
    GROUP: "Group home",
    OTHER: "Another placement not on the policy's list",
}
PLACEMENT_TYPES = frozenset(ELIGIBLE) | frozenset(NOT_LISTED)
LABELS = {**ELIGIBLE, **NOT_LISTED}

# How the ETR reaches the caregiver, by placement type.
PAYMENT_CAREGIVER = "caregiver"
PAYMENT_FFA = "ffa"
PAYMENT_NMD = "nmd"
PAYMENT_NOTES = {
    PAYMENT_CAREGIVER: "Reimbursed to the caregiver monthly, retroactive to the first date of placement.",
    PAYMENT_FFA: ("Foster Family Agencies (FFAs) receive payment for educational travel costs as part of the "
                  "foster care payment for each child whose Case Plan indicates that the child will remain in "
                  "their school-of-origin. ETR payments are not processed as separate reimbursements."),
    PAYMENT_NMD: ("When a NMD who is placed in a Supervised Independent Living Placement (SILP), is attending "
                  "high school at their school-of-origin, and all other Extended Foster Care (EFC) requirements "
                  "have been satisfied, they are entitled to directly receive the ETR or public transportation."),
}


def payment_route(placement_type: str | None) -> str:
    """Who receives the ETR: the FFA (in the foster care payment), the NMD directly, or the caregiver."""
    if placement_type == FFA:
        return PAYMENT_FFA
    if placement_type == SILP:
        return PAYMENT_NMD
    return PAYMENT_CAREGIVER
