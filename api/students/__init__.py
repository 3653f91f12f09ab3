"""Student search and record routes (``blp``)."""
from api.students.routes import blp

__all__ = ["blp"]
