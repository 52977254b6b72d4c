from django.http import HttpRequest
from ninja import Query

from mercato.core.money import money
from mercato.core.schemas import problems
from mercato.shipping import selectors
from mercato.shipping.api.common import store_router
from mercato.shipping.schemas import AvailableMethodOut, AvailableMethodsParams


@store_router.get(
    "/shipping/methods",
    response={200: list[AvailableMethodOut], **problems(422)},
    auth=None,
)
def available_methods(request: HttpRequest, params: Query[AvailableMethodsParams]):
    """The shipping methods that serve an address, a parcel weight and an order value, with
    their price (before tax; 0.00 above a method's free-shipping threshold) and delivery
    estimate in days. A bad country code answers 422 `invalid_country`."""
    quotes = selectors.list_available_methods(
        country=params.country, weight_grams=params.weight_grams, subtotal=params.subtotal
    )
    return [
        {
            "id": quote.method_id,
            "name": quote.name,
            "description": quote.description,
            "price": money(quote.price, quote.currency),
            "min_delivery_days": quote.min_delivery_days,
            "max_delivery_days": quote.max_delivery_days,
        }
        for quote in quotes
    ]
