"""Store: whether variants can be bought now."""

from django.conf import settings
from django.http import HttpRequest
from ninja import Query

from mercato.catalog.models import ProductVariant
from mercato.catalog.selectors import get_visible_product
from mercato.core.schemas import problems
from mercato.inventory import selectors
from mercato.inventory.api.common import store_router
from mercato.inventory.schemas import AvailabilityParams, VariantAvailability


def _availability_out(variants: list[ProductVariant]) -> list[dict]:
    found = selectors.availability([v.pk for v in variants]) if variants else {}
    exact = settings.STOCK_SHOW_QUANTITY
    return [
        {
            "variant_id": v.public_id,
            "sku": v.sku,
            "in_stock": found[v.pk].can_sell(1),
            "quantity": (found[v.pk].available if found[v.pk].tracked else None) if exact else None,
        }
        for v in variants
    ]


@store_router.get(
    "/products/{key}/availability",
    response={200: list[VariantAvailability], **problems(404)},
    auth=None,
)
def product_availability(request: HttpRequest, key: str):
    """Whether each variant of a published product can be bought now (and how many, if the
    shop shows exact counts: STOCK_SHOW_QUANTITY)."""
    product = get_visible_product(key=key)
    return _availability_out(list(product.variants.all()))


@store_router.get(
    "/availability", response={200: list[VariantAvailability], **problems(422)}, auth=None
)
def variants_availability(request: HttpRequest, params: Query[AvailabilityParams]):
    """Availability of several variants at once (of published products only)."""
    return _availability_out(selectors.list_visible_variants(params.variants))
