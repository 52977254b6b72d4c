"""The orders back office, through Django's test client as staff use it: the list and the
order page render with the timeline, a note typed on the page lands on the timeline, and the
actions (bulk and the order page's buttons) call the services; the pages of their own (fulfil,
line edits, drafts) and the link to the order's payments."""

import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.test import Client

from mercato.audit.services import Actor
from mercato.catalog.services import VariantChanges
from mercato.catalog.tests.factories import make_product
from mercato.inventory.models import Allocation
from mercato.inventory.tests.conftest import make_warehouse, put_stock
from mercato.orders.models import Fulfilment, Order, OrderEvent, Return
from mercato.orders.services.fulfilment import (
    ParcelLine,
    create_fulfilment,
    mark_delivered,
    mark_shipped,
)
from mercato.orders.services.returns import ReturnItem, request_return
from mercato.orders.services.status import add_note
from mercato.orders.tests.conftest import pay
from mercato.pricing.eu_vat import load_eu_vat
from mercato.shipping.models import ShippingMethod
from mercato.shipping.tests.factories import make_method, make_zone
from tests.support import StaffFactory
from tests.support.orders import make_order

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
    assert f'href="{url}"' in back_office.get(page(order)).content.decode()

    asked = back_office.get(url)
    assert asked.status_code == 200 and "Confirm this order?" in asked.content.decode()
    order.refresh_from_db()
    assert order.status == "unconfirmed"  # looking at the dialog does nothing

    done = back_office.post(url, {"_form_submitted": "on"}, headers={"HX-Request": "true"})

    assert (done.status_code, done.headers["HX-Redirect"]) == (204, page(order))
    order.refresh_from_db()
    assert order.status == "unfulfilled"
    assert f'href="{url}"' not in back_office.get(page(order)).content.decode()  # done


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


# --- parcels, drafts, line edits and payments from the back office --------------------------


def test_the_fulfil_page_packs_a_parcel_and_moves_it_along(back_office, owner):
    placed = make_order(lines=[("20.00", 2), ("15.00", 1)])
    order = placed.order
    first, second = order.lines.order_by("id")
    url = f"{CHANGELIST}{order.pk}/fulfil/"

    shown = back_office.get(url)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert f'name="line_{first.pk}"' in html and 'value="2"' in html  # what is left
    assert f'href="{url}"' in back_office.get(page(order)).content.decode()

    created = back_office.post(
        url,
        {
            "warehouse": placed.warehouse.pk,
            "carrier": "DHL",
            "tracking_number": "003404",
            "tracking_url": "https://dhl.example/t/003404",
            f"line_{first.pk}": "2",
            f"line_{second.pk}": "0",
        },
    )

    assert created.status_code == 302, created.content.decode()[:3000]
    parcel = Fulfilment.objects.get(order=order)
    assert (parcel.status, parcel.carrier, parcel.tracking_number) == ("created", "DHL", "003404")
    assert [(fl.order_line_id, fl.quantity) for fl in parcel.lines.all()] == [(first.pk, 2)]
    order.refresh_from_db()
    assert order.status == "partially_fulfilled"
    created_event = order.events.get(type="fulfilled")
    assert created_event.user_id == owner.pk

    step = f"{CHANGELIST}{order.pk}/fulfilments/{parcel.pk}"
    assert back_office.get(f"{step}/ship/").status_code == 405  # only POST acts
    assert back_office.post(f"{step}/ship/").status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == "shipped"
    assert back_office.post(f"{step}/deliver/").status_code == 302
    parcel.refresh_from_db()
    assert parcel.status == "delivered"
    refused = back_office.post(f"{step}/cancel/", follow=True)
    parcel.refresh_from_db()
    assert parcel.status == "delivered"
    assert "illegal_fulfilment_transition" in refused.content.decode()


def test_cancelling_a_parcel_puts_the_units_back(back_office):
    placed = make_order(lines=[("20.00", 2)])
    order = placed.order
    line = order.lines.get()
    back_office.post(
        f"{CHANGELIST}{order.pk}/fulfil/",
        {"warehouse": placed.warehouse.pk, f"line_{line.pk}": "2"},
    )
    parcel = Fulfilment.objects.get(order=order)
    order.refresh_from_db()
    assert order.status == "fulfilled"

    back_office.post(f"{CHANGELIST}{order.pk}/fulfilments/{parcel.pk}/cancel/")

    parcel.refresh_from_db()
    order.refresh_from_db()
    line.refresh_from_db()
    assert (parcel.status, order.status, line.quantity_fulfilled) == (
        "cancelled",
        "unfulfilled",
        0,
    )


