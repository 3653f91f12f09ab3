"""A private, throw-away redis-server on a spare loopback port (never the machine's shared 6379)."""
from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def spare_port() -> int:
    """A currently free loopback TCP port (not 6379)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port != 6379:
            return port


class PrivateRedis:
    """``redis-server`` without persistence in a temp dir; ``stop()`` is the outage, ``start()`` the return."""

    def __init__(self, port: int | None = None):
        self.port = port or spare_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mobile-drill-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self, timeout: float = 10) -> None:
        """Start the server and wait until it answers PING."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """Stop the server (SIGTERM) and wait: connections are refused from then on."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def _command(self, *parts: str) -> bytes:
        payload = f"*{len(parts)}\r\n" + "".join(f"${len(p)}\r\n{p}\r\n" for p in parts)
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(payload.encode())
            return sock.recv(1024)

    def ping(self) -> bool:
        try:
            return self._command("PING").startswith(b"+PONG")
        except OSError:
            return False

    def dbsize(self) -> int:
        """Keys in the server (the rate-limit counters it holds); -1 when it is down."""
        try:
            reply = self._command("DBSIZE")
        except OSError:
            return -1
        return int(reply[1:].strip()) if reply.startswith(b":") else -1

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
