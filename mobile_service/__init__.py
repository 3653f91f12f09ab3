"""LACOE Mobile Service: the backend of the DCFS CSW mobile app (EPS)."""
from mobile_service.app import create_app

__all__ = ["create_app"]
