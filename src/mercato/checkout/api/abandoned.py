"""The back office's abandoned carts."""

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from mercato.accounts.operations import admin_list
from mercato.checkout import selectors
from mercato.checkout.api.schemas import AbandonedFilters, AbandonedPage
from mercato.core.money import money
from mercato.core.pagination import paginate

admin_router = Router(tags=["admin: carts"])


@admin_list(
    admin_router,
    "/checkout/abandoned-carts",
    page=AbandonedPage,
    permission="checkout.view_cart",
    operation_id="mercato_checkout_api_abandoned_carts",
)
def abandoned_carts(request: HttpRequest, filters: Query[AbandonedFilters]):
    """Open carts with lines and no activity for `idle_hours`, with their value at the
    current list prices, newest activity first."""
    carts = selectors.list_abandoned_carts(idle_hours=filters.idle_hours)

    def item(cart: selectors.AbandonedCart) -> dict[str, Any]:
        return {
            "token": cart.token,
            "email": cart.email,
            "customer": cart.user.email if cart.user else None,
            "lines": cart.line_count,
            "items": cart.item_count,
            "value": money(Decimal(cart.value), cart.currency),
            "updated_at": cart.updated_at,
            "created_at": cart.created_at,
        }

    return paginate(carts, params=filters, ordering=("-updated_at", "-id"), transform=item)
