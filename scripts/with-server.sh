#!/usr/bin/env bash
# Start `mercato run` from this checkout as a user would, wait for /health/ready, run a command
# against it, then stop the server by its pid and check that it stopped cleanly.
#
#   scripts/with-server.sh COMMAND [ARGS…]
#   PORT=8100 DATABASE_URL=postgres://… scripts/with-server.sh .ci/live-checks
#
# Environment (all optional):
#   PORT                   the port to serve on (default 8000); nothing may listen there already
#   MERCATO_HOME           the server's folder (default: a new temporary one, removed at the end)
#   DATABASE_URL           passed on to the server (unset: SQLite in $MERCATO_HOME/var)
#   MERCATO_DEMO_STAFF_PASSWORD
#                          the demo staff password the server gives admin@example.com on an empty
#                          database (default: a random one). On a database that has staff already,
#                          set it to their password
#   SERVER_LOG             the server's output (default $MERCATO_HOME/server.log)
#   SERVER_START_TIMEOUT   seconds to wait for /health/ready (default 300)
#   MERCATO_BIN            the mercato command (default .venv/bin/mercato)
#
# COMMAND runs with BASE_URL, STAFF_EMAIL, STAFF_PASSWORD, SERVER_PID and SERVER_LOG set. Then the
# server gets SIGTERM; its gunicorn and worker processes must all be gone within 60 s. Exit status:
# COMMAND's if it failed, else 1 if the server did not start, died, did not stop, or printed a
# Python traceback; else 0. On a failure the tail of the server's log is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ $# -gt 0 ]] || { sed -n '2,22p' "$0" >&2; exit 2; }

PORT="${PORT:-8000}"
TIMEOUT="${SERVER_START_TIMEOUT:-300}"
MERCATO="${MERCATO_BIN:-.venv/bin/mercato}"
[[ -x "$MERCATO" ]] || { echo "with-server: $MERCATO is missing: run make install" >&2; exit 2; }

TEMP_HOME=""
if [[ -z "${MERCATO_HOME:-}" ]]; then
  TEMP_HOME="$(mktemp -d "${TMPDIR:-/tmp}/mercato-server.XXXXXX")"
  export MERCATO_HOME="$TEMP_HOME"
fi
mkdir -p "$MERCATO_HOME"
SERVER_LOG="${SERVER_LOG:-$MERCATO_HOME/server.log}"
export MERCATO_DEMO_STAFF_PASSWORD="${MERCATO_DEMO_STAFF_PASSWORD:-ci-$(python3 -c \
  'import secrets; print(secrets.token_urlsafe(18))')}"
export BASE_URL="http://127.0.0.1:$PORT"
export STAFF_EMAIL="${STAFF_EMAIL:-admin@example.com}"
export STAFF_PASSWORD="$MERCATO_DEMO_STAFF_PASSWORD"
export SERVER_LOG

say() { printf 'with-server: %s\n' "$*" >&2; }

log_tail() {
  say "---- last lines of the server log ($SERVER_LOG) ----"
  tail -n "${1:-60}" "$SERVER_LOG" >&2 || true
  say "----"
}

if curl -s -o /dev/null --max-time 2 "$BASE_URL/"; then
  say "something already answers on $BASE_URL: stop it or choose another PORT"
  exit 1
fi

# The server runs in a session of its own, so that its process group holds the gunicorn master,
# the gunicorn workers and the task worker, and none is left behind unseen.
: >"$SERVER_LOG"
if command -v setsid >/dev/null; then
  setsid "$MERCATO" run --port "$PORT" >>"$SERVER_LOG" 2>&1 </dev/null &
else
  "$MERCATO" run --port "$PORT" >>"$SERVER_LOG" 2>&1 </dev/null &
fi
SERVER_PID=$!
export SERVER_PID
PGID="$(ps -o pgid= -p "$SERVER_PID" 2>/dev/null | tr -d ' ' || true)"
STOPPED=0

descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    echo "$child"
    descendants "$child"
  done
}

# group_left: the pids of the server's process group (or its recorded children) still alive.
CHILDREN=""
group_left() {
  local pid left=""
  if [[ -n "$PGID" && "$PGID" == "$SERVER_PID" ]]; then
    left="$(pgrep -g "$PGID" 2>/dev/null | tr '\n' ' ' || true)"
  fi
  for pid in $SERVER_PID $CHILDREN; do
    if kill -0 "$pid" 2>/dev/null && [[ " $left " != *" $pid "* ]]; then left+="$pid "; fi
  done
  echo "$left"
}

# stop_server: SIGTERM to the server's pid, then wait until it and all its processes are gone.
stop_server() {
  [[ "$STOPPED" == 0 ]] || return 0
  STOPPED=1
  CHILDREN="$CHILDREN $(descendants "$SERVER_PID" | tr '\n' ' ')"
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local waited=0 left
  while left="$(group_left)"; [[ -n "${left// /}" ]]; do
    if ((waited >= 60)); then
      say "the server's processes did not stop within 60 s of SIGTERM: $left"
      ps -o pid,ppid,pgid,etime,cmd -p "${left// /,}" >&2 || true
      # shellcheck disable=SC2086
      kill -KILL $left 2>/dev/null || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  wait "$SERVER_PID" 2>/dev/null || true
  say "server stopped (pid $SERVER_PID and its processes gone ${waited} s after SIGTERM)"
}

cleanup() {
  stop_server || true
  if [[ -n "$TEMP_HOME" ]]; then rm -rf "$TEMP_HOME"; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

say "starting $MERCATO run --port $PORT (MERCATO_HOME=$MERCATO_HOME, database: ${DATABASE_URL:-SQLite})"
STARTED=$SECONDS
until curl -sf -o /dev/null --max-time 5 "$BASE_URL/health/ready"; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    say "the server exited before it was ready"
    log_tail 80
    exit 1
  fi
  if ((SECONDS - STARTED >= TIMEOUT)); then
    say "no ready answer from $BASE_URL/health/ready within $TIMEOUT s"
    log_tail 80
    exit 1
  fi
  sleep 1
done
CHILDREN="$(descendants "$SERVER_PID" | tr '\n' ' ')"
say "ready in $((SECONDS - STARTED)) s at $BASE_URL (pid $SERVER_PID; processes: $CHILDREN)"

status=0
"$@" || status=$?
if [[ "$status" != 0 ]]; then
  say "FAILED: $* (exit $status)"
  log_tail 60
fi

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  say "the server died while the command ran"
  log_tail 60
  ((status != 0)) || status=1
fi
if ! stop_server; then
  log_tail 40
  ((status != 0)) || status=1
fi
if grep -q "Traceback (most recent call last)" "$SERVER_LOG"; then
  say "the server log holds a Python traceback:"
  grep -n -B 2 -A 25 "Traceback (most recent call last)" "$SERVER_LOG" | head -n 120 >&2
  ((status != 0)) || status=1
fi
exit "$status"
