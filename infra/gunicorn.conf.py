"""gunicorn settings (``gunicorn -c infra/gunicorn.conf.py wsgi:app``); measured in bench/RESULTS.md.

Every knob can be overridden from the environment (names below) so the container, the
Kubernetes Deployment and the benchmark use this one file. gunicorn reads it in the master
before any worker starts; the app itself reads its own settings in ``mobile_service.config``.
"""
import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("BIND", "127.0.0.1:8000")

# gthread: each worker is a process with a few threads. Keep-alive works (nginx reuses
# upstream connections), a few slow clients cannot stall a worker, and requests are mostly
# waiting on PostgreSQL, so threads overlap that wait. One process per core; 4 threads each
# keeps the DB pool (DB_POOL_SIZE=5 per process) larger than the threads that can use it.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or max(2, multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Preload: the master imports and builds the app once; workers fork ready to serve. Without
# it every (re)started worker spends seconds importing before it accepts, and during a HUP the
# old workers stop accepting at once: measured here, requests queued 10-19 s on a busy 2-core
# machine (bench/RESULTS.md, drills). Code changes ship as new pods/processes, not HUP; HUP
# still reloads this file. post_fork (below) drops pooled DB connections inherited from the
# master so no socket is ever shared between processes. GUNICORN_PRELOAD=false turns it off.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() not in ("0", "false", "no", "off")
# The gunicornc control socket ($HOME/.gunicorn) is unused here, would collide between two
# instances on one host, and cannot be created on a read-only root filesystem.
control_socket_disable = True

# The app's own budgets fire first: DB connect 3 s, pool checkout DB_POOL_TIMEOUT (3 s),
# statement_timeout DB_STATEMENT_TIMEOUT_MS (5 s), JWKS fetch 3 s -> 503 before this kill.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# TERM: stop accepting, let in-flight requests finish within this many seconds. Kubernetes'
# terminationGracePeriodSeconds (30) must stay above it.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Above nginx's upstream keepalive_timeout (4 s in infra/nginx/mobile.conf), so the proxy
# closes idle upstream connections first and never sends on one gunicorn just closed.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then (bounds any slow leak); jitter avoids all restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))

# Request limits: a long URL -> 414, too many or too large headers -> 431/400 (matrix R15, J12).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# gunicorn answers those (and malformed requests) itself, before the app: as problem+json, like
# the app's own errors, not gunicorn's HTML page (mobile_service/server_errors.py).
from mobile_service import server_errors

server_errors.install()

# Access log without query strings: %(U)s is the path only; names and DOBs travel in bodies,
# tokens in headers that are never logged. The app writes its own JSON access line too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Only these peers may set X-Forwarded-Proto/For for gunicorn (the app uses TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Worker heartbeat files in memory, not on a container's (possibly read-only) disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Prometheus multiprocess mode: every worker writes its metric values under this directory
# and a scrape sums them. It must be set before any worker imports prometheus_client.
# (HUP re-reads this file in the master: the marker keeps the directory and its ownership.)
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mobile-metrics-")
    os.environ["MOBILE_METRICS_DIR_OWNED"] = "1"
_own_metrics_dir = os.environ.get("MOBILE_METRICS_DIR_OWNED") == "1"
PROMETHEUS_MULTIPROC_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server):
    """Start-up sweep: an empty metrics directory (files of a previous run would be summed in)."""
    os.makedirs(PROMETHEUS_MULTIPROC_DIR, exist_ok=True)
    for name in os.listdir(PROMETHEUS_MULTIPROC_DIR):
        path = os.path.join(PROMETHEUS_MULTIPROC_DIR, name)
        if name.endswith(".db") and os.path.isfile(path):
            os.unlink(path)


def post_fork(server, worker):
    """Give each worker fresh database pools (never a connection opened in the master)."""
    app = worker.app.wsgi() if preload_app else None
    extensions = getattr(app, "extensions", {})
    if "sqlalchemy" in extensions:
        db = extensions["sqlalchemy"]
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)


def worker_exit(server, worker):
    """Write this worker's buffered pilot ``request`` events before it exits (recycle, HUP, TERM)."""
    try:
        from mobile_service.pilot import request_events
    except ImportError:  # the hello app of the benchmark
        return
    app = worker.app.wsgi() if preload_app else None
    request_events.flush(app if hasattr(app, "app_context") else None)


def child_exit(server, worker):
    """Merge a dead worker's counters into the totals, drop its files and live gauges (pool, memory).

    Without the merge every recycle (max_requests) left its files behind and scrapes slowed down
    as they piled up. The sweep also folds in any process whose exit was missed.
    """
    try:
        from mobile_service import prometheus_files
    except ImportError:  # a foreign app without the service package
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
        return
    try:
        prometheus_files.merge_dead_process(worker.pid, PROMETHEUS_MULTIPROC_DIR)
        prometheus_files.sweep({os.getpid(), *server.WORKERS}, PROMETHEUS_MULTIPROC_DIR)
    except Exception:  # raised here, it would stop the master's loop: log it and serve on
        server.log.exception("merging the metrics files of worker %s failed", worker.pid)


def on_exit(server):
    """Remove the metrics directory this file created (not one given from outside)."""
    if _own_metrics_dir:
        shutil.rmtree(PROMETHEUS_MULTIPROC_DIR, ignore_errors=True)
