"""The education rights holder of a student, in full: the read model of demographics and the brief.

From the DCFS feed's current case (``importing.tables.recompute_foster_status`` copies it onto the
student after every load and in the daily job): who holds the child's educational rights, their
relationship to the child, a phone number, the date of the JV-535 order (the juvenile court's
"Order Designating Educational Rights Holder"), and whether the court limited the parent's or
guardian's right to make educational decisions. The holder's name and phone are the adult's,
shown only where the child's record is (never in alerts, logs or the audit).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.models import Student


class HolderColumns(Protocol):
    """The student columns the holder is read from (a ``Student`` or a row with these names)."""

    education_rights_holder: str | None
    rights_holder_relationship: str | None
    rights_holder_phone: str | None
    jv535_order_date: dt.date | None
    parent_rights_limited: bool | None


@dataclass(frozen=True)
class RightsHolder:
    """The education rights holder as the DCFS feed gives it; any part may be unknown (None)."""

    name: str | None
    relationship: str | None
    phone: str | None
    jv535_order_date: dt.date | None
    parent_rights_limited: bool | None

    def as_dict(self) -> dict[str, Any]:
        """The holder as the API shows it (``api/students/schemas.RightsHolderSchema``)."""
        return asdict(self)


COLUMNS = (Student.education_rights_holder, Student.rights_holder_relationship, Student.rights_holder_phone,
           Student.jv535_order_date, Student.parent_rights_limited)


def from_columns(row: HolderColumns) -> RightsHolder | None:
    """The holder of a loaded student (no query); None when the feed names nobody and says nothing."""
    holder = RightsHolder(name=row.education_rights_holder, relationship=row.rights_holder_relationship,
                          phone=row.rights_holder_phone, jv535_order_date=row.jv535_order_date,
                          parent_rights_limited=row.parent_rights_limited)
    return None if holder == RightsHolder(None, None, None, None, None) else holder


def rights_holder(student_id: int) -> RightsHolder | None:
    """The education rights holder of one student, in one query (the caller has checked access)."""
    row = db.session.execute(select(*COLUMNS).where(Student.id == student_id)).one_or_none()
    return from_columns(row) if row is not None else None


def holder_payload(row: HolderColumns) -> dict[str, Any] | None:
    """The holder as the record tabs, the sync and the brief show it (None when nobody is named)."""
    found = from_columns(row)
    return found.as_dict() if found is not None else None
