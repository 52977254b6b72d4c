#!/usr/bin/env bash
# The whole catalog benchmark on PostgreSQL: a fresh database, the generated catalog, a
# production server (gunicorn, DEBUG off) on port 8899, a warm-up, then wrk on product list,
# product detail and search, once per store-cache mode. Bounded in time; the server (and the
# Redis this script may start) is stopped on any exit.
#
#   bench/run_catalog.sh                       100,000 products × 3 variants, 2 workers, 20 s each,
#                                              cache on, then cache off
#   CACHE=off bench/run_catalog.sh             one mode only: on (STORE_CACHE_SECONDS default,
#                                              local-memory cache per worker), off
#                                              (STORE_CACHE_SECONDS=0), redis (a private
#                                              redis-server on REDIS_PORT, shared by the workers)
#   In the cache modes each endpoint's paths are requested PRIME_PASSES times (on: 4, redis: 1;
#   at most PRIME_MAX=60 s) right before it is measured, so the measurement sees a warm cache.
#   PRODUCTS=5000 DURATION=10 bench/run_catalog.sh
#   KEEP_DB=1 bench/run_catalog.sh             keep mercato_bench afterwards (for profiling)
#   REUSE_DB=1 bench/run_catalog.sh            skip create + generate: measure the kept database
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PRODUCTS="${PRODUCTS:-100000}"
VARIANTS="${VARIANTS:-3}"
WORKERS="${WORKERS:-2}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
PORT="${PORT:-8899}"
MODES="${CACHE:-on off}"
REDIS_PORT="${REDIS_PORT:-6399}"
DB_NAME="${DB_NAME:-mercato_bench}"
PG=(-h 127.0.0.1 -U postgres)
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
export DJANGO_SETTINGS_MODULE=mercato.settings
export MERCATO_HOME="${MERCATO_HOME:-/tmp/mercato-bench}"
export BASE_URL="http://127.0.0.1:$PORT"
export WORKERS DURATION
OUT="$ROOT/bench/out"
mkdir -p "$MERCATO_HOME" "$OUT"
SERVER_LOG="$MERCATO_HOME/server.log"
SERVER_PID=""
REDIS_PID=""
for mode in $MODES; do
  [[ $mode == on || $mode == off || $mode == redis ]] || {
    echo "CACHE is a list of on, off, redis (got: $MODES)" >&2; exit 2; }
done
unset REDIS_URL STORE_CACHE_SECONDS

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
stop_redis() {
  if [[ -n "$REDIS_PID" ]] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    for _ in $(seq 25); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$REDIS_PID" 2>/dev/null || true
  fi
  REDIS_PID=""
}
cleanup() {
  stop_server
  stop_redis
  if [[ "${KEEP_DB:-0}" != 1 && "${REUSE_DB:-0}" != 1 ]]; then
    dropdb "${PG[@]}" --if-exists "$DB_NAME" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo; echo "### $*  ($(date +%T))"; }

if [[ "${REUSE_DB:-0}" != 1 ]]; then
  step "fresh database $DB_NAME"
  dropdb "${PG[@]}" --if-exists "$DB_NAME"
  createdb "${PG[@]}" "$DB_NAME"
  .venv/bin/mercato migrate --noinput -v 0
  step "generate $PRODUCTS products × $VARIANTS variants"
  timeout 3600 .venv/bin/python bench/catalog_data.py --products "$PRODUCTS" --variants "$VARIANTS" \
    | tee "$OUT/generate.txt"
fi
step "request lists"
.venv/bin/python bench/make_urls.py --out "$OUT"

SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50)[:50])')"

# start_server MODE: gunicorn with the store cache on (defaults), off, or on a private Redis.
start_server() {
  local mode="$1" env=(DEBUG=false SECRET_KEY="$SECRET_KEY" ALLOWED_HOSTS=127.0.0.1,localhost)
  case "$mode" in
    off) env+=(STORE_CACHE_SECONDS=0) ;;
    redis)
      if [[ -z "$REDIS_PID" ]]; then
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
          > "$MERCATO_HOME/redis.log" 2>&1 &
        REDIS_PID=$!
        for i in $(seq 50); do
          redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && break
          [[ $i == 50 ]] && { echo "redis-server did not start" >&2; exit 1; }
          sleep 0.1
        done
      fi
      redis-cli -p "$REDIS_PORT" flushall > /dev/null
      env+=(REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0")
      ;;
  esac
  step "start the server: $WORKERS gunicorn workers on port $PORT, store cache $mode (log: $SERVER_LOG)"
  echo "load average before the server starts (other work on this machine): $(cut -d" " -f1-3 /proc/loadavg)"
  if curl -fsS -o /dev/null --max-time 2 "$BASE_URL/health/live" 2>/dev/null; then
    echo "something already answers on port $PORT" >&2; exit 1
  fi
  env "${env[@]}" setsid .venv/bin/mercato run --no-worker --no-demo --workers "$WORKERS" \
    --port "$PORT" > "$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 120); do
    curl -fsS -o /dev/null --max-time 2 "$BASE_URL/health/ready" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server died:" >&2; tail -20 "$SERVER_LOG" >&2; exit 1; }
    [[ $i == 120 ]] && { echo "the server is not ready after 60 s" >&2; exit 1; }
    sleep 0.5
  done
  echo "ready"
}

for mode in $MODES; do
  start_server "$mode"
  export CACHE="$mode"
  case "$mode" in on) passes="${PRIME_PASSES:-4}" ;; redis) passes="${PRIME_PASSES:-1}" ;; *) passes=0 ;; esac
  step "warm-up (${WARMUP}s per endpoint, cache $mode)"
  DURATION="$WARMUP" PRIME_PASSES=0 bench/catalog_http.sh > "$OUT/warmup-$mode.txt"
  tail -6 "$OUT/warmup-$mode.txt"
  step "measure (${DURATION}s per endpoint, cache $mode, primed with $passes passes)"
  PRIME_PASSES="$passes" bench/catalog_http.sh | tee "$OUT/http-$mode.txt"
  cp "$OUT/results.txt" "$OUT/results-$mode.txt"
  step "stop the server"
  stop_server
done
stop_redis

step "summary"
if [[ "${REUSE_DB:-0}" != 1 ]]; then
  grep -E '^  (search index|products, variants|VACUUM|total)' "$OUT/generate.txt" || true
fi
for mode in $MODES; do cat "$OUT/results-$mode.txt"; done
