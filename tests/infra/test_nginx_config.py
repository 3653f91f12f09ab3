"""The nginx configuration: buffering, limits, logs without query strings, retries and passive health."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_nginx_buffers_limits_and_logs_without_query_strings():
    text = (ROOT / "infra" / "nginx" / "mobile.conf").read_text()
    for directive in ("proxy_request_buffering on;", "client_max_body_size  64k;", "client_header_timeout",
                      "client_body_timeout", "send_timeout", "limit_req zone=mobile_token",
                      "proxy_set_header X-Request-ID $mobile_request_id;"):
        assert directive in text
    log_format = text.split("log_format", 1)[1].split(";", 1)[0]
    assert "$uri" in log_format
    assert not re.search(r"\$(request(?![_a-z])|args|query_string|request_uri|request_body)", log_format)
    assert "location = /metrics { return 404; }" in text
    assert "location = /healthz/details { return 404; }" in text


def _nginx_directives(text: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"^\s*{name}\s+([^;]*);", text, re.MULTILINE)]


def test_nginx_retries_idempotent_requests_on_the_next_instance_with_passive_health():
    """Issue 18: proxy_next_upstream off + max_fails=0 made every refused connection a 502."""
    text = (ROOT / "infra" / "nginx" / "mobile.conf").read_text()
    (policy,) = _nginx_directives(text, "proxy_next_upstream")
    conditions = policy.split()
    assert {"error", "timeout", "http_502"} <= set(conditions)
    assert "off" not in conditions and "non_idempotent" not in conditions   # a sent POST is never replayed
    assert int(_nginx_directives(text, "proxy_next_upstream_tries")[0]) >= 2
    assert _nginx_directives(text, "proxy_next_upstream_timeout")
    servers = [line for line in _nginx_directives(text, "server") if line[:1].isdigit()]
    assert servers, "the upstream has no server line"
    for line in servers:
        max_fails = int(re.search(r"max_fails=(\d+)", line).group(1))
        assert max_fails >= 1 and re.search(r"fail_timeout=\d+s", line)


def test_the_drills_loopback_nginx_config_passes_nginx_t(tmp_path):
    """The shipped config, adapted as the fleet drill runs it (3 upstreams, plain HTTP), is valid nginx."""
    import shutil
    import subprocess

    from bench.drills.nginx_proc import nginx_config

    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        pytest.skip("nginx is not installed (infra/check installs nginx-light)")
    conf = nginx_config(tmp_path, 18080, [18081, 18082, 18083])
    adapted = (tmp_path / "mobile.conf").read_text()
    assert adapted.count("max_fails=2 fail_timeout=10s") == 3 and "ssl_certificate" not in adapted
    assert "proxy_next_upstream error timeout http_502;" in adapted
    result = subprocess.run([binary, "-t", "-q", "-p", str(tmp_path), "-c", str(conf)],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    control = nginx_config(tmp_path, 18080, [18081, 18082, 18083], old_policy=True)
    old = (tmp_path / "mobile.conf").read_text()
    assert "proxy_next_upstream off;" in old and old.count("max_fails=0;") == 3
    result = subprocess.run([binary, "-t", "-q", "-p", str(tmp_path), "-c", str(control)],
                            check=False, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
