"""Small builders for test rows: ``make_<entity>(**overrides)``; they flush, never commit."""
from __future__ import annotations

import datetime as dt
import itertools
import uuid

from auth.app_tokens import issue_access_token
from mobile_service import clock
from mobile_service.extensions import db
from mobile_service.models import (
    FOSTER_ACTIVE,
    DcfsCase,
    RefreshFamily,
    School,
    SsidGram,
    Student,
    StudentNamePart,
    StudentSsid,
    Supervision,
    User,
)
from mobile_service.text import name_key, name_parts, ssid_grams

_seq = itertools.count(1)


def make_user(role: str = "csw", **overrides) -> User:
    """A registered, active user of ``role``."""
    n = next(_seq)
    values = {"email": f"user{n}@dcfs.lacounty.gov", "display_name": f"Test User {n}", "role": role,
                  "dcfs_employee_id": f"E{n:06d}" if role in ("csw", "scsw") else None, "office": "Pomona",
                  "active": True, "token_version": 1}
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.flush()
    return user


def make_school(**overrides) -> School:
    """A school with a unique CDS code."""
    n = next(_seq)
    values = {"cds_code": f"1964733{n:07d}", "name": f"Test School {n}", "district_name": "Pomona Unified",
                  "address": "1 Main St", "city": "Pomona", "zip": "91766", "phone": "909-555-0100"}
    values.update(overrides)
    school = School(**values)
    db.session.add(school)
    db.session.flush()
    return school


def index_student(student: Student, retired_ssids: tuple[str, ...] = ()) -> None:
    """Write the search index rows (SSIDs, SSID grams, name parts) for a student."""
    for ssid, primary in [(student.ssid, True), *[(s, False) for s in retired_ssids]]:
        db.session.add(StudentSsid(ssid=ssid, student_id=student.id, is_primary=primary))
        for gram in ssid_grams(ssid):
            db.session.add(SsidGram(gram=gram, ssid=ssid, student_id=student.id))
    for field, value in (("first", student.legal_first_name), ("last", student.legal_last_name),
                         ("alias_first", student.alias_first_name), ("alias_last", student.alias_last_name)):
        for part in name_parts(value):
            db.session.add(StudentNamePart(part=part, field=field, student_id=student.id,
                                           active=student.foster_status == FOSTER_ACTIVE))
    db.session.flush()


def make_student(*, retired_ssids: tuple[str, ...] = (), **overrides) -> Student:
    """A student with search index rows; active foster youth unless told otherwise."""
    n = next(_seq)
    values = {"ssid": f"{4000000000 + n}", "legal_first_name": "Ana", "legal_last_name": f"Testperson{n}",
                  "birth_date": dt.date(2012, 3, 4), "gender_code": "F", "primary_language": "English",
                  "foster_status": FOSTER_ACTIVE, "case_type": "FR", "homeless": False}
    values.update(overrides)
    values.setdefault("first_name_key", name_key(values["legal_first_name"]))
    values.setdefault("last_name_key", name_key(values["legal_last_name"]))
    student = Student(**values)
    db.session.add(student)
    db.session.flush()
    index_student(student, retired_ssids)
    return student


def make_case(student: Student, worker: User, **overrides) -> DcfsCase:
    """An open DCFS case assigning ``student`` to ``worker``."""
    n = next(_seq)
    values = {"student_id": student.id, "case_id": f"{n:019d}", "case_type": "FR", "case_status": "open",
                  "csw_employee_id": worker.dcfs_employee_id, "assignment_start": dt.date(2026, 1, 5)}
    values.update(overrides)
    case = DcfsCase(**values)
    db.session.add(case)
    db.session.flush()
    return case


def make_supervision(supervisor: User, worker: User, **overrides) -> Supervision:
    """An active supervision of ``worker`` by ``supervisor``."""
    values = {"supervisor_id": supervisor.id, "worker_id": worker.id, "start_date": dt.date(2025, 7, 1)}
    values.update(overrides)
    link = Supervision(**values)
    db.session.add(link)
    db.session.flush()
    return link


def app_token_for(user: User) -> str:
    """Open a session (refresh family) for ``user`` and sign a real app token for it."""
    now = clock.utcnow()
    family = RefreshFamily(id=str(uuid.uuid4()), user_id=user.id, created_at=now, last_used_at=now,
                           absolute_expires_at=now + dt.timedelta(days=30))
    db.session.add(family)
    db.session.commit()
    token, _ = issue_access_token(user_id=user.id, role=user.role, sid=family.id,
                                  token_version=user.token_version)
    return token
