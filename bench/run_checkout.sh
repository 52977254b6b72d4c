#!/usr/bin/env bash
# The checkout benchmark on PostgreSQL: a fresh database mercato_bench_checkout, migrated, the
# demo catalog (no images), demo inventory and demo shipping; every tracked variant of a
# published product raised to 1,000,000 units through inventory.services.adjust_stock (so
# nothing sells out and the ledger agrees); a production server (gunicorn, DEBUG off) on port
# 8898; then bench/checkout_flow.py: 16 concurrent guest clients, each looping over the whole
# purchase (create cart, 2 lines, email + address, shipping methods, shipping method,
# complete with an Idempotency-Key) for 30 s after a 5 s warm-up. Afterwards
# `mercato check-stock` must pass and the orders in the database must equal the flows that
# got a 201. The server is stopped and the database dropped on any exit.
#
#   bench/run_checkout.sh                        500 products, 2 workers, 16 clients, 30 s
#   WORKERS=4 bench/run_checkout.sh
#   THREADS=4 bench/run_checkout.sh              gunicorn gthread workers with 4 threads each
#                                                (keep-alive connections) instead of sync
#   WORKERS="2 4" bench/run_checkout.sh          one server and one run per worker count, on
#                                                one database (orders accumulate between runs)
#   CLIENTS=32 DURATION=60 PRODUCTS=2000 bench/run_checkout.sh
#   PROFILE=1 bench/run_checkout.sh              also profile the flow in-process afterwards
#                                                (queries per call, pyinstrument tree)
#   KEEP_DB=1 bench/run_checkout.sh              keep mercato_bench_checkout afterwards
#   REUSE_DB=1 bench/run_checkout.sh             measure the kept database again (no setup;
#                                                its earlier orders and carts stay)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PRODUCTS="${PRODUCTS:-500}"
WORKERS="${WORKERS:-2}"
THREADS="${THREADS:-}"
CLIENTS="${CLIENTS:-16}"
DURATION="${DURATION:-30}"
WARMUP="${WARMUP:-5}"
PORT="${PORT:-8898}"
DB_NAME="${DB_NAME:-mercato_bench_checkout}"
PG=(-h 127.0.0.1 -U postgres)
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
export DJANGO_SETTINGS_MODULE=mercato.settings
export MERCATO_HOME="${MERCATO_HOME:-/tmp/mercato-bench-checkout}"
# 16 clients from one address open carts far faster than any shopper: the store's abuse
# limits (RATE_LIMIT_CART_IP …) would refuse them. The benchmark measures checkout, not them.
export RATE_LIMITS_ENABLED="${RATE_LIMITS_ENABLED:-false}"
BASE_URL="http://127.0.0.1:$PORT"
OUT="$ROOT/bench/out"
VARIANTS_FILE="$OUT/checkout-variants.json"
mkdir -p "$MERCATO_HOME" "$OUT"
SERVER_LOG="$MERCATO_HOME/server.log"
SERVER_PID=""
unset REDIS_URL STORE_CACHE_SECONDS
if [[ -n "$THREADS" ]]; then
  # `mercato run` leaves the worker class to gunicorn, which reads GUNICORN_CMD_ARGS
  export GUNICORN_CMD_ARGS="--worker-class gthread --threads $THREADS"
  WORKER_KIND="gthread workers with $THREADS threads each"
else
  unset GUNICORN_CMD_ARGS
  WORKER_KIND="sync workers"
fi

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
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
  step "demo data: $PRODUCTS products (no images), inventory, shipping"
  timeout 1800 .venv/bin/mercato load_demo_catalog --products "$PRODUCTS" --no-images
  .venv/bin/mercato load_demo_inventory
  .venv/bin/mercato load_demo_shipping
  step "stock for the run"
  timeout 1800 .venv/bin/python bench/checkout_flow.py prepare --out "$VARIANTS_FILE" \
    | tee "$OUT/checkout-prepare.txt"
  .venv/bin/mercato check-stock
