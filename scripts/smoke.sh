#!/usr/bin/env bash
# Smoke test against a RUNNING Mercato: health, register, log in, profile, addresses,
# refresh-token rotation (and reuse detection), log out, and erasure of the account.
#
#   scripts/smoke.sh                                   # http://127.0.0.1:8000
#   BASE_URL=http://127.0.0.1:8765 scripts/smoke.sh
#   STAFF_PASSWORD=… scripts/smoke.sh                  # also check in the admin API that the
#                                                      # customer is gone (STAFF_EMAIL: admin@example.com)
#
# Needs curl and python3. Exits non-zero, naming the failed step, on any unexpected answer.
# Each run registers one new customer and erases it at the end (GDPR erasure), also when a
# step failed, so no test customer is left in a shop's database. The store API allows 10
# registrations per IP and hour.
set -euo pipefail

BASE_URL="${BASE_URL:-http://127.0.0.1:8000}"
BASE_URL="${BASE_URL%/}"

command -v curl >/dev/null || { echo "smoke: curl is required" >&2; exit 2; }
command -v python3 >/dev/null || { echo "smoke: python3 is required" >&2; exit 2; }

WORK="$(mktemp -d)"
EMAIL=""
PASSWORD=""
REGISTERED=0
ERASED=0
STAFF_EMAIL="${STAFF_EMAIL:-admin@example.com}"
STAFF_PASSWORD="${STAFF_PASSWORD:-${MERCATO_DEMO_STAFF_PASSWORD:-}}"

# On any exit: erase the customer this run registered if a failed step left it behind.
cleanup() {
  if [[ "$REGISTERED" == 1 && "$ERASED" == 0 ]]; then
    local token
    token="$(curl -sS -X POST -H 'Content-Type: application/json' \
      --data "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}" \
      "$BASE_URL/api/store/auth/login" | python3 -c \
      'import json,sys; print(json.load(sys.stdin).get("access_token", ""))' 2>/dev/null || true)"
    if [[ -n "$token" ]] && curl -sS -o /dev/null -w '%{http_code}' -X DELETE \
      -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      --data "{\"password\": \"$PASSWORD\"}" "$BASE_URL/api/store/me" | grep -q 204; then
      echo "smoke: erased the test customer $EMAIL" >&2
    else
      echo "smoke: could not erase the test customer $EMAIL: erase it in the back office" >&2
    fi
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
BODY="$WORK/body"
HEADERS="$WORK/headers"
STATUS=""
STEP=""

fail() {
  echo "FAIL [$STEP] $*" >&2
  if [[ -s "$BODY" ]]; then
    echo "---- response body ----" >&2
    head -c 2000 "$BODY" >&2
    echo >&2
  fi
  exit 1
}

# call METHOD PATH [JSON_BODY] [TOKEN] [EXTRA_HEADER]: sets STATUS, writes $BODY and $HEADERS.
call() {
  local method="$1" path="$2" data="${3:-}" token="${4:-}" extra="${5:-}"
  local args=(-sS -X "$method" -o "$BODY" -D "$HEADERS" -w '%{http_code}'
    -H 'Accept: application/json')
  [[ -n "$data" ]] && args+=(-H 'Content-Type: application/json' --data "$data")
  [[ -n "$token" ]] && args+=(-H "Authorization: Bearer $token")
  [[ -n "$extra" ]] && args+=(-H "$extra")
  : >"$BODY"
  STATUS="$(curl "${args[@]}" "$BASE_URL$path")" || fail "$method $path: no answer from $BASE_URL"
}

# expect STATUS [CODE]: the last answer has this HTTP status (and this problem `code`).
expect() {
  [[ "$STATUS" == "$1" ]] || fail "expected HTTP $1, got $STATUS"
  if [[ -n "${2:-}" ]]; then
    local code
    code="$(json code)"
    [[ "$code" == "$2" ]] || fail "expected problem code '$2', got '$code'"
  fi
  echo "ok   $STEP -> $STATUS${2:+ $2}"
}

# json PATH: a value from the last body, by a dotted path (items.0.id); empty if missing.
json() {
  python3 - "$BODY" "$1" <<'PY'
import json, sys
try:
    value = json.load(open(sys.argv[1]))
    for part in sys.argv[2].split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
except (ValueError, KeyError, IndexError, TypeError):
    value = ""
print("" if value is None else (json.dumps(value) if isinstance(value, (dict, list)) else value))
PY
}

header() { tr -d '\r' <"$HEADERS" | awk -v name="$(echo "$1" | tr 'A-Z' 'a-z')" \
  'BEGIN{FS=": "} tolower($1)==name {print $2}' | tail -n1; }

rand() { python3 -c 'import secrets; print(secrets.token_hex(8))'; }

echo "Mercato smoke test against $BASE_URL"

STEP="health/live";  call GET /health/live;  expect 200
STEP="health/ready"; call GET /health/ready; expect 200
[[ "$(json status)" == "ok" ]] || fail "readiness is not ok: $(json checks)"

