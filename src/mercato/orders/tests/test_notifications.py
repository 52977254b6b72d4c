"""Order emails: each domain event sends its email through the worker, once, with the order's
data (escaped in HTML), and notes it on the order's timeline. The events are recorded here
directly (the services that record them in real life are tested in their own modules)."""

import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mercato.core.emails import MAX_ATTEMPTS
from mercato.core.events import dispatch_event, record_event
from mercato.core.models import EmailMessageLog, Event
from mercato.orders.models import Fulfilment, FulfilmentLine, Order, OrderEvent, Return, ReturnLine
from mercato.orders.tasks import is_undeliverable, order_link, send_order_email
from tests.support import run_tasks
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db


def html_of(message) -> str:
    (content, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return content


def emails_sent(order: Order) -> list[dict]:
    return list(
        OrderEvent.objects.filter(order=order, type=OrderEvent.Type.EMAIL_SENT).values_list(
            "data", flat=True
        )
    )


@pytest.fixture
def placed():
    """A guest's order whose confirmation already went out (outbox emptied)."""
    placed = make_order(email="guest@example.com")
    run_tasks()
    mail.outbox.clear()
    return placed


def only_email():
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    return mail.outbox[0]


# --- each event, its email ------------------------------------------------------------------


def test_a_guest_gets_the_order_confirmation_with_a_token_link():
    placed = make_order(email="guest@example.com")
    order = placed.order

    run_tasks()

    message = only_email()
    assert message.to == ["guest@example.com"]
    assert message.subject == f"Your order #{order.number} at Mercato Demo Shop"
    link = f"http://localhost:3000/orders/{order.public_id}?token={order.guest_token}"
    assert order_link(order) == link
    for body in (message.body, html_of(message)):
        for v in placed.variants:
            assert v.sku in body
        assert "40.00 EUR" in body
        assert "4.90 EUR" in body
        assert "59.90 EUR" in body
        assert "Unter den Linden 1" in body
        assert "Ada Lovelace" in body
    assert link in message.body
    assert f'href="{link}"' in html_of(message)
    [sent] = emails_sent(order)
    assert sent["template"] == "order_confirmation"
    assert sent["event"] == "order.created"
    assert Event.objects.filter(pk=sent["event_id"], name="order.created").exists()
    assert EmailMessageLog.objects.get().template == "order_confirmation"


def test_a_customers_link_has_no_token(customer):
    order = make_order(user=customer).order
    run_tasks()
    message = only_email()
    assert message.to == [customer.email]
    assert f"http://localhost:3000/orders/{order.public_id}\n" in message.body
    assert order.guest_token not in message.body
    assert order.guest_token not in html_of(message)
    assert EmailMessageLog.objects.get().user_id == customer.pk


def test_payment_received(placed):
    order = placed.order
    Order.objects.filter(pk=order.pk).update(total_charged=Decimal("59.90"))
    record_event(
        "payment.captured", order_id=order.pk, payment_id=1, amount="59.90", currency="EUR"
    )
    run_tasks()

    message = only_email()
    assert message.subject == f"Payment received for order #{order.number}"
    assert "payment of 59.90 EUR" in message.body
    assert "paid in full" in message.body
    assert "59.90 EUR" in html_of(message)
    assert emails_sent(order)[-1]["template"] == "order_payment_received"


def test_a_partial_payment_says_what_is_still_due(placed):
    order = placed.order
    Order.objects.filter(pk=order.pk).update(total_charged=Decimal("50.00"))
    record_event("payment.captured", order_id=order.pk, payment_id=1, amount="50", currency="EUR")
    run_tasks()
    assert "Still to pay: 9.90 EUR" in only_email().body


def _shipped_parcel(placed, **fields) -> Fulfilment:
    order = placed.order
    fulfilment = Fulfilment.objects.create(
        order=order,
        number=1,
        warehouse=placed.warehouse,
        status=Fulfilment.Status.SHIPPED,
        shipped_at=timezone.now(),
        **{
            "carrier": "DHL",
            "tracking_number": "00340434161094042557",
            "tracking_url": "https://track.example.com/00340434161094042557",
            **fields,
        },
    )
    first_line = order.lines.first()
    FulfilmentLine.objects.create(fulfilment=fulfilment, order_line=first_line, quantity=2)
    return fulfilment


def test_shipped_with_tracking(placed):
    order = placed.order
    fulfilment = _shipped_parcel(placed)
    record_event("fulfilment.shipped", order_id=order.pk, fulfilment_id=fulfilment.pk)
    run_tasks()

    message = only_email()
    assert message.subject == f"Your order #{order.number} is on its way"
    html = html_of(message)
    assert "Carrier: DHL" in message.body
    assert "Tracking number: 00340434161094042557" in message.body
    assert "Track your parcel: https://track.example.com/00340434161094042557" in message.body
    assert 'href="https://track.example.com/00340434161094042557"' in html
    assert f"parcel {order.number}-1" in message.body
    in_parcel, not_in_parcel = placed.variants
    assert f"2 \N{MULTIPLICATION SIGN} {order.lines.first().product_name}" in message.body
    assert in_parcel.sku in message.body
    assert in_parcel.sku in html
    assert not_in_parcel.sku not in message.body
    assert emails_sent(order)[-1]["template"] == "order_shipped"


def test_no_email_when_staff_chose_not_to_notify(placed):
    order = placed.order
    fulfilment = _shipped_parcel(placed)
    record_event("fulfilment.shipped", order_id=order.pk, fulfilment_id=fulfilment.pk, notify=False)
    run_tasks()

    assert mail.outbox == []
    assert emails_sent(order)[-1]["template"] != "order_shipped"


def test_a_tracking_url_that_is_not_http_is_left_out(placed):
    fulfilment = _shipped_parcel(placed, tracking_url="javascript:alert(1)")
    record_event("fulfilment.shipped", order_id=placed.order.pk, fulfilment_id=fulfilment.pk)
    run_tasks()
    message = only_email()
    assert "javascript" not in message.body
    assert "javascript" not in html_of(message)
    assert "Tracking number: 00340434161094042557" in message.body


def test_cancelled(placed):
    order = placed.order
    Order.objects.filter(pk=order.pk).update(
        status=Order.Status.CANCELLED, cancelled_at=timezone.now(), total_charged=Decimal("59.90")
    )
    record_event("order.cancelled", order_id=order.pk)
    run_tasks()

    message = only_email()
    assert message.subject == f"Your order #{order.number} was cancelled"
    assert "What you paid (59.90 EUR) goes back to you" in message.body
    assert placed.variants[0].sku in html_of(message)
    assert emails_sent(order)[-1]["template"] == "order_cancelled"


def test_refund_issued(placed):
    order = placed.order
    Order.objects.filter(pk=order.pk).update(
        total_charged=Decimal("59.90"), total_refunded=Decimal("15.00")
    )
    record_event(
        "payment.refunded", order_id=order.pk, payment_id=1, amount="15.00", currency="EUR"
    )
    run_tasks()

    message = only_email()
    assert message.subject == f"Refund of 15.00 EUR for order #{order.number}"
    assert "refund of 15.00 EUR" in message.body
    assert "15.00 EUR of 59.90 EUR paid" in message.body
    assert "15.00 EUR" in html_of(message)
    assert emails_sent(order)[-1]["template"] == "order_refunded"


@pytest.mark.parametrize(
    ("status", "subject", "phrase"),
    [
        ("requested", "We received your return request for order", "We received your request"),
        ("approved", "Your return for order #{n} is approved", "Please send these items back"),
        ("rejected", "Your return for order #{n} was declined", "we cannot accept return 1"),
        ("received", "Your returned items for order #{n} arrived", "arrived at our warehouse"),
        ("refunded", "Your return for order #{n} is refunded", "We refunded 20.00 EUR"),
    ],
)
def test_return_status(placed, status, subject, phrase):
    order = placed.order
    order_return = Return.objects.create(
        order=order, number=1, status=status, reason="Too small", refund_amount=Decimal("20.00")
    )
    ReturnLine.objects.create(order_return=order_return, order_line=order.lines.first(), quantity=1)
    record_event(f"return.{status}", order_id=order.pk, return_id=order_return.pk)
    run_tasks()

    message = only_email()
    assert subject.format(n=order.number) in message.subject
    assert phrase in message.body
    assert phrase.replace("'", "&#x27;") in html_of(message)
    assert placed.variants[0].sku in message.body
    assert placed.variants[1].sku not in message.body
    [sent] = [data for data in emails_sent(order) if data["event"] == f"return.{status}"]
    assert sent["template"] == "order_return_update"


# --- once, and only to someone who can receive it -------------------------------------------


def test_no_email_twice_when_the_dispatch_runs_again(placed):
    order = placed.order
    event = record_event("order.cancelled", order_id=order.pk)
    run_tasks()
    assert len(mail.outbox) == 1

    # the dispatch runs again (e.g. the worker lost track of it) and so does the email task
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)
    dispatch_event.enqueue(event_id=str(event.pk))
    send_order_email.enqueue(order_id=order.pk, kind="cancelled", event_id=str(event.pk))
    run_tasks()

    assert len(mail.outbox) == 1
    assert [d["event_id"] for d in emails_sent(order)].count(str(event.pk)) == 1


