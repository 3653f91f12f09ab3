"""Migration 0005 backfills a random, unique student key on existing rows (SQLite and PostgreSQL)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import PG_URL, _private_pg_database

KEY = re.compile(r"^[A-Za-z0-9_-]{22}$")


@pytest.fixture
def fresh_url(tmp_path):
    """An empty database of the suite's engine, dropped afterwards."""
    if PG_URL and PG_URL.startswith("postgres"):
        url, drop = _private_pg_database(PG_URL)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"


def test_upgrade_backfills_unique_keys_and_downgrade_drops_them(make_app, base_env, fresh_url):
    from flask_migrate import downgrade, upgrade

    application = make_app({**base_env, "DATABASE_URL": fresh_url})
    with application.app_context():
        upgrade(revision="0004")
        engine = create_engine(fresh_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            for n in range(12):
                conn.execute(text(
                    "INSERT INTO students (ssid, legal_first_name, legal_last_name, first_name_key, last_name_key, "
                    "birth_date, homeless, foster_status, updated_at) VALUES (:ssid, 'Ana', :last, 'ana', :key, "
                    ":dob, FALSE, 'active', :now)"),
                    {"ssid": f"{4100000000 + n}", "last": f"Key{n}", "key": f"key{n}", "dob": dt.date(2012, 1, 1),
                     "now": dt.datetime(2026, 12, 1, tzinfo=dt.UTC)})
        upgrade(revision="0005")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT ssid, student_key FROM students")).all()
            assert len(rows) == 12
            keys = [key for _, key in rows]
            assert all(KEY.match(key) for key in keys) and len(set(keys)) == 12
            assert not any(ssid in key or ssid[-6:] in key for ssid, key in rows)  # not derived from the SSID
            columns = {c["name"]: c for c in inspect(conn).get_columns("students")}
            assert columns["student_key"]["nullable"] is False
            [index] = [i for i in inspect(conn).get_indexes("students") if i["name"] == "ix_students_student_key"]
            assert index["unique"]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE students SET student_key = :key"), {"key": keys[0]})
        downgrade(revision="0004")
        with engine.connect() as conn:
            assert "student_key" not in {c["name"] for c in inspect(conn).get_columns("students")}
        engine.dispose()
        from mobile_service.extensions import db

        db.engine.dispose()
