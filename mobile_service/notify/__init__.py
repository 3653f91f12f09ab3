"""Notices by e-mail through an outbox: written with the change, delivered by ``flask outbox deliver``."""
