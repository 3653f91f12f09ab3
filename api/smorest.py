"""The API's flask-smorest ``Api`` (problem+json errors, the bearer scheme) and ``Blueprint``."""
from __future__ import annotations

import http
from typing import ClassVar

import marshmallow as ma
from flask_smorest import Api as _Api
from flask_smorest import Blueprint as _Blueprint
from webargs.flaskparser import FlaskParser

from api.openapi_document import CompletionPlugin, shared_error_response
from api.shared_schemas import ProblemSchema
from mobile_service.errors import handle_http_exception


class Api(_Api):
    """The service's Api: errors are problem+json, every route documents ``bearerAuth``."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        """Render HTTP errors with the service's problem+json shape."""
        return handle_http_exception(error)

    def _init_spec(self, **kwargs):
        # The document is completed as it is built: error bodies, headers, examples.
        kwargs["extra_plugins"] = [*(kwargs.get("extra_plugins") or ()), CompletionPlugin()]
        super()._init_spec(**kwargs)

    def _register_responses(self):
        # flask-smorest's shared responses (one per status, plus DEFAULT_ERROR), registered lazily
        # as it does, documented with the media type they are served with, an example and headers.
        self.spec.components.schema("Problem", schema=ProblemSchema)
        for status in http.HTTPStatus:
            self.spec.components.response(status.name, shared_error_response(status, status.phrase), lazy=True)
        self.spec.components.response("DEFAULT_ERROR", shared_error_response("default", "Default error response"),
                                      lazy=True)
        self.spec.components.security_scheme(
            "bearerAuth",
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
             "description": "App token from POST /auth/token (never an Entra token)."},
        )


class StrictQueryParser(FlaskParser):
    """Reject unknown query parameters (422) instead of ignoring them: a misspelt filter or a
    name pasted into a URL must be reported, never silently dropped."""

    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict] = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": ma.RAISE, "querystring": ma.RAISE}


class Blueprint(_Blueprint):
    """The service's resource blueprint: flask-smorest's, with strict query parsing."""

    ARGUMENTS_PARSER = StrictQueryParser()


# Unbound; ``create_app`` binds it and registers every resource blueprint on it.
api = Api()
