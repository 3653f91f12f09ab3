"""gunicorn settings (``gunicorn -c infra/gunicorn.conf.py wsgi:app``); tuned in bench/RESULTS.md."""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# gthread keeps connections alive behind nginx and survives a few slow clients.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 25))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Access log without query strings: %(U)s is the path only; names and DOBs travel in bodies.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", None)
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
