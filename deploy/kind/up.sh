#!/usr/bin/env bash
# The whole stack on a local Kind cluster (PRD §9.3), `make kind-up`:
#   1. creates the cluster "whatsapp" from deploy/kind/cluster.yaml unless it exists;
#   2. builds the eight service images and the migrate image (tag "dev") from the repository root;
#   3. loads them into the nodes with `kind load docker-image` (nothing is pushed or pulled);
#   4. installs an ingress controller only with --ingress (default: the gateway's NodePort 30080);
#   5. helm upgrade --install with deploy/kind/values-kind.yaml, and waits for every Deployment.
# Then the API is at http://127.0.0.1:8080.
#
# Options: --ingress (ingress-nginx, reached on the same host port 8080, instead of the NodePort),
# --skip-build (reuse the images already built). Environment: KIND_CLUSTER (whatsapp), NAMESPACE
# (whatsapp), RELEASE (whatsapp), IMAGE_TAG (dev), HELM_ARGS (more helm arguments, e.g.
# "--set minio.publicUrl=http://10.0.2.2:9000").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="${KIND_CLUSTER:-whatsapp}"
NAMESPACE="${NAMESPACE:-whatsapp}"
RELEASE="${RELEASE:-whatsapp}"
TAG="${IMAGE_TAG:-dev}"
CHART="$ROOT/deploy/helm/whatsapp"
VALUES="$ROOT/deploy/kind/values-kind.yaml"
GATEWAY_URL="http://127.0.0.1:8080"

# service → HTTP port (Dockerfile build argument HTTP_PORT).
SERVICES=(
  api-gateway:8080
  auth-service:8081
  user-service:8082
  chat-service:8083
  message-service:8084
  notification-service:8085
  media-service:8086
  websocket-service:8087
)

log() { printf '[kind-up] %s\n' "$*"; }
die() { printf '[kind-up] ERROR: %s\n' "$*" >&2; exit 1; }

with_ingress=false
build=true
for arg in "$@"; do
  case "$arg" in
    --ingress) with_ingress=true ;;
    --skip-build) build=false ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) die "unknown option $arg (try --help)" ;;
  esac
done

missing=()
for tool in docker kind helm kubectl; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  die "not on PATH: ${missing[*]}. Install them first:
  docker   https://docs.docker.com/engine/install/
  kind     https://kind.sigs.k8s.io/docs/user/quick-start/#installation
  helm     https://helm.sh/docs/intro/install/ (v3)
  kubectl  https://kubernetes.io/docs/tasks/tools/"
fi
docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable (is it running, may this user use it?)"

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "cluster $CLUSTER exists"
else
  log "creating cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --config "$ROOT/deploy/kind/cluster.yaml" --wait 120s
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

images=()
for entry in "${SERVICES[@]}"; do
  service="${entry%%:*}" port="${entry##*:}"
  image="whatsapp-$service:$TAG"
  images+=("$image")
  if $build; then
    log "building $image"
    docker build --build-arg SERVICE="$service" --build-arg HTTP_PORT="$port" \
      --target service -t "$image" "$ROOT"
  fi
done
images+=("whatsapp-migrate:$TAG")
if $build; then
  log "building whatsapp-migrate:$TAG"
  docker build --target migrate -t "whatsapp-migrate:$TAG" "$ROOT"
fi

for image in "${images[@]}"; do
  log "loading $image into $CLUSTER"
  kind load docker-image --name "$CLUSTER" "$image"
done

helm_args=(--set "image.tag=$TAG")
if $with_ingress; then
  # ingress-nginx takes node port 30080 (the host's 8080) in place of the gateway's NodePort.
  log "installing ingress-nginx"
  helm upgrade --install ingress-nginx ingress-nginx \
    --repo https://kubernetes.github.io/ingress-nginx \
    --namespace ingress-nginx --create-namespace \
    --set controller.service.type=NodePort \
    --set controller.service.nodePorts.http=30080 \
    --set controller.admissionWebhooks.enabled=false \
    --wait --timeout 5m
  helm_args+=(--set gateway.nodePort.enabled=false --set ingress.enabled=true --set ingress.host=)
fi

log "installing the chart (release $RELEASE, namespace $NAMESPACE)"
# shellcheck disable=SC2086 # HELM_ARGS is a list of arguments on purpose
helm upgrade --install "$RELEASE" "$CHART" \
  --namespace "$NAMESPACE" --create-namespace \
  -f "$VALUES" "${helm_args[@]}" ${HELM_ARGS:-} \
  --wait --timeout 10m

log "waiting for every Deployment to be available"
mapfile -t deployments < <(kubectl -n "$NAMESPACE" get deployments \
  -l "app.kubernetes.io/instance=$RELEASE" -o name)
for deployment in "${deployments[@]}"; do
  kubectl -n "$NAMESPACE" rollout status "$deployment" --timeout 5m
done

log "ready: the gateway is at $GATEWAY_URL (curl $GATEWAY_URL/health)"
log "media (MinIO) at http://127.0.0.1:9000; pushes: kubectl -n $NAMESPACE port-forward svc/$RELEASE-fcm-emulator 8095"
