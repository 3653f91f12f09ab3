"""Data-quality reports (``duplicate_ssid``, ``multiple_ssids``): the free-text rule and the steward's cards.

A report names students by their opaque keys only. Its description must not carry identifiers:
anything shaped like an SSID (ten digits, separators allowed) or a date (a birth date) is
refused, so the FAQ's e-mail habit (name, DOB and SSID in clear) has no way back in. Digits are
matched in any script (``\\d`` after NFKC), wider than the ASCII identifier rules on purpose:
refusing more is the safe side here.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from mobile_service import clock
from mobile_service.education import current_enrollment
from mobile_service.enrollments import enrollment_rows
from mobile_service.extensions import db
from mobile_service.models import Student, StudentSsid

# Ten digits, each optionally followed by one space, dash, dot or slash: "4000000001", "400-000-0001".
_SSID_SHAPED = re.compile(r"(?<!\d)(?:\d[ ./-]?){9}\d(?!\d)")
# A calendar date: 2012-03-04, 3/4/2012, 03-04-12, 3.4.2012.
_DATE_SHAPED = re.compile(r"(?<!\d)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?!\d)")
IDENTIFIER_REFUSED = ("Must not contain an SSID or a date of birth: name the students by their keys "
                      "(from your caseload or a search).")


def contains_identifier(text: str | None) -> bool:
    """Whether free text carries something shaped like an SSID or a date (of birth)."""
    if not text:
        return False
    folded = unicodedata.normalize("NFKC", text)
    return bool(_SSID_SHAPED.search(folded) or _DATE_SHAPED.search(folded))


def identification_cards(student_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per student: what a data steward needs to tell records apart (names, birth date, SSIDs, school)."""
    if not student_ids:
        return {}
    students = db.session.execute(select(Student).where(Student.id.in_(student_ids))).scalars().all()
    other_ssids: dict[int, list[str]] = defaultdict(list)
    for student_id, ssid in db.session.execute(
            select(StudentSsid.student_id, StudentSsid.ssid)
            .where(StudentSsid.student_id.in_(student_ids), StudentSsid.is_primary.is_(False))
            .order_by(StudentSsid.ssid)):
        other_ssids[student_id].append(ssid)
    enrollments = enrollment_rows(list(student_ids))
    today = clock.today()
    cards = {}
    for student in students:
        now = current_enrollment(enrollments.get(student.id, []), today)
        cards[student.id] = {
            "student_key": student.student_key, "ssid": student.ssid, "other_ssids": other_ssids[student.id],
            "legal_first_name": student.legal_first_name, "legal_middle_name": student.legal_middle_name,
            "legal_last_name": student.legal_last_name, "alias_first_name": student.alias_first_name,
            "alias_last_name": student.alias_last_name, "birth_date": student.birth_date,
            "gender_code": student.gender_code, "foster_status": student.foster_status,
            "school_name": now.name if now else None, "district_name": now.district_name if now else None,
            "grade_level": now.grade_level if now else None,
        }
    return cards