EMAIL="smoke-$(rand)@example.com"
PASSWORD="Smoke-$(rand)-Pw!"
CREDENTIALS="{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\"}"

STEP="register"
call POST /api/store/auth/register \
  "{\"email\": \"$EMAIL\", \"password\": \"$PASSWORD\", \"first_name\": \"Smoke\", \"last_name\": \"Test\"}"
expect 202
REGISTERED=1

STEP="login"
call POST /api/store/auth/login "$CREDENTIALS"
expect 200
ACCESS="$(json access_token)"
REFRESH="$(json refresh_token)"
[[ -n "$ACCESS" && -n "$REFRESH" ]] || fail "no access_token or refresh_token in the answer"

STEP="me"
call GET /api/store/me "" "$ACCESS"
expect 200
[[ "$(json email)" == "$EMAIL" ]] || fail "profile email is '$(json email)', not $EMAIL"

STEP="me without a token"
call GET /api/store/me
expect 401 not_authenticated

ADDRESS='{"first_name": "Smoke", "last_name": "Test", "line1": "1 Main Street",
  "city": "Berlin", "postal_code": "10115", "country": "DE"}'
IDEMPOTENCY_KEY="smoke-$(rand)"

STEP="add address"
call POST /api/store/me/addresses "$ADDRESS" "$ACCESS" "Idempotency-Key: $IDEMPOTENCY_KEY"
expect 201
ADDRESS_ID="$(json id)"
[[ -n "$ADDRESS_ID" ]] || fail "no id in the created address"
[[ "$(json is_default_shipping)" == "True" ]] || fail "the first address is not the default"

STEP="replay add address (same Idempotency-Key)"
call POST /api/store/me/addresses "$ADDRESS" "$ACCESS" "Idempotency-Key: $IDEMPOTENCY_KEY"
expect 201
[[ "$(json id)" == "$ADDRESS_ID" ]] || fail "the replay made another address: $(json id)"
[[ "$(header Idempotent-Replayed)" == "true" ]] || fail "no 'Idempotent-Replayed: true' header"

STEP="list addresses"
call GET "/api/store/me/addresses?limit=10" "" "$ACCESS"
expect 200
[[ "$(json items.0.id)" == "$ADDRESS_ID" ]] || fail "the new address is not listed"
[[ -z "$(json items.1.id)" ]] || fail "more than one address listed after an idempotent replay"

STEP="refresh"
call POST /api/store/auth/refresh "{\"refresh_token\": \"$REFRESH\"}"
expect 200
NEW_ACCESS="$(json access_token)"
NEW_REFRESH="$(json refresh_token)"
[[ -n "$NEW_ACCESS" && "$NEW_REFRESH" != "$REFRESH" ]] || fail "refresh did not rotate the token"

STEP="me with the refreshed access token"
call GET /api/store/me "" "$NEW_ACCESS"
expect 200

STEP="old refresh token is refused"
call POST /api/store/auth/refresh "{\"refresh_token\": \"$REFRESH\"}"
expect 401 refresh_token_reused

STEP="reuse ended the session"
call GET /api/store/me "" "$NEW_ACCESS"
expect 401 session_revoked

STEP="login again"
call POST /api/store/auth/login "$CREDENTIALS"
expect 200
ACCESS="$(json access_token)"
REFRESH="$(json refresh_token)"

STEP="logout"
call POST /api/store/auth/logout "" "$ACCESS"
expect 204

STEP="access token refused after logout"
call GET /api/store/me "" "$ACCESS"
expect 401 session_revoked

STEP="refresh token refused after logout"
call POST /api/store/auth/refresh "{\"refresh_token\": \"$REFRESH\"}"
expect 401 invalid_refresh_token

ADMIN=""
if [[ -n "$STAFF_PASSWORD" ]]; then
  STEP="staff log in and find the customer"
  call POST /api/admin/auth/login "{\"email\": \"$STAFF_EMAIL\", \"password\": \"$STAFF_PASSWORD\"}"
  expect 200
  ADMIN="$(json access_token)"
  call GET "/api/admin/customers?search=$EMAIL" "" "$ADMIN"
  expect 200
  [[ "$(json items.0.email)" == "$EMAIL" && -z "$(json items.1.email)" ]] ||
    fail "the admin API does not list exactly the new customer: $(json items)"
fi

STEP="erase the account (GDPR)"
call POST /api/store/auth/login "$CREDENTIALS"
expect 200
ACCESS="$(json access_token)"
call DELETE /api/store/me "{\"password\": \"$PASSWORD\"}" "$ACCESS"
expect 204
ERASED=1

STEP="the erased account cannot log in"
call POST /api/store/auth/login "$CREDENTIALS"
expect 401 invalid_credentials

if [[ -n "$ADMIN" ]]; then
  STEP="staff see no customer with that email"
  call GET "/api/admin/customers?search=$EMAIL" "" "$ADMIN"
  expect 200
  [[ "$(json items)" == "[]" ]] || fail "the erased customer is still listed: $(json items)"
fi

echo "Smoke test passed ($EMAIL, registered and erased)."
