"""Card numbers never reach the database or the logs."""

import logging

import pytest
from django.apps import apps
from django.db import connection

from mercato.payments.models import Payment
from mercato.payments.services import looks_like_card_number
from tests.support.orders import make_order

PAN = "4242424242424242"


@pytest.mark.parametrize(
    "value",
    [
        PAN,
        "4242 4242 4242 4242",
        "4242-4242-4242-4242",
        "tok_4242424242424242",
        "5555555555554444",
        "378282246310005",  # Amex, 15 digits
        "4222222222222",  # 13 digits
        "6011111111111117",
    ],
)
def test_card_numbers_are_recognised(value):
    assert looks_like_card_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "tok_visa",
        "1234567812345678",  # fails Luhn
        "424242424242",  # 12 digits
        "42424242424242424242",  # 20 digits
        "",
        "2024-01-15",
        "ch_123",
    ],
)
def test_other_strings_are_not_card_numbers(value):
    assert not looks_like_card_number(value)


def _database_contains(needle: str) -> list[str]:
    """Every table whose rows, as text, hold `needle`."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in connection.introspection.table_names(cursor):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                if any(needle in str(value) for value in row):
                    found.append(table)
                    break
    return found


@pytest.mark.parametrize(
    ("field", "value"),
    [("token", PAN), ("token", "4242 4242 4242 4242"), ("token", "tok_4242424242424242")],
)
def test_a_card_number_is_refused_and_stored_nowhere(
    api, caplog, customer, customer_token, field, value
):
    order = make_order(user=customer).order
    with caplog.at_level(logging.DEBUG):
        response = api.post_json(
            f"/api/store/orders/{order.public_id}/payments",
            {"provider": "test", field: value},
            token=customer_token,
            headers={"Idempotency-Key": "card-1"},
        )
    assert response.status_code == 422
    assert response.json()["code"] == "card_data_not_accepted"
    assert response.json()["errors"][0]["field"] == "token"
    digits = value.replace(" ", "").replace("-", "").removeprefix("tok_")
    assert digits not in response.content.decode()
    assert not Payment.objects.exists()
    assert _database_contains(digits) == []
    assert _database_contains(value) == []
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'request', '')}" for r in caplog.records
    )
    assert digits not in logged and value not in logged


def test_card_numbers_in_a_refund_reason_are_refused(api, owner_token, order, settings):
    from mercato.payments import services

    payment = services.start_payment(order=order, provider="test", token="tok_visa")
    response = api.post_json(
        f"/api/admin/payments/{payment.public_id}/refund",
        {"amount": "1.00", "reason": f"card {PAN}"},
        token=owner_token,
    )
    assert (response.status_code, response.json()["code"]) == (422, "card_data_not_accepted")
    assert _database_contains(PAN) == []
