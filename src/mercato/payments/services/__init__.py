"""Every money movement of an order: one function per business action, one module per
concern.

- `checks`: card numbers (never accepted), amounts, free text, idempotency keys.
- `bookkeeping`: the locks, the `Transaction` record of each provider attempt, the order's
  payment totals, the timeline data, the audit log.
- `start`: start a payment (authorise, maybe capture), confirm one waiting for 3-D Secure.
- `capture_void_refund`: capture, void, refund and mark paid one payment.
- `order_money`: all of an order's money back (cancellation), or an amount over its payments.
- `order_flows`: the flows that span orders and payments: cancel an order, refund a return.
- `webhooks`: a provider's signed events.

Each public function takes keyword arguments, owns its transaction, locks the order
(`lock_order`) and then the payment, in that fixed order, calls the provider, records a
`Transaction` for the attempt (successful or not), and then brings the order up to date: its
payment totals and status (`sync_payment_totals`), its timeline (`record_order_event`) and the
domain events. Staff and app actions land in the audit log.

Idempotency: capture, void, refund and mark-paid take an `idempotency_key`. A second call with
the same key on the same payment returns the first call's transaction and does nothing again
(the same key with another amount is refused). `refund_order` is idempotent per `reference`.

The built-in providers answer in-process, so the provider call runs inside the transaction. A
provider reached over the network should record the intent, call outside the transaction and
record the result (see docs/payments.md).
"""

from mercato.payments.services.capture_void_refund import (
    capture_payment,
    mark_paid,
    refund_payment,
    void_payment,
)
from mercato.payments.services.checks import clean_amount, looks_like_card_number, reject_card_data
from mercato.payments.services.order_flows import cancel_order, refund_return
from mercato.payments.services.order_money import refund_order, release_order_payments
from mercato.payments.services.start import confirm_payment, start_payment
from mercato.payments.services.webhooks import handle_webhook

__all__ = [
    "cancel_order",
    "capture_payment",
    "clean_amount",
    "confirm_payment",
    "handle_webhook",
    "looks_like_card_number",
    "mark_paid",
    "refund_order",
    "refund_payment",
    "refund_return",
    "reject_card_data",
    "release_order_payments",
    "start_payment",
    "void_payment",
]
