"""Every alert kind a load or the daily job raises: raised, raised once (a re-load adds nothing), cleared."""
from __future__ import annotations

from mobile_service.importing import run_import
from tests.alerts.alert_helpers import (
    ANA,
    ATTEND,
    CASES,
    ENROLL,
    GAREY,
    MARKS,
    POMONA,
    TOM,
    alerts_of,
    daily,
    open_kinds,
)


def _load(csv_file, kind: str, body: str, name: str | None = None):
    return run_import(kind, csv_file(body, name or f"{kind}.csv"))


# --- school change (the card's school_change_30d) ------------------------------------------------

MOVED = (ENROLL + f"{ANA},2026-27,{POMONA},10,07,2026-08-13,2026-09-30,T160\n"
         f"{ANA},2026-27,{GAREY},10,07,2026-10-01,,\n")


def test_a_school_change_is_raised_once_and_cleared_after_30_days(app, ctx, loaded, csv_file, frozen):
    _load(csv_file, "enrollments", MOVED)
    assert alerts_of(ANA, "school_change_30d") == [("school_change_30d", "", "moved:2026-10-01", True)]

    _load(csv_file, "enrollments", MOVED, "again.csv")  # the same file again
    daily(app)  # and the daily job the same day
    assert len(alerts_of(ANA, "school_change_30d")) == 1

    frozen.advance(days=30)  # 44 days after the move
    daily(app)
    assert alerts_of(ANA, "school_change_30d") == [("school_change_30d", "", "moved:2026-10-01", False)]


def test_a_promotion_to_the_next_school_is_not_a_school_change(app, ctx, loaded, csv_file, frozen):
    # E230 "Student left school after completing his/her academic program at this school"
    # (CALPADS Data Guide Appendix C): a promotion, not a move (education.enrollment.is_school_change).
    _load(csv_file, "enrollments", ENROLL + f"{TOM},2025-26,{POMONA},10,06,2025-08-13,2026-06-10,E230\n"
                                            f"{TOM},2026-27,{GAREY},10,07,2026-08-13,,\n")
    assert open_kinds(TOM) == set()


def test_a_second_move_replaces_the_first_alert(app, ctx, loaded, csv_file, frozen):
    _load(csv_file, "enrollments", MOVED)
    _load(csv_file, "enrollments", ENROLL + f"{ANA},2026-27,{GAREY},10,07,2026-10-01,2026-10-09,T160\n"
                                            f"{ANA},2026-27,{POMONA},10,07,2026-10-12,,\n")
    assert alerts_of(ANA, "school_change_30d") == [("school_change_30d", "", "moved:2026-10-01", False),
                                                   ("school_change_30d", "", "moved:2026-10-12", True)]


# --- no current enrollment ----------------------------------------------------------------------

def test_no_current_enrollment_is_raised_once_and_cleared_by_a_new_enrollment(app, ctx, loaded, csv_file, frozen):
    left = ENROLL + f"{TOM},2026-27,{POMONA},10,08,2026-08-13,2026-09-15,E140\n"  # truant, no known enrollment
    _load(csv_file, "enrollments", left)
    _load(csv_file, "enrollments", left, "again.csv")
    assert alerts_of(TOM, "no_current_enrollment") == [("no_current_enrollment", "", "no_current_enrollment", True)]

    _load(csv_file, "enrollments", ENROLL + f"{TOM},2026-27,{GAREY},10,08,2026-10-13,,\n", "new.csv")
    assert alerts_of(TOM, "no_current_enrollment")[-1][3] is False
    assert open_kinds(TOM) == {"school_change_30d"}  # Pomona to Garey within the year: a move


def test_no_current_enrollment_follows_the_calendar_in_the_daily_job(app, ctx, loaded, csv_file, frozen):
    # A withdrawal dated tomorrow: enrolled today, not the day after.
    _load(csv_file, "enrollments", ENROLL + f"{TOM},2026-27,{POMONA},10,08,2026-08-13,2026-10-16,E140\n")
    assert open_kinds(TOM) == set()
    frozen.advance(days=2)
    daily(app)
    assert open_kinds(TOM) == {"no_current_enrollment"}


# --- newly chronically absent -------------------------------------------------------------------

def _attendance(expected: int, absent: int) -> str:
    return ATTEND + f"{ANA},2026-27,{POMONA},2026-10-09,{expected},{expected - absent},{absent},0,0,0,0\n"


def test_chronic_absence_is_raised_once_and_cleared_when_the_rate_drops(app, ctx, loaded, csv_file, frozen):
    _load(csv_file, "enrollments", ENROLL + f"{ANA},2026-27,{POMONA},10,07,2026-08-13,,\n")
    _load(csv_file, "attendance", _attendance(40, 5))  # 12.5 %, more than 30 days enrolled
    _load(csv_file, "attendance", _attendance(40, 5), "again.csv")
    assert alerts_of(ANA, "chronic_absence") == [("chronic_absence", "", "year:2026-27", True)]

    _load(csv_file, "attendance", _attendance(50, 4), "later.csv")  # 8 %
    assert alerts_of(ANA, "chronic_absence") == [("chronic_absence", "", "year:2026-27", False)]


def test_thirty_days_or_fewer_enrolled_is_not_chronic_absence(app, ctx, loaded, csv_file, frozen):
    # "does not include students enrolled at a school for 30 days or less" (Guide 2.1.6).
    _load(csv_file, "enrollments", ENROLL + f"{ANA},2026-27,{POMONA},10,07,2026-08-13,,\n")
    _load(csv_file, "attendance", _attendance(30, 10))
    assert "chronic_absence" not in open_kinds(ANA)


