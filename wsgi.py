"""WSGI entry point: gunicorn serves ``wsgi:app``; the ``flask --app wsgi`` CLI uses it too."""
from mobile_service import create_app

app = create_app()
