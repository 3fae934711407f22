#!/usr/bin/env bash
# Stops the servers up.sh started itself (FerretDB, the S3 server).
# PostgreSQL, Redis and NATS belong to the machine and are left running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="${RUN_DIR:-$ROOT/.run}"

log() { printf '[down] %s\n' "$*"; }

stop() { # name
  local pidfile="$RUN_DIR/$1.pid" pid
  if [[ ! -f "$pidfile" ]]; then
    log "$1: no pid file, not started by up.sh"
    return
  fi
  pid="$(<"$pidfile")"
  # A stale pid may have been reused by an unrelated process: check its command.
  if ! grep -qa "$1" "/proc/$pid/cmdline" 2>/dev/null; then
    log "$1: not running"
    rm -f "$pidfile"
    return
  fi
  log "$1: stopping pid $pid"
  kill "$pid"
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
}

stop ferretdb
stop versitygw