def test_two_events_of_the_same_kind_send_two_emails(placed):
    order = placed.order
    for amount in ("10.00", "5.00"):
        record_event(
            "payment.refunded", order_id=order.pk, payment_id=1, amount=amount, currency="EUR"
        )
    run_tasks()
    assert sorted(m.subject.split()[2] for m in mail.outbox) == ["10.00", "5.00"]


@pytest.mark.parametrize(
    "email", ["erased-0f3a9c@erased.invalid", "someone@shop.invalid", "x@INVALID"]
)
def test_an_erased_address_gets_no_mail(email):
    order = make_order(email=email).order
    run_tasks()
    record_event("order.cancelled", order_id=order.pk)
    run_tasks()
    assert mail.outbox == []
    assert emails_sent(order) == []


def test_an_erased_customer_gets_no_mail(customer):
    order = make_order(user=customer).order
    customer.erased_at = timezone.now()
    customer.save()
    run_tasks()
    assert mail.outbox == []
    assert emails_sent(order) == []


def test_is_undeliverable():
    assert is_undeliverable("")
    assert is_undeliverable("erased-1@erased.invalid")
    assert not is_undeliverable("ada@example.com")
    assert not is_undeliverable("ada@invalid-domain.com")


def test_a_draft_gets_no_mail(placed):
    order = placed.order
    Order.objects.filter(pk=order.pk).update(status=Order.Status.DRAFT, placed_at=None)
    record_event("order.cancelled", order_id=order.pk)
    run_tasks()
    assert mail.outbox == []


