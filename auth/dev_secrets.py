"""Development secrets persisted in ``instance/``: made once, shared by every worker.

Outside production (which refuses missing keys and secrets), the app-token signing key, the dev
issuer's key and ``SECRET_KEY`` are generated on first start and kept in the instance folder,
so restarts and parallel workers agree. Written with ``O_EXCL`` and mode 0600: when two workers
start at once, one writes the file and the other reads it.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask


def instance_secret(app: Flask, filename: str, make: Callable[[], bytes]) -> bytes:
    """The bytes of ``instance/<filename>``, written from ``make()`` first if the file is missing."""
    path = Path(app.instance_path) / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        content = make()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker won the race; read its secret below
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
    return path.read_bytes()
