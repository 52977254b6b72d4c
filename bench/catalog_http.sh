#!/usr/bin/env bash
# Measure the store catalog endpoints of a running server with wrk (1 thread, 16 connections):
# product list (page of 24, one filter, facets), product detail by slug, search; and, to show
# what the facets cost, the same list without facets (list_nofacets). ENDPOINTS picks some.
#
#   BASE_URL=http://127.0.0.1:8899 DURATION=20 bench/catalog_http.sh
#
# The request lists come from bench/make_urls.py (bench/out/*.txt, run it against the same
# database first). Prints wrk's report for each endpoint and then a summary table (with the
# share of answers the store cache served, X-Cache: hit); the table is also written to
# bench/out/results.txt.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-$BENCH_DIR/out}"
BASE_URL="${BASE_URL:-http://127.0.0.1:8000}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-16}"
WRK="${WRK:-/usr/bin/wrk}"
ENDPOINTS="${ENDPOINTS:-list detail search list_nofacets}"
# Fill the store cache right before each endpoint is measured: every path PRIME_PASSES times
# in order (bench/prime.lua), at most PRIME_MAX seconds. 0: no priming.
PRIME_PASSES="${PRIME_PASSES:-0}"
PRIME_MAX="${PRIME_MAX:-60}"

for name in $ENDPOINTS; do
  [[ -s "$OUT/$name.txt" ]] || { echo "missing $OUT/$name.txt: run bench/make_urls.py" >&2; exit 1; }
done
curl -fsS -o /dev/null --max-time 5 "$BASE_URL/health/ready" || {
  echo "no ready server at $BASE_URL" >&2; exit 1; }

PRODUCTS=? VISIBLE=? VARIANTS=?
[[ -f "$OUT/dataset.env" ]] && source "$OUT/dataset.env"

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# wrk stops with up to $CONNECTIONS requests still queued in the server (a sync gunicorn worker
# serves them even though the client left): wait until a health check answers at once again,
# so that one endpoint's backlog does not count against the next.
drain() {
  local fast=0 i t
  for i in $(seq 600); do
    t="$(curl -s -o /dev/null -w '%{time_total}' --max-time 30 "$BASE_URL/health/live" || echo 99)"
    if awk "BEGIN{exit !($t < 0.05)}"; then fast=$((fast + 1)); else fast=0; fi
    [[ $fast -ge 3 ]] && return 0
    sleep 0.2
  done
  echo "warning: the server did not drain" >&2
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< " $1"; }
declare -A RESULT LOAD PRIMED
for name in $ENDPOINTS; do
  drain
  if [[ $PRIME_PASSES -gt 0 ]]; then
    rm -f "$OUT/prime.done"
    URLS="$OUT/$name.txt" PASSES="$PRIME_PASSES" DONE_FILE="$OUT/prime.done" "$WRK" -t1 \
      -c"$CONNECTIONS" -d"${PRIME_MAX}s" --timeout 10s -s "$BENCH_DIR/prime.lua" "$BASE_URL" \
      > "$OUT/prime.txt" &
    wrk_pid=$!
    for _ in $(seq $((PRIME_MAX * 5 + 50))); do  # wrk waits out -d; stop it when it is done
      [[ -e "$OUT/prime.done" ]] && { kill -INT "$wrk_pid" 2>/dev/null || true; break; }
      kill -0 "$wrk_pid" 2>/dev/null || break
      sleep 0.2
    done
    wait "$wrk_pid" || true
    primed="$(grep '^PRIME' "$OUT/prime.txt" || true)"
    PRIMED[$name]="$(field "$primed" requests) requests in $(field "$primed" seconds) s"
    echo "== $name: primed the cache with ${PRIMED[$name]} ($PRIME_PASSES passes, at most ${PRIME_MAX}s)"
    drain
  fi
  echo "== $name: $(wc -l < "$OUT/$name.txt") paths, ${DURATION}s, $CONNECTIONS connections"
  LOAD[$name]="$(loadavg)"
  report="$(URLS="$OUT/$name.txt" timeout $((DURATION + 30)) "$WRK" -t1 -c"$CONNECTIONS" \
    -d"${DURATION}s" --timeout 10s --latency -s "$BENCH_DIR/urls.lua" "$BASE_URL")"
  echo "$report" | grep -v '^RESULT'
  RESULT[$name]="$(echo "$report" | grep '^RESULT' | tail -1)"
  LOAD[$name]="${LOAD[$name]%% *}→$(loadavg | cut -d' ' -f1)"
done
drain

{
  echo
  echo "dataset: $PRODUCTS products ($VISIBLE visible), $VARIANTS variants; server $BASE_URL;"
  echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s; workers ${WORKERS:-?}; store cache ${CACHE:-?}"
  if [[ $PRIME_PASSES -gt 0 ]]; then
    echo -n "primed before each endpoint ($PRIME_PASSES passes, at most ${PRIME_MAX}s):"
    for name in $ENDPOINTS; do echo -n " $name ${PRIMED[$name]};"; done
    echo
  fi
  printf '%-13s %10s %9s %9s %9s %9s %8s %8s %6s  %s\n' endpoint req/s p50_ms p90_ms p99_ms max_ms non2xx \
    errors hits "load 1-min (before→after)"
  for name in $ENDPOINTS; do
    r="${RESULT[$name]}"
    hits="$(awk -v h="$(field "$r" cache_hits)" -v n="$(field "$r" requests)" \
      'BEGIN{printf (n > 0 ? "%.0f%%" : "?"), 100 * h / (n > 0 ? n : 1)}')"
    printf '%-13s %10s %9s %9s %9s %9s %8s %8s %6s  %s\n' "$name" "$(field "$r" rps)" "$(field "$r" p50_ms)" \
      "$(field "$r" p90_ms)" "$(field "$r" p99_ms)" "$(field "$r" max_ms)" "$(field "$r" non2xx)" \
      "$(field "$r" socket_errors)" "$hits" "${LOAD[$name]}"
  done
} | tee "$OUT/results.txt"