def test_fulfilling_more_than_is_left_shows_the_error_and_changes_nothing(back_office, db_state):
    placed = make_order(lines=[("20.00", 2)])
    order = placed.order
    line = order.lines.get()
    before = db_state()

    response = back_office.post(
        f"{CHANGELIST}{order.pk}/fulfil/",
        {"warehouse": placed.warehouse.pk, f"line_{line.pk}": "3"},
    )

    assert response.status_code == 200
    assert "fulfil_exceeds_ordered" in response.content.decode()
    assert db_state() == before
    assert not Fulfilment.objects.exists()


@pytest.fixture
def shipping_de(db) -> ShippingMethod:
    """Two published variants, TEE-M (20.00) and NOVEL (15.00), 10 of each in stock, and
    4.90 flat shipping to Germany."""
    load_eu_vat(apps)
    warehouse = make_warehouse("main", priority=1)
    for name, sku, price in (("Tee", "TEE-M", "20.00"), ("Novel", "NOVEL", "15.00")):
        variant = make_product(name, variants=[VariantChanges(sku=sku, price=price)]).variants.get()
        put_stock(variant, warehouse, 10)
    return make_method(make_zone("Germany", ["DE"]), "Standard DE", price="4.90")


def draft_data(method: ShippingMethod, **changes) -> dict[str, str]:
    values = {
        "email": "ada@example.com",
        "shipping_method": str(method.pk),
        "ship_first_name": "Ada",
        "ship_last_name": "Lovelace",
        "ship_line1": "Hauptstr. 1",
        "ship_city": "Berlin",
        "ship_postal_code": "10115",
        "ship_country": "DE",
        "sku_1": "TEE-M",
        "quantity_1": "2",
        "sku_2": "NOVEL",
        "quantity_2": "1",
        **changes,
    }
    return {k: v for k, v in values.items() if v is not None}


def test_a_draft_is_created_edited_and_finalised_from_the_back_office(back_office, shipping_de):
    url = f"{CHANGELIST}create-draft/"
    assert back_office.get(url).status_code == 200
    assert f'href="{url}"' in back_office.get(CHANGELIST).content.decode()

    created = back_office.post(url, draft_data(shipping_de))

    order = Order.objects.get(status="draft")
    assert created.status_code == 302 and created.headers["Location"] == page(order)
    assert order.email == "ada@example.com" and order.origin == "draft"
    assert sorted(order.lines.values_list("sku", "quantity")) == [("NOVEL", 1), ("TEE-M", 2)]
    assert order.shipping_method_id == str(shipping_de.public_id)
    assert not Allocation.objects.exists()  # a draft holds no stock
    shown = back_office.get(page(order)).content.decode()
    assert f"{CHANGELIST}{order.pk}/finalise/" in shown
    assert f"{CHANGELIST}{order.pk}/lines/" in shown
    assert f"{CHANGELIST}{order.pk}/confirm/" not in shown  # only for unconfirmed orders
    assert f"{CHANGELIST}{order.pk}/fulfil/" not in shown  # a draft is not fulfilled

    lines_url = f"{CHANGELIST}{order.pk}/lines/"
    assert back_office.get(lines_url).status_code == 200
    tee = order.lines.get(sku="TEE-M")
    novel = order.lines.get(sku="NOVEL")
    assert (
        back_office.post(lines_url, {"op": "change", "line": tee.pk, "quantity": "3"}).status_code
        == 302
    )
    assert back_office.post(lines_url, {"op": "remove", "line": novel.pk}).status_code == 302
    assert (
        back_office.post(lines_url, {"op": "add", "sku": "NOVEL", "quantity": "2"}).status_code
        == 302
    )
    assert sorted(order.lines.values_list("sku", "quantity")) == [("NOVEL", 2), ("TEE-M", 3)]

    finalised = back_office.post(
        f"{CHANGELIST}{order.pk}/finalise/",
        {"_form_submitted": "on"},
        headers={"HX-Request": "true"},
    )

    assert finalised.status_code == 204
    order.refresh_from_db()
    assert order.status == "unfulfilled" and order.placed_at is not None
    assert sorted(
        Allocation.objects.filter(order_reference=order.reference).values_list(
            "line_reference", "quantity"
        )
    ) == sorted((line.reference, line.quantity) for line in order.lines.all())
    assert f"{CHANGELIST}{order.pk}/finalise/" not in back_office.get(page(order)).content.decode()


