"""Carts and checkout: lines that reserve stock (`carts`), checkout details (`details`), and
`complete_checkout` (`completion`), which turns a cart into an order in one transaction.
The reads (a cart, its prices, its shipping options) are in `checkout.selectors`."""

from mercato.checkout.services.carts import (
    create_cart,
    merge_guest_cart,
    remove_line,
    set_line,
    set_line_quantity,
)
from mercato.checkout.services.completion import complete_checkout
from mercato.checkout.services.details import CheckoutDetails, update_checkout

__all__ = [
    "CheckoutDetails",
    "complete_checkout",
    "create_cart",
    "merge_guest_cart",
    "remove_line",
    "set_line",
    "set_line_quantity",
    "update_checkout",
]
