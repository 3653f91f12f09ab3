"""Education records EPS joins on SSID: students, schools, enrollments, attendance, progress reports."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobile_service.models.base import Base, CollatedKey, UTCDateTime, now

FOSTER_ACTIVE = "active"
FOSTER_INACTIVE = "inactive"
# The opaque student key of record URLs: 16 random bytes, base64url (22 characters).
STUDENT_KEY_BYTES = 16
STUDENT_KEY_LENGTH = 22


def new_student_key() -> str:
    """A fresh opaque student key: random, never derived from the SSID or any other attribute."""
    return secrets.token_urlsafe(STUDENT_KEY_BYTES)


class School(Base):
    """A school identified by its 14-digit CDS code (7-digit county-district + 7-digit school)."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    cds_code: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    district_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    zip: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(30))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


class Student(Base):
    """A student from the CALPADS foster-youth list; ``ssid`` is the current (primary) SSID."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    ssid: Mapped[str] = mapped_column(String(10), unique=True)
    # The student's identifier in URLs (record paths, caseload removal): random and stable, so
    # access logs outside the record of access never carry an SSID (migration 0005).
    student_key: Mapped[str] = mapped_column(String(32), default=new_student_key)
    legal_first_name: Mapped[str] = mapped_column(String(100))
    legal_middle_name: Mapped[str | None] = mapped_column(String(100))
    legal_last_name: Mapped[str] = mapped_column(String(100))
    alias_first_name: Mapped[str | None] = mapped_column(String(100))
    alias_last_name: Mapped[str | None] = mapped_column(String(100))
    # Accent- and case-folded names for the exact "whole database" lookup (first + last + DOB).
    first_name_key: Mapped[str] = mapped_column(CollatedKey(100))
    last_name_key: Mapped[str] = mapped_column(CollatedKey(100))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    gender_code: Mapped[str | None] = mapped_column(String(2))
    primary_language: Mapped[str | None] = mapped_column(String(40))
    foster_client_id: Mapped[str | None] = mapped_column(String(19))
    homeless: Mapped[bool] = mapped_column(Boolean, default=False)
    # Derived from DCFS cases after each load: KIN-GAP / VOLUNTARY / no open case -> inactive.
    foster_status: Mapped[str] = mapped_column(String(10), default=FOSTER_INACTIVE)
    case_type: Mapped[str | None] = mapped_column(String(20))
    education_rights_holder: Mapped[str | None] = mapped_column(String(200))
    # The rest of the current case's education rights holder (``mobile_service.rights_holder``).
    rights_holder_relationship: Mapped[str | None] = mapped_column(String(60))
    rights_holder_phone: Mapped[str | None] = mapped_column(String(30))
    jv535_order_date: Mapped[dt.date | None] = mapped_column(Date)
    parent_rights_limited: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    __table_args__ = (
        Index("ix_students_birth_date_last_first", "birth_date", "last_name_key", "first_name_key"),
        Index("ix_students_foster_status", "foster_status"),
        Index("ix_students_student_key", "student_key", unique=True),
    )


class StudentSsid(Base):
    """Every SSID a student is known by: the primary one and retired/replacement ones."""

    __tablename__ = "student_ssids"
    __table_args__ = (
        # A partial-SSID search probes each scoped student's SSIDs here, index-only (migration 0018).
        Index("ix_student_ssids_student_id_ssid", "student_id", "ssid"),
    )

    ssid: Mapped[str] = mapped_column(String(10), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)


class SsidGram(Base):
    """4-digit substrings of every known SSID, maintained by the student import.

    Read by no search since migration 0018: a partial SSID is matched per scoped student on
    ``student_ssids`` (the county-wide gram lookup predates the scope-only rule of issue 11).
    """

    __tablename__ = "ssid_grams"

    gram: Mapped[str] = mapped_column(String(4), primary_key=True)
    ssid: Mapped[str] = mapped_column(String(10), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), index=True)


class StudentNamePart(Base):
    """One folded word of a legal or alias first/last name, for prefix-per-word name search.

    ``field`` is ``first``, ``last``, ``alias_first`` or ``alias_last``; the part column is
    bytewise-collated so ``part >= :p AND part < :p_next`` is an index range on both engines.
    """

    __tablename__ = "student_name_parts"

    part: Mapped[str] = mapped_column(CollatedKey(64), primary_key=True)
    field: Mapped[str] = mapped_column(String(12), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"), primary_key=True)
    # The student's foster_status is "active" (kept by importing.tables.recompute_foster_status).
    # Name search only ever returns active students; the walk reads the partial index below,
    # a fifth of the parts, instead of skipping inactive students' parts one by one.
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        # (student_id, part): per-student word probes of the name search are index-only lookups.
        Index("ix_student_name_parts_student_part", "student_id", "part"),
        Index("ix_student_name_parts_active_walk", "part", "field", "student_id",
              postgresql_where=text("active"), sqlite_where=text("active = 1")),
    )


class Enrollment(Base):
    """A dated enrollment span at one school (CALPADS SENR-like)."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    academic_year: Mapped[str] = mapped_column(String(7))
    enrollment_status: Mapped[str] = mapped_column(String(2))
    grade_level: Mapped[str] = mapped_column(String(2))
    start_date: Mapped[dt.date] = mapped_column(Date)
    exit_date: Mapped[dt.date | None] = mapped_column(Date)
    exit_reason_code: Mapped[str | None] = mapped_column(String(4))

    school: Mapped[School] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("student_id", "school_id", "academic_year", "start_date"),
        Index("ix_enrollments_student_start", "student_id", "start_date"),
    )


