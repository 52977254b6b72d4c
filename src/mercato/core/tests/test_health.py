"""Liveness and readiness probes."""

from mercato.core.tests.helpers import assert_problem


def test_live_answers_without_the_database(api):
    response = api.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_database_and_cache(api, db):
    response = api.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


def test_ready_is_503_when_the_cache_is_unreachable(api, db, broken_cache):
    response = api.get("/health/ready")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable"},
    }


def test_ready_works_on_a_real_redis(api, db, redis_cache):
    response = api.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["checks"]["cache"] == "ok"


def test_probes_take_only_get(api, db):
    response = api.post("/health/ready")

    assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
