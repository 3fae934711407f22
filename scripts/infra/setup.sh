#!/usr/bin/env bash
# Everything a fresh clone needs to run and test locally: npm dependencies,
# the backing services, both databases' schemas and the JetStream streams.
# Idempotent: a second run only checks.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

PG_BASE_URL="${PG_BASE_URL:-postgres://postgres@127.0.0.1:5432}"
MONGO_BASE_URL="${MONGO_BASE_URL:-mongodb://127.0.0.1:27017}"
DATABASE_URL="${DATABASE_URL:-$PG_BASE_URL/whatsapp}"
MONGO_URL="${MONGO_URL:-$MONGO_BASE_URL/whatsapp}"
TEST_DATABASE_URL="${TEST_DATABASE_URL:-$PG_BASE_URL/whatsapp_test}"
TEST_MONGO_URL="${TEST_MONGO_URL:-$MONGO_BASE_URL/whatsapp_test}"
# Every test stack copies this database (CREATE DATABASE … TEMPLATE, pkg/src/testing/stack-stores.ts);
# PostgreSQL refuses the copy while anything is connected to it, so nothing but this migration is.
TEST_TEMPLATE_DATABASE="${TEST_TEMPLATE_DATABASE:-whatsapp_test_template}" # the name pkg/src/testing reads
TEST_TEMPLATE_DATABASE_URL="$PG_BASE_URL/$TEST_TEMPLATE_DATABASE"
NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
NODE="$ROOT/node_modules/.bin/node" # the pinned Node 26, not the machine's

log() { printf '[setup] %s\n' "$*"; }

# npm writes node_modules/.package-lock.json on every install, so a lockfile
# newer than it means dependencies changed since.
if [[ ! -x "$NODE" || ! -f node_modules/.package-lock.json ||
  package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
else
  log "npm dependencies up to date"
fi

bash scripts/infra/up.sh

# Debian's Chromium for the console's browser test (e2e/console.test.ts drives it with
# playwright-core); never a browser downloaded by a test tool.
if [[ ! -x /usr/bin/chromium ]]; then
  log "chromium: installing from Debian packages"
  as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

log "migrating $DATABASE_URL and $MONGO_URL"
DATABASE_URL="$DATABASE_URL" MONGO_URL="$MONGO_URL" "$NODE" scripts/migrate.ts
log "migrating $TEST_DATABASE_URL and $TEST_MONGO_URL"
DATABASE_URL="$TEST_DATABASE_URL" MONGO_URL="$TEST_MONGO_URL" "$NODE" scripts/migrate.ts
log "migrating the test stacks' template $TEST_TEMPLATE_DATABASE_URL"
DATABASE_URL="$TEST_TEMPLATE_DATABASE_URL" MONGO_URL="$TEST_MONGO_URL" "$NODE" scripts/migrate.ts
log "provisioning JetStream streams on $NATS_URL"
NATS_URL="$NATS_URL" "$NODE" scripts/provision-streams.ts

log "done in ${SECONDS}s"
