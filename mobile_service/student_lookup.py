"""Finding one student: by opaque key (cards, search results) or by SSID (admins, the audit CLI).

A lookup is not access: callers check ``scoping`` before they show anything.
"""
from __future__ import annotations

from sqlalchemy import select

from mobile_service.extensions import db
from mobile_service.identifiers import is_ssid, is_student_key
from mobile_service.models import Student, StudentSsid


def find_student(student_key: str) -> Student | None:
    """The student known by ``student_key`` (from a card or search result), or None."""
    if not is_student_key(student_key):
        return None
    return db.session.execute(select(Student).where(Student.student_key == student_key)).scalar_one_or_none()


def find_student_by_ssid(ssid: str | None) -> Student | None:
    """The student known by ``ssid`` (current or retired SSID), or None (admins look up by SSID)."""
    if not is_ssid(ssid):
        return None
    return db.session.execute(
        select(Student).join(StudentSsid, StudentSsid.student_id == Student.id).where(StudentSsid.ssid == ssid)
    ).scalar_one_or_none()
