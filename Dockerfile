# imghost: UI, REST API and /api/docs on one port (8000), as a non-root user.
#   docker build -t imghost .
#   docker run -p 8000:8000 -v imghost-data:/data imghost           (embedded: SQLite + local disk)
# Production with PostgreSQL + R2/S3: see docs/production.md.
# The build steps live in scripts/docker-build.sh, which the test suite runs in a clean venv.

FROM python:3.11-slim-bookworm AS build
# Node (from PyPI) and bun (from npm) come in through scripts/docker-build.sh and
# stay in this stage: the runtime image serves prebuilt pages.
WORKDIR /app
ENV VENV=/opt/venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    REFLEX_CHECK_LATEST_VERSION=false \
    REFLEX_TELEMETRY_ENABLED=false
# Dependencies first: this layer is reused until requirements.txt changes.
COPY requirements.txt ./
COPY scripts/ scripts/
RUN scripts/docker-build.sh deps
COPY . .
# The websocket address is baked into the pages: behind an https proxy on 443 the
# default works; for plain http on another public port pass
# --build-arg REFLEX_API_URL=http://host:port .
ARG REFLEX_API_URL=""
ENV REFLEX_API_URL=${REFLEX_API_URL}
RUN scripts/docker-build.sh app

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 imghost \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home imghost \
 && mkdir -p /data /tmp/imghost-metrics \
 && chown imghost:imghost /data /tmp/imghost-metrics
COPY --from=build /opt/venv /opt/venv
# Root owns the code: the app cannot rewrite itself; only /data is its to write.
COPY --from=build /app /app
WORKDIR /app
ENV VENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    IMGHOST_DATA_DIR=/data \
    IMGHOST_HOST=0.0.0.0 \
    IMGHOST_PORT=8000 \
    IMGHOST_WORKERS=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/imghost-metrics \
    REFLEX_CHECK_LATEST_VERSION=false \
    REFLEX_TELEMETRY_ENABLED=false
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["imghost", "healthcheck"]
ENTRYPOINT ["scripts/docker-entrypoint.sh"]
CMD ["serve"]
