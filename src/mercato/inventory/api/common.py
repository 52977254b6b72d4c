from django.conf import settings
from django.http import HttpRequest

from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.core.clientip import get_client_ip
from mercato.inventory.models import Stock


def request_actor(request: HttpRequest) -> Actor:
    return actor_for(request.auth, ip=get_client_ip(request))


def stock_out(stock: Stock) -> dict:
    """A stock row as `StockOut` (read with its variant, product and warehouse)."""
    item = getattr(stock.variant, "inventory_item", None)
    threshold = (
        item.low_stock_threshold
        if item is not None and item.low_stock_threshold is not None
        else settings.LOW_STOCK_THRESHOLD
    )
    return {
        "sku": stock.variant.sku,
        "product": stock.variant.product.name,
        "warehouse": stock.warehouse.slug,
        "quantity": stock.quantity,
        "quantity_allocated": stock.quantity_allocated,
        "quantity_free": stock.quantity_free,
        "low_stock_threshold": threshold,
    }
