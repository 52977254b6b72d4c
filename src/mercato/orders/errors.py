"""The orders app's domain errors (codes and statuses are part of the API)."""

from mercato.core.errors import Conflict


class InvoiceNotAvailable(Conflict):
    code, title = "invoice_not_available", "This order has no invoice"
