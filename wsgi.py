"""WSGI entry point: gunicorn serves ``wsgi:app``; the ``flask --app wsgi`` CLI uses it too."""
from mobile_service import create_app
from mobile_service.config import ConfigError, startup_error_line

try:
    app = create_app()
except ConfigError as exc:
    # A refused configuration is one line on stderr (exit status 1), not a traceback.
    raise SystemExit(startup_error_line(exc)) from None
