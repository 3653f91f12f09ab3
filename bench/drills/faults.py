"""Issue 11 drill: Redis and the identity provider stop mid-load, workers restart; never a 500.

Under load against gunicorn on loopback (record reads, searches and token exchanges), the drill
stops its private redis-server (a spare port, never the shared 6379), then its fake OpenID
provider (discovery + JWKS on loopback: nothing calls Microsoft), HUPs gunicorn (every worker
replaced: fresh processes with empty key caches) while ``max_requests`` keeps recycling workers,
and brings both back. It expects no 500 (no 5xx at all), every exchange during the provider
outage served on the cached keys (the shared ``idp_key_cache`` row), and ``/readyz`` 200
throughout, naming the degraded dependencies while they are down.
"""
from __future__ import annotations

import datetime as dt
import json
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bench import server, workload
from bench.drills.load import LoadRun
from bench.drills.redis_proc import PrivateRedis
from mobile_service.config import DEV_API_AUDIENCE, DEV_CLIENT_ID, DEV_TENANT_ID

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Seconds from the start of the load.
REDIS_STOP, IDP_STOP, HUP, IDP_START, REDIS_START, LOAD_SECONDS = 6, 12, 18, 48, 52, 75


class FakeIdP:
    """A loopback OpenID provider: discovery and one RSA key; ``stop()`` refuses connections."""

    def __init__(self, tenant: str = DEV_TENANT_ID):
        self.tenant = tenant
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]
        self.port = server.free_port()
        self.issuer = f"https://login.microsoftonline.com/{tenant}/v2.0"
        self.hits = 0
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def metadata_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.tenant}/v2.0/.well-known/openid-configuration"

    def _documents(self) -> dict[str, dict]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig"})
        return {f"/{self.tenant}/v2.0/.well-known/openid-configuration": {
                    "issuer": self.issuer, "id_token_signing_alg_values_supported": ["RS256"],
                    "jwks_uri": f"http://127.0.0.1:{self.port}/{self.tenant}/discovery/v2.0/keys"},
                f"/{self.tenant}/discovery/v2.0/keys": {"keys": [jwk]}}

    def start(self) -> None:
        documents, provider = self._documents(), self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                provider.hits += 1
                body = json.dumps(documents.get(self.path)).encode() if self.path in documents else b"{}"
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def token_for(self, email: str, tenant_id: str | None, object_id: str | None) -> str:
        """An Entra-shaped v2 access token for a registered user (binds by e-mail if unbound)."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": DEV_API_AUDIENCE, "tid": tenant_id or self.tenant,
                  "oid": object_id or str(uuid.uuid4()), "sub": uuid.uuid4().hex, "ver": "2.0",
                  "scp": "access_as_user", "azp": DEV_CLIENT_ID, "preferred_username": email,
                  "iat": now - 5, "nbf": now - 5, "exp": now + 3600}
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


def drill_env(env: dict, idp: FakeIdP, redis: PrivateRedis) -> dict:
    """The bench settings, signed in through the fake provider, limits counted in the private Redis."""
    return {**env, "AUTH_MODE": "entra", "OIDC_METADATA_URL": idp.metadata_url, "ENTRA_TENANT_IDS": idp.tenant,
            "ENTRA_API_AUDIENCES": DEV_API_AUDIENCE, "ENTRA_ALLOWED_CLIENT_IDS": DEV_CLIENT_ID,
            "REDIS_URL": redis.url, "JWKS_CACHE_SECONDS": "20", "JWKS_STALE_SECONDS": "3600",
            "JWKS_COOLDOWN_SECONDS": "5", "WEB_CONCURRENCY": "2",
            "GUNICORN_MAX_REQUESTS": "400", "GUNICORN_MAX_REQUESTS_JITTER": "100"}


def _users(app, idp: FakeIdP, how_many: int) -> list[workload.BenchUser]:
    from mobile_service.extensions import db
    from mobile_service.models import DcfsCase, User

    with app.app_context():
        # Field workers with current DCFS assignments, so their caseloads have records to read.
        assigned = db.select(DcfsCase.csw_employee_id).where(DcfsCase.assignment_end.is_(None))
        rows = db.session.execute(db.select(User).where(User.role == "csw", User.active.is_(True),
                                                        User.dcfs_employee_id.in_(assigned))
                                  .order_by(User.id).limit(how_many)).scalars().all()
        users = [workload.BenchUser(u.id, u.email, u.role, idp.token_for(u.email, u.entra_tenant_id,
                                                                         u.entra_object_id)) for u in rows]
        db.session.remove()
    return users


def _load_items(users: list[workload.BenchUser]) -> list[tuple]:
    """Record reads, searches and token exchanges, interleaved (about one exchange in six)."""
    items: list[tuple] = []
    for user in users:
        auth = {"Authorization": f"Bearer {user.app_token}"}
        exchange = urllib.parse.urlencode({**workload.EXCHANGE_FORM, "subject_token": user.dev_token}).encode()
        for card in user.caseload[:5]:
            items += [(tab.format(ssid=card["ssid"]), user.app_token) for tab in workload.RECORD_TABS.values()]
            items.append(("POST", "/api/v1/students/search", {**auth, "Content-Type": "application/json"},
                          json.dumps({"ssid": card["ssid"]}).encode()))
            items.append(("POST", "/auth/token", FORM, exchange))
    if not items:
        raise RuntimeError("no caseload students to read")
    return items


class ReadinessProbe(threading.Thread):
    """``GET /readyz`` twice a second: (time, status, body status, degraded check names)."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.samples, self.done = port, [], threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.samples.append((time.monotonic(), *probe(self.port)))
            time.sleep(0.5)


