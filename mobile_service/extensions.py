"""Flask extensions, created unbound and bound to the app in ``create_app``."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from api.smorest import Api
from mobile_service.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
# Storage and defaults come from RATELIMIT_* config keys set in config.py.
limiter = Limiter(key_func=get_remote_address)
