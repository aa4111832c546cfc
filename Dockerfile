# One image, every role (fetcher, parser, store, beat, flower, migrate): only `command:` differs.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 newswire
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY newswire ./newswire
RUN pip install '.[deploy]'

RUN mkdir -p /data && chown newswire /data
USER newswire
ENV NEWSWIRE_DATA_DIR=/data
# Celery must be PID 1's direct child to get SIGTERM for its warm shutdown: compose sets init: true.
CMD ["newswire", "--help"]
