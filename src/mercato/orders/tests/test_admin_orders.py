"""The orders back office, through Django's test client as staff use it: the list and the
order page render with the timeline, a note typed on the page lands on the timeline, and the
actions (bulk and the order page's buttons) call the services."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from mercato.audit.services import Actor
from mercato.orders.models import Order, OrderEvent
from mercato.orders.services.status import add_note
from mercato.orders.testing import make_order
from mercato.testing import StaffFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/orders/order/"


@pytest.fixture
def back_office(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


def page(order: Order) -> str:
    return f"{CHANGELIST}{order.pk}/change/"


def test_the_list_and_the_order_page_show_the_order_and_its_timeline(back_office):
    order = make_order(email="grace@example.com").order
    add_note(order=order, note="Customer asked for gift wrap", actor=Actor(label="sam"))
    other = make_order(email="linus@example.com").order

    listed = back_office.get(CHANGELIST)
    searched = back_office.get(CHANGELIST, {"q": "grace@"})
    by_sku = back_office.get(CHANGELIST, {"q": order.lines.first().sku})
    filtered = back_office.get(CHANGELIST, {"status__exact": "unfulfilled"})
    shown = back_office.get(page(order))

    assert listed.status_code == shown.status_code == 200
    assert str(order.number) in listed.content.decode()
    assert "grace@example.com" in searched.content.decode()
    assert "linus@example.com" not in searched.content.decode()
    assert "grace@example.com" in by_sku.content.decode()
    assert "linus@example.com" not in by_sku.content.decode()
    assert filtered.status_code == 200 and str(other.number) in filtered.content.decode()
    html = shown.content.decode()
    assert str(order.number) in html
    assert "Customer asked for gift wrap" in html  # a timeline entry
    assert "note_added" in html
    assert order.lines.first().sku in html
    assert order.guest_token not in html
    assert "Add a note to the timeline" in html


def form_data(html: str) -> dict[str, str]:
    """The management forms of the page's (read-only) inlines, as the browser posts them."""
    return dict(
        re.findall(
            r'name="([\w-]+-(?:TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS)"[^>]*value="(\d*)"', html
        )
    )


def test_a_note_typed_on_the_order_page_goes_on_the_timeline(back_office, owner):
    order = make_order().order
    data = form_data(back_office.get(page(order)).content.decode())

    saved = back_office.post(
        page(order), {**data, "new_note": "Called back, all good", "email": "x@example.com"}
    )

    assert saved.status_code == 302, saved.content.decode()[:2000]
    note = order.events.get(type="note_added")
    assert (note.note, note.actor_label, note.user_id) == (
        "Called back, all good",
        owner.email,
        owner.pk,
    )
    order.refresh_from_db()
    assert order.email == "guest@example.com"  # nothing else of the order changes here


def test_saving_the_page_without_a_note_adds_nothing(back_office):
    order = make_order().order
    data = form_data(back_office.get(page(order)).content.decode())
    events = OrderEvent.objects.count()

    assert back_office.post(page(order), {**data, "new_note": "  "}).status_code == 302
    assert OrderEvent.objects.count() == events


def test_the_confirm_action_confirms_and_reports_what_it_could_not(back_office, settings):
    settings.ORDERS_AUTO_CONFIRM = False
    waiting = make_order().order
    settings.ORDERS_AUTO_CONFIRM = True
    already = make_order().order

    response = back_office.post(
        CHANGELIST,
        {"action": "confirm_orders", "_selected_action": [waiting.pk, already.pk]},
        follow=True,
    )

    assert response.status_code == 200
    waiting.refresh_from_db()
    assert waiting.status == "unfulfilled"
    assert waiting.events.get(type="status_changed").data == {
        "from": "unconfirmed",
        "to": "unfulfilled",
    }
    text = response.content.decode()
    assert "1 order(s) confirmed" in text
    assert f"#{already.number}" in text  # refused: it was confirmed already


def test_the_cancel_action_cancels_through_the_service(back_office):
    order = make_order().order

    back_office.post(CHANGELIST, {"action": "cancel_orders", "_selected_action": [order.pk]})

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.events.filter(type="status_changed", data__to="cancelled").exists()


def test_the_order_page_buttons_ask_then_act(back_office, settings):
    settings.ORDERS_AUTO_CONFIRM = False
    order = make_order().order
    url = f"{CHANGELIST}{order.pk}/confirm/"

    asked = back_office.get(url)
    assert asked.status_code == 200 and "Confirm this order?" in asked.content.decode()
    order.refresh_from_db()
    assert order.status == "unconfirmed"  # looking at the dialog does nothing

    done = back_office.post(url, {"_form_submitted": "on"}, headers={"HX-Request": "true"})

    assert (done.status_code, done.headers["HX-Redirect"]) == (204, page(order))
    order.refresh_from_db()
    assert order.status == "unfulfilled"
    assert f'href="{url}"' in back_office.get(page(order)).content.decode()


def test_staff_who_may_only_view_cannot_act(db):
    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    client = Client()
    client.force_login(staff)
    order = make_order().order

    shown = client.get(page(order))
    refused = client.post(f"{CHANGELIST}{order.pk}/cancel/", {"_form_submitted": "on"})
    client.post(CHANGELIST, {"action": "cancel_orders", "_selected_action": [order.pk]})

    assert shown.status_code == 200
    assert "Add a note to the timeline" not in shown.content.decode()
    assert refused.status_code == 403
    order.refresh_from_db()
    assert order.status == "unfulfilled"
