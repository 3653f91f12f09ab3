"""The sync is lean: a constant number of SQL statements whatever the caseload's size (no N+1)."""
from __future__ import annotations

import pytest

from mobile_service import clock
from mobile_service.config import ConfigError, load_config
from mobile_service.extensions import db
from mobile_service.models import CaseloadEntry, School, Student
from tests.api.caseload_helpers import StatementCounter, full_record
from tests.api.sync_helpers import SYNC_URL
from tests.factories import make_student


def _statements(app, client, headers, **params) -> tuple[int, dict]:
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        response = client.get(SYNC_URL, query_string=params, headers=headers)
    assert response.status_code == 200
    return counter.count, response.get_json()


def _grow(app, user_id: int, school_id: int, extra: int) -> None:
    with app.app_context():
        school = db.session.get(School, school_id)
        for i in range(extra):
            kid: Student = make_student(legal_first_name=f"Extra{i}", legal_last_name="Kid")
            full_record(kid, school)
            db.session.add(CaseloadEntry(user_id=user_id, student_id=kid.id, origin="added", added_reason="covering",
                                         flagged=False, review_state="approved", added_at=clock.utcnow()))
        db.session.commit()
        db.session.remove()


def test_full_sync_and_empty_delta_statements_do_not_grow_with_the_caseload(app, client, world):
    headers = world.headers["csw"]
    small_full, body = _statements(app, client, headers)
    small_empty, _ = _statements(app, client, headers, since=body["sync_token"])
    _grow(app, world.id["csw"], world.school_id, 10)
    large_full, body = _statements(app, client, headers)
    assert len(body["students"]) == 12
    large_empty, _ = _statements(app, client, headers, since=body["sync_token"])
    assert large_full == small_full and large_empty == small_empty
    assert large_empty < small_full


@pytest.mark.parametrize("hours,days", [(200, 7), (150, 7)])
def test_a_token_may_not_outlive_the_change_log(hours, days):
    env = {"APP_ENV": "testing", "SYNC_TOKEN_MAX_AGE_HOURS": str(hours), "SYNC_LOG_RETENTION_DAYS": str(days),
           "DATABASE_URL": "sqlite://"}
    with pytest.raises(ConfigError, match="SYNC_TOKEN_MAX_AGE_HOURS"):
        load_config(env)


def test_the_cache_limit_is_bounded():
    with pytest.raises(ConfigError, match="SYNC_CACHE_HOURS"):
        load_config({"APP_ENV": "testing", "SYNC_CACHE_HOURS": "1000", "DATABASE_URL": "sqlite://"})
