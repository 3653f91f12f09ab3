"""The one "dev secret in instance/" helper: made once, mode 0600, and a lost race reads the winner's."""
from __future__ import annotations

import stat
from types import SimpleNamespace

from auth.dev_secrets import instance_secret


def test_a_secret_is_made_once_and_kept_private(tmp_path):
    app = SimpleNamespace(instance_path=str(tmp_path / "instance"))
    first = instance_secret(app, "dev-secret", lambda: b"one")
    assert first == b"one" and instance_secret(app, "dev-secret", lambda: b"two") == b"one"
    assert stat.S_IMODE((tmp_path / "instance" / "dev-secret").stat().st_mode) == 0o600


def test_a_worker_that_loses_the_race_reads_the_winners_secret(tmp_path):
    app = SimpleNamespace(instance_path=str(tmp_path))

    def make_while_another_worker_writes() -> bytes:
        (tmp_path / "dev-secret").write_bytes(b"winner")  # between our check and our O_EXCL open
        return b"loser"

    assert instance_secret(app, "dev-secret", make_while_another_worker_writes) == b"winner"
