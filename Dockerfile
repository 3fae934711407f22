# One image recipe for every service, and for the one-shot migrate job. Build from the repository
# root so pkg/ is in the context:
#   docker build --build-arg SERVICE=chat-service --build-arg HTTP_PORT=8083 .
#   docker build --target migrate .
# Node strips TypeScript types itself, so there is no compile step.

# Only the manifests, so the dependency layers are rebuilt when a package.json changes, not on
# every source edit. npm ci checks the lockfile against every workspace, so all of them are needed.
FROM node:26-alpine AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests && \
    find . -name package.json -not -path '*/node_modules/*' | \
      tar -cf - -T - package-lock.json | tar -xf - -C /manifests

# Production dependencies of pkg and one service; none of them needs an install script.
FROM node:26-alpine AS deps
ARG SERVICE
WORKDIR /app
COPY --from=manifests /manifests ./
RUN test -n "$SERVICE" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      --workspace pkg --workspace "$SERVICE" --include-workspace-root=false

# Schema migrations and JetStream streams. node-pg-migrate is a root devDependency, so dev
# dependencies stay in; scripts and optional packages only fetch a second Node and buf.
FROM node:26-alpine AS migrate
WORKDIR /app
COPY --from=manifests /manifests ./
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund
COPY pkg/src pkg/src
COPY migrations migrations
COPY scripts/migrate.ts scripts/provision-streams.ts scripts/
USER node
CMD ["sh", "-c", "node scripts/migrate.ts && node scripts/provision-streams.ts"]

FROM node:26-alpine AS service
ARG SERVICE
ARG HTTP_PORT
ENV NODE_ENV=production SERVICE=${SERVICE} HTTP_PORT=${HTTP_PORT}
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY pkg/package.json pkg/
COPY pkg/src pkg/src
COPY ${SERVICE}/package.json ${SERVICE}/
COPY ${SERVICE}/src ${SERVICE}/src
USER node
EXPOSE ${HTTP_PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${HTTP_PORT}/health" || exit 1
CMD ["sh", "-c", "exec node \"$SERVICE/src/main.ts\""]
