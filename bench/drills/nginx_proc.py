"""nginx for the fleet drill: the shipped ``infra/nginx/mobile.conf``, adapted for loopback only."""
from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import server
from bench.server import ROOT

NGINX_CONF = ROOT / "infra" / "nginx" / "mobile.conf"


def nginx_config(directory: Path, listen_port: int, upstream_ports: list[int], *, old_policy: bool = False) -> Path:
    """``mobile.conf`` for loopback: HTTP on ``listen_port``, one upstream line per instance.

    ``old_policy`` puts back the configuration issue 18 measured (``proxy_next_upstream off``,
    ``max_fails=0``): the control run, which shows the drill does see refused connections.
    """
    text = NGINX_CONF.read_text()
    if old_policy:
        text = re.sub(r"^(\s*)proxy_next_upstream [^;]*;", r"\1proxy_next_upstream off;", text, flags=re.MULTILINE)
        text = re.sub(r"(server 127\.0\.0\.1:8000) [^;]*;", r"\1 max_fails=0;", text)
    line = re.search(r"^(\s*)server 127\.0\.0\.1:8000((?: [^;]*)?);$", text, re.MULTILINE)
    if line is None:
        raise RuntimeError("mobile.conf: the upstream's server line was not found")
    servers = "\n".join(f"{line.group(1)}server 127.0.0.1:{port}{line.group(2)};" for port in upstream_ports)
    text = text[:line.start()] + servers + text[line.end():]
    text = re.sub(r"server \{\n    listen 80;.*?\n\}\n", "", text, flags=re.DOTALL)   # the HTTPS redirect
    text = re.sub(r"^\s*listen 443 ssl http2;$", f"    listen 127.0.0.1:{listen_port};", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*listen \[::\]:443 ssl http2;\n", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*ssl_[a-z_]+ [^;]*;\n", "", text, flags=re.MULTILINE)
    text = text.replace("/var/log/nginx/", f"{directory}/")
    (directory / "mobile.conf").write_text(text)
    main = directory / "nginx.conf"
    main.write_text(f"""worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  client_body_temp_path {directory}/body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  include {directory}/mobile.conf;
}}
""")
    return main


class Nginx:
    """nginx in the foreground of its own process group, on a temp prefix."""

    def __init__(self, upstream_ports: list[int], *, old_policy: bool = False):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.dir = Path(tempfile.mkdtemp(prefix="mobile-drill-nginx-"))
        self.port = server.free_port()
        self.conf = nginx_config(self.dir, self.port, upstream_ports, old_policy=old_policy)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        subprocess.run([self.binary, "-t", "-q", "-p", str(self.dir), "-c", str(self.conf)], check=True)
        self.process = subprocess.Popen([self.binary, "-p", str(self.dir), "-c", str(self.conf), "-g", "daemon off;"],
                                        start_new_session=True, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not answer")

    def drain(self, port: int | None, wait_s: float = 2.0) -> None:
        """Mark the instance on ``port`` ``down`` (None: none), reload, let old nginx workers finish.

        What the endpoints controller and the preStop pause do for a pod in Kubernetes; on a VM,
        the runbook's "Rolling restart". A reload starts new workers and lets the old ones finish
        their requests (and close their upstream keep-alive connections) before they exit.
        """
        conf = self.dir / "mobile.conf"
        text = re.sub(r" down;$", ";", conf.read_text(), flags=re.MULTILINE)
        if port is not None:
            text = re.sub(rf"^(\s*server 127\.0\.0\.1:{port}\b[^;]*);$", r"\1 down;", text, flags=re.MULTILINE)
        conf.write_text(text)
        self.process.send_signal(signal.SIGHUP)
        time.sleep(wait_s)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def upstream_errors(self) -> list[str]:
        """The error logs' lines about upstreams (refused/reset connections, retried or not)."""
        lines = []
        for log in (self.dir / "error.log", self.dir / "mobile.error.log"):
            lines += log.read_text(errors="replace").splitlines() if log.exists() else []
        return [line for line in lines if "upstream" in line]
