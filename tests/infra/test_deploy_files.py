"""Deployment files: gunicorn settings, Kubernetes manifests and the Dockerfile (nginx: test_nginx_config.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

# Imported before any test sets PROMETHEUS_MULTIPROC_DIR: prometheus_client picks its value
# class (in-process or file-backed) once, at its first import, for the whole session.
from prometheus_client.mmap_dict import MmapedDict, mmap_key

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
SECRET_ENV = ("DATABASE_URL", "SECRET_KEY", "APP_TOKEN_SIGNING_KEY", "ENTRA_CLIENT_SECRET", "REDIS_URL")
SECRET_LOOKING = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"postgres(?:ql)?(?:\+\w+)?://[^\s/@]+:[^\s/@]+@"),   # credentials in a URL
    re.compile(r"rediss?://[^\s/@]*:[^\s/@]+@"),
    re.compile(r"(?i)(password|secret|token)\s*[:=]\s*['\"]?[A-Za-z0-9+/=_-]{16,}"),
]


def _gunicorn_settings(tmp_path, monkeypatch) -> dict:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_PRELOAD", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT",
                 "GUNICORN_MAX_REQUESTS", "GUNICORN_ACCESS_LOG", "MOBILE_METRICS_DIR_OWNED"):
        monkeypatch.delenv(name, raising=False)
    namespace: dict = {}
    path = ROOT / "infra" / "gunicorn.conf.py"
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 - our own config file
    return namespace


def _documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.name, doc))
    return docs


def _kind(kind: str) -> list[dict]:
    return [doc for _, doc in _documents() if doc.get("kind") == kind]


def _containers(doc: dict) -> list[dict]:
    return doc["spec"]["template"]["spec"]["containers"]


# ---- gunicorn -----------------------------------------------------------------------------

def test_gunicorn_config_has_the_expected_settings(tmp_path, monkeypatch):
    cfg = _gunicorn_settings(tmp_path, monkeypatch)
    assert cfg["worker_class"] == "gthread"
    assert cfg["workers"] >= 2 and cfg["threads"] >= 2
    assert cfg["graceful_timeout"] < cfg["timeout"]
    assert cfg["max_requests"] > 0 and cfg["max_requests_jitter"] > 0
    assert cfg["preload_app"] is True            # workers fork ready: no boot gap on HUP
    assert cfg["control_socket_disable"] is True
    assert cfg["limit_request_line"] <= 4094 and cfg["limit_request_field_size"] <= 8190
    # Path only: no %(r)s (request line), %(q)s (query) or %(U)s%(q)s combinations.
    assert "%(U)s" in cfg["access_log_format"]
    assert "%(r)s" not in cfg["access_log_format"] and "%(q)s" not in cfg["access_log_format"]
    assert cfg["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path / "metrics")


def test_gunicorn_hooks_reset_and_clean_the_metrics_directory(tmp_path, monkeypatch):
    cfg = _gunicorn_settings(tmp_path, monkeypatch)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999.db").write_bytes(b"stale")
    cfg["on_starting"](None)
    assert list(metrics_dir.iterdir()) == []
    key = mmap_key("mobile_x_total", "mobile_x_total", [], [], "x")
    for pid, count in ((4242, 3.0), (4343, 4.0)):
        (metrics_dir / f"gauge_livesum_{pid}.db").write_bytes(b"")
        counter = MmapedDict(str(metrics_dir / f"counter_{pid}.db"))
        counter.write_value(key, count, 0.0)
        counter.close()

    class Worker:
        pid = 4242

    class Server:
        def __init__(self) -> None:
            self.WORKERS = {4343: object()}  # still alive: its files stay

    cfg["child_exit"](Server(), Worker())
    remaining = sorted(p.name for p in metrics_dir.iterdir() if p.suffix == ".db")
    # A dead worker's counters survive in the merged totals (issue 13); its own files do not.
    assert remaining == ["counter_4343.db", "counter_merged.db", "gauge_livesum_4343.db"]
    merged = MmapedDict.read_all_values_from_file(str(metrics_dir / "counter_merged.db"))
    assert [(k, v) for k, v, _, _ in merged] == [(key, 3.0)]


def test_post_fork_gives_each_worker_fresh_database_pools(make_app, tmp_path, monkeypatch, base_env, app):
    from mobile_service.extensions import db

    cfg = _gunicorn_settings(tmp_path, monkeypatch)
    preloaded = make_app(base_env)
    with preloaded.app_context():
        engine = db.engine
        with engine.connect() as conn:   # a connection the master would have pooled
            conn.exec_driver_sql("SELECT 1")
        before = engine.pool

    class Worker:
        class app:
            @staticmethod
            def wsgi():
                return preloaded

    cfg["post_fork"](None, Worker())
    assert engine.pool is not before and engine.pool.checkedin() == 0
    before.dispose()
    engine.dispose()


def test_gunicorn_creates_and_owns_a_metrics_dir_when_none_is_given(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.delenv("MOBILE_METRICS_DIR_OWNED", raising=False)
    namespace: dict = {}
    path = ROOT / "infra" / "gunicorn.conf.py"
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102
    created = Path(namespace["PROMETHEUS_MULTIPROC_DIR"])
    assert created.is_dir()
    namespace["on_exit"](None)
    assert not created.exists()


# ---- Kubernetes -----------------------------------------------------------------------------

def test_manifests_parse_and_declare_the_expected_kinds():
    kinds = {doc["kind"] for _, doc in _documents()}
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler",
            "PodDisruptionBudget", "Job", "NetworkPolicy"} <= kinds
    assert _kind("HorizontalPodAutoscaler")[0]["apiVersion"] == "autoscaling/v2"


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_secrets_are_referenced_by_name_only(kind):
    for doc in _kind(kind):
        for container in _containers(doc):
            env = {item["name"]: item for item in container.get("env", [])}
            if kind == "Deployment":
                assert set(SECRET_ENV) <= set(env), f"the API container lacks {set(SECRET_ENV) - set(env)}"
            for name in SECRET_ENV:
                if name not in env:
                    continue   # the migration Job needs only some of them
                assert "value" not in env[name], f"{name} has a literal value"
                ref = env[name]["valueFrom"]["secretKeyRef"]
                assert ref["name"] == "lacoe-mobile-secrets" and ref["key"] == name


def test_no_manifest_contains_a_secret_value():
    for path in [*K8S.glob("*.yaml"), ROOT / "infra" / "nginx" / "mobile.conf", ROOT / "Dockerfile"]:
        text = path.read_text()
        for pattern in SECRET_LOOKING:
            assert not pattern.search(text), f"{path.name} looks like it holds a secret ({pattern.pattern})"
    config = _kind("ConfigMap")[0]["data"]
    assert not set(SECRET_ENV) & set(config), "secrets belong in the Secret, not the ConfigMap"
    assert not _kind("Secret"), "no Secret objects with data in the repository"


def test_deployment_probes_resources_and_security_context():
    (deployment,) = _kind("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/tmp" in mounts   # PROMETHEUS_MULTIPROC_DIR lives there on a read-only root
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_termination_grace_leaves_headroom_over_prestop_and_graceful_timeout(tmp_path, monkeypatch):
    """Issue 18: 30 s = preStop 5 s + graceful 25 s left no headroom; SIGKILL must never cut a request."""
    cfg = _gunicorn_settings(tmp_path, monkeypatch)
    (deployment,) = _kind("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    config = _kind("ConfigMap")[0]["data"]
    graceful = int(config.get("GUNICORN_GRACEFUL_TIMEOUT", cfg["graceful_timeout"]))
    (container,) = pod["containers"]
    command = " ".join(container["lifecycle"]["preStop"]["exec"]["command"])
    pre_stop = float(re.search(r"sleep\((\d+(?:\.\d+)?)\)", command).group(1))
    assert pre_stop >= 5   # the ingress and kube-proxy drop the pod before gunicorn stops accepting
    assert pod["terminationGracePeriodSeconds"] >= pre_stop + graceful + 10


def test_readiness_and_service_fit_the_proxys_passive_health():
    """A failing pod leaves the Service within nginx's fail_timeout; unready pods are never endpoints."""
    (deployment,) = _kind("Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    probe = container["readinessProbe"]
    text = (ROOT / "infra" / "nginx" / "mobile.conf").read_text()
    fail_timeout = int(re.search(r"fail_timeout=(\d+)s", text).group(1))
    assert probe["periodSeconds"] * probe["failureThreshold"] <= fail_timeout
    (service,) = _kind("Service")
    assert service["spec"].get("publishNotReadyAddresses", False) is False
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_migration_job_runs_db_upgrade():
    (job,) = _kind("Job")
    (container,) = _containers(job)
    assert container["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def _cronjob(name: str) -> dict:
    (cron,) = [doc for doc in _kind("CronJob") if doc["metadata"]["name"] == name]
    return cron


def test_status_cronjob_recomputes_daily_one_run_at_a_time():
    cron = _cronjob("lacoe-mobile-recompute-status")
    spec = cron["spec"]
    assert spec["concurrencyPolicy"] == "Forbid" and spec["timeZone"] == "America/Los_Angeles"
    minute, hour, *rest = spec["schedule"].split()
    assert rest == ["*", "*", "*"] and hour.isdigit() and minute.isdigit()  # once a day
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["flask", "--app", "wsgi", "recompute-status"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["restartPolicy"] == "Never"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    # Egress to PostgreSQL comes from the namespace's egress policy, which selects it by name.
    labels = spec["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/name"] == "lacoe-mobile"
    assert "status-cronjob.yaml" in (K8S / "kustomization.yaml").read_text()


def test_outbox_cronjob_delivers_steward_notices_every_minute_with_smtp_egress_only_for_it():
    """Issue 17: the outbox job runs each minute, one at a time, no Job retries (the outbox has its own)."""
    spec = _cronjob("lacoe-mobile-outbox-deliver")["spec"]
    assert spec["schedule"] == "* * * * *" and spec["concurrencyPolicy"] == "Forbid"
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0 and job["activeDeadlineSeconds"] < 600
    pod = job["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["flask", "--app", "wsgi", "outbox", "deliver"]
    assert pod["securityContext"]["runAsNonRoot"] is True and container["securityContext"]["readOnlyRootFilesystem"]
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert env["SMTP_PASSWORD"]["optional"] is True and env["SMTP_USERNAME"]["optional"] is True
    labels = job["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "outbox"
    policies = {p["metadata"]["name"]: p["spec"] for p in _kind("NetworkPolicy")}
    smtp = policies["lacoe-mobile-smtp-egress"]
    assert smtp["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "outbox"
    assert {port["port"] for rule in smtp["egress"] for port in rule["ports"]} == {587, 465}
    assert "outbox-cronjob.yaml" in (K8S / "kustomization.yaml").read_text()
    config = _kind("ConfigMap")[0]["data"]
    assert config["SMTP_SECURITY"] == "starttls" and config["STEWARD_QUEUE_URL"].startswith("https://")
    assert "SMTP_PASSWORD" not in config


def test_network_policies_default_deny_and_allow_only_ingress_controller():
    policies = {p["metadata"]["name"]: p for p in _kind("NetworkPolicy")}
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    ingress = policies["lacoe-mobile-ingress"]["spec"]["ingress"]
    sources = [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
               for rule in ingress for peer in rule["from"]]
    assert "ingress-nginx" in sources
    egress_ports = {port["port"] for rule in policies["lacoe-mobile-egress"]["spec"]["egress"]
                    for port in rule.get("ports", [])}
    assert egress_ports == {53, 5432, 6380, 443}


# ---- Dockerfile and nginx ---------------------------------------------------------------------

def test_dockerfile_runs_as_non_root_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    users = [rest.strip() for op, *rest_list in instructions if op == "USER" for rest in rest_list]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\\\n.*/healthz", text, re.MULTILINE)
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    assert 'CMD ["gunicorn", "-c", "infra/gunicorn.conf.py", "wsgi:app"]' in text
    assert "EXPOSE 8000" in text
    assert "pip install --no-compile -r requirements.txt" in text


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "instance", "*.pem", ".env", "tests", "bench"):
        assert entry in ignored


def test_dockerfile_copies_every_application_package():
    text = (ROOT / "Dockerfile").read_text()
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py")
                      if p.parent.name not in ("tests", "bench", "tools") and not p.parent.name.startswith("."))
    for package in packages:
        assert f"COPY --chown=root:root {package} ./{package}" in text, f"the image lacks {package}/"
    assert "COPY --chown=root:root wsgi.py" in text


def test_the_image_ships_no_development_tools():
    """The seed generator (tools/) and Faker are for development checkouts only."""
    text = (ROOT / "Dockerfile").read_text()
    assert "tools" not in text.split("COPY --chown=root:root mobile_service", 1)[1]
    requirements = (ROOT / "requirements.txt").read_text().lower()
    assert "faker" not in requirements
    assert "faker==" in (ROOT / "requirements-dev.txt").read_text().lower()


def test_the_fleet_shares_rate_limits_through_redis():
    """Issue 18: several pods need REDIS_URL (production refuses to start without it) and do not
    claim to be a single instance."""
    config = _kind("ConfigMap")[0]["data"]
    assert config["SINGLE_INSTANCE"] == "false"
    (deployment,) = _kind("Deployment")
    assert deployment["spec"]["replicas"] > 1 or _kind("HorizontalPodAutoscaler")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container.get("env", [])}
    assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["key"] == "REDIS_URL"
