# syntax=docker/dockerfile:1
#
# Scholar Graph API image.
#
#   docker build -t scholargraph .
#   docker run -p 8000:8000 scholargraph                       # embedded PostgreSQL inside the container
#   docker run -p 8000:8000 -v scholargraph-data:/var/lib/scholargraph scholargraph   # ... kept in a volume
#   docker compose up                                          # with a PostgreSQL server (docker-compose.yml)
#
# The builder stage has Node.js and npm (Debian packages) only so that the build hook (hatch_build.py)
# can fetch GraphiQL's bundles from npm into the wheel; the runtime stage has neither.

# ---------------------------------------------------------------------------------------------------
FROM python:3.11-slim AS builder

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY . .
# The project's wheel (with api/static/graphiql/ from npm) and wheels of all its dependencies.
RUN pip wheel . -w /wheels

# ---------------------------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SCHOLARGRAPH_DATA_DIR=/var/lib/scholargraph

RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels scholargraph

RUN useradd --system --user-group --uid 10001 --create-home --home-dir /home/scholargraph \
        --shell /usr/sbin/nologin scholargraph \
    && install -d -o scholargraph -g scholargraph -m 0700 /var/lib/scholargraph

USER scholargraph
WORKDIR /home/scholargraph

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["scholargraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
