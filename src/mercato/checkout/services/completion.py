"""`complete_checkout`, which turns a cart into an order in one transaction.

Payment is not part of completing: the order is placed unpaid ("not charged") and the
payments app authorises or captures it, before or after, as the shop's flow wants.
"""

from django.db import transaction
from django.utils import timezone

from mercato.checkout.errors import (
    CartClosed,
    CartLineShort,
    CheckoutIncomplete,
    PriceChanged,
    VariantNotPurchasable,
)
from mercato.checkout.models import Cart, CartLine
from mercato.checkout.selectors import (
    CartRef,
    is_visible,
    list_cart_lines,
    price_checkout,
    reservation_reference,
)
from mercato.checkout.services.common import lock_cart
from mercato.inventory import services as inventory
from mercato.orders import services as orders
from mercato.orders.models import Order
from mercato.orders.services.draft_checks import check_given
from mercato.pricing import services as pricing_services
from mercato.pricing.pipeline import LineResult


def _price_changes(lines: list[CartLine]) -> list[dict[str, str]]:
    """Note the current price on every line whose price changed since it was added (so the
    shopper sees it), and say what changed."""
    changed = [line for line in lines if line.unit_price != line.variant.price]
    for line in changed:
        CartLine.objects.filter(pk=line.pk).update(unit_price=line.variant.price)
    return [
        {
            "line_id": str(line.public_id),
            "sku": line.variant.sku,
            "old_price": str(line.unit_price),
            "new_price": str(line.variant.price),
        }
        for line in changed
    ]


def complete_checkout(*, cart: Cart | CartRef) -> Order:
    """Turn the cart into an order, in one transaction: everything is checked again, stock is
    allocated (the cart's reservations become the allocation), the voucher use is counted, and
    the order is written with snapshots of names, SKUs, prices, tax rates and addresses. It
    succeeds whole or changes nothing. Completing a completed cart returns its order.

    A price that changed since its line was added is refused with `price_changed`; the new
    price is kept on the cart (that change is committed), so completing again accepts it.

    Inventory and vouchers refer to the order by `order.reference` (its number)."""
    with transaction.atomic():
        cart = lock_cart(cart)
        if cart.status == Cart.Status.COMPLETED and cart.order is not None:
            return cart.order
        if cart.status != Cart.Status.OPEN:
            raise CartClosed()
        lines = list_cart_lines(cart)
        changes = _price_changes(lines)
        if not changes:
            return _place_order(cart, lines)
    raise PriceChanged(
        "Some prices changed since they were put in the cart; check the new total.",
        lines=changes,
    )


def _place_order(cart: Cart, lines: list[CartLine]) -> Order:
    """complete_checkout's work, inside its transaction, on the locked cart."""
    _check_complete(cart, lines)
    _check_not_short(cart, lines)
    priced = price_checkout(cart, strict=True, lines=lines)
    if priced.shipping is None:
        raise CheckoutIncomplete("Choose a shipping method.", field="shipping_method_id")
    result, address = priced.result, cart.shipping_address
    assert address is not None  # _check_complete requires it
    by_key = {line.key: line for line in result.lines}
    snapshots = [_snapshot(line, by_key[str(line.public_id)]) for line in lines]
    order = orders.place_order(
        user=cart.user,
        email=cart.email,
        currency=result.currency,
        lines=snapshots,
        shipping_address=address,
        billing_address=cart.billing_address or address,
        totals=orders.priced_totals(result),
        shipping=orders.ShippingChoice(
            method_id=str(priced.shipping.method_id), method_name=priced.shipping.name
        ),
        details=orders.OrderDetails(
            voucher_code=result.voucher_code if result.voucher_applied else "",
            vat_number=cart.vat_number,
            reverse_charge=result.reverse_charge,
            tax_note=result.legal_note,
            customer_note=cart.note,
            checkout_token=cart.token,
        ),
    )
    if result.voucher_applied and result.voucher_id:
        pricing_services.redeem_voucher(
            voucher_id=result.voucher_id,
            user_id=cart.user_id,
            email=cart.email,
            order_reference=order.reference,
        )
    inventory.allocate_order(
        order_reference=order.reference,
        lines=[
            inventory.OrderLine(str(public_id), variant_id, quantity)
            for public_id, variant_id, quantity in order.lines.order_by("pk").values_list(
                "public_id", "variant_id", "quantity"
            )
        ],
        country=address["country"],
        reservation_reference=reservation_reference(cart),
    )
    cart.status = Cart.Status.COMPLETED
    cart.order = order
    cart.save(update_fields=["status", "order", "updated_at"])
    return order


def _snapshot(line: CartLine, priced: LineResult) -> orders.LineSnapshot:
    return orders.LineSnapshot(
        variant_id=line.variant_id,
        product_name=line.variant.product.name,
        variant_name=line.variant.name,
        sku=line.variant.sku,
        quantity=line.quantity,
        unit_price=priced.unit_price,
        unit_price_discounted=priced.unit_price_discounted,
        promotion_discount=priced.promotion_discount,
        voucher_discount=priced.voucher_discount,
        total_net=priced.net,
        total_tax=priced.tax,
        total_gross=priced.gross,
        tax_rate=priced.tax_rate,
        tax_class=priced.tax_class,
        promotion_id=priced.promotion_id,
        promotion_name=priced.promotion_name,
    )


def _check_complete(cart: Cart, lines: list[CartLine]) -> None:
    if not lines:
        raise CheckoutIncomplete("The cart is empty.", code="cart_empty")
    given = (
        ("email", cart.email),
        ("shipping_address", cart.shipping_address),
        ("shipping_method_id", cart.shipping_method_id),
    )
    check_given(given, error=CheckoutIncomplete)
    now = timezone.now()
    for line in lines:
        if not is_visible(line.variant.product, now):
            raise VariantNotPurchasable(
                f"{line.variant.sku} can no longer be bought; remove it from the cart.",
                field=f"lines.{line.public_id}",
            )


def _check_not_short(cart: Cart, lines: list[CartLine]) -> None:
    """Lines whose reservation lost units to a stock cut (`quantity_short`) reserve their
    quantity again, if the stock is back; else the cart is refused with `cart_line_short`,
    naming each such line and what it still holds."""
    short = [line for line in lines if getattr(line, "quantity_short", 0)]
    if not short:
        return
    try:
        inventory.reserve_stock(
            reference=reservation_reference(cart),
            lines=[(line.variant_id, line.quantity) for line in short],
        )
    except inventory.InsufficientStock:
        raise CartLineShort(
            "Stock was counted again and some lines can no longer be had in full; lower or "
            "remove them.",
            lines=[
                {
                    "line_id": str(line.public_id),
                    "sku": line.variant.sku,
                    "quantity": line.quantity,
                    "reserved": line.quantity_reserved,
                }
                for line in short
            ],
        ) from None
    for line in short:
        line.quantity_reserved, line.quantity_short = line.quantity, 0
