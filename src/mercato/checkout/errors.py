"""The checkout's refusals."""

from mercato.core.errors import Conflict, InvalidInput, NotFound


class CartNotFound(NotFound):
    code, title = "cart_not_found", "No such cart"


class CartClosed(Conflict):
    code, title = "cart_closed", "This cart was already checked out"


class VariantNotPurchasable(InvalidInput):
    code, title = "variant_not_purchasable", "This variant cannot be bought"


class PriceChanged(Conflict):
    code, title = "price_changed", "Prices changed since the cart was filled"


class CartLineShort(Conflict):
    code, title = "cart_line_short", "Stock was taken back from lines of this cart"


class CheckoutIncomplete(InvalidInput):
    code, title = "checkout_incomplete", "The checkout is missing details"
