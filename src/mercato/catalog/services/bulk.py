"""Changes to many products at once, all or nothing: status, deletion, prices."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from mercato.audit.services import Actor, record_change, snapshot
from mercato.catalog.errors import InvalidPrice
from mercato.catalog.models import MAX_PRICE, Product, ProductVariant
from mercato.catalog.services.common import clean_price
from mercato.catalog.services.derived import refresh_products
from mercato.catalog.services.products import delete_product
from mercato.core.errors import InvalidInput


def bulk_set_status(*, actor: Actor, products: list[Product], status: str) -> int:
    if status not in Product.Status.values:
        raise InvalidInput(f"Unknown status {status!r}.", field="status")
    with transaction.atomic():
        ids = [p.pk for p in products]
        changed = Product.objects.filter(pk__in=ids).exclude(status=status)
        now = timezone.now()
        count = 0
        for product in changed.select_for_update():
            before = snapshot(product, ["status", "published_at"])
            product.status = status
            if status == Product.Status.PUBLISHED and product.published_at is None:
                product.published_at = now
            product.save(update_fields=["status", "published_at", "updated_at"])
            record_change(
                actor=actor,
                action="update",
                obj=product,
                verb="product.bulk_status",
                before=before,
                after=snapshot(product, ["status", "published_at"]),
            )
            count += 1
    return count


def bulk_delete_products(*, actor: Actor, products: list[Product]) -> int:
    with transaction.atomic():
        for product in products:
            delete_product(actor=actor, product=product)
    return len(products)


def bulk_change_price(*, actor: Actor, products: list[Product], mode: str, amount: Any) -> int:
    """Change the price of every variant of these products: `set` to an amount, add or take
    a fixed `amount`, or change by a `percent` (-10 = ten percent off). A result below zero is
    refused for the whole batch."""
    try:
        delta = Decimal(str(amount))
        if not delta.is_finite() or abs(delta) > MAX_PRICE:
            raise InvalidOperation
    except (InvalidOperation, ValueError) as exc:
        raise InvalidPrice("amount is not a number.", field="amount") from exc
    if mode not in {"set", "amount", "percent"}:
        raise InvalidInput("mode is set, amount or percent.", field="mode")
    if mode == "percent" and delta < -100:
        raise InvalidPrice("A price cannot drop by more than 100 %.", field="amount")
    with transaction.atomic():
        variants = list(
            ProductVariant.objects.select_for_update()
            .filter(product_id__in=[p.pk for p in products])
            .order_by("pk")
        )
        for variant in variants:
            if mode == "set":
                new = delta
            elif mode == "amount":
                new = variant.price + delta
            else:
                new = variant.price * (Decimal(100) + delta) / Decimal(100)
            before = snapshot(variant, ["price"])
            variant.price = clean_price(new, field="amount")
            variant.save(update_fields=["price", "updated_at"])
            record_change(
                actor=actor,
                action="update",
                obj=variant,
                verb="variant.bulk_price",
                before=before,
                after=snapshot(variant, ["price"]),
            )
        refresh_products(p.pk for p in products)
    return len(variants)
