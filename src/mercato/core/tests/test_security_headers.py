"""Security headers on every surface: nosniff and frame-deny everywhere, a CSP for HTML,
HSTS only in production."""

import pytest

from mercato.core.middleware import ADMIN_CSP, API_CSP

pytestmark = pytest.mark.django_db


def assert_baseline(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_api_responses_carry_the_baseline_and_a_deny_all_csp(api, customer_token):
    response = api.get_json("/api/store/me", token=customer_token)

    assert response.status_code == 200
    assert_baseline(response)
    assert response["Content-Security-Policy"] == API_CSP


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/nope", 404),
        ("delete", "/api/store/auth/login", 405),
        ("post", "/api/store/auth/login", 422),
        ("get", "/api/store/me", 401),
    ],
)
def test_api_errors_carry_the_headers_too(api, method, path, status):
    response = api.call(method, path, {})

    assert response.status_code == status
    assert_baseline(response)
    assert response["Content-Security-Policy"] == API_CSP


def test_a_refused_body_carries_the_headers_too(api, settings):
    settings.MAX_REQUEST_BODY_BYTES = 10

    response = api.post_json("/api/store/auth/login", {"email": "a" * 50})

    assert response.status_code == 413
    assert_baseline(response)


def test_the_admin_login_page_has_a_strict_csp(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert_baseline(response)
    assert response["Content-Security-Policy"] == ADMIN_CSP
    assert "frame-ancestors 'none'" in ADMIN_CSP
    assert "object-src 'none'" in ADMIN_CSP


def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    secure = client.get("/health/live", secure=True)
    plain = client.get("/health/live")

    assert secure["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert "Strict-Transport-Security" not in plain


def test_no_hsts_without_the_setting(client, settings):
    settings.SECURE_HSTS_SECONDS = 0

    assert "Strict-Transport-Security" not in client.get("/health/live", secure=True)
