"""The orders app's domain errors (codes and statuses are part of the API)."""

from mercato.core.errors import Conflict, InvalidInput, NotFound


class InvoiceNotAvailable(Conflict):
    code, title = "invoice_not_available", "This order has no invoice"


# --- orders ------------------------------------------------------------------------------


class OrderNotFound(NotFound):
    code, title = "order_not_found", "No such order"


# --- the status machines -----------------------------------------------------------------


class IllegalTransition(Conflict):
    code, title = "illegal_status_transition", "This status change is not allowed"


class OrderClosed(Conflict):
    code, title = "order_closed", "The order no longer allows this"


# --- fulfilment --------------------------------------------------------------------------


class FulfilmentNotFound(NotFound):
    code, title = "fulfilment_not_found", "No such fulfilment"


class OrderNotFulfillable(Conflict):
    code, title = "order_not_fulfillable", "This order cannot be fulfilled now"


class OrderNotPaid(Conflict):
    code, title = "order_not_paid", "The order must be paid before it is fulfilled"


class IllegalFulfilmentTransition(Conflict):
    code, title = "illegal_fulfilment_transition", "This fulfilment change is not allowed"


class FulfilExceedsOrdered(InvalidInput):
    code, title = "fulfil_exceeds_ordered", "More than is left to fulfil"


# --- returns -----------------------------------------------------------------------------


class ReturnNotFound(NotFound):
    code, title = "return_not_found", "No such return"


class IllegalReturnTransition(Conflict):
    code, title = "illegal_return_transition", "This return change is not allowed"


class ReturnExceedsDelivered(InvalidInput):
    code, title = "return_exceeds_delivered", "More than was delivered and not yet returned"


class ShippingAlreadyRefunded(Conflict):
    code, title = "shipping_already_refunded", "The shipping of this order was refunded already"
