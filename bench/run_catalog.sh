#!/usr/bin/env bash
# The whole catalog benchmark on PostgreSQL: a fresh database, the generated catalog, a
# production server (gunicorn, DEBUG off) on port 8899, a warm-up, then wrk on product list,
# product detail and search. Bounded in time; the server is stopped on any exit.
#
#   bench/run_catalog.sh                       100,000 products × 3 variants, 2 workers, 20 s each
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

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
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

step "start the server: $WORKERS gunicorn workers on port $PORT (log: $SERVER_LOG)"
echo "load average before the server starts (other work on this machine): $(cut -d" " -f1-3 /proc/loadavg)"
if curl -fsS -o /dev/null --max-time 2 "$BASE_URL/health/live" 2>/dev/null; then
  echo "something already answers on port $PORT" >&2; exit 1
fi
SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50)[:50])')"
DEBUG=false SECRET_KEY="$SECRET_KEY" ALLOWED_HOSTS=127.0.0.1,localhost \
  setsid .venv/bin/mercato run --no-worker --no-demo --workers "$WORKERS" --port "$PORT" \
  > "$SERVER_LOG" 2>&1 &
SERVER_PID=$!
for i in $(seq 120); do
  curl -fsS -o /dev/null --max-time 2 "$BASE_URL/health/ready" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server died:" >&2; tail -20 "$SERVER_LOG" >&2; exit 1; }
  [[ $i == 120 ]] && { echo "the server is not ready after 60 s" >&2; exit 1; }
  sleep 0.5
done
echo "ready"

step "warm-up (${WARMUP}s per endpoint)"
DURATION="$WARMUP" bench/catalog_http.sh > "$OUT/warmup.txt"
tail -5 "$OUT/warmup.txt"

step "measure (${DURATION}s per endpoint)"
bench/catalog_http.sh | tee "$OUT/http.txt"

step "stop the server"
kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
SERVER_PID=""

step "summary"
grep -E '^  (search index|products, variants|total)' "$OUT/generate.txt" 2>/dev/null || true
cat "$OUT/results.txt"
