# The tools image: `newswire` (migrations, status, dead letters) and Flower. Workers have their own
# images under services/*/Dockerfile.
FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
COPY newswire ./newswire
# Versions are bounded in pyproject.toml; the image takes what they allow at build time.
# hadolint ignore=DL3013
RUN /venv/bin/pip install --no-cache-dir ".[all,flower]"

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 newswire && mkdir -p /data && chown 10001 /data
COPY --from=build /venv /venv
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NEWSWIRE_DATA_DIR=/data
USER 10001
WORKDIR /data
CMD ["newswire", "--help"]
