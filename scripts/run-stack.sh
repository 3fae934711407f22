#!/usr/bin/env bash
# Runs the whole stack on this machine: set-up, then every service under the supervisor
# (scripts/supervisor), in the foreground. A service that exits, or whose /health fails 3 times in a
# row after it was healthy, is restarted with backoff; the others keep serving. Ctrl-C stops them all.
# With --watch (make dev) each service also restarts when a file it imports changes (node --watch).
set -euo pipefail
cd "$(dirname "$0")/.."

WATCH=()
if [[ "${1:-}" == "--watch" ]]; then WATCH=(--watch); fi

bash scripts/infra/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
# The web console the gateway serves at /console/ (rebuilt only when its sources changed).
bash scripts/console-build.sh

# Local defaults (addenda B: the local stack logs in with OTP 123456).
export NODE_ENV="${NODE_ENV:-development}"
export JWT_SECRET="${JWT_SECRET:-local-dev-secret-change-in-prod}"
export SMS_PROVIDER="${SMS_PROVIDER:-mock}"
export OTP_FIXED_CODE="${OTP_FIXED_CODE-123456}"
# The media-service stores files in the versitygw scripts/infra/up.sh runs (its port, keys and
# bucket), and clients on this machine reach it at the same address, so presigned URLs name it too
# (set S3_PUBLIC_URL for a phone or emulator). Its records go to the local PostgreSQL, the default
# MEDIA_STORE_URL, as the message-service's do.
export S3_ENDPOINT="${S3_ENDPOINT:-http://127.0.0.1:${S3_PORT:-9000}}"
export S3_PUBLIC_URL="${S3_PUBLIC_URL:-$S3_ENDPOINT}"
export S3_ACCESS_KEY="${S3_ACCESS_KEY:-${MINIO_ACCESS_KEY:-minioadmin}}"
export S3_SECRET_KEY="${S3_SECRET_KEY:-${MINIO_SECRET_KEY:-minioadmin}}"
export S3_BUCKET="${S3_BUCKET:-${MINIO_BUCKET:-whatsapp-media}}"

# Pushes go to the FCM emulator (addenda J) on 127.0.0.1:8095 with the service account it trusts,
# created here on first run. Name your own FCM_CREDENTIALS_PATH to push through real FCM instead.
if [[ -z "${FCM_CREDENTIALS_PATH:-}" ]]; then
  export FCM_EMULATOR_ACCOUNT_PATH="$PWD/.run/fcm-service-account.json"
  node pkg/src/fcm-emulator/main.ts --init
  export FCM_CREDENTIALS_PATH="$FCM_EMULATOR_ACCOUNT_PATH"
  export FCM_BASE_URL="${FCM_BASE_URL:-http://127.0.0.1:8095}"
fi

# Traces go to Jaeger (all-in-one, in memory; UI http://127.0.0.1:16686), built once from the
# Go module proxy. OTEL_EXPORTER_OTLP_ENDPOINT= (empty) turns tracing off.
JAEGER_BIN="$(bash scripts/infra/jaeger.sh)"
export JAEGER_BIN
export OTEL_EXPORTER_OTLP_ENDPOINT="${OTEL_EXPORTER_OTLP_ENDPOINT-http://127.0.0.1:4318}"

# The service list and ports live in scripts/supervisor/stack.ts; logs in .run/<service>.log.
exec node scripts/supervisor/main.ts "${WATCH[@]}"
