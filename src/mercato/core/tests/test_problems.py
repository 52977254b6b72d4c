"""Every API error is an RFC 9457 problem document with a stable code, and bad input changes
nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mercato.accounts.models import User
from mercato.core import idempotency
from mercato.core.tests.helpers import assert_problem, error_fields

REGISTER = "/api/store/auth/register"
VALID = {"email": "ada@example.com", "password": "Sup3r-secret-pw"}


@pytest.mark.parametrize("path", ["/api/nope", "/api/store/nope", "/api/admin/nope/1"])
def test_unknown_url_under_api_is_a_not_found_problem(api, db, path):
    assert_problem(api.get_json(path), 404, "not_found")


def test_wrong_method_is_a_problem_with_the_allowed_methods(api, db):
    response = api.delete_json("/api/store/auth/login")

    body = assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"
    assert body["allowed"] == ["POST"]


@pytest.mark.parametrize(
    "raw",
    [
        '{"email": "ada@example.com",',
        "not json at all",
        '["ada@example.com", "Sup3r-secret-pw"]',
        '"a string"',
        "null",
        '{"email": "ada@example.com", "password": NaN}',
        b'{"email": "\xff\xfe"}',
    ],
    ids=["truncated", "text", "array", "string", "null", "nan", "not-utf8"],
)
def test_a_body_that_is_not_a_json_object_is_malformed_and_changes_nothing(api, db, raw):
    assert_problem(api.post_json(REGISTER, raw=raw), 400, "malformed_json")
    assert not User.objects.exists()


def test_wrong_types_name_each_failing_field(api, db):
    response = api.post_json(REGISTER, {"email": 5, "password": ["x"], "marketing_opt_in": "maybe"})

    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"email", "password", "marketing_opt_in"}
    assert {error["in"] for error in body["errors"]} == {"body"}
    assert not User.objects.exists()


def test_a_missing_field_is_named(api, db):
    body = assert_problem(
        api.post_json(REGISTER, {"email": VALID["email"]}), 422, "validation_error"
    )
    assert error_fields(body) == {"password"}


def test_unknown_fields_are_refused(api, db):
    response = api.post_json(REGISTER, {**VALID, "is_staff": True})

    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"is_staff"}
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "a" * 151),
        ("email", "a" * 250 + "@example.com"),
        ("password", "p" * 10_000),
        ("marketing_opt_in", 10**400),
    ],
    ids=["long-name", "long-email", "long-password", "huge-number"],
)
def test_overlong_strings_and_huge_numbers_are_validation_errors(api, db, field, value):
    body = assert_problem(api.post_json(REGISTER, {**VALID, field: value}), 422, "validation_error")
    assert error_fields(body) == {field}
    assert not User.objects.exists()


def test_a_huge_number_in_the_query_is_a_validation_error(api, customer_token):
    response = api.get_json("/api/store/me/addresses", {"limit": 10**30}, token=customer_token)

    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"limit"}
    assert body["errors"][0]["in"] == "query"


def test_an_unhandled_error_in_a_view_is_a_500_problem_without_details(api, db, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("mercato.accounts.services.request_password_reset", explode)
    api.raise_request_exception = False

    response = api.post_json("/api/store/auth/password/reset", {"email": VALID["email"]})

    assert_problem(response, 500, "server_error")
    assert b"secret detail" not in response.content
    assert b"Traceback" not in response.content
    assert b"RuntimeError" not in response.content


def test_an_unhandled_error_outside_the_api_handlers_is_a_500_problem(api, db, monkeypatch):
    def explode(request):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(idempotency, "_caller", explode)
    api.raise_request_exception = False

    response = api.post_json(REGISTER, VALID, headers={"Idempotency-Key": "k1"})

    assert_problem(response, 500, "server_error")
    assert b"secret detail" not in response.content
    assert b"Traceback" not in response.content
    assert not User.objects.exists()


def _padded(size: int) -> str:
    """A valid registration body of exactly `size` bytes (JSON whitespace pads it)."""
    body = json.dumps(VALID)
    return body[:-1] + " " * (size - len(body)) + "}"


def test_a_body_above_the_limit_is_refused_before_anything_runs(api, db, settings):
    settings.MAX_REQUEST_BODY_BYTES = 512

    response = api.post_json(REGISTER, raw=_padded(513))

    assert_problem(response, 413, "payload_too_large")
    assert not User.objects.exists()


def test_a_file_upload_has_its_own_larger_limit(api, db, settings):
    settings.MAX_REQUEST_BODY_BYTES = 512
    settings.MAX_UPLOAD_BYTES = 4096
    small = SimpleUploadedFile("a.csv", b"x" * 1000)
    big = SimpleUploadedFile("b.csv", b"x" * 5000)

    within = api.post("/api/store/auth/login", {"file": small})
    above = api.post("/api/store/auth/login", {"file": big})

    assert within.status_code != 413  # refused later for its content, not its size
    assert_problem(above, 413, "payload_too_large")


def test_a_body_at_the_limit_is_accepted(api, db, settings):
    settings.MAX_REQUEST_BODY_BYTES = 512

    response = api.post_json(REGISTER, raw=_padded(512))

    assert response.status_code == 202, response.content
    assert User.objects.filter(email=VALID["email"]).exists()


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": "big-1"}], ids=["plain", "idem"])
def test_a_body_above_djangos_upload_limit_is_a_413_problem(api, db, settings, headers):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64

    response = api.post_json(REGISTER, raw=_padded(200), headers=headers)

    assert_problem(response, 413, "payload_too_large")
    assert not User.objects.exists()


def test_a_content_length_that_is_not_a_number_is_refused(api, db):
    response = api.post(
        REGISTER, json.dumps(VALID), content_type="application/json", CONTENT_LENGTH="lots"
    )

    assert_problem(response, 400, "bad_content_length")
    assert not User.objects.exists()


def test_an_error_extra_may_not_take_a_problem_member_name():
    # `status=` as an extra would collide with the document's own status and give a 500
    from mercato.core.errors import Conflict

    with pytest.raises(TypeError, match="status"):
        Conflict("No.", status="cancelled")
    assert Conflict("No.", order_status="cancelled").extra == {"order_status": "cancelled"}
