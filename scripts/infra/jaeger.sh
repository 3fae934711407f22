#!/usr/bin/env bash
# Builds Jaeger (all-in-one, in-memory) into .tools/bin once, from the tools module in tools/jaeger
# (`go install …@v1.75.0` is refused because of the replace directives in Jaeger's go.mod), and
# prints its path. About 10 minutes on a cold Go cache, seconds once it is warm.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_BIN="${TOOLS_BIN:-$ROOT/.tools/bin}"
JAEGER_VERSION="$(sed -n 's#^\s*github.com/jaegertracing/jaeger v\([^ ]*\).*$#v\1#p' "$ROOT/tools/jaeger/go.mod" | head -n1)"
[[ -n "$JAEGER_VERSION" ]] || { echo "[jaeger] no Jaeger version in tools/jaeger/go.mod" >&2; exit 1; }

if ! command -v go >/dev/null; then
  [[ -x /usr/local/go/bin/go ]] || { echo "[jaeger] Go is needed to build Jaeger" >&2; exit 1; }
  export PATH="/usr/local/go/bin:$PATH"
fi
jaeger="$TOOLS_BIN/jaeger-$JAEGER_VERSION"
if [[ ! -x "$jaeger" ]]; then
  mkdir -p "$TOOLS_BIN"
  echo "[jaeger] building $JAEGER_VERSION (minutes on a cold Go cache)" >&2
  start=$SECONDS
  (cd "$ROOT/tools/jaeger" && go build -o "$jaeger" github.com/jaegertracing/jaeger/cmd/jaeger)
  echo "[jaeger] built in $((SECONDS - start))s" >&2
fi
echo "$jaeger"
