"""The data importer: ``flask --app wsgi import <kind> FILE`` and its Python API.

``run_import(kind, path)`` validates a whole CSV file, then applies it in one transaction with
set-based statements, maintaining derived data (SSID aliases and grams, name parts, foster
status) and recording a ``SourceLoad``. Invalid input raises ``ImportRejected`` with
``line N: column: reason`` messages and leaves the database untouched.
"""
from mobile_service.importing.runner import KINDS, ImportResult, run_import
from mobile_service.importing.source import ImportRejected

__all__ = ["KINDS", "ImportRejected", "ImportResult", "run_import"]
