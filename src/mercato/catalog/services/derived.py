"""What is derived from a product's rows (price range, facets, search entry, in-stock flag)
and kept current after every change."""

from collections.abc import Iterable

from django.db.models import Max, Min

from mercato.catalog import search
from mercato.catalog.cache import bump_catalog_version
from mercato.catalog.models import AssignedAttribute, Product, ProductFacet, ProductVariant
from mercato.catalog.signals import products_refreshed


def refresh_products(product_ids: Iterable[int]) -> None:
    """Recompute what is derived from a product's rows: its price range, its facet values and
    its search entry; and let cached storefront answers go."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    ranges = {
        row["product_id"]: row
        for row in ProductVariant.objects.filter(product_id__in=ids)
        .values("product_id")
        .annotate(low=Min("price"), high=Max("price"))
    }
    for pk in ids:
        row = ranges.get(pk)
        Product.objects.filter(pk=pk).update(
            price_min=row["low"] if row else None, price_max=row["high"] if row else None
        )
    ProductFacet.objects.filter(product_id__in=ids).delete()
    ProductFacet.objects.bulk_create(
        ProductFacet(product_id=product_id, attribute_id=attribute_id, value_id=value_id)
        for product_id, attribute_id, value_id in AssignedAttribute.objects.filter(
            product_id__in=ids, value__isnull=False
        )
        .values_list("product_id", "attribute_id", "value_id")
        .distinct()
        .order_by()
    )
    search.index_products(ids)
    products_refreshed.send(sender=Product, product_ids=ids)
    bump_catalog_version()


def set_in_stock(flags: dict[int, bool]) -> None:
    """Record which products can be bought now (called by the inventory services)."""
    for value in (True, False):
        ids = [pk for pk, flag in flags.items() if flag is value]
        if ids and Product.objects.filter(pk__in=ids).exclude(in_stock=value).update(
            in_stock=value
        ):
            bump_catalog_version()
