#!/usr/bin/env bash
# Offline checks of the deployment files (`make k8s-check`, and part of `make test`):
# - helm lint and helm template of deploy/helm/whatsapp with each values file (the defaults, the
#   production-like one, Kind's);
# - every rendered object decoded strictly against the Kubernetes API types (an unknown kind, an
#   unknown field or a wrong type fails);
# - docker-compose.yml loaded and validated as `docker compose config` does.
set -euo pipefail
cd "$(dirname "$0")/../.."

mapfile -t tools < <(bash scripts/k8s/tools.sh)
helm="${tools[0]}" checker="${tools[1]}"
chart=deploy/helm/whatsapp

for values in "" "$chart/values-production.yaml" deploy/kind/values-kind.yaml; do
  args=()
  [[ -n "$values" ]] && args=(-f "$values")
  name="${values:-default values}"
  echo "==> helm lint ($name)"
  "$helm" lint --strict "$chart" "${args[@]}"
  echo "==> helm template ($name) | manifest-check k8s"
  "$helm" template whatsapp "$chart" --namespace whatsapp "${args[@]}" | "$checker" k8s
done

echo "==> manifest-check compose docker-compose.yml"
"$checker" compose docker-compose.yml

# The checks above must be able to fail: the checker refuses what Kubernetes and compose would.
echo "==> manifest-check refuses an unknown field, an unknown kind and an unknown compose key"
canary_k8s='apiVersion: v1
kind: Service
metadata: {name: canary}
spec: {ports: [{port: 80, bogus: 1}]}
---
apiVersion: v1
kind: NoSuchKind
metadata: {name: canary}'
if printf '%s\n' "$canary_k8s" | "$checker" k8s >/dev/null 2>&1; then
  echo "manifest-check accepted objects Kubernetes refuses" >&2
  exit 1
fi
canary_compose="$(mktemp --suffix=.yml)"
trap 'rm -f "$canary_compose"' EXIT
printf 'services:\n  a:\n    image: x\n    bogus: 1\n' >"$canary_compose"
if "$checker" compose "$canary_compose" >/dev/null 2>&1; then
  echo "manifest-check accepted a compose file docker compose refuses" >&2
  exit 1
fi
