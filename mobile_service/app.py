"""The application factory: the table of contents of the service.

Everything the app serves or runs is registered here, in order: settings, the request log,
the database, metrics and rate limits, sign-in state, the API and its blueprints, the web
pages, the hooks, the readiness checks, the error handlers and the CLI groups.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from inspect import iscoroutinefunction
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from mobile_service.config import load_config


class ServiceFlask(Flask):
    """Flask, remembering which functions are plain ``def``s.

    Flask asks ``ensure_sync`` about every hook, view and decorator wrapper of every request
    (about 17 times per API request), and ``inspect.iscoroutinefunction`` costs six calls each.
    A function's kind never changes, so the answer is kept per function (bound methods by their
    function: a MethodView's per-request instance adds no entry).
    """

    SYNC_MEMORY = 4096  # functions, bounded: the app's hooks and views are a few hundred

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: D107 - see the class docstring
        super().__init__(*args, **kwargs)
        self._sync_functions: set[object] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return ``func`` itself when it is synchronous (remembered), else Flask's sync wrapper."""
        key = getattr(func, "__func__", func)
        try:
            if key in self._sync_functions:
                return func
        except TypeError:  # an unhashable callable: asked every time, as Flask does
            return super().ensure_sync(func)
        if iscoroutinefunction(func):
            return self.async_to_sync(func)
        if len(self._sync_functions) < self.SYNC_MEMORY:
            self._sync_functions.add(key)
        return func


def create_app(env: Mapping[str, str] | None = None) -> Flask:
    """Build the Flask app: config, extensions, blueprints, hooks, error handlers and CLI.

    ``env`` replaces ``os.environ`` (tests pass their own), so every setting goes through
    the same parsing and validation in ``config.load_config``.
    """
    import auth
    import web
    from api import (
        alerts,
        audit,
        caseload,
        client_events,
        health,
        manual_adds,
        me,
        pilot,
        plain_routes_doc,
        steward,
        students,
        supervisees,
        travel_plans,
    )
    from api.pilot import announcements, evaluation, feedback, issues
    from api.smorest import api as smorest_api
    from auth import routes as auth_routes
    from auth import web as auth_web
    from mobile_service import errors, metrics, ratelimit, requestlog
    from mobile_service.database_setup import init_database
    from mobile_service.extensions import limiter
    from mobile_service.identifiers import AsciiIntegerConverter
    from mobile_service.pilot import request_events
    from mobile_service.readiness import add_readiness_check, database_check
    from web import landing

    app = ServiceFlask(__name__, instance_path=str(Path.cwd() / "instance"), instance_relative_config=True)
    app.config.update(load_config(env, instance_path=app.instance_path))
    app.json.sort_keys = False
    # Before any route exists: ``<int:...>`` ids in URLs are ASCII digits (see identifiers.py).
    app.url_map.converters["int"] = AsciiIntegerConverter

    # Extensions and per-process state.
    requestlog.init_app(app)  # first: every later hook sees the request id
    init_database(app)
    metrics.init_app(app)  # after the database: it watches the connection pool
    limiter.init_app(app)
    ratelimit.init_app(app)  # limiter storage faults: logged, counted, reported as degraded
    auth.init_app(app)  # key ring, identity-provider key client, MSAL (and their readiness checks)

    # Routes: probes and docs, sign-in, the versioned API, the pilot dashboard.
    app.register_blueprint(health.bp)
    app.register_blueprint(auth_routes.bp)  # /auth/token, /auth/revoke, JWKS
    app.register_blueprint(auth_web.bp)  # the dashboard's web sign-in
    app.add_template_global(auth_web.csrf_token, "csrf_token")
    smorest_api.init_app(app)
    # In the order the OpenAPI document lists them.
    for resource in (students, caseload, supervisees, alerts, audit, manual_adds, me, feedback, issues, announcements,
                     client_events, pilot, evaluation, travel_plans, steward):
        smorest_api.register_blueprint(resource.blp)
    app.register_blueprint(web.bp)  # /pilot dashboard
    app.register_blueprint(landing.bp)  # GET /: links to the docs, the mobile guide, the dashboard, health
    plain_routes_doc.document(smorest_api.spec, app)  # OAuth, JWKS, probes and the HTML dashboard in OpenAPI

    # Hooks, readiness and errors.
    request_events.init_app(app)  # the per-request usage event of the pilot metrics
    add_readiness_check(app, "database", database_check)
    errors.register_error_handlers(app)

    _register_commands(app)
    if app.config["TRUSTED_PROXY_COUNT"]:
        n = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def _register_commands(app: Flask) -> None:
    """``flask --app wsgi <command>``: every CLI group, each defined next to its code."""
    from api.audit import cli as audit_commands
    from api.manual_adds import cli as manual_add_commands
    from auth import cli as auth_commands
    from mobile_service import cli
    from mobile_service.importing import cli as import_commands
    from mobile_service.importing import users_cli as user_commands
    from mobile_service.notify import cli as outbox_commands
    from mobile_service.pilot import cli as pilot_commands

    modules = [cli, audit_commands, manual_add_commands, auth_commands, pilot_commands, import_commands, user_commands,
               outbox_commands]
    try:  # development checkouts only: the production image ships neither tools/ nor Faker
        from tools.seed import cli as seed_commands
    except ModuleNotFoundError as exc:
        if exc.name not in ("tools", "tools.seed", "faker"):
            raise
    else:
        modules.append(seed_commands)
    for module in modules:
        for command in module.commands:
            app.cli.add_command(command)
