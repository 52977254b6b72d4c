"""Order services, one module per part of an order's life:

- `placement`: place an order from a checkout (typed inputs in `inputs`), confirm it.
- `status`: the order and payment status machines, the timeline, staff notes.
- `fulfilment`: parcels from a warehouse, shipped, delivered, cancelled.
- `cancellation`: cancel an order (stock back, payments voided or refunded).
- `returns`: a customer's return, staff decision, goods received, refund.
- `drafts`: orders staff create for a customer, and line edits of unfulfilled orders.
"""

from mercato.orders.services.inputs import (
    LineSnapshot,
    OrderDetails,
    OrderTotals,
    ShippingChoice,
)
from mercato.orders.services.placement import (
    confirm_order,
    next_order_number,
    place_order,
    priced_totals,
)

__all__ = [
    "LineSnapshot",
    "OrderDetails",
    "OrderTotals",
    "ShippingChoice",
    "confirm_order",
    "next_order_number",
    "place_order",
    "priced_totals",
]
