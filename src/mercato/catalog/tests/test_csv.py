import csv
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mercato.audit.models import AuditLogEntry
from mercato.catalog.csv_io import COLUMNS
from mercato.catalog.models import Product, ProductImport, ProductVariant
from mercato.catalog.tests.factories import catalog_state, make_product, tee
from tests.support import run_tasks

ADMIN = "/api/admin/catalog"
EXPORT = f"{ADMIN}/products/export.csv"
IMPORT = f"{ADMIN}/products/import"


def export(api, token) -> list[dict[str, str]]:
    response = api.get_json(EXPORT, token=token)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def to_csv(rows: list[dict[str, str]], columns=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(api, token, content: bytes, name: str = "products.csv"):
    return api.post(
        IMPORT,
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        headers={"Authorization": f"Bearer {token}"},
    )


def import_report(api, token, content: bytes) -> dict:
    started = upload(api, token, content)
    assert started.status_code == 202, started.content
    assert started.json()["status"] == "pending"
    run_tasks()
    report = api.get_json(f"{ADMIN}/imports/{started.json()['id']}", token=token)
    assert report.status_code == 200
    return report.json()


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


def test_export_has_one_row_per_variant(api, owner_token, shop):
    rows = export(api, owner_token)

    assert list(rows[0]) == COLUMNS
    alpha = [r for r in rows if r["product_slug"] == "alpha-tee"]
    assert [(r["price"], r["variant_attributes"]) for r in alpha] == [
        ("10.00", "size=s;colour=red"),
        ("12.00", "size=m;colour=red"),
    ]
    assert alpha[0]["product_attributes"] == "material=cotton"
    assert alpha[0]["category"] == "clothing/tops/shirts"
    assert alpha[0]["product_type"] == "t-shirt"
    assert sorted({r["status"] for r in rows}) == ["archived", "draft", "published"]
    assert len(rows) == ProductVariant.objects.count() == 10


def test_export_round_trip_with_edits(api, owner_token, shop):
    rows = export(api, owner_token)
    cheap = next(r for r in rows if r["price"] == "10.00")
    cheap["price"] = "11.50"
    charlie = {**next(r for r in rows if r["product_slug"] == "charlie-tee"), "variant_name": ""}
    new_rows = [
        {**charlie, "sku": "CHARLIE-M", "price": "31", "variant_attributes": "size=m;colour=red"},
        {
            **charlie,
            "product_slug": "foxtrot-tee",
            "product_name": "Foxtrot tee",
            "category": "shoes",
            "status": "published",
            "sku": "FOX-1",
            "price": "15.00",
            "product_attributes": "material=wool",
            "variant_attributes": "size=l;colour=blue",
        },
        {
            **charlie,
            "product_slug": "golf-tee",
            "product_name": "Golf",
            "sku": "GOLF-1",
            "price": "abc",
        },
        {**charlie, "product_slug": "hotel", "product_type": "hat", "sku": "HAT-1"},
    ]
    content = to_csv(rows + new_rows) + b"\r\n"  # spreadsheets like a trailing blank line

    report = import_report(api, owner_token, content)

    assert report["status"] == "finished"
    assert (
        report["rows_total"],
        report["rows_created"],
        report["rows_updated"],
        report["rows_failed"],
    ) == (14, 2, 10, 2)
    assert [(e["row"], e["sku"], e["code"]) for e in report["errors"]] == [
        (14, "GOLF-1", "invalid_price"),
        (15, "HAT-1", "unknown_product_type"),
    ]
    assert ProductVariant.objects.get(sku=cheap["sku"]).price == Decimal("11.50")
    assert Product.objects.get(slug="alpha-tee").price_min == Decimal("11.50")
    assert sorted(
        Product.objects.get(slug="charlie-tee").variants.values_list("sku", flat=True)
    ) == [
        "CHARLIE-M",
        charlie["sku"],
    ]
    foxtrot = api.get_json("/api/store/products/foxtrot-tee").json()
    assert foxtrot["category"]["slug_path"] == "shoes"
    assert foxtrot["attributes"][0]["values"] == [{"slug": "wool", "name": "Wool"}]
    assert foxtrot["variants"][0]["name"] == "L / Blue"
    assert not Product.objects.filter(slug__in=["golf-tee", "hotel"]).exists()
    assert not ProductVariant.objects.filter(sku__in=["GOLF-1", "HAT-1"]).exists()
    assert AuditLogEntry.objects.filter(source="csv_import", action="create").exists()


def test_importing_an_unchanged_export_changes_no_data(api, owner_token, shop):
    first = export(api, owner_token)

    report = import_report(api, owner_token, to_csv(first))

    assert (report["rows_created"], report["rows_updated"], report["rows_failed"]) == (0, 10, 0)
    assert export(api, owner_token) == first


def test_a_file_with_only_some_columns_changes_only_those(api, owner_token, shop):
    variant = shop.alpha.variants.order_by("price").first()
    variant.compare_at_price, variant.barcode, variant.weight_grams = Decimal("15"), "4006381", 180
    variant.save()
    before = export(api, owner_token)
    columns = ["product_slug", "product_name", "product_type", "sku", "price"]
    row = {"product_slug": "alpha-tee", "product_name": "Alpha tee", "product_type": "t-shirt"}

    report = import_report(
        api, owner_token, to_csv([{**row, "sku": variant.sku, "price": "9"}], columns)
    )

    assert (report["rows_updated"], report["rows_failed"]) == (1, 0)
    after = export(api, owner_token)
    changed = [
        (b["sku"], name, b[name], a[name])
        for b, a in zip(before, after, strict=True)
        for name in COLUMNS
        if b[name] != a[name]
    ]
    assert changed == [(variant.sku, "price", "10.00", "9.00")]


def test_import_looks_each_type_and_category_up_once(api, owner_token, shop):
    base = {"product_type": "t-shirt", "category": "shoes", "price": "5"}
    rows = [
        {**base, "product_slug": f"n{i}", "product_name": f"N{i}", "sku": f"N-{i}"}
        for i in range(20)
    ]
    started = upload(api, owner_token, to_csv(rows))

    with CaptureQueriesContext(connection) as queries:
        run_tasks()

    for table in ("catalog_producttype", "catalog_category"):
        assert sum(f'FROM "{table}"' in q["sql"] for q in queries) <= 2, table
    assert (
        api.get_json(f"{ADMIN}/imports/{started.json()['id']}", token=owner_token).json()[
            "rows_created"
        ]
        == 20
    )


def test_a_failed_row_leaves_nothing_behind(api, owner_token, shop):
    rows = [
        {
            "product_slug": "new-tee",
            "product_name": "New tee",
            "product_type": "t-shirt",
            "sku": "NEW-1",
            "price": "5",
            "product_attributes": "material=cotton",
            "variant_attributes": "size=xl",
        },
        {
            "product_slug": "alpha-tee",
            "product_name": "Renamed by a bad row",
            "product_type": "t-shirt",
            "sku": "ALPHA-NEW",
            "price": "-1",
        },
    ]
    before = catalog_state()["catalog.Product"]

    report = import_report(api, owner_token, to_csv(rows))

    assert report["rows_failed"] == 2
    assert [e["code"] for e in report["errors"]] == ["invalid_attribute_value", "invalid_price"]
    assert catalog_state()["catalog.Product"] == before
    assert not ProductVariant.objects.filter(sku__in=["NEW-1", "ALPHA-NEW"]).exists()


def test_text_longer_than_its_column_fails_its_row_only(api, owner_token, shop):
    base = {"product_type": "t-shirt", "price": "5"}
    rows = [
        {**base, "product_slug": "long", "product_name": "L" * 251, "sku": "LONG-1"},
        {**base, "product_slug": "bar", "product_name": "Bar", "sku": "BAR-1", "barcode": "9" * 65},
        {**base, "product_slug": "fine", "product_name": "Fine", "sku": "FINE-1"},
    ]

    report = import_report(api, owner_token, to_csv(rows))

    assert report["status"] == "finished"
    assert [(e["sku"], e["code"]) for e in report["errors"]] == [
        ("LONG-1", "too_long"),
        ("BAR-1", "too_long"),
    ]
    assert report["rows_created"] == 1
    assert sorted(
        Product.objects.filter(slug__in=["long", "bar", "fine"]).values_list("slug", flat=True)
    ) == ["fine"]


def test_a_sku_of_another_product_is_refused_per_row(api, owner_token, shop):
    taken = shop.bravo.variants.first().sku
    row = {
        "product_slug": "alpha-tee",
        "product_name": "Alpha tee",
        "product_type": "t-shirt",
        "sku": taken,
        "price": "1",
    }

    report = import_report(api, owner_token, to_csv([row]))

    assert [e["code"] for e in report["errors"]] == ["sku_taken"]
    assert ProductVariant.objects.get(sku=taken).product_id == shop.bravo.pk


def test_wrong_columns_are_refused_at_once(api, owner_token, shop):
    before = catalog_state()
    content = to_csv([], columns=["product_slug", "product_name", "colour", "sku"])

    response = upload(api, owner_token, content)

    refused(response, 400, "invalid_csv_columns")
    assert response.json()["unknown_columns"] == ["colour"]
    assert response.json()["missing_columns"] == ["price", "product_type"]
    assert catalog_state() == before
    assert not ProductImport.objects.exists()


def test_a_latin1_file_is_refused(api, owner_token, shop):
    row = {
        "product_slug": "kase",
        "product_name": "Käse-Shirt für Straße",
        "product_type": "t-shirt",
        "sku": "K1",
        "price": "5",
    }
    content = to_csv([row]).decode("utf-8").encode("latin-1")

    response = upload(api, owner_token, content)

    refused(response, 400, "invalid_encoding")
    assert not ProductImport.objects.exists()


def test_an_empty_file_is_refused(api, owner_token, shop):
    response = upload(api, owner_token, b"")

    refused(response, 400, "empty_csv")
    assert not ProductImport.objects.exists()


def test_a_utf8_file_with_a_bom_and_non_ascii_text_imports(api, owner_token, shop):
    row = {
        "product_slug": "kase",
        "product_name": "Käse-Shirt für Straße",
        "product_type": "t-shirt",
        "sku": "K1",
        "price": "5",
    }

    report = import_report(api, owner_token, b"\xef\xbb\xbf" + to_csv([row]))

    assert report["rows_created"] == 1
    assert Product.objects.get(slug="kase").name == "Käse-Shirt für Straße"


def test_import_needs_permission(api, staff_token_without_permissions, customer_token, shop):
    content = to_csv([])

    refused(upload(api, staff_token_without_permissions, content), 403, "permission_denied")
    assert upload(api, customer_token, content).status_code == 401
    assert not ProductImport.objects.exists()


def test_export_streams_every_variant(api, owner_token, tshirt_type, django_assert_max_num_queries):
    for i in range(25):
        make_product(
            f"P{i}", product_type=tshirt_type, variants=[tee("s", "red", i), tee("m", "red", i)]
        )

    response = api.get_json(EXPORT, token=owner_token)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="products.csv"' in response["Content-Disposition"]
    with django_assert_max_num_queries(5):
        lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1 + 50
    assert lines[0] == ",".join(COLUMNS)


def test_formula_like_cells_are_quoted_in_the_export_and_restored_on_import(api, owner_token, shop):
    alpha = Product.objects.get(slug="alpha-tee")
    Product.objects.filter(pk=alpha.pk).update(name="=HYPERLINK(1)", description="@evil")

    rows = export(api, owner_token)
    row = next(r for r in rows if r["product_slug"] == "alpha-tee")
    assert row["product_name"] == "'=HYPERLINK(1)"
    assert row["description"] == "'@evil"

    report = import_report(api, owner_token, to_csv(rows))

    assert report["rows_failed"] == 0, report["errors"]
    alpha.refresh_from_db()
    assert (alpha.name, alpha.description) == ("=HYPERLINK(1)", "@evil")