class AttendanceSummary(Base):
    """Attendance for one student, school and year as of a date (district feed)."""

    __tablename__ = "attendance_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    academic_year: Mapped[str] = mapped_column(String(7))
    as_of_date: Mapped[dt.date] = mapped_column(Date)
    days_expected: Mapped[int] = mapped_column(Integer)
    days_attended: Mapped[int] = mapped_column(Integer)
    days_absent_excused: Mapped[int] = mapped_column(Integer, default=0)
    days_absent_unexcused: Mapped[int] = mapped_column(Integer, default=0)
    days_suspended_out: Mapped[int] = mapped_column(Integer, default=0)
    days_suspended_in: Mapped[int] = mapped_column(Integer, default=0)
    days_incomplete_study: Mapped[int] = mapped_column(Integer, default=0)

    school: Mapped[School] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("student_id", "school_id", "academic_year"),)


class ProgressReport(Base):
    """A district progress report for one term; its marks are :class:`ProgressMark` rows."""

    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    academic_year: Mapped[str] = mapped_column(String(7))
    term: Mapped[str] = mapped_column(String(20))
    report_date: Mapped[dt.date] = mapped_column(Date)

    school: Mapped[School] = relationship(lazy="raise")
    marks: Mapped[list[ProgressMark]] = relationship(lazy="raise", order_by="ProgressMark.course_code")

    __table_args__ = (
        UniqueConstraint("student_id", "school_id", "academic_year", "term"),
        Index("ix_progress_reports_student_date", "student_id", "report_date"),
    )


class ProgressMark(Base):
    """One course mark on a progress report."""

    __tablename__ = "progress_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    progress_report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"))
    course_code: Mapped[str] = mapped_column(String(20))
    course_title: Mapped[str] = mapped_column(String(120))
    mark: Mapped[str] = mapped_column(String(4))
    credits_attempted: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    credits_earned: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    __table_args__ = (UniqueConstraint("progress_report_id", "course_code"),)


class DcfsCase(Base):
    """A DCFS case assignment of a student to a CSW (by DCFS employee id)."""

    __tablename__ = "dcfs_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="CASCADE"))
    case_id: Mapped[str] = mapped_column(String(19))
    case_type: Mapped[str] = mapped_column(String(20))
    case_status: Mapped[str] = mapped_column(String(10))
    csw_employee_id: Mapped[str] = mapped_column(String(20))
    assignment_start: Mapped[dt.date] = mapped_column(Date)
    assignment_end: Mapped[dt.date | None] = mapped_column(Date)
    education_rights_holder: Mapped[str | None] = mapped_column(String(200))
    # The child's placement as of this row (optional feed columns, migration 0015). The location
    # is used only to estimate a school-of-origin distance: never returned, never logged.
    placement_start_date: Mapped[dt.date | None] = mapped_column(Date)
    placement_type: Mapped[str | None] = mapped_column(String(10))
    placement_latitude: Mapped[float | None]
    placement_longitude: Mapped[float | None]
    # The holder's relationship to the child, phone, the JV-535 order date and whether the
    # court limited the parent's educational rights (optional feed columns; docs/data-formats.md).
    rights_holder_relationship: Mapped[str | None] = mapped_column(String(60))
    rights_holder_phone: Mapped[str | None] = mapped_column(String(30))
    jv535_order_date: Mapped[dt.date | None] = mapped_column(Date)
    parent_rights_limited: Mapped[bool | None] = mapped_column(Boolean)

    __table_args__ = (
        UniqueConstraint("student_id", "case_id", "assignment_start"),
        Index("ix_dcfs_cases_csw_employee_id", "csw_employee_id", "case_status"),
        Index("ix_dcfs_cases_student_id", "student_id"),
    )


class SourceLoad(Base):
    """One file loaded from a source; the newest per source is the data-freshness stamp."""

    __tablename__ = "source_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # calpads, dcfs, district, registry
    kind: Mapped[str] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=now)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # Snapshot loads (``import --snapshot SCOPE``): the scope and how many of its rows the file
    # no longer had and were removed. NULL scope: an ordinary (upsert-only) load.
    rows_deleted: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    snapshot_scope: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_source_loads_source_loaded_at", "source", "loaded_at"),)
