"""Draft orders (a phone order) and line edits of placed orders, through the services: priced
by the real pricing pipeline and shipping quotes, stock allocated on finalising and moved
with every edit, refusals that change nothing."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM, Actor
from mercato.catalog.models import Product, ProductVariant
from mercato.catalog.services import VariantChanges
from mercato.catalog.tests.factories import make_product, make_product_type
from mercato.core.errors import DomainError
from mercato.core.models import Event
from mercato.inventory.models import Allocation, Stock, StockMovement, Warehouse
from mercato.inventory.tests.conftest import make_warehouse, put_stock
from mercato.orders.models import Order, OrderEvent, OrderLine, OrderNumber
from mercato.orders.services import drafts
from mercato.orders.services.status import sync_payment_totals, transition_order
from mercato.pricing import services as pricing_services
from mercato.pricing.eu_vat import load_eu_vat
from mercato.pricing.models import TaxClass, VoucherRedemption
from mercato.shipping.models import ShippingMethod
from mercato.shipping.tests.factories import brackets, make_method, make_zone
from tests.support import StaffFactory, UserFactory
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db
D = Decimal


def address(country: str = "DE", **changes: Any) -> dict[str, Any]:
    postal = {"DE": "10115", "AT": "1010"}.get(country, "")
    city = {"DE": "Berlin", "AT": "Wien"}.get(country, "Town")
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line1": "Hauptstr. 1",
        "city": city,
        "postal_code": postal,
        "country": country,
        **changes,
    }


@dataclass
class Shop:
    tee: ProductVariant
    novel: ProductVariant
    warehouse: Warehouse
    standard_de: ShippingMethod
    standard_at: ShippingMethod


@pytest.fixture
def shop(db) -> Shop:
    """Prices include tax, origin DE. Tee 20.00 (standard rate, 25 % off), novel 15.00
    (reduced rate); 10 of each in stock. Shipping 4.90 flat to DE, 6.00 to AT up to 1 kg."""
    load_eu_vat(apps)
    books = make_product_type("Books")
    pricing_services.set_product_type_tax_class(
        actor=SYSTEM, product_type=books, tax_class=TaxClass.objects.get(slug="reduced")
    )
    tee_product = make_product(
        "Tee",
        product_type=make_product_type("Shirts"),
        variants=[VariantChanges(sku="TEE-M", price="20.00", name="M", weight_grams=200)],
    )
    novel_product = make_product(
        "Novel",
        product_type=books,
        variants=[VariantChanges(sku="NOVEL", price="15.00", weight_grams=400)],
    )
    pricing_services.create_promotion(
        actor=SYSTEM,
        details=pricing_services.PromotionDetails(
            name="Tee sale", kind="percentage", value="25", product_ids=[tee_product.pk]
        ),
    )
    tee, novel = tee_product.variants.get(), novel_product.variants.get()
    warehouse = make_warehouse("main", priority=1)
    put_stock(tee, warehouse, 10)
    put_stock(novel, warehouse, 10)
    standard_de = make_method(make_zone("Germany", ["DE"]), "Standard DE", price="4.90")
    standard_at = make_method(
        make_zone("Austria", ["AT"]), "Standard AT", kind="weight",
        rates=brackets((0, 1000, "6.00"), (1000, None, "9.00")),
    )  # fmt: skip
    return Shop(tee, novel, warehouse, standard_de, standard_at)


@pytest.fixture
def actor(db) -> Actor:
    staff = StaffFactory()
    return Actor(user_id=staff.pk, label=staff.email, source="admin_api")


def state() -> dict[str, list[tuple]]:
    """Orders, lines, stock and the outboxes: equal before and after a refusal."""
    models = [Order, OrderLine, OrderEvent, OrderNumber, Allocation, Stock, StockMovement,
              VoucherRedemption, Event, AuditLogEntry]  # fmt: skip
    return {m._meta.label: list(m.objects.order_by("pk").values_list()) for m in models}


def phone_order(shop: Shop, actor: Actor, **changes: Any) -> Order:
    values = {
        "actor": actor,
        "email": "ada@example.com",
        "lines": [(shop.tee, 2), (shop.novel, 1)],
        "shipping_address": address(),
        "shipping_method_id": str(shop.standard_de.public_id),
        **changes,
    }
    return drafts.create_draft_order(**values)


def refused(code: str, call, *args, **kwargs) -> DomainError:
    before = state()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value
    assert state() == before
    return caught.value


# --- drafts ---------------------------------------------------------------------------------


def test_a_draft_is_priced_by_the_pipeline_and_holds_no_stock(shop, actor):
    order = phone_order(shop, actor, note="Leave at the door")

    order.refresh_from_db()
    assert (order.status, order.origin, order.placed_at) == ("draft", "draft", None)
    assert order.billing_address == order.shipping_address == address()
    lines = {line.sku: line for line in order.lines.all()}
    tee, novel = lines["TEE-M"], lines["NOVEL"]
    assert (tee.unit_price, tee.unit_price_discounted, tee.total_gross) == (
        D("20.00"), D("15.00"), D("30.00"),
    )  # fmt: skip
    assert (tee.tax_rate, novel.tax_rate, novel.total_gross) == (D("0.19"), D("0.07"), D("15.00"))
    assert (order.shipping_gross, order.shipping_method_name) == (D("4.90"), "Standard DE")
    assert order.total_gross == D("49.90")
    assert order.discount_total == D("10.00")
    assert order.tax_total == tee.total_tax + novel.total_tax + order.shipping_tax
    assert order.customer_note == "Leave at the door"
    assert not Allocation.objects.exists()
    assert list(order.events.values_list("type", "actor_label")) == [("draft_created", actor.label)]
    assert list(Event.objects.filter(name__startswith="order.").values_list("name", flat=True)) == [
        "order.draft_created"
    ]
    assert AuditLogEntry.objects.filter(verb="order.draft_create").count() == 1


def test_finalising_allocates_stock_and_places_the_order(shop, actor):
    customer = UserFactory()
    order = phone_order(shop, actor, user=customer, email="")

    placed = drafts.finalise_draft(order=order, actor=actor)

    placed.refresh_from_db()
    assert (placed.status, placed.email, placed.user) == ("unfulfilled", customer.email, customer)
    assert placed.placed_at is not None
    allocations = {
        (a.line_reference, a.quantity)
        for a in Allocation.objects.filter(order_reference=placed.reference)
    }
    assert allocations == {(line.reference, line.quantity) for line in placed.lines.all()}
    assert Stock.objects.get(variant=shop.tee).quantity_allocated == 2
    moved = placed.events.get(type="status_changed")
    assert (moved.data, moved.actor_label) == ({"from": "draft", "to": "unfulfilled"}, actor.label)
    assert placed.events.filter(type="draft_finalised").count() == 1
    created = Event.objects.get(name="order.created")
    assert created.payload == {"order_id": placed.pk, "number": placed.number}


def test_without_auto_confirm_a_finalised_draft_waits_for_staff(shop, actor, settings):
    settings.ORDERS_AUTO_CONFIRM = False

    order = drafts.finalise_draft(order=phone_order(shop, actor), actor=actor)

    assert order.status == "unconfirmed"


def test_finalising_counts_the_voucher_once(shop, actor):
    pricing_services.create_voucher(
        actor=SYSTEM,
        details=pricing_services.VoucherDetails(code="TENOFF", kind="fixed", value="10.00"),
    )
    order = phone_order(shop, actor, voucher_code="TENOFF")
    assert order.total_gross == D("39.90")

    drafts.finalise_draft(order=order, actor=actor)

    redemption = VoucherRedemption.objects.get()
    assert redemption.order_reference == str(order.public_id)


def test_finalising_without_stock_is_refused_and_changes_nothing(shop, actor):
    order = phone_order(shop, actor, lines=[(shop.tee, 11)])

    error = refused("insufficient_stock", drafts.finalise_draft, order=order, actor=actor)

    assert error.status == 409
    assert Order.objects.get(pk=order.pk).status == "draft"


def test_finalising_an_incomplete_draft_names_what_is_missing(shop, actor):
    order = drafts.create_draft_order(actor=actor, email="ada@example.com")

    error = refused("draft_incomplete", drafts.finalise_draft, order=order, actor=actor)

    assert {e["field"] for e in error.extra["errors"]} == {
        "lines",
        "shipping_address",
        "shipping_method_id",
    }


def test_a_product_unpublished_since_cannot_be_finalised(shop, actor):
    order = phone_order(shop, actor)
    Product.objects.filter(pk=shop.novel.product_id).update(status=Product.Status.DRAFT)

    refused("variant_not_purchasable", drafts.finalise_draft, order=order, actor=actor)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"lines": [("tee", 0)]}, "invalid_quantity"),
        ({"lines": [("tee", 10_001)]}, "invalid_quantity"),
        ({"lines": [("unpublished", 1)]}, "variant_not_purchasable"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"shipping_address": address(postal_code="ABC")}, "invalid_address"),
        ({"shipping_address": address(country="XX")}, "invalid_address"),
        ({"shipping_method_id": "00000000-0000-0000-0000-000000000000"},
         "shipping_method_unavailable"),
        ({"shipping_method_id": "not-a-uuid"}, "shipping_method_unavailable"),
        ({"voucher_code": "NOPE"}, "voucher_not_found"),
        ({"note": "x" * 5001}, "note_too_long"),
    ],
)  # fmt: skip
def test_bad_draft_input_is_refused_and_creates_nothing(shop, actor, changes, code):
    unpublished = make_product(status=Product.Status.DRAFT).variants.get()
    variants = {"tee": shop.tee, "unpublished": unpublished}
    if "lines" in changes:
        changes["lines"] = [(variants[name], q) for name, q in changes["lines"]]

    refused(code, phone_order, shop, actor, **changes)


def test_a_shipping_method_that_does_not_serve_the_address_is_refused(shop, actor):
    order = phone_order(shop, actor)

    error = refused(
        "shipping_method_unavailable",
        drafts.update_draft_order,
        order=order,
        actor=actor,
        changes={"shipping_address": address("AT")},
    )

    assert error.extra["errors"][0]["field"] == "shipping_method_id"


def test_updating_a_draft_prices_it_again(shop, actor):
    order = phone_order(shop, actor)

    drafts.update_draft_order(
        order=order,
        actor=actor,
        changes={
            "shipping_address": address("AT"),
            "shipping_method_id": str(shop.standard_at.public_id),
            "email": "ADA@Example.com",
        },
    )

    order.refresh_from_db()
    assert (order.shipping_gross, order.shipping_method_name) == (D("6.00"), "Standard AT")
    assert order.email == "ada@example.com"
    assert order.billing_address["country"] == "DE"  # set apart, unchanged
    assert order.total_gross == D("51.00")
    assert AuditLogEntry.objects.filter(verb="order.draft_update").count() == 1


def test_draft_lines_can_be_added_changed_and_removed(shop, actor):
    order = phone_order(shop, actor, lines=[(shop.tee, 1)])
    tee_line = order.lines.get()

    drafts.add_order_line(order=order, actor=actor, variant=shop.novel, quantity=2)
    drafts.add_order_line(order=order, actor=actor, variant=shop.tee, quantity=1)
    drafts.change_order_line(order=order, actor=actor, line=tee_line, quantity=3)
    novel_line = order.lines.get(sku="NOVEL")
    drafts.remove_order_line(order=order, actor=actor, line=novel_line)

    order.refresh_from_db()
    assert list(order.lines.values_list("sku", "quantity", "total_gross")) == [
        ("TEE-M", 3, D("45.00"))
    ]
    assert order.total_gross == D("49.90")
    assert not Allocation.objects.exists()
    assert not order.events.filter(type="lines_edited").exists()  # a draft has no history yet


def test_deleting_a_draft_and_not_a_placed_order(shop, actor):
    order = phone_order(shop, actor)
    drafts.delete_draft(order=order, actor=actor)
    assert not Order.objects.filter(pk=order.pk).exists()

    placed = drafts.finalise_draft(order=phone_order(shop, actor), actor=actor)
    refused("order_not_draft", drafts.delete_draft, order=placed, actor=actor)
    refused("order_not_draft", drafts.finalise_draft, order=placed, actor=actor)
    refused("order_not_draft", drafts.update_draft_order, order=placed, actor=actor,
            changes={"note": "x"})  # fmt: skip


# --- line edits of placed orders ------------------------------------------------------------


def allocated(order: Order) -> dict[str, int]:
    """{sku: units allocated} for the order."""
    found: dict[str, int] = {}
    refs = {line.reference: line.sku for line in order.lines.all()}
    for a in Allocation.objects.filter(order_reference=order.reference):
        found[refs[a.line_reference]] = found.get(refs[a.line_reference], 0) + a.quantity
    return found


def test_editing_a_placed_order_moves_stock_and_prices(actor):
    load_eu_vat(apps)
    placed = make_order(lines=[("20.00", 2), ("15.00", 1)], stock=5)
    order = placed.order
    first, second = order.lines.order_by("id")
    extra = make_product(prices=["7.50"]).variants.get()
    put_stock(extra, placed.warehouse, 3)

    drafts.change_order_line(order=order, actor=actor, line=first, quantity=3)
    drafts.remove_order_line(order=order, actor=actor, line=second)
    drafts.add_order_line(order=order, actor=actor, variant=extra, quantity=2)

    order.refresh_from_db()
    assert allocated(order) == {first.sku: 3, extra.sku: 2}
    assert not Allocation.objects.filter(line_reference=second.reference).exists()
    assert Stock.objects.get(variant_id=second.variant_id).quantity_allocated == 0
    lines = {line.sku: line for line in order.lines.all()}
    assert (lines[first.sku].quantity, lines[first.sku].total_gross) == (3, D("60.00"))
    assert lines[extra.sku].total_gross == D("15.00")
    assert order.shipping_gross == D("4.90")  # kept: the order's method was not quoted
    assert order.total_gross == D("79.90")
    assert order.status == "unfulfilled"
    edits = list(order.events.filter(type="lines_edited").order_by("id"))
    assert len(edits) == 3 and all(e.actor_label == actor.label for e in edits)
    assert [(x["sku"], x["quantity"]) for x in edits[0].data["before"]["lines"]] == [
        (first.sku, 2), (second.sku, 1),
    ]  # fmt: skip
    assert edits[0].data["before"]["total_gross"] == "59.90"
    assert edits[0].data["after"]["total_gross"] == "79.90"
    assert edits[-1].data["after"]["total_gross"] == "79.90"
    assert Event.objects.filter(name="order.lines_edited").count() == 3


def test_a_placed_line_keeps_the_price_it_was_sold_at(actor):
    load_eu_vat(apps)
    order = make_order(lines=[("20.00", 1)]).order
    line = order.lines.get()
    ProductVariant.objects.filter(pk=line.variant_id).update(price=D("99.00"))

    drafts.change_order_line(order=order, actor=actor, line=line, quantity=2)

    line.refresh_from_db()
    assert (line.unit_price, line.total_gross) == (D("20.00"), D("40.00"))


def test_an_edit_beyond_the_stock_changes_nothing(actor):
    load_eu_vat(apps)
    order = make_order(lines=[("20.00", 2)], stock=3).order

    refused(
        "insufficient_stock",
        drafts.change_order_line,
        order=order,
        actor=actor,
        line=order.lines.get(),
        quantity=4,
    )


@pytest.mark.parametrize("payment", ["authorized", "charged", "pending"])
def test_an_order_with_money_taken_cannot_be_edited(actor, payment):
    load_eu_vat(apps)
    order = make_order().order
    amount = order.total_gross
    if payment == "pending":
        sync_payment_totals(order, authorized=D(0), charged=D(0), refunded=D(0), fallback=payment)
    else:
        sync_payment_totals(
            order,
            authorized=amount,
            charged=amount if payment == "charged" else D(0),
            refunded=D(0),
        )

    error = refused(
        "order_paid_edit_refused",
        drafts.change_order_line,
        order=order,
        actor=actor,
        line=order.lines.first(),
        quantity=1,
    )
    assert error.status == 409


def test_a_shipped_or_closed_order_cannot_be_edited(actor):
    load_eu_vat(apps)
    order = make_order().order
    OrderLine.objects.filter(pk=order.lines.first().pk).update(quantity_fulfilled=1)
    refused("order_not_editable", drafts.remove_order_line, order=order, actor=actor,
            line=order.lines.last())  # fmt: skip

    other = make_order().order
    transition_order(other, "cancelled")
    refused("order_not_editable", drafts.add_order_line, order=other, actor=actor,
            variant=make_product().variants.get(), quantity=1)  # fmt: skip


def test_the_last_line_of_a_placed_order_stays(actor):
    load_eu_vat(apps)
    order = make_order(lines=[("20.00", 1)]).order

    refused("order_needs_lines", drafts.remove_order_line, order=order, actor=actor,
            line=order.lines.get())  # fmt: skip


def test_a_failed_payment_does_not_block_an_edit(actor):
    load_eu_vat(apps)
    order = make_order(lines=[("20.00", 1)]).order
    sync_payment_totals(order, authorized=D(0), charged=D(0), refunded=D(0), fallback="failed")

    drafts.change_order_line(order=order, actor=actor, line=order.lines.get(), quantity=2)

    assert Order.objects.get(pk=order.pk).total_gross == D("44.90")
