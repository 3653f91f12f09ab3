"""The floor: the least a correct record view does, on the same stack (issue 14, perf.md).

A minimal Flask view on psycopg 3 directly (no ORM, no marshmallow, no smorest), served by the
same gunicorn configuration against the same database as the service. Per request it verifies
the ES256 app token's signature (uncached), reads the session and user by key, reads the student
by SSID joined to the caller's open DCFS assignment with the current enrollment and school,
inserts one ``audit_events`` row, commits, and answers about 12 fields as JSON. Every statement is
server-side prepared (``prepare=True``); each gunicorn thread keeps its own connection.

    gunicorn -c infra/gunicorn.conf.py bench.floor:app        # DATABASE_URL, APP_TOKEN_SIGNING_KEY

It is the yardstick of the bench, not a product path: it writes an audit row like the service,
so run it only against a bench database.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
import zoneinfo
from collections.abc import Mapping

import jwt
import psycopg
from flask import Flask, Response, request

_SESSION_USER = ("SELECT u.id, u.role, u.active, u.token_version, u.dcfs_employee_id, f.revoked_at "
                 "FROM users u JOIN refresh_families f ON f.user_id = u.id WHERE u.id = %s AND f.id = %s")
_STUDENT = (
    "SELECT s.id, s.ssid, s.student_key, s.legal_first_name, s.legal_last_name, s.birth_date, s.gender_code, "
    "s.foster_status, s.homeless, e.grade_level, sc.name, sc.district_name, sc.cds_code "
    "FROM students s "
    "JOIN dcfs_cases c ON c.student_id = s.id AND c.csw_employee_id = %(emp)s AND c.case_status = 'open' "
    " AND c.assignment_start <= %(today)s AND (c.assignment_end IS NULL OR c.assignment_end >= %(today)s) "
    "LEFT JOIN LATERAL (SELECT grade_level, school_id FROM enrollments WHERE student_id = s.id "
    " ORDER BY (exit_date IS NULL) DESC, start_date DESC LIMIT 1) e ON true "
    "LEFT JOIN schools sc ON sc.id = e.school_id "
    "WHERE s.ssid = %(ssid)s LIMIT 1")
_AUDIT = ("INSERT INTO audit_events (occurred_at, user_id, role, action, student_id, ssid, basis, endpoint, request_id) "
          "VALUES (%s, %s, %s, 'student.view', %s, %s, 'dcfs_assignment', 'GET /floor/students/<ssid>', %s)")
_LA = zoneinfo.ZoneInfo("America/Los_Angeles")
_FIELDS = ("ssid", "student_key", "legal_first_name", "legal_last_name", "birth_date", "gender_code",
           "foster_status", "homeless", "grade_level", "school_name", "district_name", "cds_code")


def _public_key(private_pem: str):
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(private_pem.encode(), password=None).public_key()


def _conninfo(url: str) -> str:
    # SQLAlchemy spellings (postgresql+psycopg://) to libpq's.
    return url.replace("postgresql+psycopg://", "postgresql://").replace("postgres://", "postgresql://")


def create_floor_app(env: Mapping[str, str] | None = None) -> Flask:
    """The floor app for ``env`` (default ``os.environ``): DATABASE_URL and APP_TOKEN_SIGNING_KEY."""
    env = os.environ if env is None else env
    conninfo = _conninfo(env["DATABASE_URL"])
    key = _public_key(env["APP_TOKEN_SIGNING_KEY"])
    issuer = env.get("APP_TOKEN_ISSUER", "http://127.0.0.1:8000")
    audience = env.get("APP_TOKEN_AUDIENCE", "lacoe-mobile-api")
    local = threading.local()
    app = Flask(__name__)
    app.config["FLOOR_DATABASE_URL"] = env["DATABASE_URL"]

    def connection() -> psycopg.Connection:
        conn = getattr(local, "conn", None)
        if conn is None or conn.closed:
            conn = local.conn = psycopg.connect(conninfo, prepare_threshold=0)
        return conn

    def deny(status: int) -> Response:
        return Response(f'{{"status":{status}}}', status=status, mimetype="application/json")

    @app.get("/floor/students/<ssid>")
    def student(ssid: str) -> Response:
        """One scoped record, audited and committed, as JSON."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return deny(401)
        try:
            claims = jwt.decode(token, key, algorithms=["ES256"], audience=audience, issuer=issuer,
                                options={"require": ["exp", "sub", "sid", "tv"]})
        except jwt.PyJWTError:
            return deny(401)
        conn = connection()
        try:
            with conn.cursor() as cur:
                cur.execute(_SESSION_USER, (int(claims["sub"]), claims["sid"]), prepare=True)
                user = cur.fetchone()
                if user is None or not user[2] or user[3] != claims["tv"] or user[5] is not None:
                    conn.rollback()
                    return deny(401)
                today = dt.datetime.now(_LA).date()
                cur.execute(_STUDENT, {"emp": user[4], "today": today, "ssid": ssid}, prepare=True)
                row = cur.fetchone()
                if row is None:
                    conn.rollback()
                    return deny(404)
                cur.execute(_AUDIT, (dt.datetime.now(dt.UTC), user[0], user[1], row[0], row[1], uuid.uuid4().hex),
                            prepare=True)
            conn.commit()
        except psycopg.Error:
            local.conn = None
            return deny(503)
        body = dict(zip(_FIELDS, row[1:], strict=True))
        body["birth_date"] = body["birth_date"].isoformat()
        return Response(json.dumps(body), mimetype="application/json")

    @app.get("/healthz")
    def healthz() -> str:
        """Liveness (the bench waits for it)."""
        return "ok"

    return app