def probe(port: int) -> tuple[int, str, tuple[str, ...]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            status, body = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        status, body = exc.code, json.loads(exc.read() or b"{}")
    except OSError:
        return 0, "no answer", ()
    return status, body.get("status", ""), tuple(sorted(body.get("degraded", {})))


def _metrics(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    wanted = ("mobile_rate_limit_storage_fallbacks_total", "mobile_idp_key_cache_events_total",
              "mobile_token_exchanges_total")
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith(wanted)}


def _at(load: LoadRun, seconds: float) -> None:
    time.sleep(max(0.0, load.t0 + seconds - time.monotonic()))


def faults_drill(env: dict, app, out: Path) -> dict:
    """Run the timeline above and check its outcomes."""
    redis, idp = PrivateRedis(), FakeIdP()
    redis.start()
    idp.start()
    env = drill_env(env, idp, redis)
    srv = server.start("drill-faults", "wsgi:app", env, out, ready_path="/readyz")
    marks: dict[str, float] = {}
    try:
        users = _users(app, idp, 20)
        workload.exchange_all(srv.url, users)
        workload.load_caseloads(srv.url, users)
        load = LoadRun(srv.port, _load_items(users), threads=4, seconds=LOAD_SECONDS, max_requests=500_000)
        readiness = ReadinessProbe(srv.port)
        load.start()
        readiness.start()
        _at(load, REDIS_STOP)
        redis_keys = redis.dbsize()
        redis.stop()
        marks["redis_stop"] = time.monotonic()
        _at(load, IDP_STOP)
        idp_hits = idp.hits
        idp.stop()
        marks["idp_stop"] = time.monotonic()
        _at(load, HUP)
        workers_before = srv.worker_pids()
        srv.signal(signal.SIGHUP)
        marks["hup"] = time.monotonic()
        _at(load, IDP_START)
        idp.start()
        marks["idp_start"] = time.monotonic()
        _at(load, REDIS_START)
        redis.start()
        marks["redis_start"] = time.monotonic()
        workers_after = srv.worker_pids()
        load.wait()
        recovered_in = _wait_ready(srv.port, marks["redis_start"])
        readiness.done.set()
        readiness.join(5)
        metrics = _metrics(srv.port)
    finally:
        srv.stop()
        idp.stop()
        redis.destroy()
    summary = _summarize(load, readiness, marks, metrics, redis_keys=redis_keys, idp_hits=idp_hits,
                         workers=(workers_before, workers_after), recovered_in=recovered_in)
    # Every worker gunicorn started (2 at start, then HUP and max-requests recycles).
    summary["result"]["workers_booted"] = srv.log_path.read_text(errors="replace").count("Booting worker")
    return summary


def _wait_ready(port: int, since: float, limit: float = 45) -> float | None:
    """Seconds from Redis' return until /readyz says plainly "ready" (each worker re-checks with back-off)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        # Several answers in a row: each may come from another worker.
        if all(probe(port)[1] == "ready" for _ in range(6)):
            return round(time.monotonic() - since, 1)
        time.sleep(1)
    return None


def _summarize(load: LoadRun, readiness: ReadinessProbe, marks: dict, metrics: dict, *, redis_keys: int,
               idp_hits: int, workers: tuple[list[int], list[int]], recovered_in: float | None) -> dict:
    outcomes = load.outcomes
    exchanges = [o for o in outcomes if o.path == "/auth/token"]
    idp_down = [o for o in exchanges if marks["idp_stop"] <= o.started < marks["idp_start"]]
    after_hup = [o for o in idp_down if o.started >= marks["hup"] + 2]
    redis_down = [o for o in outcomes if marks["redis_stop"] <= o.started < marks["redis_start"]]

    def counts(items) -> dict[str, int]:
        return {str(s): sum(1 for o in items if o.status == s) for s in sorted({o.status for o in items})}

    degraded_seen = sorted({name for _, _, _, names in readiness.samples for name in names})
    result = {
        "requests": len(outcomes), "statuses": counts(outcomes),
        "status_500": sum(1 for o in outcomes if o.status == 500),
        "status_5xx": sum(1 for o in outcomes if o.status >= 500),
        "socket_errors": sum(1 for o in outcomes if o.status == 0),
        "redis_keys_before_stop": redis_keys,
        "while_redis_down": counts(redis_down),
        "exchanges": counts(exchanges), "exchanges_while_idp_down": counts(idp_down),
        "exchanges_after_hup_while_idp_down": counts(after_hup),
        "idp_requests_before_outage": idp_hits,
        "workers": {"before_hup": workers[0], "at_end_of_outage": workers[1]},
        "readyz": {"samples": len(readiness.samples),
                   "statuses": {str(s): sum(1 for x in readiness.samples if x[1] == s)
                                for s in sorted({x[1] for x in readiness.samples})},
                   "body_status": {b: sum(1 for x in readiness.samples if x[2] == b)
                                   for b in sorted({x[2] for x in readiness.samples})},
                   "degraded_checks_seen": degraded_seen},
        "ready_again_seconds_after_redis_returned": recovered_in,
        "metrics": metrics,
        "timeline_s": {k: round(v - load.t0, 1) for k, v in marks.items()},
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    checks = {
        "0 responses with status 500": result["status_500"] == 0,
        "no 5xx at all": result["status_5xx"] == 0,
        "Redis held the counters before the stop": redis_keys > 0,
        "exchanges while the provider was down: all 200": bool(idp_down) and all(o.status == 200 for o in idp_down),
        "exchanges by restarted workers during the outage: all 200": bool(after_hup)
            and all(o.status == 200 for o in after_hup),
        "workers restarted (HUP, max-requests) during the outage": bool(workers[0]) and not set(workers[0]) & set(workers[1]),
        "/readyz never failed": all(x[1] == 200 for x in readiness.samples),
        "/readyz named both degraded dependencies": {"rate_limit_storage", "identity_provider"} <= set(degraded_seen),
        "ready again after both returned": recovered_in is not None,
    }
    return {"result": result, "checks": checks}