def test_a_parcel_or_return_that_is_gone_sends_nothing(placed):
    record_event("fulfilment.shipped", order_id=placed.order.pk, fulfilment_id=999999)
    record_event("return.approved", order_id=placed.order.pk, return_id=999999)
    run_tasks()
    assert mail.outbox == []
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


def test_user_data_is_escaped_in_html_and_plain_in_text():
    placed = make_order(email="guest@example.com")
    order = placed.order
    Order.objects.filter(pk=order.pk).update(
        billing_address={
            **order.billing_address,
            "first_name": "Zoë <script>",
            "last_name": "O'Brien",
        },
        shipping_address={**order.shipping_address, "line1": "Rue <b>&</b> 1"},
    )
    order.lines.filter(pk=order.lines.first().pk).update(product_name="Tea & <i>Biscuits</i>")
    run_tasks()

    message = only_email()
    html = html_of(message)
    assert "<script>" not in html
    assert "Zoë &lt;script&gt; O&#x27;Brien" in html
    assert "Tea &amp; &lt;i&gt;Biscuits&lt;/i&gt;" in html
    assert "Rue &lt;b&gt;&amp;&lt;/b&gt; 1" in html
    assert "Hello Zoë <script> O'Brien," in message.body
    assert "Tea & <i>Biscuits</i>" in message.body
    assert "Rue <b>&</b> 1" in message.body


# --- the mail relay fails -------------------------------------------------------------------

FAILS = []


class DownRelay(BaseEmailBackend):
    """Stands in for an SMTP relay that is down (outside the machine)."""

    def send_messages(self, messages):
        FAILS.append(len(messages))
        raise smtplib.SMTPServerDisconnected("relay down")


def test_a_failed_send_is_retried_later(settings, placed):
    settings.EMAIL_BACKEND = "mercato.orders.tests.test_notifications.DownRelay"
    FAILS.clear()
    event = record_event("order.cancelled", order_id=placed.order.pk)

    run_tasks()

    assert FAILS == [1]
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.args_kwargs["kwargs"]["event_id"] == str(event.pk)
    assert retry.run_after is not None
    assert emails_sent(placed.order) == [
        data for data in emails_sent(placed.order) if data["event"] == "order.created"
    ]

    # the relay is back and the retry is due: the email goes out once
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_tasks()
    assert [m.subject for m in mail.outbox] == [f"Your order #{placed.order.number} was cancelled"]


def test_the_last_attempt_fails_the_task(settings, placed):
    settings.EMAIL_BACKEND = "mercato.orders.tests.test_notifications.DownRelay"
    DBTaskResult.objects.all().delete()
    send_order_email.enqueue(
        order_id=placed.order.pk, kind="cancelled", event_id="e1", attempt=MAX_ATTEMPTS
    )

    run_tasks()

    assert DBTaskResult.objects.get().status == "FAILED"
    assert not DBTaskResult.objects.filter(status="READY").exists()
