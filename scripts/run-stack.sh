#!/usr/bin/env bash
# Runs the whole stack on this machine: set-up, then every service that exists, in the foreground.
# With --watch (make dev) each service restarts when a file it imports changes (node --watch).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_FLAGS=()
if [[ "${1:-}" == "--watch" ]]; then NODE_FLAGS=(--watch); fi

bash scripts/infra/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p .run

# Local defaults (addenda B: the local stack logs in with OTP 123456).
export NODE_ENV="${NODE_ENV:-development}"
export JWT_SECRET="${JWT_SECRET:-local-dev-secret-change-in-prod}"
export SMS_PROVIDER="${SMS_PROVIDER:-mock}"
export OTP_FIXED_CODE="${OTP_FIXED_CODE-123456}"

# Dependencies first: message-service calls chat/user, websocket-service calls all four gRPC servers
# (auth 9081, user 9082, chat 9083, message 9084; HTTP 8081..8084, websocket 8087, gateway 8080).
SERVICES=(auth-service user-service chat-service message-service websocket-service api-gateway)
pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
  exit 0
}
trap stop INT TERM EXIT

for svc in "${SERVICES[@]}"; do
  node "${NODE_FLAGS[@]}" "$svc/src/main.ts" > ".run/$svc.log" 2>&1 &
  pids+=("$!")
  echo "started $svc (pid $!, log .run/$svc.log)"
done

for _ in $(seq 1 50); do
  if curl -fsS http://127.0.0.1:8080/health > /dev/null 2>&1; then break; fi
  sleep 0.2
done
if ! curl -fsS http://127.0.0.1:8080/health > /dev/null 2>&1; then
  echo "the gateway did not come up; see .run/*.log" >&2
  tail -n 20 .run/*.log >&2
  exit 1
fi
echo
echo "Gateway: http://127.0.0.1:8080  (WebSocket: ws://127.0.0.1:8080/ws)"
echo "Try:     curl -s -X POST http://127.0.0.1:8080/api/v1/auth/request-otp -H 'content-type: application/json' -d '{\"phone\":\"+14155550123\"}'"
echo "Ctrl-C stops the services."
wait -n "${pids[@]}" || true
echo "a service exited; see .run/*.log" >&2
exit 1