def floor_pairs(url: str, employee_ids: list[str], per_user: int = 40) -> dict[str, list[str]]:
    """SSIDs of students in an open DCFS assignment of each employee id (what the floor may read)."""
    today = dt.datetime.now(_LA).date()
    found: dict[str, list[str]] = {}
    with psycopg.connect(_conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT c.csw_employee_id, s.ssid FROM dcfs_cases c JOIN students s ON s.id = c.student_id "
            "WHERE c.csw_employee_id = ANY(%s) AND c.case_status = 'open' AND c.assignment_start <= %s "
            "AND (c.assignment_end IS NULL OR c.assignment_end >= %s) ORDER BY c.csw_employee_id, s.ssid",
            (employee_ids, today, today)).fetchall()
    for employee_id, ssid in rows:
        if len(found.setdefault(employee_id, [])) < per_user:
            found[employee_id].append(ssid)
    return found


def user_pairs(url: str, users) -> list[tuple[int, str]]:
    """(1-based user index, SSID) for every bench user the DCFS feed assigns students to."""
    with psycopg.connect(_conninfo(url)) as conn:
        employee = dict(conn.execute("SELECT id, dcfs_employee_id FROM users WHERE id = ANY(%s)",
                                     ([u.user_id for u in users],)).fetchall())
    by_employee = floor_pairs(url, [e for e in employee.values() if e])
    return [(i, ssid) for i, u in enumerate(users, 1) for ssid in by_employee.get(employee.get(u.user_id), [])]


def request_list(app: Flask, users) -> list[tuple[str, dict]]:
    """In-process requests for ``bench.cpu``: (path, headers) per user x assigned student."""
    url = app.config["FLOOR_DATABASE_URL"]
    pairs = user_pairs(url, users)
    if not pairs:
        raise RuntimeError("no bench user has an open DCFS assignment for the floor to read")
    return [(f"/floor/students/{ssid}", {"Authorization": f"Bearer {users[i - 1].app_token}"}) for i, ssid in pairs]


app = create_floor_app() if "DATABASE_URL" in os.environ and "APP_TOKEN_SIGNING_KEY" in os.environ else None
