"""Settings, read from the environment once, validated before the app starts.

Every setting the service reads lives here; other modules read ``current_app.config``.
Production refuses to start on a missing or insecure value (no default secrets, no
authentication bypass); development and testing get safe local defaults.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("production", "development", "testing")
MAX_SESSION_SECONDS = 12 * 3600  # the app session's absolute lifetime: one working day
AUTH_MODES = ("entra", "dev")
ENTRA_METADATA_TEMPLATE = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
# Defaults of the in-process development issuer (AUTH_MODE=dev, see auth/dev_issuer.py) when the
# ENTRA_* variables are unset, so ``make run`` needs no other variable.
DEV_TENANT_ID = "d0d0d0d0-0000-4000-8000-00000000de01"
DEV_API_AUDIENCE = "api://lacoe-mobile-dev"
DEV_CLIENT_ID = "d0d0d0d0-0000-4000-8000-00000000c1e0"
# Self-granted access (a manual add awaiting review) is bounded: at most one quarter.
MANUAL_ADD_DAYS_MAX = 90
# Children's records kept offline on a phone: at most a week without a sync.
SYNC_CACHE_HOURS_MAX = 7 * 24
# How the SMTP connection is secured: STARTTLS on the submission port, implicit TLS, or none
# (none: a local development relay only, refused in production).
SMTP_SECURITY_MODES = ("starttls", "ssl", "none")
_EMAIL_SHAPE = re.compile(r"\A[^@\s<>]{1,64}@[A-Za-z0-9.-]{1,253}\Z")


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a safe, complete configuration."""


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be <= {maximum}, got {value}")
    return value


