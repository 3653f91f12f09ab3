"""Fault drills (run by hand: ``python -m bench.drills``; never part of ``make test``).

1. PostgreSQL stopped mid-load (matrix R1): only 503 + Retry-After during the outage, recovery
   after restart, and an audit row for every 200 record response.
2. gunicorn HUP and TERM under load (matrix R12): no failed in-flight request.
3. Redis and the identity provider stopped, workers restarted (issue 11; ``--only faults``).
4. The fleet (issue 18; ``--only fleet``): 3 gunicorns behind the shipped nginx config, rolling
   restarts and a two-phase key rotation under load: 0 failed requests, 0 401s, audit rows ==
   record 200s; plus a restart without draining and a control run with the old nginx policy.

Everything runs on loopback against a PRIVATE PostgreSQL cluster (initdb + pg_ctl on port
55432 in a temporary directory), so the machine's main PostgreSQL is never touched.
"""
