"""Team indicators: numerators and denominators by hand on a seeded team, the county by a direct query."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from mobile_service import indicators
from mobile_service.extensions import db
from mobile_service.models import AuditEvent, AuditEventStudent, IndicatorBaseline, Student, TravelPlan
from mobile_service.travel import school_of_origin_coverage
from tests.api.caseload_helpers import StatementCounter, bearer
from tests.api.indicator_helpers import ANN, BEN, COUNTY, TEAM, TREND, figures, seed_team
from tests.api.student_helpers import TODAY, enroll, source_load
from tests.factories import app_token_for, make_case, make_school, make_student, make_user

URL = "/api/v1/supervisees/indicators"


@pytest.fixture
def team(fixed_today, app):
    with app.app_context():
        world = seed_team()
        world.tokens = {name: app_token_for(getattr(world, name)) for name in ("scsw", "other", "ann", "cleo")}
        world.tokens["coordinator"] = app_token_for(make_user("pilot_coordinator"))
        world.tokens["admin"] = app_token_for(make_user("admin"))
        world.keys = {name: (kid.student_key, kid.ssid, kid.legal_first_name) for name, kid in world.kids.items()}
        world.ids = {name: kid.id for name, kid in world.kids.items()}
        world.user_ids = {name: getattr(world, name).id for name in ("scsw", "ann", "ben")}
        db.session.commit()
        return world


def test_team_workers_county_and_trend_by_hand(client, app, team):
    response = client.get(URL, headers=bearer(team.tokens["scsw"]))
    assert response.status_code == 200, response.json
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.json
    assert (body["as_of"], body["academic_year"]) == ("2026-10-15", "2026-27")
    assert body["team"]["students"] == 6 and figures(body["team"]) == TEAM
    workers = {w["display_name"]: w for w in body["workers"]}
    assert list(workers) == ["Ann Worker", "Ben Worker"]  # Cleo is another SCSW's
    assert workers["Ann Worker"]["students"] == 4 and figures(workers["Ann Worker"]) == ANN
    assert workers["Ben Worker"]["students"] == 3 and figures(workers["Ben Worker"]) == BEN
    assert body["county"]["students"] == 7 and figures(body["county"]) == COUNTY
    assert body["county"]["current"] is True and body["county"]["as_of"] == "2026-10-15"
    assert {p["month"]: figures(p) for p in body["trend"]} == TREND
    assert [p["as_of"] for p in body["trend"]] == ["2026-07-31", "2026-08-31", "2026-09-30", "2026-10-15"]
    shares = {f["indicator"]: f["share"] for f in body["team"]["figures"]}
    assert shares == {"school_change": 0.4, "chronic_absence": 0.3333, "failing_marks": 0.6667,
                      "no_current_enrollment": 0.3333, "travel_plan": 0.3333}
    references = {d["indicator"]: d["reference"] for d in body["indicators"]}
    assert references["school_change"]["share"] == 0.42 and references["chronic_absence"]["share"] == 0.29
    assert "REL West" in references["school_change"]["source"] and references["failing_marks"] is None
    assert references["travel_plan"] is None and [d["indicator"] for d in body["indicators"]][-1] == "travel_plan"
    # Counts only: no student key, SSID or name anywhere in the body.
    text_body = response.get_data(as_text=True)
    for key, ssid, first_name in team.keys.values():
        assert key not in text_body and ssid not in text_body and f'"{first_name}"' not in text_body


def test_county_baseline_by_a_direct_query(client, app, team):
    """The baseline's denominators and the numerators plain SQL can state, against the endpoint's."""
    body = client.get(URL, headers=bearer(team.tokens["scsw"])).json
    county = figures(body["county"])
    with app.app_context():
        active = "SELECT id FROM students WHERE foster_status = 'active'"
        absent = "(days_absent_excused + days_absent_unexcused + days_suspended_out + days_incomplete_study)"
        counted = db.session.execute(text(
            f"SELECT COUNT(DISTINCT student_id) FROM attendance_summaries WHERE academic_year = '2026-27' "
            f"AND days_expected > 30 AND student_id IN ({active})")).scalar()
        chronic = db.session.execute(text(
            f"SELECT COUNT(DISTINCT student_id) FROM attendance_summaries WHERE academic_year = '2026-27' "
            f"AND days_expected > 30 AND {absent} * 10 >= days_expected AND student_id IN ({active})")).scalar()
        latest = (f"SELECT r.id, r.student_id FROM progress_reports r WHERE r.academic_year = '2026-27' "
                  f"AND r.student_id IN ({active}) AND NOT EXISTS (SELECT 1 FROM progress_reports o "
                  f"WHERE o.student_id = r.student_id AND o.academic_year = r.academic_year "
                  f"AND (o.report_date > r.report_date OR (o.report_date = r.report_date AND o.id > r.id)))")
        graded = db.session.execute(text(
            f"SELECT COUNT(DISTINCT l.student_id) FROM ({latest}) l JOIN progress_marks m "
            f"ON m.progress_report_id = l.id WHERE substr(m.mark, 1, 1) IN ('A', 'B', 'C', 'D', 'F')")).scalar()
        failing = db.session.execute(text(
            f"SELECT COUNT(DISTINCT l.student_id) FROM ({latest}) l JOIN progress_marks m "
            f"ON m.progress_report_id = l.id WHERE substr(m.mark, 1, 1) IN ('D', 'F')")).scalar()
        enrolled = db.session.execute(text(
            f"SELECT COUNT(DISTINCT student_id) FROM enrollments WHERE enrollment_status = '10' "
            f"AND start_date <= '2026-10-15' AND (exit_date IS NULL OR exit_date >= '2026-07-01') "
            f"AND student_id IN ({active})")).scalar()
        students = db.session.execute(select(func.count()).select_from(Student)
                                      .where(Student.foster_status == "active")).scalar()
        # A school of origin applies: placed on an open case, and the enrollment in force today began
        # before that placement (the seeded spans need no more of the policy's 15-month window).
        applies = (f"SELECT DISTINCT c.student_id FROM dcfs_cases c JOIN enrollments e ON e.student_id = c.student_id "
                   f"WHERE c.case_status = 'open' AND c.placement_start_date IS NOT NULL "
                   f"AND e.enrollment_status = '10' AND e.start_date <= '2026-10-15' AND e.exit_date IS NULL "
                   f"AND e.start_date < c.placement_start_date AND c.student_id IN ({active})")
        origin = db.session.execute(text(f"SELECT COUNT(*) FROM ({applies}) a")).scalar()
        planned = db.session.execute(text(
            f"SELECT COUNT(DISTINCT p.student_id) FROM travel_plans p WHERE p.status = 'approved' "
            f"AND p.student_id IN ({applies})")).scalar()
        active_ids = db.session.execute(select(Student.id).where(Student.foster_status == "active")).scalars().all()
        coverage = school_of_origin_coverage(active_ids, TODAY)  # the travel domain's own count
    assert body["county"]["students"] == students == 7
    assert county["travel_plan"] == (planned, origin) == (coverage.with_plan, coverage.applies) == (2, 4)
    assert county["chronic_absence"] == (chronic, counted)
    assert county["failing_marks"] == (failing, graded)
    assert county["school_change"][1] == enrolled
    assert county["no_current_enrollment"][1] == students


def test_baseline_is_stored_once_per_load_and_day(client, app, team):
    for _ in range(2):
        assert client.get(URL, headers=bearer(team.tokens["scsw"])).status_code == 200
    with app.app_context():
        [row] = db.session.execute(select(IndicatorBaseline)).scalars().all()
        assert row.as_of == TODAY and row.students == 7
        assert {k: tuple(v) for k, v in row.figures.items()} == COUNTY
        source_load("district", dt.datetime(2026, 10, 15, 7, 0, tzinfo=dt.UTC))
        db.session.commit()
    assert client.get(URL, headers=bearer(team.tokens["scsw"])).status_code == 200
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(IndicatorBaseline)).scalar() == 2


def test_county_baseline_statements_do_not_grow_with_the_county(app, team):
    """The county's facts are a fixed number of statements per chunk, the travel plans' included."""
    with app.app_context():
        with StatementCounter(db.engine) as small:
            before = indicators.county_counts(TODAY)
        ann, school = db.session.merge(team.ann), make_school()
        for n in range(6):
            kid = make_student(legal_first_name=f"More{n}", legal_last_name="Teamkid")
            make_case(kid, ann, placement_start_date=dt.date(2026, 9, 1), placement_type="FFH")
            enroll(kid, school, dt.date(2026, 8, 13))
            if n % 2:
                db.session.add(TravelPlan(student_id=kid.id, csw_user_id=ann.id, school_id=school.id,
                                          status="approved", transport="etr"))
        db.session.commit()
    with app.app_context(), StatementCounter(db.engine) as large:
        students, counts = indicators.county_counts(TODAY)
    assert before[0] == 7 and students == 13 and tuple(counts["travel_plan"]) == (5, 10)
    assert large.count == small.count <= 7  # the ids, then spans, attendance, marks, cases, enrollments, plans


def test_access_is_audited_as_one_aggregate_row(client, app, team):
    response = client.get(URL, headers=bearer(team.tokens["scsw"]))
    again = client.get(URL, headers={**bearer(team.tokens["scsw"]), "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    with app.app_context():
        rows = db.session.execute(select(AuditEvent).where(AuditEvent.action == "supervisees.indicators.view")
                                  ).scalars().all()
        assert len(rows) == 2 and all(r.student_id is None and r.ssid is None for r in rows)
        assert rows[0].details == {"workers": 2, "students": 6} and rows[0].user_id == team.user_ids["scsw"]
        assert db.session.execute(select(func.count()).select_from(AuditEventStudent)).scalar() == 0


def test_an_scsw_without_a_team_gets_empty_figures(client, app, fixed_today):
    with app.app_context():
        token = app_token_for(make_user("scsw"))
    body = client.get(URL, headers=bearer(token)).json
    assert body["team"]["students"] == 0 and body["workers"] == []
    assert figures(body["team"])["school_change"] == (0, 0)
    assert {f["share"] for f in body["team"]["figures"]} == {None}


@pytest.mark.parametrize("who", ["ann", "cleo", "coordinator", "admin"])
def test_only_an_scsw(client, team, who):
    response = client.get(URL, headers=bearer(team.tokens[who]))
    assert response.status_code == 403


def test_no_token_is_401(client, team):
    assert client.get(URL).status_code == 401


def test_months_of_the_school_year():
    assert indicators.months(dt.date(2026, 7, 1)) == [dt.date(2026, 7, 1)]
    assert indicators.months(dt.date(2026, 7, 31)) == [dt.date(2026, 7, 31)]
    assert indicators.months(dt.date(2027, 1, 10))[-3:] == [dt.date(2026, 11, 30), dt.date(2026, 12, 31),
                                                          dt.date(2027, 1, 10)]
    assert len(indicators.months(dt.date(2027, 6, 30))) == 12


def test_baseline_command_stores_the_day_s_baseline(app, runner, team):
    result = runner.invoke(args=["indicators-baseline"])
    assert result.exit_code == 0, result.output
    assert "7 active foster youth" in result.output and "chronic_absence 2/5" in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(IndicatorBaseline)).scalar() == 1


def test_a_large_county_shows_the_newest_stored_baseline_until_the_command_runs(client, app, team, monkeypatch):
    """Past the inline limit a request never computes the county: the newest stored one, labelled."""
    from mobile_service import indicator_baseline

    monkeypatch.setattr(indicator_baseline, "INLINE_MAX_STUDENTS", 0)
    county = client.get(URL, headers=bearer(team.tokens["scsw"])).json["county"]
    assert county["current"] is False and county["as_of"] is None and county["students"] is None
    assert {f["denominator"] for f in county["figures"]} == {None}
    with app.app_context():
        db.session.add(IndicatorBaseline(as_of=TODAY - dt.timedelta(days=1), data_stamp="0" * 64, students=5,
                                         figures={"school_change": [1, 4]}))
        db.session.commit()
    county = client.get(URL, headers=bearer(team.tokens["scsw"])).json["county"]
    assert county["current"] is False and county["as_of"] == "2026-10-14" and county["students"] == 5
    assert figures(county)["school_change"] == (1, 4) and figures(county)["chronic_absence"] is None
    assert client.application.test_cli_runner().invoke(args=["indicators-baseline"]).exit_code == 0
    county = client.get(URL, headers=bearer(team.tokens["scsw"])).json["county"]
    assert county["current"] is True and county["as_of"] == "2026-10-15" and figures(county) == COUNTY