def test_a_draft_form_with_an_unknown_sku_or_no_customer_creates_nothing(back_office, shipping_de):
    url = f"{CHANGELIST}create-draft/"

    unknown = back_office.post(url, draft_data(shipping_de, sku_1="NOPE"))
    nobody = back_office.post(url, draft_data(shipping_de, email=""))
    too_many = back_office.post(url, draft_data(shipping_de, quantity_1="10001"))

    assert unknown.status_code == nobody.status_code == too_many.status_code == 200
    assert "No variant with this SKU." in unknown.content.decode()
    assert "email or account id" in nobody.content.decode()
    assert not Order.objects.exists()


def test_a_refused_line_edit_shows_the_error_and_changes_nothing(back_office, db_state):
    order = make_order(lines=[("20.00", 2)], stock=2).order
    line = order.lines.get()
    url = f"{CHANGELIST}{order.pk}/lines/"
    before = db_state()

    response = back_office.post(
        url, {"op": "change", "line": line.pk, "quantity": "5"}, follow=True
    )

    assert "insufficient_stock" in response.content.decode()
    assert db_state() == before


def test_the_order_page_links_its_payments_where_staff_capture(back_office):
    order = pay(make_order().order, capture=False)
    payment = order.payments.get()

    link = back_office.get(f"{CHANGELIST}{order.pk}/payments/")
    assert link.status_code == 302
    listed = back_office.get(link.headers["Location"])
    assert listed.status_code == 200 and str(payment.public_id) in listed.content.decode()

    back_office.post(
        "/admin/payments/payment/",
        {"action": "capture_rest", "_selected_action": [payment.pk]},
    )

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == "captured"
    assert order.payment_status == "charged"


def test_staff_without_the_permissions_get_403_on_the_new_pages(db, shipping_de):
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    changer = StaffFactory()
    changer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "change_order"])
    )
    placed = make_order()
    order = placed.order
    line = order.lines.get(quantity=2)
    client = Client()
    client.force_login(viewer)

    for url in ("fulfil/", "lines/"):
        assert client.get(f"{CHANGELIST}{order.pk}/{url}").status_code == 403
    refused = client.post(
        f"{CHANGELIST}{order.pk}/fulfil/",
        {"warehouse": placed.warehouse.pk, f"line_{line.pk}": "1"},
    )
    assert refused.status_code == 403
    assert client.get(f"{CHANGELIST}create-draft/").status_code == 403
    client.force_login(changer)  # may change orders, may not add them
    assert client.post(f"{CHANGELIST}create-draft/", draft_data(shipping_de)).status_code == 403
    assert not Fulfilment.objects.exists()
    assert not Order.objects.filter(status="draft").exists()


# --- returns and tracking -------------------------------------------------------------------


def delivered_with_return(actor: Actor):
    """A paid order (2 x 20.00 + 15.00 + 4.90 shipping), delivered, one tee asked back."""
    placed = make_order()
    order = pay(placed.order)
    parcel = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(line, line.quantity) for line in order.lines.order_by("pk")],
        actor=actor,
    )
    mark_shipped(fulfilment=parcel, actor=actor)
    mark_delivered(fulfilment=parcel, actor=actor)
    tee = order.lines.order_by("pk").first()
    asked = request_return(order=order, lines=[ReturnItem(tee, 1, "too small")], actor=actor)
    return placed, asked


