#!/usr/bin/env bash
# Makes sure every backing service the backend needs answers on 127.0.0.1,
# starting (and, for FerretDB and the S3 server, building) only what is down.
# Safe to run again and again; a second run only probes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_BIN="${TOOLS_BIN:-$ROOT/.tools/bin}"
RUN_DIR="${RUN_DIR:-$ROOT/.run}"
DATA_DIR="${DATA_DIR:-$ROOT/.data}"

HOST=127.0.0.1
PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
PG_DATABASES="${PG_DATABASES:-whatsapp whatsapp_test ${TEST_TEMPLATE_DATABASE:-whatsapp_test_template} ferretdb}"
REDIS_PORT="${REDIS_PORT:-6379}"
NATS_PORT="${NATS_PORT:-4222}"
NATS_STORE_DIR="${NATS_STORE_DIR:-/var/lib/nats-server}"
FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
FERRETDB_PORT="${FERRETDB_PORT:-27017}"
FERRETDB_PG_URL="${FERRETDB_PG_URL:-postgres://$PG_USER@$HOST:$PG_PORT/ferretdb}"
VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"
S3_PORT="${S3_PORT:-9000}"
# 0.0.0.0 lets a phone on the same Wi-Fi fetch media (README "Trying it from a phone").
S3_BIND_HOST="${S3_BIND_HOST:-$HOST}"
S3_DATA_DIR="${S3_DATA_DIR:-$DATA_DIR/s3}"
MINIO_ACCESS_KEY="${MINIO_ACCESS_KEY:-minioadmin}"
MINIO_SECRET_KEY="${MINIO_SECRET_KEY:-minioadmin}"
MINIO_BUCKET="${MINIO_BUCKET:-whatsapp-media}"

log() { printf '[up] %s\n' "$*"; }
die() { printf '[up] ERROR: %s\n' "$*" >&2; exit 1; }

# bash's /dev/tcp; `timeout` guards against a port that swallows SYNs.
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

wait_port() { # port name seconds [pid-name] — with pid-name, fail at once if that server died
  local deadline=$((SECONDS + $3)) pid="" logfile=""
  if [[ -n "${4:-}" ]]; then pid="$(<"$RUN_DIR/$4.pid")" logfile="$RUN_DIR/$4.log"; fi
  until port_open "$1"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$logfile" >&2
      die "$2 exited before answering on $HOST:$1 (log $logfile)"
    fi
    if ((SECONDS >= deadline)); then
      [[ -n "$logfile" ]] && tail -n 20 "$logfile" >&2
      die "$2 did not answer on $HOST:$1 within $3s"
    fi
    sleep 0.2
  done
}

as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }

ensure_go() {
  command -v go >/dev/null && return
  [[ -x /usr/local/go/bin/go ]] || die "Go is needed to build $1 and is not installed"
  export PATH="/usr/local/go/bin:$PATH"
}

# Concurrent runs (two terminals, CI + a dev shell) must not start two FerretDBs.
mkdir -p "$RUN_DIR" "$DATA_DIR"
exec 9>"$RUN_DIR/up.lock"
flock 9