def _percent(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value > 100:
        raise ConfigError(f"{name} is a percentage (0-100), got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _timezone(env: Mapping[str, str], name: str, default: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = (env.get(name) or default).strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{name} must be an IANA time zone such as America/Los_Angeles, got {value!r}") from exc
    return value


def _rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    from limits import parse_many

    value = (env.get(name) or default).strip()
    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a rate limit such as '30 per minute', got {value!r}") from exc
    return value


def normalize_database_url(url: str) -> str:
    """Make plain ``postgresql://`` URLs use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _read_key(env: Mapping[str, str], name: str) -> str | None:
    """Read a PEM from ``NAME`` or from the file named by ``NAME_FILE`` (secret mounts)."""
    value = env.get(name)
    path = env.get(f"{name}_FILE")
    if value and path:
        raise ConfigError(f"set only one of {name} and {name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="ascii")
        except OSError as exc:
            raise ConfigError(f"{name}_FILE cannot be read: {exc.strerror}") from exc
    return value or None


def load_config(env: Mapping[str, str] | None = None, *, instance_path: str = "instance") -> dict[str, Any]:
    """Build the Flask config mapping from environment variables and validate it."""
    env = os.environ if env is None else env
    app_env = env.get("APP_ENV", "production").strip().lower()
    if app_env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {app_env!r}")
    production = app_env == "production"

    auth_mode = env.get("AUTH_MODE", "entra").strip().lower()
    if auth_mode not in AUTH_MODES:
        raise ConfigError(f"AUTH_MODE must be one of {', '.join(AUTH_MODES)}, got {auth_mode!r}")

    default_db = f"sqlite:///{Path(instance_path).resolve() / 'mobile.db'}"
    database_url = env.get("DATABASE_URL") or ("" if production else default_db)
    tenants = _csv(env.get("ENTRA_TENANT_IDS"))
    audiences = _csv(env.get("ENTRA_API_AUDIENCES"))
    if auth_mode == "dev":
        # The dev issuer signs for the first tenant and audience; its key is seeded in process.
        tenants = tenants or [DEV_TENANT_ID]
        audiences = audiences or [DEV_API_AUDIENCE]
    metadata_url = env.get("OIDC_METADATA_URL") or (
        ENTRA_METADATA_TEMPLATE.format(tenant=tenants[0]) if tenants and auth_mode == "entra" else ""
    )

    cfg: dict[str, Any] = {
        "APP_ENV": app_env,
        "TESTING": app_env == "testing",
        "DEBUG": False,
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_RECORD_QUERIES": False,
        "DB_POOL_SIZE": _int(env, "DB_POOL_SIZE", 5, minimum=1),
        "DB_POOL_TIMEOUT": _int(env, "DB_POOL_TIMEOUT", 3, minimum=1),
        "DB_POOL_RECYCLE": _int(env, "DB_POOL_RECYCLE", 1800, minimum=1),
        "DB_STATEMENT_TIMEOUT_MS": _int(env, "DB_STATEMENT_TIMEOUT_MS", 5000, minimum=100),
        # Pilot "request" events are buffered per process and written as one INSERT per batch
        # (mobile_service.pilot.request_events); tests write each one at once.
        "USAGE_EVENT_BATCH": _int(env, "USAGE_EVENT_BATCH", 1 if app_env == "testing" else 100, minimum=1),
        "USAGE_EVENT_FLUSH_SECONDS": _int(env, "USAGE_EVENT_FLUSH_SECONDS", 10, minimum=1),
        # Per-process cache of the data-freshness stamps (imports change them a few times a day).
        "FRESHNESS_CACHE_SECONDS": _int(env, "FRESHNESS_CACHE_SECONDS", 0 if app_env == "testing" else 30),
        # A snapshot import (import --snapshot) refuses to remove more than this share of its
        # scope's rows without --allow-mass-delete: a truncated file must not wipe a district.
        "IMPORT_SNAPSHOT_MAX_DELETE_PERCENT": _percent(env, "IMPORT_SNAPSHOT_MAX_DELETE_PERCENT", 20),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_BODY_BYTES", 64 * 1024, minimum=1024),
        "MAX_JSON_DEPTH": _int(env, "MAX_JSON_DEPTH", 32, minimum=2),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        "TRUSTED_PROXY_COUNT": _int(env, "TRUSTED_PROXY_COUNT", 0),
        # Sign-in (see auth.md).
        "AUTH_MODE": auth_mode,
        "OIDC_METADATA_URL": metadata_url,
        "ENTRA_TENANT_IDS": tenants,
        "ENTRA_API_AUDIENCES": audiences,
        "ENTRA_ALLOWED_CLIENT_IDS": _csv(env.get("ENTRA_ALLOWED_CLIENT_IDS")),
        "ENTRA_REQUIRED_SCOPE": env.get("ENTRA_REQUIRED_SCOPE", "access_as_user"),
        "ENTRA_CLIENT_ID": env.get("ENTRA_CLIENT_ID") or None,
        "ENTRA_CLIENT_SECRET": env.get("ENTRA_CLIENT_SECRET") or None,
        "ENTRA_AUTHORITY": env.get("ENTRA_AUTHORITY") or (
            f"https://login.microsoftonline.com/{tenants[0]}" if tenants else None
        ),
        "GRAPH_PROFILE_SYNC": _bool(env, "GRAPH_PROFILE_SYNC", False),
        # Keys are refetched after JWKS_CACHE_SECONDS; when the provider is down the last-known-good
        # keys (memory, or the shared idp_key_cache table for a fresh worker) serve for
        # JWKS_STALE_SECONDS more. Bounded: a key Entra withdrew must not be trusted for long.
        "JWKS_CACHE_SECONDS": _int(env, "JWKS_CACHE_SECONDS", 6 * 3600, minimum=1, maximum=24 * 3600),
        "JWKS_STALE_SECONDS": _int(env, "JWKS_STALE_SECONDS", 24 * 3600, minimum=0, maximum=3 * 86400),
        "JWKS_COOLDOWN_SECONDS": _int(env, "JWKS_COOLDOWN_SECONDS", 30, minimum=0),
        "JWKS_TIMEOUT_SECONDS": _int(env, "JWKS_TIMEOUT_SECONDS", 3, minimum=1),
        "APP_TOKEN_SIGNING_KEY": _read_key(env, "APP_TOKEN_SIGNING_KEY"),
        "APP_TOKEN_VERIFICATION_KEYS": _read_key(env, "APP_TOKEN_VERIFICATION_KEYS"),
        "APP_TOKEN_ISSUER": env.get("APP_TOKEN_ISSUER", "https://mobile.eps.lacoe.edu" if production else "http://127.0.0.1:8000"),
        "APP_TOKEN_AUDIENCE": env.get("APP_TOKEN_AUDIENCE", "lacoe-mobile-api"),
        "APP_TOKEN_TTL": _int(env, "APP_TOKEN_TTL", 900, minimum=60),
        "REFRESH_IDLE_SECONDS": _int(env, "REFRESH_IDLE_SECONDS", 12 * 3600, minimum=60),
        # At most one working day, counted from when Entra issued the token the session came from:
        # then the app re-exchanges a fresh Entra token (MSAL gets it silently), so Entra's own
        # sign-in policies (disabled account, conditional access, MFA) apply at least daily.
        "REFRESH_ABSOLUTE_SECONDS": _int(env, "REFRESH_ABSOLUTE_SECONDS", MAX_SESSION_SECONDS, minimum=60),
        "REFRESH_REUSE_GRACE_SECONDS": _int(env, "REFRESH_REUSE_GRACE_SECONDS", 0),
        "GRAPH_TIMEOUT_SECONDS": _int(env, "GRAPH_TIMEOUT_SECONDS", 5, minimum=1),
        # Pilot dashboard web sessions (server-side rows; the cookie holds only their id).
        "PILOT_SESSION_IDLE_SECONDS": _int(env, "PILOT_SESSION_IDLE_SECONDS", 2 * 3600, minimum=60),
        "PILOT_SESSION_ABSOLUTE_SECONDS": _int(env, "PILOT_SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=60),
        # Pilot metrics count days in the pilot offices' time zone (a PT evening is not "tomorrow").
        "PILOT_TIMEZONE": _timezone(env, "PILOT_TIMEZONE", "America/Los_Angeles"),
        # Rate limiting (flask-limiter reads RATELIMIT_*).
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Without Redis every process counts its own limits (3 pods allowed 40 of 40 searches
        # against a limit of 20): production needs REDIS_URL unless this says one instance is meant.
        "SINGLE_INSTANCE": _bool(env, "SINGLE_INSTANCE", False),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        # Redis down (or hung): each call gives up within half a second and the limiter counts
        # in per-process memory until Redis answers again (mobile_service.ratelimit), so a
        # storage fault never turns a request into a 500. Errors left over are logged, not raised.
        "RATELIMIT_STORAGE_OPTIONS": ({"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
                                      if env.get("REDIS_URL") else {}),
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_ENABLED": _bool(env, "RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "TOKEN_RATE_LIMIT": _rate_limit(env, "TOKEN_RATE_LIMIT", "30 per minute"),
        "SEARCH_RATE_LIMIT": _rate_limit(env, "SEARCH_RATE_LIMIT", "60 per minute"),
        # Adds/removes answer whether an SSID exists; feedback and issue reports are free text.
        "CASELOAD_CHANGE_RATE_LIMIT": _rate_limit(env, "CASELOAD_CHANGE_RATE_LIMIT", "30 per minute"),
        "REPORT_RATE_LIMIT": _rate_limit(env, "REPORT_RATE_LIMIT", "10 per minute"),
        # The alerts feed, marking seen and the team digest share one per-user quota.
        "ALERTS_RATE_LIMIT": _rate_limit(env, "ALERTS_RATE_LIMIT", "60 per minute"),
        # App error reports (crashes, failed calls, slow screens): the app merges repeats of a
        # signature on the device, so a healthy device sends few; a crash loop must not flood.
        "CLIENT_EVENT_USER_RATE_LIMIT": _rate_limit(env, "CLIENT_EVENT_USER_RATE_LIMIT", "120 per hour"),
        "CLIENT_EVENT_DEVICE_RATE_LIMIT": _rate_limit(env, "CLIENT_EVENT_DEVICE_RATE_LIMIT", "60 per hour"),
        # A manual add of a student not assigned to the worker in the DCFS feed lasts this many
        # days unless the supervising SCSW (or an admin) approves it or the feed confirms it.
        "MANUAL_ADD_DAYS": _int(env, "MANUAL_ADD_DAYS", 30, minimum=1),
        # Offline caseload sync (GET /api/v1/caseload/changes): how long the app may keep what a
        # sync delivered (it purges after), how old a sync token may be before the app must run a
        # full sync again (a long absence resyncs rather than replaying history), how long the
        # change log keeps rows (the daily job prunes), and the per-user quota.
        "SYNC_CACHE_HOURS": _int(env, "SYNC_CACHE_HOURS", 72, minimum=1, maximum=SYNC_CACHE_HOURS_MAX),
        "SYNC_TOKEN_MAX_AGE_HOURS": _int(env, "SYNC_TOKEN_MAX_AGE_HOURS", 72, minimum=1),
        "SYNC_LOG_RETENTION_DAYS": _int(env, "SYNC_LOG_RETENTION_DAYS", 7, minimum=2),
        "SYNC_RATE_LIMIT": _rate_limit(env, "SYNC_RATE_LIMIT", "30 per minute"),
        # Data-quality reports (issue 17): a student named by exact lookup must have been shown
        # to the reporter by an audited exact-lookup search within this many hours.
        "DQ_LOOKUP_HOURS": _int(env, "DQ_LOOKUP_HOURS", 12, minimum=1, maximum=72),
        # Notices to EPS support stewards (mobile_service.notify): SMTP, and the outbox's retry
        # schedule (exponential from the base, capped; a row is retried until it is sent).
        "SMTP_HOST": env.get("SMTP_HOST") or (None if production else "127.0.0.1"),
        "SMTP_PORT": _int(env, "SMTP_PORT", 587 if production else 1025, minimum=1, maximum=65535),
        "SMTP_SECURITY": _choice(env, "SMTP_SECURITY", "starttls" if production else "none", SMTP_SECURITY_MODES),
        "SMTP_FROM": env.get("SMTP_FROM") or (None if production else "eps-mobile@localhost"),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": (_read_key(env, "SMTP_PASSWORD") or "").strip() or None,
        "SMTP_TIMEOUT_SECONDS": _int(env, "SMTP_TIMEOUT_SECONDS", 10, minimum=1, maximum=120),
        "OUTBOX_RETRY_BASE_SECONDS": _int(env, "OUTBOX_RETRY_BASE_SECONDS", 60, minimum=1),
        "OUTBOX_RETRY_MAX_SECONDS": _int(env, "OUTBOX_RETRY_MAX_SECONDS", 3600, minimum=1),
        # The link in a steward's notice: where the queue of data-quality reports is worked.
        "STEWARD_QUEUE_URL": env.get("STEWARD_QUEUE_URL") or (
            None if production else "http://127.0.0.1:8000/pilot/steward"),
        # Operations.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "__Host-pilot" if production else "pilot_session",
        # OpenAPI (flask-smorest).
        "API_TITLE": "LACOE Mobile Service",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    if cfg["SYNC_TOKEN_MAX_AGE_HOURS"] > (cfg["SYNC_LOG_RETENTION_DAYS"] - 1) * 24:
        # A token must never reach back past the pruned log (one day's margin for long imports).
        raise ConfigError("SYNC_TOKEN_MAX_AGE_HOURS must be at most (SYNC_LOG_RETENTION_DAYS - 1) * 24, got "
                          f"{cfg['SYNC_TOKEN_MAX_AGE_HOURS']} h with {cfg['SYNC_LOG_RETENTION_DAYS']} days")
    if cfg["OUTBOX_RETRY_MAX_SECONDS"] < cfg["OUTBOX_RETRY_BASE_SECONDS"]:
        raise ConfigError("OUTBOX_RETRY_MAX_SECONDS must not be below OUTBOX_RETRY_BASE_SECONDS")
    if cfg["MANUAL_ADD_DAYS"] > MANUAL_ADD_DAYS_MAX:
        raise ConfigError(f"MANUAL_ADD_DAYS must be at most {MANUAL_ADD_DAYS_MAX} "
                          f"(self-granted access stays bounded), got {cfg['MANUAL_ADD_DAYS']}")
    validate(cfg)
    return cfg


def validate(cfg: Mapping[str, Any]) -> None:
    """Refuse insecure or incomplete settings; production is held to every rule."""
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        raise ConfigError("DATABASE_URL is required in production")
    if cfg["APP_ENV"] != "production":
        return
    problems = []
    if cfg["AUTH_MODE"] == "dev":
        problems.append("AUTH_MODE=dev (the development issuer) is refused in production")
    secret = cfg.get("SECRET_KEY") or ""
    if len(secret) < 32:
        problems.append("SECRET_KEY must be set to at least 32 random characters")
    if not cfg.get("APP_TOKEN_SIGNING_KEY"):
        problems.append("APP_TOKEN_SIGNING_KEY (or APP_TOKEN_SIGNING_KEY_FILE) is required")
    if not cfg["ENTRA_TENANT_IDS"]:
        problems.append("ENTRA_TENANT_IDS is required")
    if not cfg["ENTRA_API_AUDIENCES"]:
        problems.append("ENTRA_API_AUDIENCES is required")
    if not cfg["ENTRA_ALLOWED_CLIENT_IDS"]:
        # Empty means any client application of the tenant holding the scope may sign in here.
        problems.append("ENTRA_ALLOWED_CLIENT_IDS is required (the mobile app's client id)")
    if cfg["REFRESH_ABSOLUTE_SECONDS"] > MAX_SESSION_SECONDS:
        problems.append(f"REFRESH_ABSOLUTE_SECONDS must be at most {MAX_SESSION_SECONDS} (12 h)")
    if cfg["REFRESH_IDLE_SECONDS"] > cfg["REFRESH_ABSOLUTE_SECONDS"]:
        problems.append("REFRESH_IDLE_SECONDS must not exceed REFRESH_ABSOLUTE_SECONDS")
    if cfg["REFRESH_REUSE_GRACE_SECONDS"] > 60:
        problems.append("REFRESH_REUSE_GRACE_SECONDS must be at most 60")
    if cfg["GRAPH_PROFILE_SYNC"] and not (cfg["ENTRA_CLIENT_ID"] and cfg["ENTRA_CLIENT_SECRET"]):
        problems.append("GRAPH_PROFILE_SYNC needs ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET")
    if not cfg["OIDC_METADATA_URL"].startswith("https://"):
        problems.append("OIDC_METADATA_URL must be an https URL in production")
    if not str(cfg["APP_TOKEN_ISSUER"]).startswith("https://"):
        problems.append("APP_TOKEN_ISSUER must be an https URL in production")
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        problems.append("DATABASE_URL must point at PostgreSQL in production")
    if not cfg["REDIS_URL"] and not cfg["SINGLE_INSTANCE"]:
        problems.append("REDIS_URL is required (rate limits shared by every instance), "
                        "or SINGLE_INSTANCE=true if per-process limits on one instance are intended")
    problems += _smtp_problems(cfg)
    if problems:
        raise ConfigError("refusing to start: " + "; ".join(problems))


def _smtp_problems(cfg: Mapping[str, Any]) -> list[str]:
    """Production rules of the stewards' notices: a relay, a sender, TLS, credentials in pairs, an https link."""
    problems = []
    if not cfg["SMTP_HOST"]:
        problems.append("SMTP_HOST is required (notices of data-quality reports to EPS support)")
    if not cfg["SMTP_FROM"] or not _EMAIL_SHAPE.match(cfg["SMTP_FROM"]):
        problems.append("SMTP_FROM must be the sender's e-mail address")
    if cfg["SMTP_SECURITY"] == "none":
        problems.append("SMTP_SECURITY=none sends credentials and notices in clear: use starttls or ssl")
    if bool(cfg["SMTP_USERNAME"]) != bool(cfg["SMTP_PASSWORD"]):
        problems.append("set both SMTP_USERNAME and SMTP_PASSWORD (or SMTP_PASSWORD_FILE), or neither")
    if not str(cfg["STEWARD_QUEUE_URL"] or "").startswith("https://"):
        problems.append("STEWARD_QUEUE_URL must be the https link to the stewards' queue")
    return problems


def startup_error_line(exc: ConfigError, env: Mapping[str, str] | None = None,
                       cwd: Path | None = None) -> str:
    """One line for a refused start: the reason, and in a development checkout what to set."""
    env = os.environ if env is None else env
    line = f"configuration error: {exc}"
    checkout = (cwd or Path.cwd()) / ".git"
    if not env.get("APP_ENV") and checkout.exists():
        # A clone without APP_ENV gets production's rules; say how to get the development setup.
        line += ("; APP_ENV is unset, so production rules apply. For local development run "
                 "`export APP_ENV=development AUTH_MODE=dev` (or use `make run` / `make token`)")
    return line
