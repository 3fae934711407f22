#!/usr/bin/env bash
# The test command: set-up (deps, infrastructure, migrations), then type-check, lint, format and every test.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/infra/setup.sh

export PATH="$PWD/node_modules/.bin:$PATH"
echo "==> node $(node --version)"
echo "==> type-check"; tsc -p tsconfig.json
echo "==> lint"; eslint . --max-warnings 0
echo "==> format"; prettier --check . > /dev/null || { prettier --check . ; exit 1; }
echo "==> tests"
node --test --test-concurrency=2 --test-timeout=120000 \
  'pkg/test/**/*.test.ts' '*/test/**/*.test.ts' 'e2e/**/*.test.ts'
