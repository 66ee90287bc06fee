# ctbridge: `serve` by default (HTTP intake + admin + worker + scheduler); override the command
# with `ctbridge worker` for extra workers on PostgreSQL, or `ctbridge job run NAME` for a one-off.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
# Installed into a prefix of its own so the runtime image gets the package, not the sources.
RUN python -m pip install --prefix=/install .
# The sandbox (emulators, demo stories) is for `ctbridge demo` / `ctbridge sandbox` on a workstation;
# the product never imports it, so the runtime image leaves it out (those two commands then say so).
# `test -d` fails the build if the installed layout ever moves, instead of silently keeping it.
RUN sandbox="$(echo /install/lib/python3*/site-packages/ctbridge/sandbox)" \
    && test -d "$sandbox" && rm -rf "$sandbox"

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PORT=8080 \
    CTBRIDGE_DATABASE_URL=sqlite:////data/ctbridge.db
RUN groupadd --system --gid 10001 ctbridge \
    && useradd --system --uid 10001 --gid ctbridge --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin ctbridge \
    && mkdir /data && chown ctbridge:ctbridge /data
COPY --from=build /install /usr/local
WORKDIR /data
USER 10001:10001
# The embedded SQLite store lives here; mount a volume (or set CTBRIDGE_DATABASE_URL to PostgreSQL).
VOLUME ["/data"]
EXPOSE 8080
# slim has no curl: ask /healthz with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=4)"]
# `serve` binds $PORT (Cloud Run sets it); SIGTERM drains gracefully.
CMD ["ctbridge", "serve", "--host", "0.0.0.0"]
