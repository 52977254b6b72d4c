"""Fixtures of the order tests: a staff actor, the state of every order and stock table (to
prove that refused input changed nothing), and tokens for the admin API."""

from collections.abc import Callable
from typing import Any

import pytest

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import Actor
from mercato.core.models import Event
from mercato.inventory.models import Allocation, Stock, StockMovement
from mercato.orders.models import (
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderEvent,
    OrderLine,
    Return,
    ReturnLine,
)
from mercato.payments.models import Payment, Transaction


@pytest.fixture(autouse=True)
def _payment_providers(settings):
    """The simulated card processor, capturing at once."""
    settings.PAYMENT_PROVIDERS = ["manual", "test"]
    settings.PAYMENT_AUTO_CAPTURE = True
    settings.PAYMENT_TEST_WEBHOOK_SECRET = "whsec_test_secret"


def pay(order: Order, *, capture: bool = True) -> Order:
    """Pay what the order owes with the test card (captured, or only authorised)."""
    from mercato.payments.services import start_payment

    payment = start_payment(order=order, provider="test", token="tok_visa", capture=capture)
    assert payment.status == ("captured" if capture else "authorized"), payment.status
    order.refresh_from_db()
    return order


@pytest.fixture
def staff_actor(owner) -> Actor:
    return Actor(user_id=owner.pk, label=owner.email, source="admin_api")


def _rows(model, *fields: str) -> list[tuple]:
    return list(model.objects.order_by("pk").values_list("pk", *fields))


def database_state() -> dict[str, Any]:
    """Everything fulfilment, cancellation and returns may touch."""
    return {
        "orders": _rows(
            Order,
            "status",
            "payment_status",
            "total_charged",
            "total_refunded",
            "cancelled_at",
            "updated_at",
        ),
        "lines": _rows(OrderLine, "quantity_fulfilled", "quantity_returned"),
        "fulfilments": _rows(
            Fulfilment, "status", "carrier", "tracking_number", "tracking_url", "shipped_at"
        ),
        "fulfilment_lines": _rows(FulfilmentLine, "order_line_id", "stock_id", "quantity"),
        "returns": _rows(Return, "status", "staff_note", "refund_amount", "refund_shipping"),
        "return_lines": _rows(ReturnLine, "quantity", "restock", "warehouse_id"),
        "stocks": _rows(Stock, "quantity", "quantity_allocated"),
        "allocations": _rows(Allocation, "stock_id", "line_reference", "quantity"),
        "movements": StockMovement.objects.count(),
        "payments": _rows(Payment),
        "transactions": _rows(Transaction),
        "order_events": OrderEvent.objects.count(),
        "events": Event.objects.count(),
        "audit": AuditLogEntry.objects.count(),
    }


@pytest.fixture
def db_state() -> Callable[[], dict[str, Any]]:
    return database_state
