"""The voucher rules: check_voucher's error codes and redeem_voucher's limits, also when 20
buyers redeem at once."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from mercato.core.errors import DomainError
from mercato.pricing import services
from mercato.pricing.models import Voucher, VoucherRedemption
from mercato.pricing.tests.conftest import ago, later, make_voucher, pricing_state
from tests.support import UserFactory


def check(code: str = "SAVE10", subtotal: str = "100.00", quantity: int = 3, **kwargs):
    params = {"user_id": None, "email": "ann@example.com", "now": timezone.now(), **kwargs}
    return services.check_voucher(
        code=code, subtotal=Decimal(subtotal), quantity=quantity, **params
    )


def redeem(voucher: Voucher, order: str, email: str = "ann@example.com", user_id=None):
    return services.redeem_voucher(
        voucher_id=voucher.pk, user_id=user_id, email=email, order_reference=order
    )


def refused_code(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as refused:
        call(*args, **kwargs)
    return refused.value.code


# --- check_voucher --------------------------------------------------------------------------


def test_a_usable_voucher_is_found_whatever_the_case_of_the_code(db):
    voucher = make_voucher("SAVE10")

    assert check(" save10 ") == voucher


@pytest.mark.parametrize(
    ("voucher", "call", "code"),
    [
        ({}, {"code": "NOPE"}, "voucher_not_found"),
        ({"is_active": False}, {}, "voucher_inactive"),
        ({"starts_at": later(days=1)}, {}, "voucher_not_started"),
        ({"starts_at": ago(days=9), "ends_at": ago(days=1)}, {}, "voucher_expired"),
        ({"min_subtotal": "50.00"}, {"subtotal": "49.99"}, "voucher_min_subtotal"),
        ({"min_quantity": 4}, {"quantity": 3}, "voucher_min_quantity"),
    ],
)
def test_each_rule_refuses_with_its_code(db, voucher, call, code):
    make_voucher("SAVE10", **voucher)

    assert refused_code(check, **call) == code


def test_the_limits_are_reached_exactly(db):
    make_voucher("SAVE10", min_subtotal="50.00", min_quantity=3)

    assert check(subtotal="50.00", quantity=3).code == "SAVE10"


def test_a_used_up_voucher_is_refused(db):
    voucher = make_voucher("ONCE", usage_limit=1)
    redeem(voucher, "#1", email="bob@example.com")

    assert refused_code(check, "ONCE") == "voucher_used_up"


def test_the_per_customer_limit_knows_a_customer_by_email_or_account(db):
    customer = UserFactory()
    voucher = make_voucher("WELCOME", usage_limit_per_customer=1)
    redeem(voucher, "#1", email="Ann@Example.com", user_id=customer.pk)

    assert refused_code(check, "WELCOME", email="ann@example.com") == "voucher_limit_per_customer"
    assert (
        refused_code(check, "WELCOME", email="new@example.com", user_id=customer.pk)
        == "voucher_limit_per_customer"
    )
    assert check("WELCOME", email="bob@example.com") == voucher


# --- redeem_voucher -------------------------------------------------------------------------


def test_redeeming_counts_one_use_and_a_replay_for_the_same_order_counts_none(db):
    voucher = make_voucher("SAVE10", usage_limit=5)

    first = redeem(voucher, "#1001")
    again = redeem(voucher, "#1001")

    assert again.pk == first.pk
    voucher.refresh_from_db()
    assert voucher.times_used == 1
    assert list(VoucherRedemption.objects.values_list("email", "order_reference")) == [
        ("ann@example.com", "#1001")
    ]


def test_redeeming_a_used_up_voucher_is_refused_and_changes_nothing(db):
    voucher = make_voucher("ONCE", usage_limit=1)
    redeem(voucher, "#1")
    before = pricing_state()

    assert refused_code(redeem, voucher, "#2", email="bob@example.com") == "voucher_used_up"
    assert pricing_state() == before


def test_redeeming_beyond_the_per_customer_limit_is_refused(db):
    voucher = make_voucher("WELCOME", usage_limit_per_customer=2)
    redeem(voucher, "#1")
    redeem(voucher, "#2")

    assert refused_code(redeem, voucher, "#3") == "voucher_limit_per_customer"
    assert refused_code(redeem, voucher, "#4", email="") == "email_required"
    assert Voucher.objects.get().times_used == 2


def test_redeeming_an_expired_voucher_is_refused(db):
    voucher = make_voucher("OLD", starts_at=ago(days=9), ends_at=ago(days=1))

    assert refused_code(redeem, voucher, "#1") == "voucher_expired"
    assert not VoucherRedemption.objects.exists()


def test_the_database_refuses_more_uses_than_the_limit(db):
    voucher = make_voucher("ONCE", usage_limit=1)

    with pytest.raises(IntegrityError, match="voucher_used_within_limit"), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(times_used=2)


# --- concurrency ----------------------------------------------------------------------------


def _race(voucher_id: int, buyers: int, *, same_customer: bool) -> list[str]:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the in-memory SQLite test database (shared cache) fails a concurrent writer at "
            "once instead of waiting; set SQLITE_TEST_NAME to a file to run this on SQLite"
        )
    barrier = threading.Barrier(buyers)
    outcomes: list[str] = []

    def buy(n: int) -> None:
        try:
            barrier.wait()
            services.redeem_voucher(
                voucher_id=voucher_id,
                user_id=None,
                email="same@example.com" if same_customer else f"buyer{n}@example.com",
                order_reference=f"#{n}",
            )
            outcomes.append("redeemed")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_buyers_of_a_single_use_voucher_redeem_it_once():
    voucher = make_voucher("LAST", usage_limit=1)

    outcomes = _race(voucher.pk, 20, same_customer=False)

    assert outcomes == ["redeemed"] + ["voucher_used_up"] * 19
    assert Voucher.objects.get(pk=voucher.pk).times_used == 1
    assert VoucherRedemption.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_orders_of_one_customer_respect_the_per_customer_limit():
    voucher = make_voucher("WELCOME", usage_limit_per_customer=1)

    outcomes = _race(voucher.pk, 20, same_customer=True)

    assert outcomes == ["redeemed"] + ["voucher_limit_per_customer"] * 19
    assert Voucher.objects.get(pk=voucher.pk).times_used == 1
    assert VoucherRedemption.objects.count() == 1