fi
psql "${PG[@]}" -d "$DB_NAME" -qc "VACUUM ANALYZE"

SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50)[:50])')"

start_server() {
  local workers="$1"
  step "start the server: $workers gunicorn $WORKER_KIND on port $PORT (log: $SERVER_LOG)"
  if curl -fsS -o /dev/null --max-time 2 "$BASE_URL/health/live" 2>/dev/null; then
    echo "something already answers on port $PORT" >&2; exit 1
  fi
  env DEBUG=false SECRET_KEY="$SECRET_KEY" ALLOWED_HOSTS=127.0.0.1,localhost \
    setsid .venv/bin/mercato run --no-worker --no-demo --workers "$workers" --port "$PORT" \
    > "$SERVER_LOG" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 120); do
    curl -fsS -o /dev/null --max-time 2 "$BASE_URL/health/ready" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server died:" >&2; tail -20 "$SERVER_LOG" >&2; exit 1; }
    [[ $i == 120 ]] && { echo "the server is not ready after 60 s" >&2; exit 1; }
    sleep 0.5
  done
  echo "ready"
}

for workers in $WORKERS; do
  start_server "$workers"
  step "checkout flow: $CLIENTS clients, ${WARMUP}s warm-up + ${DURATION}s, $workers workers"
  echo "machine: $(nproc) CPUs; load average before (other work on this machine):" \
    "$(cut -d" " -f1-3 /proc/loadavg)"
  echo "dataset: $(grep -o '^[0-9]* tracked variants of [0-9]* published products' \
    "$OUT/checkout-prepare.txt"); server: $workers gunicorn $WORKER_KIND, DEBUG off"
  result="$OUT/checkout-w$workers.json"
  orders_before="$(psql "${PG[@]}" -d "$DB_NAME" -qAtc "SELECT count(*) FROM orders_order")"
  carts_before="$(psql "${PG[@]}" -d "$DB_NAME" -qAtc \
    "SELECT count(*) FROM checkout_cart WHERE status = 'completed'")"
  pg_sessions() {
    psql "${PG[@]}" -qAtc \
      "SELECT sessions || ' ' || numbackends FROM pg_stat_database WHERE datname = '$DB_NAME'"
  }
  read -r sessions_before _ <<< "$(pg_sessions)"
  timeout $((300 + 2 * ${DURATION%.*} + ${WARMUP%.*})) .venv/bin/python bench/checkout_flow.py run \
    --base-url "$BASE_URL" --variants "$VARIANTS_FILE" --clients "$CLIENTS" \
    --duration "$DURATION" --warmup "$WARMUP" --result "$result" \
    --server-sid "$SERVER_PID" --database "$DB_NAME" \
    | tee "$OUT/checkout-w$workers.txt"
  echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
  # The server keeps its database connections (CONN_MAX_AGE): a handful of sessions for the
  # whole run, not one per request. Each psql of this script counts as one session too.
  read -r sessions_after backends <<< "$(pg_sessions)"
  echo "PostgreSQL sessions opened on $DB_NAME during the run: $((sessions_after - sessions_before))" \
    "(psql checks included; requests: see above); backends connected now: $backends" \
    | tee -a "$OUT/checkout-w$workers.txt"
  step "stop the server"
  stop_server
  step "checks"
  timeout 300 .venv/bin/mercato check-stock | tee -a "$OUT/checkout-w$workers.txt"
  .venv/bin/python bench/checkout_flow.py verify --result "$result" \
    --orders-before "$orders_before" --completed-carts-before "$carts_before" \
    | tee -a "$OUT/checkout-w$workers.txt"
done

if [[ "${PROFILE:-0}" == 1 ]]; then
  step "profile one flow in-process (queries per call, pyinstrument)"
  .venv/bin/python bench/checkout_flow.py profile --variants "$VARIANTS_FILE" \
    --flows "${PROFILE_FLOWS:-30}" --show-sql ${PROFILE_SQL:-line1 complete} \
    | tee "$OUT/checkout-profile.txt"
fi
