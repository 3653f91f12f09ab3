"""Sizes of the caseload sync (issue 15): a 40-student full sync under 100 KB gzipped, an empty delta under 1 KB.

``measure(app, users)`` runs in the benchmark's extras (``bench.cli``) on the seeded database:
it grows one benchmark user's caseload to exactly 40 students through ``POST /api/v1/caseload``
(as a worker covering for a colleague would), runs their full sync (every page) and then an
empty delta, and reports the bytes of each, raw and gzipped (level 6, what a client's
``Accept-Encoding: gzip`` gets from a compressing proxy).

Standalone, on a scratch SQLite database seeded by ``flask seed``::

    .venv/bin/python -m bench.sync_size [--students 3000] [--seed 1]
"""
from __future__ import annotations

import argparse
import gzip
import json
import secrets
import sys
import tempfile
from pathlib import Path

TARGET_FULL_GZIP_BYTES = 100 * 1024
TARGET_EMPTY_DELTA_BYTES = 1024
CASELOAD = 40
SYNC_URL = "/api/v1/caseload/changes"


def _grow(app, client, headers: dict[str, str], size: int) -> int:
    """Add active students to the caseload until it holds ``size``; returns the size reached."""
    from mobile_service.extensions import db
    from mobile_service.models import Student

    total = client.get("/api/v1/caseload?limit=200", headers=headers).get_json()["total"]
    if total >= size:
        return total
    with app.app_context():
        # The richest records first (most enrollments), so the figure is a heavy caseload's.
        keys = db.session.execute(db.select(Student.student_key).where(Student.foster_status == "active")
                                  .order_by(Student.id).limit(size * 3)).scalars().all()
        db.session.remove()
    for key in keys:
        if total >= size:
            break
        response = client.post("/api/v1/caseload", headers=headers,
                               json={"student_key": key, "reason": "benchmark: covering for a colleague"})
        if response.status_code == 201:
            total += 1
    return total


def _sync(client, headers: dict[str, str], since: str | None = None) -> tuple[list[bytes], str]:
    """Every page of one sync as the bytes sent; returns them and the sync token."""
    bodies, query = [], {"limit": 100, **({"since": since} if since else {})}
    while True:
        response = client.get(SYNC_URL, query_string=query, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"sync answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
        bodies.append(response.get_data())
        page = json.loads(bodies[-1])
        if page["next_cursor"] is None:
            return bodies, page["sync_token"]
        query = {"cursor": page["next_cursor"], "limit": 100}


def measure(app, users) -> dict:
    """Sizes of a 40-student full sync and of the empty delta after it (one benchmark user)."""
    user = max(users, key=lambda u: u.caseload_total)
    # A user with a smaller caseload is grown to 40; one with more keeps it (and reports its size).
    user = min((u for u in users if u.caseload_total <= CASELOAD), key=lambda u: -u.caseload_total, default=user)
    headers = {"Authorization": f"Bearer {user.app_token}"}
    client = app.test_client()
    size = _grow(app, client, headers, CASELOAD)
    full, token = _sync(client, headers)
    students = sum(len(json.loads(b)["students"]) for b in full)
    empty, _ = _sync(client, headers, since=token)
    full_raw, full_gz = sum(len(b) for b in full), sum(len(gzip.compress(b, 6)) for b in full)
    empty_raw, empty_gz = len(empty[0]), len(gzip.compress(empty[0], 6))
    return {"caseload": size, "students_delivered": students, "pages": len(full),
            "full_bytes": full_raw, "full_gzip_bytes": full_gz, "full_gzip_ok": full_gz < TARGET_FULL_GZIP_BYTES,
            "empty_delta_bytes": empty_raw, "empty_delta_gzip_bytes": empty_gz,
            "empty_delta_ok": empty_raw < TARGET_EMPTY_DELTA_BYTES,
            "targets": {"full_gzip_bytes": TARGET_FULL_GZIP_BYTES, "empty_delta_bytes": TARGET_EMPTY_DELTA_BYTES}}


def _app_token(user) -> str:
    """Open a sign-in session for ``user`` and sign an app token for it (what /auth/token does)."""
    import datetime as dt
    import uuid

    from auth.app_tokens import issue_access_token
    from mobile_service import clock
    from mobile_service.extensions import db
    from mobile_service.models import RefreshFamily

    now = clock.utcnow()
    family = RefreshFamily(id=str(uuid.uuid4()), user_id=user.id, created_at=now, last_used_at=now,
                           absolute_expires_at=now + dt.timedelta(hours=12))
    db.session.add(family)
    db.session.commit()
    token, _ = issue_access_token(user_id=user.id, role=user.role, sid=family.id, token_version=user.token_version)
    return token


def main(argv: list[str] | None = None) -> int:
    """Seed a scratch database, sign a CSW in, and print the sizes as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from flask_migrate import upgrade

    from auth.keys import generate_pem
    from bench.workload import BenchUser
    from mobile_service import create_app
    from mobile_service.extensions import db
    from mobile_service.models import User

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'sync-size.db'}"
        app = create_app({"APP_ENV": "development", "AUTH_MODE": "dev", "DATABASE_URL": url, "LOG_LEVEL": "WARNING",
                          "SECRET_KEY": secrets.token_urlsafe(48), "APP_TOKEN_SIGNING_KEY": generate_pem(),
                          "RATELIMIT_ENABLED": "false"})
        with app.app_context():
            upgrade()
            result = app.test_cli_runner().invoke(args=["seed", "--students", str(args.students), "--seed",
                                                        str(args.seed), "--no-progress"])
            if result.exit_code != 0:
                print(result.output, file=sys.stderr)
                return 1
            csw = db.session.execute(db.select(User).where(User.role == "csw", User.active.is_(True))
                                     .order_by(User.id)).scalars().first()
            users = [BenchUser(csw.id, csw.email, csw.role, "", _app_token(csw))]
            db.session.remove()
        headers = {"Authorization": f"Bearer {users[0].app_token}"}
        users[0].caseload_total = app.test_client().get("/api/v1/caseload", headers=headers).get_json()["total"]
        print(json.dumps(measure(app, users), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
