#!/usr/bin/env bash
# Makes sure Redis answers on 127.0.0.1:6379 (the multi-instance tests share
# it; each test uses a key prefix of its own): starts redis-server when it
# does not answer, installing it first (Debian, as root) when it is missing.
# Tests that stop Redis on purpose start their own redis-server on a free
# port, so the binary must be installed either way. Used by `make test` and
# .ci/run.
set -euo pipefail

ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if command -v redis-cli >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1 && ready; then
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "redis-server is not installed and this script is not root: install Redis (apt-get install redis-server) and retry." >&2
    exit 1
  fi
  echo "Installing Redis…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq redis-server >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
fi

if ! ready; then
  dir=/var/lib/redis logdir=/var/log/redis
  if [ "$(id -u)" -ne 0 ]; then
    dir=${TMPDIR:-/tmp}/portal-redis logdir=$dir
  fi
  mkdir -p "$dir" "$logdir"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$logdir/ci.log"
fi

for _ in $(seq 1 30); do
  ready && exit 0
  sleep 1
done
echo "Redis did not become ready on 127.0.0.1:6379" >&2
exit 1