# --- new D/F marks ------------------------------------------------------------------------------

def _report(term: str, day: str, mark: str) -> str:
    return MARKS + (f"{ANA},2026-27,{POMONA},{term},{day},ENG7,English 7,{mark},5,5\n"
                    f"{ANA},2026-27,{POMONA},{term},{day},MATH7,Math 7,A,5,5\n")


def test_d_f_marks_are_raised_once_per_report_and_cleared_by_a_better_report(app, ctx, loaded, csv_file, frozen):
    _load(csv_file, "enrollments", ENROLL + f"{ANA},2026-27,{POMONA},10,07,2026-08-13,,\n")
    _load(csv_file, "progress-reports", _report("Q1", "2026-10-02", "F"))
    _load(csv_file, "progress-reports", _report("Q1", "2026-10-02", "F"), "again.csv")
    assert [a[3] for a in alerts_of(ANA, "failing_marks")] == [True]

    _load(csv_file, "progress-reports", _report("Q2", "2026-10-09", "B"), "q2.csv")  # the latest report: no D/F
    assert [a[3] for a in alerts_of(ANA, "failing_marks")] == [False]
    _load(csv_file, "progress-reports", _report("Q3", "2026-10-14", "D-"), "q3.csv")  # new D/F marks: a new alert
    assert [a[3] for a in alerts_of(ANA, "failing_marks")] == [False, True]


# --- a new DCFS assignment ----------------------------------------------------------------------

def test_a_new_assignment_alerts_the_assigned_worker_once_and_clears_when_the_case_closes(app, ctx, loaded, csv_file,
                                                                                        frozen):
    new = CASES + f"{ANA},0000000000000000001,FR,open,E000001,2026-10-12,,\n"
    _load(csv_file, "dcfs-cases", new)
    _load(csv_file, "dcfs-cases", new, "again.csv")
    assert alerts_of(ANA, "dcfs_assignment") == [("dcfs_assignment", "e:E000001", "start:2026-10-12", True)]

    _load(csv_file, "dcfs-cases", CASES + f"{ANA},0000000000000000001,FR,closed,E000001,2026-10-12,,\n", "closed.csv")
    assert alerts_of(ANA, "dcfs_assignment")[0][3] is False


def test_an_old_assignment_raises_nothing_and_a_new_one_expires_after_30_days(app, ctx, loaded, csv_file, frozen):
    _load(csv_file, "dcfs-cases", CASES + f"{ANA},0000000000000000001,FR,open,E000001,2025-01-06,,\n"
                                         f"{TOM},0000000000000000002,FR,open,E000002,2026-10-15,,\n")
    assert alerts_of(ANA, "dcfs_assignment") == []  # a first load of years of cases is not news
    assert [a[3] for a in alerts_of(TOM, "dcfs_assignment")] == [True]
    frozen.advance(days=31)
    daily(app)
    assert [a[3] for a in alerts_of(TOM, "dcfs_assignment")] == [False]


def test_an_assignment_starting_later_alerts_on_its_first_day(app, ctx, loaded, csv_file, frozen):
    _load(csv_file, "dcfs-cases", CASES + f"{TOM},0000000000000000002,FR,open,E000002,2026-10-20,,\n")
    assert alerts_of(TOM, "dcfs_assignment") == []
    frozen.advance(days=5)
    daily(app)
    assert [a[:2] for a in alerts_of(TOM, "dcfs_assignment")] == [("dcfs_assignment", "e:E000002")]


# --- snapshots and the all-or-nothing rule --------------------------------------------------------

def test_a_rejected_file_leaves_no_alert(app, ctx, loaded, csv_file, frozen):
    from mobile_service.importing import ImportRejected

    bad = ENROLL + f"{TOM},2026-27,{POMONA},10,08,2026-08-13,2026-09-15,E140\n{TOM},2026-27,{POMONA},10,08,bad,,\n"
    try:
        _load(csv_file, "enrollments", bad)
    except ImportRejected:
        pass
    else:  # pragma: no cover - the file is malformed
        raise AssertionError("the file should be rejected")
    assert alerts_of(TOM) == []


def test_a_snapshot_removing_the_failing_report_clears_the_alert(app, ctx, loaded, csv_file, frozen):
    _load(csv_file, "enrollments", ENROLL + f"{ANA},2026-27,{POMONA},10,07,2026-08-13,,\n")
    _load(csv_file, "progress-reports", _report("Q1", "2026-10-02", "F") + f"{TOM},2026-27,{POMONA},Q1,2026-10-02,"
                                                                          "ENG7,English 7,B,5,5\n")
    assert "failing_marks" in open_kinds(ANA)
    run_import("progress-reports", csv_file(MARKS + f"{TOM},2026-27,{POMONA},Q1,2026-10-02,ENG7,English 7,B,5,5\n",
                                            "snap.csv"),
               snapshot=f"district={POMONA[:7]}:2026-27", allow_mass_delete=True)
    assert "failing_marks" not in open_kinds(ANA)


def test_an_alert_is_stamped_in_the_load_transaction(app, ctx, loaded, csv_file, frozen):
    from sqlalchemy import text

    from mobile_service.extensions import db

    result = _load(csv_file, "enrollments", MOVED)
    raised = db.session.execute(text("SELECT raised_at FROM alerts")).scalar_one()
    loaded_at = db.session.execute(text("SELECT loaded_at FROM source_loads WHERE id = :i"),
                                   {"i": result.source_load_id}).scalar_one()
    db.session.rollback()
    assert str(raised)[:19] == str(loaded_at)[:19] == "2026-10-15 16:00:00"
