#!/usr/bin/env bash
# The reservation benchmark on PostgreSQL: a fresh database mercato_bench_inv, migrated; then
# bench/inventory_reserve.py (2 warehouses, 10,000 tracked variants, 16 client processes calling
# reserve_stock on one hot variant, then on 10,000 cold ones, 20 s each); then
# `mercato check-stock` (must pass); then the database is dropped (also on failure).
#
#   bench/run_inventory.sh
#   CLIENTS=8 DURATION=10 bench/run_inventory.sh
#   MODES=hot KEEP_DB=1 bench/run_inventory.sh      keep mercato_bench_inv afterwards
#   MODES=hot HOT_BACKLOG=50000 bench/run_inventory.sh   the hot variant already held by 50,000
#                                                       other carts (a busy 15 minutes)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLIENTS="${CLIENTS:-16}"
DURATION="${DURATION:-20}"
VARIANTS="${VARIANTS:-10000}"
MODES="${MODES:-hot cold}"
HOT_BACKLOG="${HOT_BACKLOG:-0}"
DB_NAME="${DB_NAME:-mercato_bench_inv}"
PG=(-h 127.0.0.1 -U postgres)
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
export DJANGO_SETTINGS_MODULE=mercato.settings
export MERCATO_HOME="${MERCATO_HOME:-/tmp/mercato-bench-inv}"
unset REDIS_URL
OUT="$ROOT/bench/out"
mkdir -p "$MERCATO_HOME" "$OUT"

cleanup() {
  if [[ "${KEEP_DB:-0}" != 1 ]]; then
    dropdb "${PG[@]}" --if-exists "$DB_NAME" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step() { echo; echo "### $*  ($(date +%T))"; }

step "fresh database $DB_NAME"
dropdb "${PG[@]}" --if-exists "$DB_NAME"
createdb "${PG[@]}" "$DB_NAME"
.venv/bin/mercato migrate --noinput -v 0

step "reserve_stock: $CLIENTS clients, ${DURATION}s per mode ($MODES)"
echo "load average before (other work on this machine): $(cut -d" " -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
timeout $((300 + 4 * DURATION)) .venv/bin/python bench/inventory_reserve.py --clients "$CLIENTS" \
  --duration "$DURATION" --variants "$VARIANTS" --modes $MODES --hot-backlog "$HOT_BACKLOG" \
  | tee "$OUT/inventory.txt"

step "mercato check-stock"
timeout 300 .venv/bin/mercato check-stock | tee -a "$OUT/inventory.txt"
