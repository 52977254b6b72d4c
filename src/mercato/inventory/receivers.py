"""Inventory tells the catalog which products can be bought: when the catalog recomputes
products (a variant added, removed or changed), their in-stock flag is set from the stock."""

from typing import Any

from mercato.catalog import services as catalog_services
from mercato.catalog.signals import products_refreshed
from mercato.inventory import services as inventory_services

DISPATCH_UID = "mercato.inventory.receivers.set_products_in_stock"


def set_products_in_stock(sender: Any, *, product_ids: list[int], **kwargs: Any) -> None:
    catalog_services.set_in_stock(inventory_services.products_in_stock(product_ids))


def connect() -> None:
    products_refreshed.connect(set_products_in_stock, dispatch_uid=DISPATCH_UID)
