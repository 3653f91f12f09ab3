"""The pilot: cohort windows, metrics computed from server-side events, the request-event hook
and the coordinator CLI. Aggregates only; nothing here reads student tables."""
