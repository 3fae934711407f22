#!/usr/bin/env bash
# The test command: set-up (deps, infrastructure, migrations), then type-check, lint, format and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/infra/setup.sh

# Go tools built once into .tools (minutes on a cold Go cache, seconds on a warm one), in the
# background while the type-check and lint run: helm and the manifest checker for the deployment
# checks, Jaeger for the tracing test.
jaeger_path="$(mktemp)"
bash scripts/infra/jaeger.sh > "$jaeger_path" &
jaeger_build=$!
bash scripts/k8s/tools.sh > /dev/null &
k8s_tools_build=$!

export PATH="$PWD/node_modules/.bin:$PATH"
echo "==> node $(node --version)"
echo "==> type-check"; tsc -p tsconfig.json; tsc -p console/tsconfig.json # the browser code: DOM, JSX
echo "==> lint"; eslint . --max-warnings 0
echo "==> format"; prettier --check . > /dev/null || { prettier --check . ; exit 1; }
wait "$k8s_tools_build"
echo "==> deployment files (helm, Kubernetes objects, compose)"; bash scripts/k8s/check.sh
wait "$jaeger_build"
# The tracing test looks for its trace in a Jaeger it starts.
JAEGER_BIN="$(cat "$jaeger_path")"; export JAEGER_BIN; rm -f "$jaeger_path"
echo "==> jaeger $JAEGER_BIN"
# The gateway of every test stack serves console/dist (e2e/console.test.ts drives it in Chromium).
echo "==> web console"; bash scripts/console-build.sh
echo "==> tests"
# A private NATS and Redis for this run, unless the caller names its own (make run keeps its state).
if [[ -z "${TEST_NATS_URL:-}" && -z "${TEST_REDIS_URL:-}" ]]; then
  servers_env="$(mktemp)"
  node scripts/test-servers.ts > "$servers_env" &
  servers_pid=$!
  trap 'kill -TERM "$servers_pid" 2>/dev/null; wait "$servers_pid" 2>/dev/null; rm -f "$servers_env"' EXIT
  for _ in $(seq 1 100); do
    grep -q '^TEST_REDIS_URL=' "$servers_env" && break
    kill -0 "$servers_pid" 2>/dev/null || { echo "test servers did not start" >&2; exit 1; }
    sleep 0.1
  done
  set -a; source "$servers_env"; set +a
  echo "    private NATS $TEST_NATS_URL, Redis $TEST_REDIS_URL"
fi
node --test --test-concurrency=2 --test-timeout=120000 \
  'pkg/test/**/*.test.ts' '*/test/**/*.test.ts' 'e2e/**/*.test.ts'
