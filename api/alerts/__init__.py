"""Alerts: the signed-in worker's alerts feed, marking alerts seen, and an SCSW's team digest."""
from api.alerts.routes import blp

__all__ = ["blp"]
