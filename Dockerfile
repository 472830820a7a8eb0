# syntax=docker/dockerfile:1
# profile-gateway: build with the TypeScript toolchain, run with production dependencies only, as a non-root user.
#
#   docker build -t profile-gateway .
#   docker run -p 3000:3000 -v "$PWD/config/gateway.yaml:/app/config/gateway.yaml:ro" -e VEMETRIC_API_KEY=... profile-gateway
#
# The same image runs the sandbox upstreams: `node dist/sandbox/sandbox-upstreams.js` (see docker-compose.yml).

ARG NODE_VERSION=24

# ---- build: every dependency, then tsc -> dist/ ----
FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no install script is needed to compile; it also keeps the `node` devDependency (a Node binary
# used by the test runner) from downloading anything.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# ---- runtime: production dependencies and dist/ only ----
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
