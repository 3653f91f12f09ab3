"""Who the benchmark signs in as, and what it asks for: many users, many students, many criteria.

Dev Entra tokens are minted in-process by the development issuer (``auth.dev_issuer``) for many
registered CSWs/SCSWs, exchanged over HTTP at ``/auth/token`` for app tokens (which exercises
the exchange), and each user's own caseload gives the students whose records that user may read.
"""
from __future__ import annotations

import json
import random
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.loadgen import Request, write_requests

EXCHANGE_FORM = {
    "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
    "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
}
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
RECORD_TABS = {
    "demographics": "/api/v1/students/{key}",
    "enrollments": "/api/v1/students/{key}/enrollments",
    "attendance": "/api/v1/students/{key}/attendance",
    "progress_reports": "/api/v1/students/{key}/progress-reports",
}
SYNC_URL = "/api/v1/caseload/changes"
SCENARIOS = ("token_exchange", "caseload", "search_name", "search_ssid", "search_dob",
             *RECORD_TABS, "field_visit", "sync_empty_delta")
READ_SCENARIOS = tuple(s for s in SCENARIOS if s != "token_exchange")


@dataclass
class BenchUser:
    """A registered field worker the benchmark acts as."""

    user_id: int
    email: str
    role: str
    dev_token: str
    app_token: str = ""
    caseload: list[dict] = field(default_factory=list)
    caseload_total: int = 0
    sync_token: str = ""  # after a full sync: what an app back online sends (issue 15)


