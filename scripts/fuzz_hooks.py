"""Schemathesis hooks for scripts/fuzz.sh (loaded through SCHEMATHESIS_HOOKS=fuzz_hooks).

Every POST carries a fresh, valid Idempotency-Key: a key the fuzzer made up could repeat one it
sent with another body (a 422 `idempotency_key_reused` that tells nothing about the operation)
or replay a first answer instead of testing the request."""

import uuid

import schemathesis


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.method.upper() != "POST":
        return
    if case.headers is None:
        case.headers = {}
    case.headers["Idempotency-Key"] = str(uuid.uuid4())
