"""A valid client event body for tests, with its pieces overridable."""
from __future__ import annotations

import datetime as dt
import uuid

DEVICE = "0b7e2f4a-1c3d-4e5f-8a9b-c0d1e2f3a4b5"
SIGNATURE = "9f2c4e1a7b3d5f60a1b2c3d4e5f60718"


def event(when: dt.datetime, **changes) -> dict:
    """A crash report at ``when`` (ISO with offset), from ``DEVICE``, overridden by ``changes``."""
    body = {"report_id": str(uuid.uuid4()), "device_id": DEVICE, "kind": "crash",
            "occurred_at": when.isoformat(), "app_version": "1.0.1", "platform": "ios", "os_version": "17.6.1",
            "screen": "student/attendance", "error_code": "EXC_BAD_ACCESS", "signature": SIGNATURE, "count": 1,
            "message": "Index out of range in AttendanceCard"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}