def http_json(method: str, url: str, *, token: str | None = None, body: bytes | None = None,
              content_type: str | None = None, timeout: float = 15) -> tuple[int, dict]:
    """One request with urllib; returns (status, parsed JSON or {})."""
    request = urllib.request.Request(url, data=body, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else {}
    except ValueError:
        return status, {}


def mint_dev_tokens(app, how_many: int, rng: random.Random, lifetime: int) -> list[BenchUser]:
    """Pick ``how_many`` active CSWs/SCSWs spread over the registry and mint a dev token for each."""
    from auth.dev_issuer import dev_issuer
    from mobile_service.extensions import db
    from mobile_service.models import User

    with app.app_context():
        users = db.session.execute(
            db.select(User).where(User.role.in_(("csw", "scsw")), User.active.is_(True)).order_by(User.id)
        ).scalars().all()
        if not users:
            raise RuntimeError("the seeded database has no active CSW/SCSW users")
        chosen = users if len(users) <= how_many else rng.sample(users, how_many)
        issuer = dev_issuer()
        result = [BenchUser(u.id, u.email, u.role, issuer.token_for(u, lifetime=lifetime)) for u in chosen]
        db.session.remove()
    return result


def exchange_all(base_url: str, users: list[BenchUser]) -> None:
    """Exchange every user's dev token for an app token at /auth/token; fail loudly on any error."""
    for user in users:
        body = urllib.parse.urlencode({**EXCHANGE_FORM, "subject_token": user.dev_token}).encode()
        status, payload = http_json("POST", base_url + "/auth/token", body=body, content_type=FORM)
        if status != 200 or "access_token" not in payload:
            raise RuntimeError(f"token exchange for user {user.user_id} failed: {status} "
                               f"{payload.get('error')}: {payload.get('error_description')}")
        user.app_token = payload["access_token"]


def load_caseloads(base_url: str, users: list[BenchUser], page: int = 100) -> None:
    """Fetch each user's caseload (first page) with their own app token."""
    for user in users:
        status, payload = http_json("GET", f"{base_url}/api/v1/caseload?limit={page}", token=user.app_token)
        if status != 200:
            raise RuntimeError(f"caseload of user {user.user_id} answered {status}")
        user.caseload = payload.get("items", [])
        user.caseload_total = int(payload.get("total", len(user.caseload)))


def full_syncs(base_url: str, users: list[BenchUser]) -> None:
    """Run each user's full caseload sync (every page) and keep its sync token."""
    for user in users:
        query = ""
        while True:
            status, payload = http_json("GET", f"{base_url}{SYNC_URL}?limit=100{query}", token=user.app_token)
            if status != 200:
                raise RuntimeError(f"full sync of user {user.user_id} answered {status}")
            if payload.get("next_cursor") is None:
                user.sync_token = payload["sync_token"]
                break
            query = "&cursor=" + payload["next_cursor"]


def _name_prefix(value: str, size: int) -> str | None:
    from mobile_service.text import fold

    for part in fold(value).replace("-", " ").split():
        letters = "".join(ch for ch in part if ch.isalpha())
        if len(letters) >= 2:
            return letters[:size]
    return None


def search_criteria(app, rng: random.Random, how_many: int) -> dict[str, list[dict]]:
    """Partial names, partial SSIDs and birth dates of a random sample of active students.

    Searches are partial, so each answers from its sender's scope only (issue 11): most find
    nothing, and their cost is the scope-driven statement every partial search runs.
    """
    from mobile_service.extensions import db
    from mobile_service.models import Student

    with app.app_context():
        total = db.session.execute(db.select(db.func.count(Student.id))
                                   .where(Student.foster_status == "active")).scalar() or 0
        # A random window over ids keeps the sample cheap at a million rows (no ORDER BY random()).
        rows = []
        for _ in range(4):
            start = rng.randint(0, max(0, total - how_many))
            rows += db.session.execute(
                db.select(Student.ssid, Student.legal_first_name, Student.legal_last_name, Student.birth_date)
                .where(Student.foster_status == "active").order_by(Student.id).offset(start).limit(how_many // 4 + 1)
            ).all()
        db.session.remove()
    if not rows:
        raise RuntimeError("no active students to search for")
    names, ssids, dobs = [], [], []
    for ssid, first, last, dob in rows:
        last_prefix = _name_prefix(last, 3)
        first_prefix = _name_prefix(first, 2)
        if last_prefix:
            names.append({"name": f"{first_prefix} {last_prefix}" if first_prefix and rng.random() < 0.5 else last_prefix})
        width = rng.choice((5, 6, 7))
        offset = rng.randint(0, 10 - width)
        ssids.append({"ssid": ssid[offset:offset + width]})
        dobs.append({"dob": dob.isoformat()})
    return {"search_name": names, "search_ssid": ssids, "search_dob": dobs}


def _search(criteria: dict, token: int) -> Request:
    return Request("POST", "/api/v1/students/search", token, JSON, json.dumps(criteria, separators=(",", ":")))


def build_request_lists(users: list[BenchUser], criteria: dict[str, list[dict]], rng: random.Random,
                        out_dir: Path) -> tuple[Path, dict[str, Path]]:
    """Write the token file and one request list per scenario; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tokens_file = out_dir / "tokens.txt"
    tokens_file.write_text("\n".join(u.app_token for u in users) + "\n")
    lists: dict[str, list[Request]] = {}
    lists["token_exchange"] = [
        Request("POST", "/auth/token", 0, FORM,
                urllib.parse.urlencode({**EXCHANGE_FORM, "subject_token": u.dev_token})) for u in users]
    lists["caseload"] = [Request("GET", "/api/v1/caseload", i) for i, _ in enumerate(users, 1)]
    for kind in ("search_name", "search_ssid", "search_dob"):
        items = criteria[kind]
        n = max(len(items), len(users))
        lists[kind] = [_search(items[k % len(items)], (k % len(users)) + 1) for k in range(n)]
    # Record paths take the card's opaque student key (never an SSID).
    pairs = [(i, card["student_key"]) for i, u in enumerate(users, 1) for card in u.caseload]
    if not pairs:
        raise RuntimeError("none of the benchmark users has a student on their caseload")
    for tab, template in RECORD_TABS.items():
        lists[tab] = [Request("GET", template.format(key=key), i) for i, key in pairs]
    visit: list[Request] = []
    for i, user in enumerate(users, 1):
        for card in rng.sample(user.caseload, min(2, len(user.caseload))):
            visit.append(Request("GET", "/api/v1/caseload", i))
            prefix = _name_prefix(card.get("last_name", ""), 3)
            visit.append(_search({"name": prefix} if prefix else {"ssid": card["ssid"][2:8]}, i))
            visit += [Request("GET", t.format(key=card["student_key"]), i) for t in RECORD_TABS.values()]
    lists["field_visit"] = visit
    # An app back online with nothing changed since its last sync: the most frequent sync call.
    lists["sync_empty_delta"] = [Request("GET", f"{SYNC_URL}?since={u.sync_token}", i)
                                 for i, u in enumerate(users, 1) if u.sync_token]
    paths = {}
    for name, requests in lists.items():
        if name != "field_visit":
            rng.shuffle(requests)  # field visits keep their caseload -> search -> tabs order
        paths[name] = out_dir / f"requests-{name}.tsv"
        write_requests(paths[name], requests)
    hello = out_dir / "requests-hello.tsv"
    write_requests(hello, [Request("GET", "/")])
    paths["hello"] = hello
    return tokens_file, paths


def floor_request_list(url: str, users: list[BenchUser], rng: random.Random, out_dir: Path) -> Path:
    """The floor's request list: each user x a student the DCFS feed assigns them (by SSID)."""
    from bench import floor

    pairs = floor.user_pairs(url, users)
    if not pairs:
        raise RuntimeError("no benchmark user has an open DCFS assignment for the floor to read")
    requests = [Request("GET", f"/floor/students/{ssid}", i) for i, ssid in pairs]
    rng.shuffle(requests)
    path = out_dir / "requests-floor.tsv"
    write_requests(path, requests)
    return path
