"""The education rules as pure functions, against hand-computed fixtures (no database).

The table of rules with their guide passages, through the card and the tabs on both databases,
is tests/api/test_education_rules.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from mobile_service import education as records
from mobile_service.education import codes

TODAY = dt.date(2026, 10, 15)
D = dt.date


@dataclass
class Enr:
    school_id: int
    start_date: dt.date
    exit_date: dt.date | None = None
    exit_reason_code: str | None = None
    enrollment_status: str = "10"
    grade_level: str = "07"


@dataclass
class Att:
    days_expected: int
    days_attended: int
    days_absent_excused: int = 0
    days_absent_unexcused: int = 0
    days_suspended_out: int = 0
    days_suspended_in: int = 0
    days_incomplete_study: int = 0


@pytest.mark.parametrize("birth, expected", [
    (D(2012, 3, 4), 14),
    (D(2012, 10, 15), 14),   # birthday today
    (D(2012, 10, 16), 13),   # birthday tomorrow
    (D(2026, 10, 16), None),  # not born yet: bad data, no age
    (None, None),
])
def test_age(birth, expected):
    assert records.age(birth, TODAY) == expected


def test_age_leap_day_birthday_counts_from_march_first():
    assert records.age(D(2012, 2, 29), D(2027, 2, 28)) == 14
    assert records.age(D(2012, 2, 29), D(2027, 3, 1)) == 15
    assert records.age(D(2012, 2, 29), D(2028, 2, 29)) == 16


@pytest.mark.parametrize("day, year", [(D(2026, 10, 15), "2026-27"), (D(2026, 6, 30), "2025-26"),
                                       (D(2026, 7, 1), "2026-27"), (D(2099, 12, 1), "2099-00")])
def test_academic_year(day, year):
    assert records.academic_year(day) == year


def test_year_end_exit_and_return_to_same_school_is_not_a_move():
    history = [Enr(1, D(2025, 8, 14), D(2026, 6, 5), "E155", grade_level="06"),
               Enr(1, D(2026, 8, 13), grade_level="07")]
    m = records.mobility(history, TODAY)
    assert m.school_changes_this_year == 0 and m.last_school_change is None and m.days_since_school_change is None
    assert m.current is history[1] and m.current_stay_start == D(2025, 8, 14)


def test_grade_change_split_is_not_a_move():
    history = [Enr(1, D(2026, 8, 13), D(2026, 9, 1), "E150", grade_level="07"),
               Enr(1, D(2026, 9, 2), grade_level="08")]
    m = records.mobility(history, TODAY)
    assert m.school_changes_this_year == 0 and m.current.grade_level == "08"


def test_transfer_to_another_school_is_a_move_with_days_since():
    history = [Enr(1, D(2025, 8, 14), D(2026, 6, 5), "E155"),
               Enr(1, D(2026, 8, 13), D(2026, 9, 20), "T160"),
               Enr(2, D(2026, 9, 28))]          # 17 days before TODAY
    m = records.mobility(history, TODAY)
    assert m.school_changes_this_year == 1
    assert m.last_school_change == D(2026, 9, 28) and m.days_since_school_change == 17
    assert m.current_stay_start == D(2026, 9, 28)


def test_short_term_and_secondary_enrollments_elsewhere_are_not_moves():
    # Was: a status-30 stay at another school counted two moves. Short-term (status 30) and
    # secondary (20) enrollments are never the school of record (Guide 2.1.1 field 1.23).
    history = [Enr(1, D(2026, 1, 5), D(2026, 3, 1), "E150"),
               Enr(3, D(2026, 2, 1), enrollment_status="20"),
               Enr(2, D(2026, 3, 2), D(2026, 5, 1), "E490", enrollment_status="30"),
               Enr(1, D(2026, 3, 2))]
    m = records.mobility(history, TODAY)
    assert m.school_changes_this_year == 0 and m.last_school_change is None and m.current.school_id == 1


def test_only_moves_of_this_school_year_are_counted():
    history = [Enr(1, D(2025, 8, 14), D(2026, 1, 10), "T160"), Enr(2, D(2026, 1, 13), D(2026, 9, 10), "T160"),
               Enr(3, D(2026, 9, 14))]
    m = records.mobility(history, TODAY)
    # 2026-01-13 was a move within 2025-26; 2026-09-14 is this year's (2026-27) only move.
    assert m.school_changes_this_year == 1 and m.days_since_school_change == 31


def test_no_show_and_future_enrollments_are_ignored():
    history = [Enr(1, D(2026, 8, 13)), Enr(2, D(2026, 9, 1), D(2026, 8, 31), "N470"), Enr(4, D(2026, 11, 2))]
    m = records.mobility(history, TODAY)
    assert m.school_changes_this_year == 0 and m.current.school_id == 1


def test_current_enrollment_summer_grace_and_gone():
    summer = [Enr(1, D(2025, 8, 14), D(2026, 6, 5), "E155")]
    assert records.current_enrollment(summer, D(2026, 7, 20)) is summer[0]
    assert records.current_enrollment(summer, D(2026, 10, 7)) is summer[0]  # Census Day 2026
    assert records.current_enrollment(summer, D(2026, 10, 8)) is None
    assert records.current_enrollment(summer, TODAY) is None
    transferred = [Enr(1, D(2026, 8, 13), D(2026, 10, 1), "T160")]
    assert records.current_enrollment(transferred, TODAY) is None
    assert records.current_enrollment([], TODAY) is None


def test_attendance_figures_hand_computed():
    # 40 expected; absent = 1 excused + 1 unexcused + 1 OSS + 1 incomplete IS = 4 (10 %); ISS is attendance.
    a = records.school_attendance(Att(40, 36, 1, 1, 1, 2, 1))
    assert a.days_absent == 4 and a.attendance_rate == Decimal("0.9000") and a.absence_rate == Decimal("0.1000")
    assert a.chronically_absent is True


def test_attendance_just_under_ten_percent_is_not_chronic():
    a = records.school_attendance(Att(100, 91, 9))
    assert a.days_absent == 9 and a.chronically_absent is False and a.attendance_rate == Decimal("0.9100")


def test_chronic_needs_more_than_thirty_expected_days():
    assert records.school_attendance(Att(30, 20, 10)).chronically_absent is False
    assert records.school_attendance(Att(31, 27, 4)).chronically_absent is True  # 4/31 = 12.9 %


def test_year_attendance_sums_days_but_flags_chronic_per_school():
    # Was: 5/45 = 11.1 % summed over two short stays made the card say chronic; the tab applied
    # the 30-day rule per school (Guide 2.1.6: "enrolled at a school for 30 days or less").
    a = records.year_attendance([Att(20, 19, 1), Att(25, 21, 2, 2)])
    assert (a.days_expected, a.days_attended, a.days_absent) == (45, 40, 5)
    assert a.attendance_rate == Decimal("0.8889") and a.chronically_absent is False
    assert records.year_attendance([Att(20, 19, 1), Att(40, 35, 5)]).chronically_absent is True


def test_attendance_none_and_zero_expected():
    assert records.year_attendance([]) is None
    a = records.school_attendance(Att(0, 0))
    assert a.attendance_rate is None and a.chronically_absent is False


@pytest.mark.parametrize("mark, points", [("A", 4), ("a-", 4), ("B+", 3), ("C", 2), (" D- ", 1), ("F", 0),
                                          ("P", None), ("NP", None), ("I", None), ("W", None), ("CR", None),
                                          ("NC", None), ("A++", None), ("", None), (None, None), ("E", None)])
def test_mark_points(mark, points):
    assert records.mark_points(mark) == points


def test_term_gpa_and_df_count():
    m = records.term_marks(["A", "B+", "C-", "D", "F", "P", "W"])
    # (4 + 3 + 2 + 1 + 0) / 5 = 2.00; P and W are left out.
    assert m.gpa == Decimal("2.00") and m.graded_count == 5 and m.df_count == 2
    assert records.term_marks(["A", "A-", "B"]).gpa == Decimal("3.67")
    assert records.term_marks(["P", "CR"]).gpa is None


def test_alerts():
    moved = records.mobility([Enr(1, D(2026, 1, 5), D(2026, 9, 20), "T160"), Enr(2, D(2026, 9, 28))], TODAY)
    chronic = records.year_attendance([Att(40, 30, 10)])
    failing = records.term_marks(["F", "A"])
    assert records.alerts(mobility_figures=moved, attendance_figures=chronic, marks_figures=failing) == [
        "school_change_30d", "chronic_absence", "failing_marks"]
    nowhere = records.mobility([], TODAY)
    assert records.alerts(mobility_figures=nowhere, attendance_figures=None, marks_figures=None) == [
        "no_current_enrollment"]
    old_move = records.mobility([Enr(1, D(2026, 1, 5), D(2026, 9, 1), "T160"), Enr(2, D(2026, 9, 2))], TODAY)
    assert records.alerts(mobility_figures=old_move, attendance_figures=records.year_attendance([Att(40, 40)]),
                          marks_figures=records.term_marks(["B"])) == []


def test_exit_codes_are_data_with_kinds_and_valid_dates():
    assert {c.kind for c in codes.EXIT_CODES.values()} <= set(codes.KINDS)
    assert codes.exit_code("e450").kind == codes.WITHDRAWAL and codes.exit_code("E230").kind == codes.COMPLETION
    assert codes.exit_code("E490").kind == codes.SHORT_TERM and codes.exit_code("T160").kind == codes.TRANSFER
    e155 = codes.exit_code("E155")
    assert e155.valid.contains(D(2026, 5, 15)) and e155.valid.contains(D(2026, 8, 15))
    assert not e155.valid.contains(D(2026, 5, 14)) and not e155.valid.contains(D(2026, 8, 16))
    assert all(c.passage.startswith("Guide ") for c in codes.EXIT_CODES.values())
    assert records.exit_label("E450") == "Pre-K to grade 6 exit" and records.exit_label("X999") is None


@pytest.mark.parametrize("history", [
    [Enr(1, D(2025, 8, 14), D(2026, 6, 5), "E155"), Enr(1, D(2026, 8, 13), D(2026, 9, 20), "T160"), Enr(2, D(2026, 9, 28))],
    [Enr(1, D(2025, 8, 14), D(2026, 1, 10), "T160"), Enr(2, D(2026, 1, 13), D(2026, 9, 10), "T160"),
     Enr(3, D(2026, 9, 14))],
    [Enr(1, D(2026, 7, 6), D(2026, 7, 12), "T160"), Enr(2, D(2026, 7, 13), D(2026, 8, 1), "T160"),
     Enr(1, D(2026, 8, 3), D(2026, 9, 1), "E150"), Enr(1, D(2026, 9, 2)), Enr(3, D(2026, 9, 5), enrollment_status="30")],
    [Enr(1, D(2025, 8, 14), D(2026, 6, 4), "E230", grade_level="08"), Enr(2, D(2026, 8, 13), grade_level="09")],
])
def test_the_brief_s_moves_are_the_card_s_count(history):
    """``school_moves_this_year`` (the brief's list) walks like ``mobility`` (the card's count)."""
    moves = records.school_moves_this_year(history, TODAY)
    assert len(moves) == records.mobility(history, TODAY).school_changes_this_year
    assert all(move.left.school_id != move.joined.school_id and move.date == move.joined.start_date for move in moves)
