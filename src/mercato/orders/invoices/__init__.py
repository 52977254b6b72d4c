"""The PDF invoice of an order: `render` says what it shows, `layout` draws it."""

from mercato.orders.invoices.render import invoice_filename, invoice_number, render_invoice_pdf

__all__ = ["invoice_filename", "invoice_number", "render_invoice_pdf"]