start_postgres() {
  if pg_isready -q -h "$HOST" -p "$PG_PORT"; then
    log "postgres: up on $HOST:$PG_PORT"
  else
    log "postgres: starting"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
    wait_port "$PG_PORT" postgres 30
  fi
  local db
  for db in $PG_DATABASES; do
    if [[ "$(psql -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
      log "postgres: creating database $db"
      createdb -h "$HOST" -p "$PG_PORT" -U "$PG_USER" "$db"
    fi
  done
}

start_redis() {
  if [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; then
    log "redis: up on $HOST:$REDIS_PORT"
    return
  fi
  log "redis: starting"
  redis-server --daemonize yes --bind "$HOST" --port "$REDIS_PORT" --save "" --appendonly no
  wait_port "$REDIS_PORT" redis 15
}

# The first line a NATS server sends is INFO {json}; it says whether JetStream is on.
nats_info() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$NATS_PORT && head -n1 <&3" 2>/dev/null; }

start_nats() {
  if ! port_open "$NATS_PORT"; then
    log "nats: starting with JetStream"
    as_root mkdir -p "$NATS_STORE_DIR"
    as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
      -a "$HOST" -p "$NATS_PORT" -js -sd "$NATS_STORE_DIR"
    wait_port "$NATS_PORT" nats 15
  fi
  nats_info | grep -q '"jetstream":true' ||
    die "nats on $HOST:$NATS_PORT runs without JetStream; restart it with -js"
  log "nats: up on $HOST:$NATS_PORT with JetStream"
}

# The module zip lacks build/version/version.txt, so a plain `go install` of
# FerretDB builds a binary that panics at start; build a patched copy instead.
build_ferretdb() {
  ensure_go FerretDB
  local src="$ROOT/.tools/src/ferretdb-$FERRETDB_VERSION"
  if [[ ! -f "$src/build/version/version.txt" ]]; then
    local dir
    dir="$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
      sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [[ -d "$dir" ]] || die "could not download FerretDB $FERRETDB_VERSION"
    rm -rf "$src" && mkdir -p "$(dirname "$src")"
    cp -r "$dir" "$src" && chmod -R u+w "$src"
    echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  fi
  log "ferretdb: building $FERRETDB_VERSION (a few minutes on a cold Go cache)"
  local start=$SECONDS
  (cd "$src" && go build -o "$TOOLS_BIN/ferretdb" ./cmd/ferretdb)
  log "ferretdb: built in $((SECONDS - start))s"
}

build_versitygw() {
  ensure_go versitygw
  log "s3: building versitygw $VERSITYGW_VERSION (a few minutes on a cold Go cache)"
  local start=$SECONDS
  GOBIN="$TOOLS_BIN" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  log "s3: built versitygw in $((SECONDS - start))s"
}

# setsid detaches the server from this shell's process group, so it outlives
# the terminal or CI step that ran up.sh; down.sh stops it by its pid file.
# 9>&- keeps the server from inheriting (and so forever holding) the up.lock.
spawn() { # name cmd...
  local name="$1"; shift
  setsid "$@" >>"$RUN_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN_DIR/$name.pid"
}

# FerretDB v1 can deadlock its PostgreSQL pool under load and then accept connections while never
# answering; an open port is not enough. Without node_modules yet there is no client to ask.
ferretdb_answers() {
  local node="$ROOT/node_modules/.bin/node"
  [[ -x "$node" && -d "$ROOT/node_modules/mongodb" ]] || return 0
  timeout 10 "$node" -e "
    const { MongoClient } = require('mongodb');
    new MongoClient('mongodb://$HOST:$FERRETDB_PORT', { serverSelectionTimeoutMS: 5000 })
      .connect().then((c) => c.db('admin').command({ ping: 1 }).finally(() => c.close()))
      .then(() => process.exit(0), () => process.exit(1));" >/dev/null 2>&1
}

start_ferretdb() {
  # Built even when another checkout's FerretDB already serves the port: tests start private ones
  # from this checkout's .tools/bin (pkg/src/testing/ferretdb-server.ts).
  [[ -x "$TOOLS_BIN/ferretdb" ]] || build_ferretdb
  if port_open "$FERRETDB_PORT"; then
    if ferretdb_answers; then
      log "ferretdb: up on $HOST:$FERRETDB_PORT"
      return
    fi
    local pid=""
    [[ -f "$RUN_DIR/ferretdb.pid" ]] && pid="$(<"$RUN_DIR/ferretdb.pid")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null ||
      die "ferretdb: $HOST:$FERRETDB_PORT accepts connections but does not answer, and is not ours to restart"
    log "ferretdb: $HOST:$FERRETDB_PORT does not answer; restarting it (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  log "ferretdb: starting on $HOST:$FERRETDB_PORT (log $RUN_DIR/ferretdb.log)"
  mkdir -p "$DATA_DIR/ferretdb"
  spawn ferretdb "$TOOLS_BIN/ferretdb" --handler=postgresql --postgresql-url="$FERRETDB_PG_URL" \
    --listen-addr="$HOST:$FERRETDB_PORT" --telemetry=disable --debug-addr=- \
    --state-dir="$DATA_DIR/ferretdb" --log-level=WARN
  wait_port "$FERRETDB_PORT" ferretdb 30 ferretdb
}

# curl signs with SigV4 itself; S3 also wants the payload hash header (here: of an empty body).
s3_status() { # curl-args...  -> prints the HTTP status
  curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:us-east-1:s3" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    --user "$MINIO_ACCESS_KEY:$MINIO_SECRET_KEY" "$@"
}

start_s3() {
  # As for FerretDB: tests start private versitygw servers from .tools/bin (s3-server.ts).
  [[ -x "$TOOLS_BIN/versitygw" ]] || build_versitygw
  if port_open "$S3_PORT"; then
    log "s3: up on $HOST:$S3_PORT"
  else
    log "s3: starting versitygw on $HOST:$S3_PORT, data in $S3_DATA_DIR (log $RUN_DIR/versitygw.log)"
    mkdir -p "$S3_DATA_DIR"
    spawn versitygw env ROOT_ACCESS_KEY="$MINIO_ACCESS_KEY" ROOT_SECRET_KEY="$MINIO_SECRET_KEY" \
      "$TOOLS_BIN/versitygw" --port "$S3_BIND_HOST:$S3_PORT" --quiet posix "$S3_DATA_DIR"
    wait_port "$S3_PORT" versitygw 30 versitygw
  fi
  local url="http://$HOST:$S3_PORT/$MINIO_BUCKET" status
  if [[ "$(s3_status --head "$url")" != 200 ]]; then
    status="$(s3_status -X PUT "$url")"
    [[ "$status" == 200 || "$status" == 409 ]] || die "s3: creating bucket $MINIO_BUCKET answered HTTP $status"
    log "s3: created bucket $MINIO_BUCKET"
  fi
}

ensure_ffmpeg() {
  if command -v ffmpeg >/dev/null; then
    log "ffmpeg: installed"
    return
  fi
  log "ffmpeg: installing from Debian packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
}

# FerretDB's equality filters need GIN twins of its indexes to avoid full scans (see the file).
ensure_ferretdb_gin() {
  psql -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d ferretdb -v ON_ERROR_STOP=1 -q \
    -f "$ROOT/scripts/infra/ferretdb-gin.sql" >/dev/null
}

start_postgres
ensure_ferretdb_gin
start_redis
start_nats
start_ferretdb
start_s3
ensure_ffmpeg
log "all services up in ${SECONDS}s"
