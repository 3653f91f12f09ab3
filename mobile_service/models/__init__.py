"""Every model, imported here so the metadata Alembic sees is complete."""
from mobile_service.models.base import Base
from mobile_service.models.education import (
    FOSTER_ACTIVE,
    FOSTER_INACTIVE,
    AttendanceSummary,
    DcfsCase,
    Enrollment,
    ProgressMark,
    ProgressReport,
    School,
    SourceLoad,
    SsidGram,
    Student,
    StudentNamePart,
    StudentSsid,
)
from mobile_service.models.pilot import Announcement, Feedback, IssueReport, PilotCohort, UsageEvent
from mobile_service.models.registry import (
    FIELD_ROLES,
    ROLE_ADMIN,
    ROLE_COORDINATOR,
    ROLE_CSW,
    ROLE_SCSW,
    ROLES,
    CaseloadEntry,
    Supervision,
    User,
)
from mobile_service.models.security import AuditEvent, RefreshFamily, RefreshToken

__all__ = [
    "Base", "FOSTER_ACTIVE", "FOSTER_INACTIVE", "AttendanceSummary", "DcfsCase", "Enrollment",
    "ProgressMark", "ProgressReport", "School", "SourceLoad", "SsidGram", "Student",
    "StudentNamePart", "StudentSsid", "Announcement", "Feedback", "IssueReport", "PilotCohort",
    "UsageEvent", "FIELD_ROLES", "ROLE_ADMIN", "ROLE_COORDINATOR", "ROLE_CSW", "ROLE_SCSW", "ROLES",
    "CaseloadEntry", "Supervision", "User", "AuditEvent", "RefreshFamily", "RefreshToken",
]
