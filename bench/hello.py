"""The ceiling: one-line Flask app served by the same gunicorn configuration as the service."""
from flask import Flask

app = Flask(__name__)
app.add_url_rule("/", "hello", lambda: "hello")