def test_a_return_is_approved_received_and_refunded_from_the_returns_page(back_office, owner):
    placed, asked = delivered_with_return(Actor(label="sam"))
    order = placed.order
    url = f"{CHANGELIST}{order.pk}/returns/"
    step = f"{url}{asked.pk}"
    item = asked.lines.get()

    shown = back_office.get(url)
    assert shown.status_code == 200
    assert "too small" in shown.content.decode() and "Approve" in shown.content.decode()
    assert f'href="{url}"' in back_office.get(page(order)).content.decode()
    assert back_office.get(f"{step}/approve/").status_code == 405

    assert back_office.post(f"{step}/approve/").status_code == 302
    asked.refresh_from_db()
    assert asked.status == "approved"
    received = back_office.post(
        f"{step}/receive/", {f"restock_{item.pk}": "on", "warehouse": placed.warehouse.pk}
    )
    assert received.status_code == 302
    item.refresh_from_db()
    assert (item.restock, item.warehouse_id) == (True, placed.warehouse.pk)
    refunded = back_office.post(f"{step}/refund/", follow=True)

    assert refunded.status_code == 200
    asked.refresh_from_db()
    order.refresh_from_db()
    assert (asked.status, asked.refund_amount) == ("refunded", Decimal("20.00"))
    assert order.total_refunded == Decimal("20.00")
    assert order.events.get(type="return_refunded").user_id == owner.pk


def test_a_refused_return_step_shows_the_error_and_changes_nothing(back_office, db_state):
    _, asked = delivered_with_return(Actor(label="sam"))
    before = db_state()

    refused = back_office.post(
        f"{CHANGELIST}{asked.order_id}/returns/{asked.pk}/refund/", follow=True
    )

    assert "illegal_return_transition" in refused.content.decode()
    assert db_state() == before


def test_a_return_is_rejected_with_a_note(back_office):
    _, asked = delivered_with_return(Actor(label="sam"))

    back_office.post(f"{CHANGELIST}{asked.order_id}/returns/{asked.pk}/reject/", {"note": "Worn"})

    asked.refresh_from_db()
    assert (asked.status, asked.staff_note) == ("rejected", "Worn")


def test_staff_who_may_not_change_or_refund_get_403_on_the_returns_steps(db):
    _, asked = delivered_with_return(Actor(label="sam"))
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    changer = StaffFactory()
    changer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "change_order"])
    )
    step = f"{CHANGELIST}{asked.order_id}/returns/{asked.pk}"
    client = Client()
    client.force_login(viewer)

    assert client.get(f"{CHANGELIST}{asked.order_id}/returns/").status_code == 403
    assert client.post(f"{step}/approve/").status_code == 403
    asked.refresh_from_db()
    assert asked.status == "requested"
    client.force_login(changer)  # may change orders, not payments
    assert client.post(f"{step}/approve/").status_code == 302
    client.post(f"{step}/receive/")
    asked.refresh_from_db()
    assert asked.status == "received"
    assert client.post(f"{step}/refund/").status_code == 403
    asked.refresh_from_db()
    assert asked.status == "received"
    assert not Return.objects.filter(status="refunded").exists()


def test_the_tracking_of_a_parcel_is_edited_on_the_fulfil_page(back_office, db_state):
    placed = make_order(lines=[("20.00", 2)])
    order = placed.order
    line = order.lines.get()
    parcel = create_fulfilment(
        order=order,
        warehouse=placed.warehouse,
        lines=[ParcelLine(line, 2)],
        actor=Actor(label="sam"),
    )
    url = f"{CHANGELIST}{order.pk}/fulfilments/{parcel.pk}/tracking/"
    assert url in back_office.get(f"{CHANGELIST}{order.pk}/fulfil/").content.decode()
    before = db_state()

    refused = back_office.post(
        url,
        {"carrier": "UPS", "tracking_number": "1Z", "tracking_url": "javascript:alert(1)"},
        follow=True,
    )

    assert "invalid_tracking_url" in refused.content.decode()
    assert db_state() == before
    saved = back_office.post(
        url, {"carrier": "UPS", "tracking_number": "1Z9", "tracking_url": "https://ups.example/1Z9"}
    )
    assert saved.status_code == 302
    parcel.refresh_from_db()
    assert (parcel.carrier, parcel.tracking_number, parcel.tracking_url) == (
        "UPS",
        "1Z9",
        "https://ups.example/1Z9",
    )
    client = Client()
    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    assert client.post(url, {"carrier": "DPD"}).status_code == 403
