"""The dashboard's school-stability panel: the pilot cohort's caseloads in aggregate, never a student."""
from __future__ import annotations

import datetime as dt
import re

from mobile_service.extensions import db
from mobile_service.models import TravelPlan, User
from tests.api.student_helpers import attendance_row, enroll
from tests.factories import make_case, make_school, make_student
from tests.pilot.conftest import dev_sign_in


def _row(page: str, indicator: str) -> list[str]:
    row = re.search(rf'<tr data-indicator="{indicator}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_panel_counts_the_participants_caseloads_only(dev_app, app, people):
    with app.app_context():
        csw, outsider = db.session.get(User, people["csw"]), db.session.get(User, people["outsider"])
        x, y = make_school(name="X High"), make_school(name="Y High")
        mover, steady, elsewhere = (make_student(legal_first_name=name, legal_last_name="Panelkid")
                                    for name in ("Moverkid", "Steadykid", "Elsewherekid"))
        # Placed after term began: a school of origin applies to each (still at a school attended before).
        make_case(mover, csw, placement_start_date=dt.date(2026, 9, 20), placement_type="FFH")
        make_case(steady, csw, placement_start_date=dt.date(2026, 9, 1), placement_type="FFH")
        make_case(elsewhere, outsider, placement_start_date=dt.date(2026, 9, 20),
                  placement_type="FFH")  # not a participant: county only
        enroll(mover, x, dt.date(2026, 8, 13), exit_date=dt.date(2026, 9, 4), exit_reason="T160")
        enroll(mover, y, dt.date(2026, 9, 8))
        enroll(steady, x, dt.date(2026, 8, 13))
        attendance_row(steady, x, "2026-27", days_expected=40, days_attended=34, days_absent_excused=6,
                       days_absent_unexcused=0, days_suspended_out=0)
        enroll(elsewhere, x, dt.date(2026, 8, 13), exit_date=dt.date(2026, 9, 4), exit_reason="T160")
        enroll(elsewhere, y, dt.date(2026, 9, 8))
        db.session.add(TravelPlan(student_id=steady.id, csw_user_id=csw.id, school_id=x.id, status="approved",
                                  transport="etr"))  # steady has a plan; mover and elsewhere have none
        email = db.session.get(User, people["coordinator"]).email
        db.session.commit()
    client = dev_app.test_client()
    assert dev_sign_in(client, email).status_code == 302
    page = client.get("/pilot").get_data(as_text=True)
    assert 'id="indicators"' in page
    assert "2 students on the caseloads of 3 active participants" in page
    assert _row(page, "school_change")[1:] == ["1 / 2", "50.0%", "2 / 3", "66.7%", "42.0%"]
    assert _row(page, "chronic_absence")[1:] == ["1 / 1", "100.0%", "1 / 1", "100.0%", "29.0%"]
    assert _row(page, "no_current_enrollment")[1:3] == ["0 / 2", "0.0%"]
    travel = _row(page, "travel_plan")
    assert travel == ["Travel plan where a school of origin applies", "1 / 2", "50.0%", "1 / 3", "33.3%", "–"]
    for name in ("Moverkid", "Steadykid", "Elsewherekid", "Panelkid"):
        assert name not in page
