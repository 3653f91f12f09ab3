"""Fault drills (run by hand: ``python -m bench.drills``; never part of ``make test``).

1. PostgreSQL stopped mid-load (matrix R1): only 503 + Retry-After during the outage, recovery
   after restart, and an audit row for every 200 record response.
2. gunicorn HUP and TERM under load (matrix R12): no failed in-flight request.

Everything runs on loopback against a PRIVATE PostgreSQL cluster (initdb + pg_ctl on port
55432 in a temporary directory), so the machine's main PostgreSQL is never touched.
"""
