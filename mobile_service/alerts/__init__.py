"""Stored alerts (issue 15 item 4, issue 16 item 3): raised when the data changes, cleared when no longer true.

Who raises what: the imports (``refresh.after_import``, and ``rights_holder_alerts`` from the
foster-status recompute), the daily job (``refresh.daily``, from ``flask recompute-status``) and
the caseload events (``caseload_events``). Nothing computes an alert per request: the feed
(``feed``) only reads. The education kinds are the caseload card's alerts (``education.alerts``)
computed by the same rule from the same records.
"""
from mobile_service.alerts.feed import open_alerts_of
from mobile_service.alerts.kinds import ALL_KINDS, EDUCATION_KINDS

__all__ = ["ALL_KINDS", "EDUCATION_KINDS", "open_alerts_of"]
