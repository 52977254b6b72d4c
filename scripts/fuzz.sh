#!/usr/bin/env bash
# Schemathesis over every operation of a RUNNING Mercato's OpenAPI document: anonymously, with a
# customer's access token, then with a staff token. Every response must match the document:
# no server error, the documented status codes, content types and schemas.
#
#   BASE_URL=http://127.0.0.1:8000 STAFF_PASSWORD=… scripts/fuzz.sh
#   scripts/with-server.sh scripts/fuzz.sh      (what .ci/live-checks does, last)
#
# Run it against a test server only: it registers a customer, places orders, and the staff
# phase creates, changes and deletes catalogue, pricing and shipping data at random. The server
# must run with RATE_LIMITS_ENABLED=false (a fuzzer is a card tester to the rate limits).
#
# Environment (all optional but STAFF_PASSWORD):
#   BASE_URL               the server (default http://127.0.0.1:8000)
#   STAFF_EMAIL            a staff account with the Owner role (default admin@example.com)
#   STAFF_PASSWORD         its password (as scripts/with-server.sh sets it)
#   FUZZ_MAX_EXAMPLES      test cases per operation and phase (default 5)
#   FUZZ_PHASE_SECONDS     the time budget of each of the three runs (default 75)
#   FUZZ_SEED              schemathesis's random seed (default: a new one, printed)
#   FUZZ_REPORT_DIR        where the JUnit reports go (default: a temporary folder)
#   SCHEMATHESIS           the schemathesis command (default .venv/bin/schemathesis)
# Exit status: 0 when no run found a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL="${BASE_URL:-http://127.0.0.1:8000}"
export BASE_URL
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-5}"
PHASE_SECONDS="${FUZZ_PHASE_SECONDS:-75}"
SEED="${FUZZ_SEED:-$RANDOM$RANDOM}"
SCHEMATHESIS="${SCHEMATHESIS:-.venv/bin/schemathesis}"
if [[ ! -x "$SCHEMATHESIS" ]] && ! command -v "$SCHEMATHESIS" >/dev/null; then
  echo "fuzz: $SCHEMATHESIS is missing (make install, or set SCHEMATHESIS)" >&2
  exit 2
fi
REPORTS="${FUZZ_REPORT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mercato-fuzz.XXXXXX")}"
mkdir -p "$REPORTS"

echo "fuzz: seeding orders, payments and returns at $BASE_URL"
SEEDED="$(python3 scripts/fuzz_seed.py)" || { echo "fuzz: the seed failed" >&2; exit 1; }
CUSTOMER_TOKEN="$(sed -n 's/^CUSTOMER_TOKEN=//p' <<<"$SEEDED")"
STAFF_TOKEN="$(sed -n 's/^STAFF_TOKEN=//p' <<<"$SEEDED")"
[[ -n "$CUSTOMER_TOKEN" && -n "$STAFF_TOKEN" ]] || { echo "fuzz: no tokens from the seed" >&2; exit 1; }

CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

# run NAME [schemathesis arguments…]: one schemathesis run over the document.
failed=()
run() {
  local name="$1" started=$SECONDS status=0
  shift
  echo "fuzz: --- $name (seed $SEED, at most $MAX_EXAMPLES examples per operation, ${PHASE_SECONDS} s)"
  SCHEMATHESIS_HOOKS=fuzz_hooks PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}" \
    "$SCHEMATHESIS" run "$BASE_URL/api/openapi.json" \
    --checks "$CHECKS" \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$PHASE_SECONDS" \
    --seed "$SEED" \
    --workers 1 \
    --request-timeout 30 \
    --suppress-health-check all \
    --no-shrink \
    --report junit --report-junit-path "$REPORTS/$name.xml" \
    "$@" || status=$?
  echo "fuzz: --- $name: exit $status in $((SECONDS - started)) s"
  if [[ "$status" != 0 ]]; then failed+=("$name"); fi
}

# Signing out or erasing the account would end the token's session half-way through its run;
# those operations get their turn in the anonymous run.
run anonymous
run customer -H "Authorization: Bearer $CUSTOMER_TOKEN" --include-path-regex '^/api/store/' \
  --exclude-operation-id mercato_accounts_api_logout \
  --exclude-operation-id mercato_customers_api_erase_account
# Last: the staff run changes and deletes shop data at random.
run staff -H "Authorization: Bearer $STAFF_TOKEN" \
  --include-path-regex '^/api/admin/' \
  --exclude-operation-id mercato_accounts_api_staff_logout

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (reports: $REPORTS)" >&2
  exit 1
fi
echo "fuzz: 0 failures (reports: $REPORTS)"
