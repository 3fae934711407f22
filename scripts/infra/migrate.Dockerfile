# One-shot image for docker-compose's `migrate` service: PostgreSQL and Mongo
# migrations, then JetStream streams. Build from the repository root:
#   docker build -f scripts/infra/migrate.Dockerfile .
FROM node:26-alpine
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci checks the lockfile against every workspace, so each workspace
# listed in the root package.json needs its package.json here.
COPY pkg/package.json pkg/
COPY api-gateway/package.json api-gateway/
COPY auth-service/package.json auth-service/
COPY user-service/package.json user-service/
COPY chat-service/package.json chat-service/
COPY message-service/package.json message-service/
COPY websocket-service/package.json websocket-service/
# node-pg-migrate is a root devDependency, so dev dependencies stay in. Scripts
# and optional packages are left out: they only fetch a second Node and the
# buf binary, neither of which migrations use.
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund
COPY pkg/src pkg/src
COPY migrations migrations
COPY scripts/migrate.ts scripts/provision-streams.ts scripts/
USER node
CMD ["sh", "-c", "node scripts/migrate.ts && node scripts/provision-streams.ts"]
