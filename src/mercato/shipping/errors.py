from mercato.core.errors import InvalidInput, NotFound


class ZoneNotFound(NotFound):
    code, title = "zone_not_found", "No such shipping zone"


class ShippingMethodNotFound(NotFound):
    code, title = "shipping_method_not_found", "No such shipping method"


class InvalidPrice(InvalidInput):
    code, title = "invalid_price", "The amount is not valid"


class InvalidWeight(InvalidInput):
    code, title = "invalid_weight", "The weight is not valid"


class InvalidLimits(InvalidInput):
    code, title = "invalid_limits", "A lower limit is above its upper limit"


class InvalidDeliveryEstimate(InvalidInput):
    code, title = "invalid_delivery_estimate", "The delivery estimate is not valid"


class UnsupportedCurrency(InvalidInput):
    code, title = "unsupported_currency", "The shop does not sell in this currency"


class InvalidBracket(InvalidInput):
    code, title = "invalid_bracket", "A bracket is not valid"


class OverlappingBrackets(InvalidInput):
    code, title = "overlapping_brackets", "Two brackets cover the same values"


class MissingBrackets(InvalidInput):
    code, title = "missing_brackets", "This kind of method is priced by brackets: give at least one"


class BracketsNotAllowed(InvalidInput):
    code, title = "brackets_not_allowed", "A flat-priced method has no brackets"


class ShippingMethodUnavailable(InvalidInput):
    """The method does not exist, is switched off, or does not serve this address, weight or
    order value. What the checkout raises when the chosen method no longer fits the cart."""

    code, title = "shipping_method_unavailable", "This shipping method does not serve this order"
