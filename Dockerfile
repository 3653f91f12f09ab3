# LACOE Mobile Service: gunicorn serving wsgi:app on port 8000 (TLS ends at the ingress/nginx).
# Build: docker build -t lacoe-mobile-service:$(git rev-parse --short HEAD) .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    APP_ENV=production \
    BIND=0.0.0.0:8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics

WORKDIR /app

# A fixed, unprivileged uid/gid: Kubernetes' runAsNonRoot can verify it numerically.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

# Dependencies first (pinned, hashed by pip-compile) so code changes reuse this layer.
COPY requirements.txt ./
RUN pip install --no-compile -r requirements.txt

COPY --chown=root:root wsgi.py pyproject.toml ./
COPY --chown=root:root mobile_service ./mobile_service
COPY --chown=root:root auth ./auth
COPY --chown=root:root api ./api
COPY --chown=root:root web ./web
COPY --chown=root:root infra/gunicorn.conf.py ./infra/gunicorn.conf.py
COPY --chown=root:root docs ./docs

# The code is root-owned and read-only to the app user; only /tmp (an emptyDir in
# Kubernetes) and instance/ are writable.
RUN mkdir -p /app/instance /tmp/metrics && chown app:app /app/instance /tmp/metrics

USER 10001:10001
EXPOSE 8000

# Liveness only (touches nothing external); readiness (/readyz) is the orchestrator's probe.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]

CMD ["gunicorn", "-c", "infra/gunicorn.conf.py", "wsgi:app"]
