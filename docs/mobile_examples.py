"""Regenerate section 9 of docs/mobile-integration.md from the running service (dev mode).

Usage (from the repository root, on a scratch database)::

    export APP_ENV=development AUTH_MODE=dev DATABASE_URL=sqlite:////tmp/guide.db SECRET_KEY=$(openssl rand -hex 32)
    .venv/bin/flask --app wsgi db upgrade && .venv/bin/flask --app wsgi seed --students 300 --no-progress
    .venv/bin/python docs/mobile_examples.py > /tmp/examples.md   # then paste below the section 9 intro
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from mobile_service import create_app
from mobile_service.extensions import db

env = {k: os.environ[k] for k in ("APP_ENV", "AUTH_MODE", "DATABASE_URL", "SECRET_KEY")}
env.update(RATELIMIT_ENABLED="true", SEARCH_RATE_LIMIT="10 per minute", LOG_LEVEL="WARNING")
app = create_app(env)
client = app.test_client()
out = []
HIDE = {"access_token", "refresh_token"}


def short(value):
    if isinstance(value, dict):
        return {k: (v[:12] + "…" if k in HIDE and isinstance(v, str) else short(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [short(v) for v in value]
    return value


def show(title, method, path, resp, *, req_headers=None, body=None, form=None, trim=None, headers=("ETag", "Retry-After", "WWW-Authenticate", "X-Request-ID", "Content-Type", "Cache-Control")):
    lines = [f"#### {title}", "", "```http", f"{method} {path} HTTP/1.1"]
    for k, v in (req_headers or {}).items():
        lines.append(f"{k}: {v}")
    if form:
        lines += ["Content-Type: application/x-www-form-urlencoded", "", "&".join(f"{k}={v}" for k, v in form.items())]
    if body is not None:
        lines += ["Content-Type: application/json", "", json.dumps(body, ensure_ascii=False)]
    lines += ["```", "", "```http", f"HTTP/1.1 {resp.status}"]
    for h in headers:
        if h in resp.headers:
            lines.append(f"{h}: {resp.headers[h]}")
    data = resp.get_json(silent=True)
    if data is not None:
        data = short(data)
        if trim:
            data = trim(data)
        lines += ["", json.dumps(data, indent=2, ensure_ascii=False)]
    lines += ["```", ""]
    out.append("\n".join(lines))
    return resp


def dev_token(email):
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "wsgi", "dev-token", email], capture_output=True, text=True,
                          check=True).stdout.strip()


GT = "urn:ietf:params:oauth:grant-type:token-exchange"
TT = "urn:ietf:params:oauth:token-type:access_token"
entra = dev_token("csw.demo@dcfs.lacounty.gov")
form = {"grant_type": GT, "subject_token": entra, "subject_token_type": TT}
r = client.post("/auth/token", data=form)
show("Exchange the Entra token for an app token", "POST", "/auth/token", r,
     form={"grant_type": GT, "subject_token": "<Entra access token>", "subject_token_type": TT})
tokens = r.get_json()
r = client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
show("Refresh (rotation: store the new refresh token, forget the old one)", "POST", "/auth/token", r,
     form={"grant_type": "refresh_token", "refresh_token": "<refresh token>"})
old_refresh, tokens = tokens["refresh_token"], r.get_json()
r = client.post("/auth/token", data={"grant_type": "refresh_token", "refresh_token": old_refresh})
show("Reusing a spent refresh token (the whole session is revoked: sign in again)", "POST", "/auth/token", r,
     form={"grant_type": "refresh_token", "refresh_token": "<the previous, already used refresh token>"})
r = client.post("/auth/token", data={"grant_type": "password"})
show("Unsupported grant", "POST", "/auth/token", r, form={"grant_type": "password"})
r = client.post("/auth/token", data={"grant_type": GT, "subject_token": "not-a-jwt", "subject_token_type": TT})
show("Invalid subject token", "POST", "/auth/token", r,
     form={"grant_type": GT, "subject_token": "not-a-jwt", "subject_token_type": TT})

# The refresh above revoked the session (reuse detection): sign in again for the data examples.
r = client.post("/auth/token", data=form)
tokens = r.get_json()
auth = {"Authorization": f"Bearer {tokens['access_token']}"}
shown_auth = {"Authorization": "Bearer <app access token>", "X-App-Version": "1.0.3", "X-App-Platform": "ios"}
hdrs = {**auth, "X-App-Version": "1.0.3", "X-App-Platform": "ios"}

r = client.get("/api/v1/caseload?limit=2", headers=hdrs)
show("Caseload, first page", "GET", "/api/v1/caseload?limit=2", r, req_headers=shown_auth)
page = r.get_json()
ssid = page["items"][0]["ssid"] if "items" in page else None
key = page["items"][0]["student_key"] if "items" in page else None  # record paths take the key, never the SSID
if page.get("next_cursor"):
    r = client.get(f"/api/v1/caseload?limit=2&cursor={page['next_cursor']}", headers=hdrs)
    show("Caseload, next page", "GET", "/api/v1/caseload?limit=2&cursor=<next_cursor>", r, req_headers=shown_auth,
         trim=lambda d: {**d, "items": d["items"][:1] + (["…"] if len(d["items"]) > 1 else [])})

with app.app_context():
    from mobile_service.models import Student
    kid = db.session.get(Student, db.session.execute(db.select(Student.id).where(Student.ssid == ssid)).scalar())
    first, last, dob = kid.legal_first_name, kid.legal_last_name, kid.birth_date
body = {"name": f"{first[:3].lower()} {last.split()[-1][:3].lower()}"}
r = client.post("/api/v1/students/search", json=body, headers=hdrs)
show("Search by partial name", "POST", "/api/v1/students/search", r, req_headers=shown_auth, body=body)
body = {"ssid": ssid[2:8]}
r = client.post("/api/v1/students/search", json=body, headers=hdrs)
show("Search by part of an SSID", "POST", "/api/v1/students/search", r, req_headers=shown_auth, body=body)
body = {"first_name": first, "last_name": last, "dob": dob.strftime("%m/%d/%Y")}
r = client.post("/api/v1/students/search", json=body, headers=hdrs)
show("Exact first + last name + date of birth of a student in your scope (the exact lookup: a full card)", "POST",
     "/api/v1/students/search", r, req_headers=shown_auth, body=body)

with app.app_context():
    from auth.principal import Principal
    from mobile_service import scoping
    from mobile_service.models import User
    me = db.session.execute(db.select(User).where(User.email == "csw.demo@dcfs.lacounty.gov")).scalar_one()
    p = Principal(user_id=me.id, role=me.role, sid="x", dcfs_employee_id=me.dcfs_employee_id)
    visible = scoping.visible_student_ids(p)
    other = db.session.execute(db.select(Student).where(Student.id.not_in(visible), Student.foster_status == "active")
                               .order_by(Student.id).limit(1)).scalar_one()
    foreign, foreign_key = other.ssid, other.student_key
    o_first, o_last, o_dob = other.legal_first_name, other.legal_last_name, other.birth_date
body = {"first_name": o_first, "last_name": o_last, "dob": o_dob.isoformat()}
r = client.post("/api/v1/students/search", json=body, headers=hdrs)
show("Exact lookup of a student outside your scope: a reduced card (no SSID, grade or district)", "POST",
     "/api/v1/students/search", r, req_headers=shown_auth, body=body)
body = {"ssid": foreign}
r = client.post("/api/v1/students/search", json=body, headers=hdrs)
show("A full SSID alone is a partial search: nothing outside your scope", "POST",
     "/api/v1/students/search", r, req_headers=shown_auth, body=body)
body = {"ssid": foreign, "last_name": o_last}
r = client.post("/api/v1/students/search", json=body, headers=hdrs)
show("A full SSID with the last name (or the date of birth) is the exact lookup", "POST",
     "/api/v1/students/search", r, req_headers=shown_auth, body=body)
body = {"name": "j", "dob": "2012-02-30", "role": "admin"}
r = client.post("/api/v1/students/search", json=body, headers=hdrs)
show("Validation error (422): each bad field is listed", "POST", "/api/v1/students/search", r,
     req_headers=shown_auth, body=body)

r = client.get(f"/api/v1/students/{key}", headers=hdrs)
show("Demographics", "GET", f"/api/v1/students/{key}", r, req_headers=shown_auth)
etag = r.headers["ETag"]
r = client.get(f"/api/v1/students/{key}", headers={**hdrs, "If-None-Match": etag})
show("Same request with the ETag: 304, no body (show what you have)", "GET", f"/api/v1/students/{key}", r,
     req_headers={**shown_auth, "If-None-Match": etag})
r = client.get(f"/api/v1/students/{key}/enrollments", headers=hdrs)
show("Enrollment history and mobility", "GET", f"/api/v1/students/{key}/enrollments", r, req_headers=shown_auth,
     trim=lambda d: {**d, "enrollments": d["enrollments"][:2] + (["…"] if len(d["enrollments"]) > 2 else [])})
r = client.get(f"/api/v1/students/{key}/attendance", headers=hdrs)
show("Attendance", "GET", f"/api/v1/students/{key}/attendance", r, req_headers=shown_auth,
     trim=lambda d: {**d, "years": d["years"][:1] + (["…"] if len(d["years"]) > 1 else [])})
r = client.get(f"/api/v1/students/{key}/progress-reports", headers=hdrs)
show("Progress reports", "GET", f"/api/v1/students/{key}/progress-reports", r, req_headers=shown_auth,
     trim=lambda d: {**d, "reports": [{**d["reports"][0], "courses": d["reports"][0]["courses"][:2] + ["…"]}] + (["…"] if len(d["reports"]) > 1 else [])} if d["reports"] else d)

r = client.get(f"/api/v1/students/{key}/brief", headers=hdrs)
show(f"Pre-visit brief ({len(r.get_data())} bytes)", "GET", f"/api/v1/students/{key}/brief", r, req_headers=shown_auth)

stok = client.post("/auth/token", data={**form, "subject_token": dev_token("scsw.demo@dcfs.lacounty.gov")}).get_json()
r = client.get("/api/v1/supervisees/indicators", headers={"Authorization": f"Bearer {stok['access_token']}"})
show("Team indicators (SCSW): counts only", "GET", "/api/v1/supervisees/indicators", r,
     req_headers={"Authorization": "Bearer <SCSW's app token>"},
     trim=lambda d: {**d, "indicators": d["indicators"][:1] + ["…"], "workers": d["workers"][:1] + ["…"],
                     "trend": d["trend"][-2:]})

r = client.get(f"/api/v1/students/{foreign_key}", headers=hdrs)
show("A student outside your scope (identical to a student that does not exist)", "GET",
     "/api/v1/students/<the key of a reduced card>", r, req_headers=shown_auth)
body = {"student_key": foreign_key, "reason": "New case, not yet in the DCFS feed"}
r = client.post("/api/v1/caseload", json=body, headers=hdrs)
show("Add that student with a reason (flagged for your supervisor)", "POST", "/api/v1/caseload", r,
     req_headers=shown_auth, body=body)
r = client.delete(f"/api/v1/caseload/{foreign_key}", json={"reason": "Added by mistake"}, headers=hdrs)
show("Remove a student from your caseload list", "DELETE", f"/api/v1/caseload/{foreign_key}", r,
     req_headers=shown_auth, body={"reason": "Added by mistake"})
# Alerts: stored when the data changes (the seed's loads raised them); no names in any item.
r = client.get("/api/v1/alerts?limit=3", headers=hdrs)
show("My alerts (the open ones, first page)", "GET", "/api/v1/alerts?limit=3", r, req_headers=shown_auth)
alerts_page = r.get_json()
seen_ids = [item["alert_id"] for item in alerts_page["items"][:2]]
r = client.post("/api/v1/alerts/seen", json={"alert_ids": seen_ids}, headers=hdrs)
show("Mark alerts seen", "POST", "/api/v1/alerts/seen", r, req_headers=shown_auth, body={"alert_ids": seen_ids})
since = alerts_page["next_since"]
r = client.get(f"/api/v1/alerts?since={since}", headers=hdrs)
show("Poll with the previous answer's next_since: what was raised or cleared since", "GET",
     f"/api/v1/alerts?since={since}", r, req_headers=shown_auth)
r = client.get("/api/v1/alerts?since=2999-01-01T00:00:00Z", headers=hdrs)
show("since in the future: 422", "GET", "/api/v1/alerts?since=2999-01-01T00:00:00Z", r, req_headers=shown_auth)
r = client.post("/api/v1/alerts/seen", json={"alert_ids": [2147483647]}, headers=hdrs)
show("An alert that is not mine: 404, nothing marked", "POST", "/api/v1/alerts/seen", r, req_headers=shown_auth,
     body={"alert_ids": [2147483647]})
with app.app_context():
    boss = db.session.execute(db.select(User.email).where(User.email == "scsw.demo@dcfs.lacounty.gov")).scalar() or \
        db.session.execute(db.select(User.email).where(User.role == "scsw").limit(1)).scalar()
stok = client.post("/auth/token", data={**form, "subject_token": dev_token(boss)}).get_json()["access_token"]
r = client.get("/api/v1/alerts/team", headers={"Authorization": f"Bearer {stok}"})
show("An SCSW's team digest: counts per CSW and kind, no student", "GET", "/api/v1/alerts/team", r,
     req_headers={"Authorization": "Bearer <SCSW's app token>"},
     trim=lambda d: {**d, "items": d["items"][:2] + (["…"] if len(d["items"]) > 2 else [])})


# The offline sync (section 7, "Offline use"): a full sync in pages, the empty delta, a tombstone, a resync.
def trim_sync(d):
    def tab(t):
        for name in ("enrollments", "years", "reports"):
            if isinstance(t.get(name), list) and len(t[name]) > 1:
                t = {**t, name: t[name][:1] + ["…"]}
        return t
    students = [{k: (tab(v) if k in ("enrollments", "attendance", "progress_reports") else v) for k, v in st.items()}
                for st in d["students"][:1]]
    return {**d, "students": students + (["…"] if len(d["students"]) > 1 else []),
            "next_cursor": d["next_cursor"] and d["next_cursor"][:16] + "…",
            "sync_token": d["sync_token"] and d["sync_token"][:16] + "…"}


r = client.get("/api/v1/caseload/changes?limit=2", headers=hdrs)
show("Offline sync: a full sync, first page (no since)", "GET", "/api/v1/caseload/changes?limit=2", r,
     req_headers=shown_auth, trim=trim_sync)
synced, page = [], r.get_json()
synced += page["students"]
while page["next_cursor"]:
    page = client.get(f"/api/v1/caseload/changes?limit=2&cursor={page['next_cursor']}", headers=hdrs).get_json()
    synced += page["students"]
sync_token = page["sync_token"]
r = client.get(f"/api/v1/caseload/changes?since={sync_token}", headers=hdrs)
show("Offline sync: nothing changed since the last sync (the empty delta)", "GET",
     "/api/v1/caseload/changes?since=<sync_token of the last page>", r, req_headers=shown_auth, trim=trim_sync)
sync_token = r.get_json()["sync_token"]
leaving = next(st["student_key"] for st in reversed(synced)
               if st["card"]["assigned_in_dcfs_feed"] and st["student_key"] != key)
client.delete(f"/api/v1/caseload/{leaving}", headers=hdrs)
r = client.get(f"/api/v1/caseload/changes?since={sync_token}", headers=hdrs)
show("Offline sync: after a removal, a tombstone (delete that child's record now)", "GET",
     "/api/v1/caseload/changes?since=<sync_token>", r, req_headers=shown_auth, trim=trim_sync)
r = client.get(f"/api/v1/caseload/changes?since={sync_token[:-4]}AAAA", headers=hdrs)
show("Offline sync: an expired, altered or another user's token: 410, run a full sync", "GET",
     "/api/v1/caseload/changes?since=<an unusable token>", r, req_headers=shown_auth)

r = client.get("/api/v1/students/" + key)
show("No token: 401 without an error code (sign in)", "GET", f"/api/v1/students/{key}", r)
r = client.get("/api/v1/students/" + key, headers={"Authorization": "Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln"})
show("Expired or invalid token: 401 invalid_token (refresh, then retry once)", "GET", f"/api/v1/students/{key}",
     r, req_headers={"Authorization": "Bearer <expired app token>"})

with app.app_context():
    coord = db.session.execute(db.select(User.email).where(User.role == "pilot_coordinator").limit(1)).scalar()
ctok = client.post("/auth/token", data={**form, "subject_token": dev_token(coord)}).get_json()["access_token"]
r = client.get(f"/api/v1/students/{key}", headers={"Authorization": f"Bearer {ctok}"})
show("A role without access to student data: 403", "GET", f"/api/v1/students/{key}", r,
     req_headers={"Authorization": "Bearer <pilot coordinator's app token>"})

from mobile_service import audit as audit_module

real = audit_module.record
def broken(principal, *a, **k):
    # No such user: the audit INSERT fails (foreign key), as a full disk or a lost database would.
    from types import SimpleNamespace
    return real(SimpleNamespace(user_id=987654321, role=principal.role), *a, **k)
audit_module.record = broken
r = client.get(f"/api/v1/students/{key}", headers=hdrs)
audit_module.record = real
show("The service cannot record the access (audit log unavailable): 503, nothing disclosed", "GET",
     f"/api/v1/students/{key}", r, req_headers=shown_auth)

body = {"ssid": ssid}
for _ in range(15):
    r = client.post("/api/v1/students/search", json=body, headers=hdrs)
    if r.status_code == 429:
        break
show("Too many searches: 429 with Retry-After", "POST", "/api/v1/students/search", r, req_headers=shown_auth,
     body=body, headers=("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Request-ID", "Content-Type"))

r = client.post("/auth/revoke", data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"})
show("Sign out", "POST", "/auth/revoke", r, form={"token": "<refresh token>", "token_type_hint": "refresh_token"})
r = client.get(f"/api/v1/students/{key}", headers=hdrs)
show("The app token of a revoked session stops working at once (code session_ended: wipe the offline copy)", "GET",
     f"/api/v1/students/{key}", r, req_headers=shown_auth)

print("\n".join(out))
