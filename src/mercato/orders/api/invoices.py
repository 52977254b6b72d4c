"""The PDF invoice of an order, for its customer (or a guest holding the order's token) and
for staff. A draft has none: shoppers never see drafts (404), staff get 409."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from mercato.accounts.authentication import optional_customer_auth
from mercato.core.schemas import problems
from mercato.orders import selectors
from mercato.orders.access import shopper_order
from mercato.orders.api.common import VIEW, admin_operation, store_router
from mercato.orders.invoices import invoice_filename, render_invoice_pdf
from mercato.orders.models import Order

PDF_RESPONSE: dict[str, Any] = {"responses": {200: {"content": {"application/pdf": {}}}}}


def _pdf_response(order: Order) -> HttpResponse:
    response = HttpResponse(render_invoice_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice_filename(order)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@store_router.get(
    "/orders/{order_id}/invoice.pdf",
    response={200: None, **problems(401, 404)},
    auth=optional_customer_auth,
    openapi_extra=PDF_RESPONSE,
)
def store_invoice(request: HttpRequest, order_id: str):
    """The invoice of one of your orders as PDF. A guest sends the order's token (the link in
    the confirmation email) as `X-Order-Token` or `?token=`."""
    return _pdf_response(shopper_order(request, order_id))


@admin_operation(
    "get",
    "/orders/{order_id}/invoice.pdf",
    out=None,
    errors=(404, 409),
    permission=VIEW,
    openapi_extra=PDF_RESPONSE,
)
def admin_invoice(request: HttpRequest, order_id: str):
    """The invoice of any placed order as PDF (409 `invoice_not_available` for a draft)."""
    return _pdf_response(selectors.get_order(order_id=order_id, detail=False))
