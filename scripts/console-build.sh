#!/usr/bin/env bash
# Builds the web console (console/, Vite) into console/dist, which the gateway serves at /console/.
# Skipped when the build is newer than every source file, so make run and make test pay for it once.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=console/dist/index.html
if [[ -f "$stamp" ]] &&
  [[ -z "$(find console/src console/index.html console/vite.config.ts console/package.json \
    package-lock.json -newer "$stamp" -print -quit)" ]]; then
  echo "[console] build up to date"
  exit 0
fi
echo "[console] building console/dist"
cd console
../node_modules/.bin/node ../node_modules/vite/bin/vite.js build --logLevel warn
