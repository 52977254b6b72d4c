"""Admin: products as CSV, exported (streamed) and imported (checked at once, run by the
worker)."""

from uuid import UUID

from django.http import HttpRequest, StreamingHttpResponse
from ninja import File
from ninja.files import UploadedFile
from ninja.responses import Status

from mercato.catalog import csv_io
from mercato.catalog.api.common import actor, admin, get
from mercato.catalog.models import ProductImport
from mercato.catalog.schemas import ImportOut


@admin.operation(
    "get",
    "/catalog/products/export.csv",
    out=None,
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
)
def export_products(request: HttpRequest):
    """Every product and variant as CSV, one row per variant, streamed."""
    response = StreamingHttpResponse(csv_io.export_rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="products.csv"'
    return response


@admin.operation(
    "post",
    "/catalog/products/import",
    out=ImportOut,
    status=202,
    errors=(400, 413, 422),
    permission=("catalog.add_product", "catalog.change_product"),
)
def import_products(request: HttpRequest, file: File[UploadedFile]):
    """Upload a CSV (the export's columns) to upsert products and variants by SKU. The file
    is checked at once (columns, encoding); the rows are imported by the worker: poll
    GET /catalog/imports/{id} for the report."""
    product_import = csv_io.start_import(file=file, actor=actor(request))
    return Status(202, product_import)


@admin.operation("get", "/catalog/imports/{import_id}", out=ImportOut, errors=(404,))
def get_import(request: HttpRequest, import_id: UUID):
    return get(ProductImport, import_id, "import_not_found")
