"""Developer tools that are not part of the running service (layer check, seed data)."""
