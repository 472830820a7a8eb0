# syntax=docker/dockerfile:1
# profile-gateway: build with the TypeScript toolchain, run with production dependencies only, as a non-root user.
#
# The gateway (the default target, `runtime`): production dependencies and dist/ (compiled from src/ alone), plus the
# example configuration for reference. No tests, fixtures, fake upstreams or sandbox code.
#
#   docker build -t profile-gateway .
#   cp config/gateway.example.yaml config/gateway.yaml      # then set the sources' baseUrls
#   docker network create pgw
#   docker run -d --name pgw-redis --network pgw redis:7-alpine
#   docker run --rm -p 3000:3000 --network pgw \
#     -v "$PWD/config/gateway.yaml:/app/config/gateway.yaml:ro" \
#     -e REDIS_URL=redis://pgw-redis:6379/0 \
#     -e DASHBOARD_API_KEY=... -e CACHE_WARMER_KEY_SHA256=... \
#     -e VEMETRIC_API_KEY=... -e AMM_API_TOKEN=... -e USERTOUR_API_KEY=... -e ORG_DIRECTORY_TOKEN=... \
#     profile-gateway
#
# Inside the container 127.0.0.1 is the container itself: REDIS_URL names the Redis container (or your Redis host).
# The six other variables are the ones the example configuration reads; start fails, naming each, when one is unset.
#
# The sandbox upstreams (fake vendor APIs with sample users, a demo feature) have their own target, used by
# docker-compose.yml:
#
#   docker build --target sandbox -t profile-gateway-sandbox .
#   docker run --rm -p 4100-4105:4100-4105 profile-gateway-sandbox
#
# One port per sandbox source, in alphabetical order of the kinds under sandbox/kinds/ (6 sources today). With
# `--base <yaml> --write-config <file>` it also writes the gateway configuration that reads them (docker-compose.yml).

# Node 24 LTS, the supported runtime (22 works too; package.json engines: >=22).
ARG NODE_VERSION=24

# ---- build: every dependency, then tsc -> dist/ (src/ only, tsconfig.build.json) ----
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install script is needed to compile; it also keeps the `node` devDependency (a Node binary
# used by the test runner) from downloading anything.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# ---- build-sandbox: tsc -> dist-sandbox/ (tsconfig.sandbox.json); only the fake upstreams are kept ----
FROM build AS build-sandbox
COPY tsconfig.sandbox.json ./
COPY sandbox ./sandbox
# The demo (demo.js) runs the gateway in-process and is for `npm run demo` on a workstation; the image runs the fake
# upstreams alone, which use Node's built-in modules only (a lint rule keeps it so).
RUN npx tsc -p tsconfig.sandbox.json && rm dist-sandbox/sandbox/demo.js dist-sandbox/sandbox/demo.js.map

# ---- sandbox: the fake upstreams on SANDBOX_PORT, SANDBOX_PORT+1, … (default 4100), no dependencies ----
FROM node:${NODE_VERSION}-slim AS sandbox
ENV NODE_ENV=production \
    SANDBOX_PORT=4100 \
    SANDBOX_HOST=0.0.0.0
WORKDIR /app
# package.json only for `"type": "module"`: the compiled files are ES modules.
COPY package.json ./
COPY --from=build-sandbox /app/dist-sandbox/sandbox ./dist-sandbox/sandbox
# Where docker-compose's volume receives the generated gateway configuration (a new volume takes this owner).
RUN mkdir /generated && chown node:node /generated
USER node
EXPOSE 4100 4101 4102 4103 4104 4105
STOPSIGNAL SIGTERM
CMD ["node", "dist-sandbox/sandbox/sandbox-upstreams.js"]

# ---- runtime (default target): production dependencies and dist/ only ----
FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=8" \
    PORT=3000 \
    GATEWAY_CONFIG=/app/config/gateway.yaml
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the compiler, the test tools and the `node` devDependency: the image's own Node runs the app.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config/gateway.example.yaml ./config/gateway.example.yaml
# The official image's unprivileged user (uid 1000); nothing under /app is writable by it.
USER node
EXPOSE 3000
# Liveness only (no dependency checks); PORT must match the port the gateway listens on.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: Node is PID 1 and receives SIGTERM itself; it drains in-flight requests within server.shutdownTimeout
# (default 10s) and exits 0. Give the container more than that to stop (docker stop -t, stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
