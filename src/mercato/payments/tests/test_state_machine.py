"""A stateful property test: random sequences of authorise, capture, void and refund on a
real order, checked after every step against a model of what the amounts must be."""

from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mercato.audit.services import Actor
from mercato.core.errors import DomainError
from mercato.orders.models import OrderEvent
from mercato.payments import services
from mercato.payments.models import Payment, Transaction
from tests.support.orders import make_order

ZERO = Decimal("0")
TOTAL = Decimal("59.90")
STAFF = Actor(label="property-test", source="admin_api")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80"), places=2)
hows = st.sampled_from(["all", "half", "over", "random", "random"])
bad_amounts = st.sampled_from([Decimal("0"), Decimal("-1"), Decimal("0.001"), Decimal("1e12")])


class PaymentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.order = make_order().order
        self.model: dict[int, dict[str, Decimal]] = {}  # payment pk -> expected amounts
        self.last_capture: tuple[int, str, Decimal, int] | None = None

    # --- the model ---------------------------------------------------------------------

    def capturable(self, pk: int) -> Decimal:
        m = self.model[pk]
        return m["amount"] - m["captured"] - m["voided"]

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        charged = sum((m["captured"] for m in self.model.values()), ZERO)
        refunded = sum((m["refunded"] for m in self.model.values()), ZERO)
        authorized = sum((self.capturable(pk) for pk in self.model), ZERO)
        return authorized, charged, refunded

    def expected_payment_status(self) -> str:
        authorized, charged, refunded = self.totals()
        if charged > 0 and refunded >= charged and authorized <= 0:
            return "refunded"
        if refunded > 0:
            return "partially_refunded"
        if charged > 0:
            return "charged" if charged >= TOTAL else "partially_charged"
        return "authorized" if authorized > 0 else "not_charged"

    def due(self) -> Decimal:
        return TOTAL - sum((m["amount"] - m["voided"] for m in self.model.values()), ZERO)

    def state(self) -> tuple:
        self.order.refresh_from_db()
        rows = tuple(
            Payment.objects.filter(order=self.order)
            .order_by("pk")
            .values_list("status", "captured_amount", "refunded_amount", "voided_amount")
        )
        return (
            rows,
            self.order.payment_status,
            self.order.total_charged,
            self.order.total_refunded,
            self.order.total_authorized,
            Transaction.objects.filter(payment__order=self.order).count(),
            OrderEvent.objects.filter(order=self.order).count(),
        )

    def attempt(self, legal: bool, call) -> object:
        """Run `call`: a legal operation must succeed, an illegal one must be refused with a
        4xx problem and change nothing."""
        before = self.state()
        if legal:
            result = call()
            if isinstance(result, Transaction):
                assert result.success
            return result
        try:
            call()
        except DomainError as exc:
            assert 400 <= exc.status < 500, exc
        else:
            raise AssertionError("an illegal operation was accepted")
        assert self.state() == before
        return None

    @staticmethod
    def pick(how: str, limit: Decimal, amount: Decimal) -> Decimal:
        """An amount at, within or just over `limit` (where the bugs hide), or any."""
        chosen = {
            "all": limit,
            "half": (limit / 2).quantize(Decimal("0.01")),
            "over": limit + Decimal("0.01"),
        }.get(how, amount)
        return max(chosen, Decimal("0.01"))

    def payment(self, index: int) -> Payment:
        pks = sorted(self.model)
        return Payment.objects.get(pk=pks[index % len(pks)])

    # --- rules -------------------------------------------------------------------------

    @initialize(amount=amounts, how=hows)
    def authorize_first(self, amount: Decimal, how: str) -> None:
        self.start(amount, how)

    @rule(amount=amounts, how=hows)
    def start(self, amount: Decimal, how: str) -> None:
        amount = self.pick(how, self.due(), amount)
        legal = amount <= self.due() and self.expected_payment_status() != "refunded"
        payment = self.attempt(
            legal,
            lambda: services.start_payment(
                order=self.order, provider="test", token="tok_visa", amount=amount, capture=False
            ),
        )
        if payment is not None:
            assert payment.status == Payment.Status.AUTHORIZED
            self.model[payment.pk] = {
                "amount": amount,
                "captured": ZERO,
                "refunded": ZERO,
                "voided": ZERO,
            }

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 5), amount=st.one_of(st.none(), amounts), how=hows)
    def capture(self, index: int, amount: Decimal | None, how: str) -> None:
        payment = self.payment(index)
        capturable = self.capturable(payment.pk)
        if amount is not None:
            amount = self.pick(how, capturable, amount)
        wanted = capturable if amount is None else amount
        legal = 0 < wanted <= capturable and self.expected_payment_status() != "refunded"
        key = f"cap-{len(self.model)}-{Transaction.objects.count()}"
        txn = self.attempt(
            legal,
            lambda: services.capture_payment(
                payment=payment, amount=amount, actor=STAFF, idempotency_key=key
            ),
        )
        if txn is not None:
            self.model[payment.pk]["captured"] += wanted
            self.last_capture = (payment.pk, key, wanted, txn.pk)

    @precondition(lambda self: self.last_capture is not None)
    @rule()
    def replay_capture(self) -> None:
        pk, key, amount, first = self.last_capture
        before = self.state()
        txn = services.capture_payment(
            payment=Payment.objects.get(pk=pk), amount=amount, actor=STAFF, idempotency_key=key
        )
        assert txn.pk == first
        assert self.state() == before

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 5))
    def void(self, index: int) -> None:
        payment = self.payment(index)
        capturable = self.capturable(payment.pk)
        txn = self.attempt(
            capturable > 0, lambda: services.void_payment(payment=payment, actor=STAFF)
        )
        if txn is not None:
            self.model[payment.pk]["voided"] += capturable

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 5), amount=amounts, how=hows)
    def refund(self, index: int, amount: Decimal, how: str) -> None:
        payment = self.payment(index)
        m = self.model[payment.pk]
        amount = self.pick(how, m["captured"] - m["refunded"], amount)
        legal = amount <= m["captured"] - m["refunded"]
        txn = self.attempt(
            legal,
            lambda: services.refund_payment(payment=payment, amount=amount, actor=STAFF),
        )
        if txn is not None:
            m["refunded"] += amount

    @precondition(lambda self: self.model)
    @rule(amount=amounts, how=hows)
    def refund_order(self, amount: Decimal, how: str) -> None:
        _, charged, refunded = self.totals()
        amount = self.pick(how, charged - refunded, amount)
        txns = self.attempt(
            amount <= charged - refunded,
            lambda: services.refund_order(order=self.order, amount=amount, actor=STAFF),
        )
        for txn in txns or []:
            self.model[txn.payment_id]["refunded"] += txn.amount
        if txns is not None:
            assert sum((t.amount for t in txns), ZERO) == amount

    @precondition(lambda self: self.model)
    @rule(index=st.integers(0, 5), amount=bad_amounts, what=st.sampled_from(["capture", "refund"]))
    def bad_amount(self, index: int, amount: Decimal, what: str) -> None:
        payment = self.payment(index)
        call = services.capture_payment if what == "capture" else services.refund_payment
        self.attempt(False, lambda: call(payment=payment, amount=amount, actor=STAFF))

    @precondition(lambda self: self.model)
    @rule()
    def release_everything(self) -> None:
        services.release_order_payments(order=self.order, actor=STAFF)
        for pk, m in self.model.items():
            m["voided"] += self.capturable(pk)
            m["refunded"] = m["captured"]

    # --- what must always hold ---------------------------------------------------------

    @invariant()
    def amounts_add_up(self) -> None:
        self.order.refresh_from_db()
        payments = list(Payment.objects.filter(order=self.order))
        for p in payments:
            assert 0 <= p.refunded_amount <= p.captured_amount <= p.amount - p.voided_amount
            m = self.model[p.pk]
            assert (p.captured_amount, p.refunded_amount, p.voided_amount) == (
                m["captured"],
                m["refunded"],
                m["voided"],
            )
            assert p.status == p.derive_status()
        authorized, charged, refunded = self.totals()
        assert self.order.total_charged == sum((p.captured_amount for p in payments), ZERO)
        assert self.order.total_refunded == sum((p.refunded_amount for p in payments), ZERO)
        assert (self.order.total_authorized, self.order.total_charged) == (authorized, charged)
        assert self.order.total_refunded == refunded
        assert self.order.payment_status == self.expected_payment_status()


def test_payment_operations_keep_the_money_rules(db):
    run_state_machine_as_test(
        PaymentMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
