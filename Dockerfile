# Production image: the web app, the Celery worker and beat all run from it (docker-compose.yml).
# Default command: apply migrations, then serve with gunicorn on :8000.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FURUSATO_ENV=production \
    FURUSATO_INSTANCE_DIR=/var/lib/furusato

WORKDIR /app
RUN groupadd --system --gid 10001 furusato \
 && useradd --system --uid 10001 --gid furusato --home-dir /app --shell /usr/sbin/nologin furusato \
 && mkdir -p /var/lib/furusato \
 && chown furusato:furusato /var/lib/furusato

# The code is installed in place (editable): alembic.ini, migrations/ and templates/ are read
# from /app at run time.
COPY --chown=furusato:furusato . /app
RUN pip install --upgrade pip \
 && pip install -e .

USER furusato
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["sh", "-c", "furusato db upgrade && exec gunicorn --bind 0.0.0.0:8000 --worker-class gthread --workers 3 --threads 4 --access-logfile - 'furusato:create_app()'"]
