"""The HTTP API: one folder per resource (routes, schemas, service), each exposing ``blp``.

``create_app`` publishes every resource blueprint on the flask-smorest ``Api`` (``api.smorest``).
"""
