"""Test data for order tests of every app: a placed order with real catalog variants, stock
in a real warehouse and real allocations, built through the services (no HTTP checkout).
The full checkout over HTTP is tested in checkout/tests; this is the quick way to an order."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from mercato.accounts.models import User
from mercato.audit.services import SYSTEM
from mercato.catalog.models import ProductVariant
from mercato.catalog.tests.factories import make_product, variant
from mercato.inventory import services as inventory
from mercato.inventory.models import Warehouse
from mercato.orders.models import Order
from mercato.orders.services import (
    LineSnapshot,
    OrderDetails,
    OrderTotals,
    ShippingChoice,
    place_order,
)

CENT = Decimal("0.01")
RATE = Decimal("0.19")
ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "",
    "line1": "Unter den Linden 1",
    "line2": "",
    "city": "Berlin",
    "region": "",
    "postal_code": "10117",
    "country": "DE",
    "phone": "",
}


@dataclass
class PlacedOrder:
    order: Order
    variants: list[ProductVariant]
    warehouse: Warehouse


def order_warehouse(slug: str = "berlin") -> Warehouse:
    found = Warehouse.objects.filter(slug=slug).first()
    return found or inventory.save_warehouse(
        actor=SYSTEM,
        changes=inventory.WarehouseChanges(name=slug.title(), slug=slug, priority=10, countries=[]),
    )


def _split(gross: Decimal) -> tuple[Decimal, Decimal]:
    net = (gross / (1 + RATE)).quantize(CENT, ROUND_HALF_UP)
    return net, gross - net


def _stocked_line(
    price: str, quantity: int, *, warehouse: Warehouse, stock: int
) -> tuple[ProductVariant, LineSnapshot]:
    """A new variant at `price` (gross, 19 % VAT in it) with `stock` units in `warehouse`,
    and the order line of `quantity` of it."""
    product = make_product(variants=[variant(price)])
    v = product.variants.get()
    inventory.adjust_stock(
        variant=v, warehouse=warehouse, quantity=stock, reason="count", actor=SYSTEM
    )
    gross = Decimal(price) * quantity
    net, tax = _split(gross)
    return v, LineSnapshot(
        variant_id=v.pk,
        product_name=product.name,
        variant_name=v.name,
        sku=v.sku,
        quantity=quantity,
        unit_price=Decimal(price),
        unit_price_discounted=Decimal(price),
        promotion_discount=Decimal("0"),
        voucher_discount=Decimal("0"),
        total_net=net,
        total_tax=tax,
        total_gross=gross,
        tax_rate=RATE,
        tax_class="standard",
    )


def _totals(snapshots: list[LineSnapshot], ship_gross: Decimal) -> OrderTotals:
    subtotal_gross = sum((s.total_gross for s in snapshots), Decimal("0"))
    subtotal_net = sum((s.total_net for s in snapshots), Decimal("0"))
    ship_net, ship_tax = _split(ship_gross)
    return OrderTotals(
        subtotal=subtotal_gross,
        voucher_discount=Decimal("0"),
        shipping_price=ship_gross,
        subtotal_net=subtotal_net,
        subtotal_gross=subtotal_gross,
        discount_total=Decimal("0"),
        tax_total=subtotal_gross - subtotal_net + ship_tax,
        total_net=subtotal_net + ship_gross - ship_tax,
        total_gross=subtotal_gross + ship_gross,
        shipping_net=ship_net,
        shipping_tax=ship_tax,
        shipping_gross=ship_gross,
        shipping_tax_rate=RATE,
    )


def make_order(
    *,
    lines: list[tuple[str, int]] = (("20.00", 2), ("15.00", 1)),
    user: User | None = None,
    email: str = "",
    shipping: str = "4.90",
    stock: int = 100,
    warehouse: Warehouse | None = None,
    allocate: bool = True,
) -> PlacedOrder:
    """An order (unfulfilled, not charged) of one new variant per (unit gross price,
    quantity), 19 % VAT included, shipped to Berlin. Each variant gets `stock` units in
    `warehouse` (made if missing) and the order is allocated there, as checkout does."""
    warehouse = warehouse or order_warehouse()
    made = [_stocked_line(p, q, warehouse=warehouse, stock=stock) for p, q in lines]
    snapshots = [snapshot for _, snapshot in made]
    order = place_order(
        user=user,
        email=email or (user.email if user else "guest@example.com"),
        currency="EUR",
        lines=snapshots,
        totals=_totals(snapshots, Decimal(shipping)),
        shipping_address=dict(ADDRESS),
        billing_address=dict(ADDRESS),
        shipping=ShippingChoice(method_name="Standard"),
        details=OrderDetails(),
    )
    if allocate:
        inventory.allocate_order(
            order_reference=order.reference,
            lines=[
                inventory.OrderLine(line.reference, line.variant_id, line.quantity)
                for line in order.lines.all()
            ],
            country="DE",
        )
    return PlacedOrder(order=order, variants=[v for v, _ in made], warehouse=warehouse)
