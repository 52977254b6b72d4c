"""Moving units between warehouses."""

from django.db import transaction

from mercato.audit.services import Actor, record_action
from mercato.catalog.models import ProductVariant
from mercato.inventory.errors import InsufficientStock, SameWarehouse
from mercato.inventory.models import Stock, StockMovement, Warehouse
from mercato.inventory.services.ledger import after_change, check_quantity, write_movement
from mercato.inventory.services.locks import lock_stocks
from mercato.inventory.services.reservations import reapportion_reservations


def transfer_stock(
    *,
    variant: ProductVariant,
    source: Warehouse,
    destination: Warehouse,
    quantity: int,
    actor: Actor,
    reason: str = "transfer",
) -> tuple[Stock, Stock]:
    """Move units between warehouses; only what is not allocated can move."""
    check_quantity(quantity)
    if source.pk == destination.pk:
        raise SameWarehouse("A transfer needs two different warehouses.", field="destination")
    with transaction.atomic():
        Stock.objects.get_or_create(variant=variant, warehouse=destination)
        locked = {s.warehouse_id: s for s in lock_stocks([variant.pk])}
        out, into = locked.get(source.pk), locked[destination.pk]
        if out is None or out.quantity_free < quantity:
            raise InsufficientStock(
                "The source warehouse does not have that many free units.",
                available=out.quantity_free if out else 0,
            )
        legs = (
            (out, StockMovement.Kind.TRANSFER_OUT, -quantity, f"{reason} → {destination.slug}"),
            (into, StockMovement.Kind.TRANSFER_IN, quantity, f"{reason} ← {source.slug}"),
        )
        for stock, kind, delta, note in legs:
            write_movement(stock, kind=kind, quantity_delta=delta, reason=note, actor=actor)
        if source.is_active and not destination.is_active:
            reapportion_reservations([variant.pk])
        record_action(out, "stock.transfer", actor=actor, to=destination.slug, quantity=quantity)
        after_change([variant.pk])
    return out, into
