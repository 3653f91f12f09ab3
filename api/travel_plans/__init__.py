"""School-of-origin travel plans (DCFS 0900-520.20): assessment, the CSW's plans, the SCSW's approvals."""
from api.travel_plans.routes import blp

__all__ = ["blp"]
