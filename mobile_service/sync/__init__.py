"""Offline caseload sync (issue 15): the change log, sync tokens, and the full and delta payloads."""
