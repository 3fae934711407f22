#!/usr/bin/env bash
# Builds the deployment checkers into .tools/bin once, from the Go module proxy, under names that
# carry their version, so a changed pin or checker source builds again: helm (pinned) and
# manifest-check (tools/manifest-check: client-go's strict decoding, compose-go). Prints the two
# paths, one per line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_BIN="${TOOLS_BIN:-$ROOT/.tools/bin}"
HELM_VERSION="${HELM_VERSION:-v3.21.4}"

log() { printf '[k8s-tools] %s\n' "$*" >&2; }
die() { printf '[k8s-tools] ERROR: %s\n' "$*" >&2; exit 1; }

if ! command -v go >/dev/null; then
  [[ -x /usr/local/go/bin/go ]] || die "Go is needed to build helm and manifest-check"
  export PATH="/usr/local/go/bin:$PATH"
fi
mkdir -p "$TOOLS_BIN"

helm="$TOOLS_BIN/helm-$HELM_VERSION"
if [[ ! -x "$helm" ]]; then
  log "building helm $HELM_VERSION (a few minutes on a cold Go cache)"
  start=$SECONDS
  scratch="$(mktemp -d)"
  GOBIN="$scratch" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$scratch/helm" "$helm" && rmdir "$scratch"
  log "built helm in $((SECONDS - start))s"
fi

source_dir="$ROOT/tools/manifest-check"
stamp="$(cat "$source_dir"/go.mod "$source_dir"/go.sum "$source_dir"/*.go | sha256sum | cut -c1-12)"
checker="$TOOLS_BIN/manifest-check-$stamp"
if [[ ! -x "$checker" ]]; then
  log "building manifest-check (client-go and compose-go; a few minutes on a cold Go cache)"
  start=$SECONDS
  (cd "$source_dir" && go build -o "$checker" .)
  log "built manifest-check in $((SECONDS - start))s"
fi

printf '%s\n%s\n' "$helm" "$checker"
