"""School-of-origin travel rules (DCFS policy 0900-520.20, Educational Travel Reimbursement), in one place.

``origin`` (who a school of origin is, the one-way distance, the effective start), ``rates`` (the
ETR table as data, the rounding rule), ``eligibility`` (the checklist, ETR or passes),
``placements`` (placement types), ``assess`` (one assessment), ``workflow`` (the plan's life cycle),
``records`` (placements from the DCFS feed) and ``coverage`` (the team indicator).
Each rule quotes the policy sentence it follows.
"""
from mobile_service.travel.coverage import Coverage, applies_to, school_of_origin_coverage

__all__ = ["Coverage", "applies_to", "school_of_origin_coverage"]
