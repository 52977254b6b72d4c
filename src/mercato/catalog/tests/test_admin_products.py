import io
import struct
import uuid
import zlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from mercato.accounts.models import AuthSession
from mercato.audit.models import AuditLogEntry
from mercato.catalog.models import (
    AssignedAttribute,
    Product,
    ProductMedia,
    ProductVariant,
)
from mercato.catalog.tests.factories import catalog_state, make_product, tee
from tests.support import StaffFactory, sign_in

ADMIN = "/api/admin/catalog"
PRODUCTS = f"{ADMIN}/products"


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def new_tee(**changes) -> dict:
    return {
        "name": "Echo tee",
        "product_type": "t-shirt",
        "category": "clothing/tops",
        "status": "published",
        "description": "Soft.",
        "attributes": {"material": "cotton", "care": "Wash cold"},
        "variants": [
            {"sku": "ECHO-S", "price": "19.90", "attributes": {"size": "s", "colour": "red"}},
            {
                "sku": "ECHO-M",
                "price": 21,
                "compare_at_price": "25.00",
                "cost_price": "8.5",
                "attributes": {"size": "M", "colour": "Blue"},
            },
        ],
        **changes,
    }


def png_bytes(size=(4, 3), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def token_with(*codenames: str) -> str:
    user = StaffFactory()
    group = Group.objects.create(name=f"g-{uuid.uuid4().hex[:8]}")
    group.permissions.set(Permission.objects.filter(codename__in=codenames))
    user.groups.add(group)
    return sign_in(user, AuthSession.Audience.ADMIN).access_token


# --- products -------------------------------------------------------------------------------


def test_create_a_product_with_variants_and_attributes_in_one_call(api, owner, owner_token, shop):
    response = api.post_json(PRODUCTS, new_tee(), token=owner_token)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "echo-tee"
    assert body["status"] == "published"
    assert body["published_at"] is not None
    assert body["category"]["slug_path"] == "clothing/tops"
    assert body["price"]["min"] == {"amount": "19.90", "currency": "EUR"}
    assert body["price"]["max"] == {"amount": "21.00", "currency": "EUR"}
    product = Product.objects.get(slug="echo-tee")
    assert list(product.variants.values_list("sku", "name", "price", "compare_at_price")) == [
        ("ECHO-S", "S / Red", Decimal("19.90"), None),
        ("ECHO-M", "M / Blue", Decimal("21.00"), Decimal("25.00")),
    ]
    assert sorted(
        AssignedAttribute.objects.filter(product=product, variant=None).values_list(
            "attribute__slug", "value__slug", "text"
        )
    ) == [("care", None, "Wash cold"), ("material", "cotton", "")]
    assert api.get_json("/api/store/products/echo-tee").status_code == 200
    entry = AuditLogEntry.objects.get(object_type="catalog.product", object_id=body["id"])
    assert (entry.action, entry.actor_user_id, entry.source) == ("create", owner.pk, "admin_api")


def test_read_update_and_delete_a_product(api, owner_token, shop):
    url = f"{PRODUCTS}/{shop.bravo.public_id}"

    read = api.get_json(url, token=owner_token)
    assert read.status_code == 200
    assert read.json()["collections"] == ["summer"]

    updated = api.patch_json(
        url,
        {
            "name": "Bravo tee 2",
            "slug": "bravo-2",
            "status": "draft",
            "category": "shoes",
            "attributes": {"material": "cotton"},
            "private_metadata": {"erp": 7},
        },
        token=owner_token,
    )
    assert updated.status_code == 200, updated.content
    body = updated.json()
    assert (body["name"], body["slug"], body["status"]) == ("Bravo tee 2", "bravo-2", "draft")
    assert body["category"]["slug_path"] == "shoes"
    assert body["attributes"][0]["values"] == [{"slug": "cotton", "name": "Cotton"}]
    assert body["private_metadata"] == {"erp": 7}
    assert api.get_json("/api/store/products/bravo-2").status_code == 404

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not Product.objects.filter(pk=shop.bravo.pk).exists()
    assert not ProductVariant.objects.filter(product_id=shop.bravo.pk).exists()
    assert list(
        AuditLogEntry.objects.filter(object_id=str(shop.bravo.public_id), source="admin_api")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["update", "delete"]


def test_admin_product_list_shows_every_status_and_filters(api, owner_token, shop):
    everything = api.get_json(PRODUCTS, {"limit": 100}, token=owner_token).json()
    drafts = api.get_json(PRODUCTS, {"status": "draft"}, token=owner_token).json()
    by_sku = api.get_json(
        PRODUCTS, {"search": shop.charlie.variants.first().sku}, token=owner_token
    ).json()
    in_tops = api.get_json(PRODUCTS, {"category": "clothing/tops"}, token=owner_token).json()

    assert len(everything["items"]) == 8
    searched = api.get_json(PRODUCTS, {"search": "tee"}, token=owner_token).json()
    assert {p["name"]: p["variant_count"] for p in searched["items"]} == {
        p["name"]: p["variant_count"] for p in everything["items"]
    }
    assert searched["items"][-1]["variant_count"] == 2  # Alpha tee
    assert [p["name"] for p in drafts["items"]] == ["Draft tee"]
    assert [p["name"] for p in by_sku["items"]] == ["Charlie tee"]
    assert sorted(p["name"] for p in in_tops["items"]) == [
        "Alpha tee",
        "Archived tee",
        "Bravo tee",
        "Draft tee",
        "Empty tee",
        "Future tee",
    ]


def test_admin_product_list_query_count(
    api, owner_token, tshirt_type, django_assert_max_num_queries
):
    for i in range(30):
        make_product(
            f"P{i}", product_type=tshirt_type, variants=[tee("s", "red", 1), tee("m", "red", 2)]
        )

    for limit in (3, 30):
        with django_assert_max_num_queries(4):
            response = api.get_json(PRODUCTS, {"limit": limit}, token=owner_token)

        assert [p["variant_count"] for p in response.json()["items"]] == [2] * limit


# --- bad input ------------------------------------------------------------------------------


BAD_PRODUCTS = [
    ({"slug": "alpha-tee"}, 409, "slug_taken"),
    ({"name": "Alpha tee"}, 409, "slug_taken"),
    (
        {"variants": [{"sku": "ECHO-1", "price": 1}, {"sku": "ECHO-1", "price": 2}]},
        409,
        "sku_taken",
    ),
    ({"product_type": "hat"}, 422, "unknown_product_type"),
    ({"category": "clothing/hats"}, 422, "unknown_category"),
    ({"attributes": {"material": "silk"}}, 422, "invalid_attribute_value"),
    ({"attributes": {"material": ["cotton", "wool"]}}, 422, "invalid_attribute_value"),
    ({"attributes": {"size": "m"}}, 422, "unknown_attribute"),
    ({"attributes": {"weight": "3"}}, 422, "unknown_attribute"),
    (
        {"variants": [{"sku": "E1", "price": 1, "attributes": {"size": "xl"}}]},
        422,
        "invalid_attribute_value",
    ),
    (
        {"variants": [{"sku": "E1", "price": 1, "attributes": {"material": "cotton"}}]},
        422,
        "unknown_attribute",
    ),
    (
        {"variants": [{"sku": "E1", "price": 1, "attributes": {"colour": "blue-ish"}}]},
        422,
        "invalid_attribute_value",
    ),
    ({"status": "hidden"}, 422, "validation_error"),
    ({"name": ""}, 422, "validation_error"),
    ({"slug": "!!!"}, 422, "invalid_slug"),
]


def test_create_product_bad_input_changes_nothing(api, owner_token, shop, subtests):
    before = catalog_state()

    for changes, status, code in BAD_PRODUCTS:
        with subtests.test(**changes):
            response = api.post_json(PRODUCTS, new_tee(**changes), token=owner_token)

            refused(response, status, code)
            assert catalog_state() == before


def test_a_taken_sku_is_refused(api, owner_token, shop):
    taken = shop.alpha.variants.first().sku
    before = catalog_state()
    variants = [{"sku": taken, "price": 1, "attributes": {"size": "s", "colour": "red"}}]

    response = api.post_json(PRODUCTS, new_tee(variants=variants), token=owner_token)

    refused(response, 409, "sku_taken")
    assert catalog_state() == before


def test_a_taken_slug_is_a_slug_conflict_whatever_the_name(api, owner_token, shop, subtests):
    names = ["Skull bag", "Skunk", "Husky"]
    for name in names:
        make_product(name, product_type=shop.type)
    before = catalog_state()

    for name in names:
        with subtests.test(name=name):
            response = api.post_json(PRODUCTS, new_tee(name=name), token=owner_token)

            refused(response, 409, "slug_taken")
            assert catalog_state() == before


def test_bad_prices_are_refused(api, owner_token, shop, subtests):
    before = catalog_state()
    add_url = f"{PRODUCTS}/{shop.alpha.public_id}/variants"
    existing = f"{ADMIN}/variants/{shop.alpha.variants.first().public_id}"

    for price in [-1, "-0.01", 1e12, "1e12", "NaN", "Infinity", "-Infinity", "abc", "", "1,5"]:
        variant = {"sku": "NEW-1", "price": price}
        for method, url, body in [
            ("post", PRODUCTS, new_tee(variants=[variant])),
            ("post", add_url, variant),
            ("patch", existing, {"price": price}),
            ("post", add_url, {**variant, "price": 1, "compare_at_price": price or "x"}),
            ("post", add_url, {**variant, "price": 1, "cost_price": price or "x"}),
        ]:
            with subtests.test(price=price, method=method, url=url):
                refused(api.call(method, url, body, token=owner_token), 422, "invalid_price")
                assert catalog_state() == before


def test_a_price_is_required(api, owner_token, shop):
    before = catalog_state()
    add_url = f"{PRODUCTS}/{shop.alpha.public_id}/variants"
    existing = f"{ADMIN}/variants/{shop.alpha.variants.first().public_id}"

    refused(api.post_json(add_url, {"sku": "N1"}, token=owner_token), 422, "validation_error")
    refused(api.patch_json(existing, {"price": None}, token=owner_token), 422, "validation_error")
    assert catalog_state() == before


def test_prices_are_rounded_to_cents(api, owner_token, shop):
    response = api.post_json(
        f"{PRODUCTS}/{shop.alpha.public_id}/variants",
        {"sku": "N1", "price": "9.995", "compare_at_price": 12.004},
        token=owner_token,
    )

    assert response.status_code == 201, response.content
    assert response.json()["price"]["amount"] == "10.00"
    assert response.json()["compare_at_price"]["amount"] == "12.00"


def test_a_json_nan_is_refused_as_malformed(api, owner_token, shop):
    before = catalog_state()

    response = api.call(
        "post",
        f"{PRODUCTS}/{shop.alpha.public_id}/variants",
        raw='{"sku": "N1", "price": NaN}',
        token=owner_token,
    )

    refused(response, 400, "malformed_json")
    assert catalog_state() == before


def test_update_product_bad_input_changes_nothing(api, owner_token, shop):
    url = f"{PRODUCTS}/{shop.alpha.public_id}"
    before = catalog_state()
    cases = [
        (api.patch_json(url, {"slug": "bravo-tee"}, token=owner_token), 409, "slug_taken"),
        (api.patch_json(url, {"category": "nope"}, token=owner_token), 422, "unknown_category"),
        (
            api.patch_json(url, {"attributes": {"material": "silk"}}, token=owner_token),
            422,
            "invalid_attribute_value",
        ),
        (
            api.patch_json(url, {"attributes": {"colour": "red"}}, token=owner_token),
            422,
            "unknown_attribute",
        ),
        (
            api.patch_json(url, {"name": "X", "attributes": {"fabric": "x"}}, token=owner_token),
            422,
            "unknown_attribute",
        ),
        (api.patch_json(url, {"status": "gone"}, token=owner_token), 422, "validation_error"),
        (
            api.patch_json(f"{PRODUCTS}/{uuid.uuid4()}", {"name": "X"}, token=owner_token),
            404,
            "product_not_found",
        ),
        (api.get_json(f"{PRODUCTS}/{uuid.uuid4()}", token=owner_token), 404, "product_not_found"),
        (
            api.delete_json(f"{PRODUCTS}/{uuid.uuid4()}", token=owner_token),
            404,
            "product_not_found",
        ),
        (api.get_json(f"{PRODUCTS}/not-a-uuid", token=owner_token), 404, "not_found"),
    ]

    for response, status, code in cases:
        refused(response, status, code)
    assert catalog_state() == before


# --- variants -------------------------------------------------------------------------------


def test_a_single_variant_type_takes_one_variant(api, owner_token, shop):
    single = api.post_json(
        f"{ADMIN}/product-types", {"name": "Gift card", "has_variants": False}, token=owner_token
    )
    assert single.status_code == 201
    two = [{"sku": "GC-1", "price": 10}, {"sku": "GC-2", "price": 20}]
    before = catalog_state()

    refused(
        api.post_json(
            PRODUCTS,
            {"name": "Card", "product_type": "gift-card", "variants": two},
            token=owner_token,
        ),
        422,
        "invalid",
    )
    assert catalog_state() == before

    created = api.post_json(
        PRODUCTS,
        {"name": "Card", "product_type": "gift-card", "variants": two[:1]},
        token=owner_token,
    )
    assert created.status_code == 201
    refused(
        api.post_json(f"{PRODUCTS}/{created.json()['id']}/variants", two[1], token=owner_token),
        422,
        "single_variant_type",
    )
    assert not ProductVariant.objects.filter(sku="GC-2").exists()


def test_variant_crud(api, owner_token, shop):
    created = api.post_json(
        f"{PRODUCTS}/{shop.charlie.public_id}/variants",
        {"sku": "CHARLIE-XS", "price": "5.5", "attributes": {"size": "s", "colour": "blue"}},
        token=owner_token,
    )
    assert created.status_code == 201, created.content
    assert created.json()["name"] == "S / Blue"
    shop.charlie.refresh_from_db()
    assert shop.charlie.price_min == Decimal("5.50")

    url = f"{ADMIN}/variants/{created.json()['id']}"
    changed = api.patch_json(
        url, {"price": "45", "sku": "CHARLIE-S", "attributes": {"size": "m"}}, token=owner_token
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["sku"] == "CHARLIE-S"
    assert changed.json()["price"] == {"amount": "45.00", "currency": "EUR"}
    shop.charlie.refresh_from_db()
    assert (shop.charlie.price_min, shop.charlie.price_max) == (Decimal("30.00"), Decimal("45.00"))

    assert api.delete_json(url, token=owner_token).status_code == 204
    shop.charlie.refresh_from_db()
    assert (shop.charlie.price_min, shop.charlie.price_max) == (Decimal("30.00"), Decimal("30.00"))
    assert AuditLogEntry.objects.filter(object_type="catalog.productvariant").count() == 3


def test_variant_bad_input_changes_nothing(api, owner_token, shop):
    add_url = f"{PRODUCTS}/{shop.charlie.public_id}/variants"
    variant = shop.charlie.variants.get()
    url = f"{ADMIN}/variants/{variant.public_id}"
    taken = shop.alpha.variants.first().sku
    before = catalog_state()
    cases = [
        (api.post_json(add_url, {"sku": taken, "price": 1}, token=owner_token), 409, "sku_taken"),
        (api.patch_json(url, {"sku": taken}, token=owner_token), 409, "sku_taken"),
        (
            api.post_json(
                add_url, {"sku": "N1", "price": 1, "attributes": {"size": "xxl"}}, token=owner_token
            ),
            422,
            "invalid_attribute_value",
        ),
        (
            api.patch_json(url, {"attributes": {"size": "xxl"}}, token=owner_token),
            422,
            "invalid_attribute_value",
        ),
        (
            api.patch_json(
                url, {"price": 2, "attributes": {"material": "wool"}}, token=owner_token
            ),
            422,
            "unknown_attribute",
        ),
        (
            api.post_json(
                f"{PRODUCTS}/{uuid.uuid4()}/variants", {"sku": "N1", "price": 1}, token=owner_token
            ),
            404,
            "product_not_found",
        ),
        (
            api.patch_json(f"{ADMIN}/variants/{uuid.uuid4()}", {"price": 1}, token=owner_token),
            404,
            "variant_not_found",
        ),
        (
            api.delete_json(f"{ADMIN}/variants/{uuid.uuid4()}", token=owner_token),
            404,
            "variant_not_found",
        ),
    ]

    for response, status, code in cases:
        refused(response, status, code)
    assert catalog_state() == before


# --- media ----------------------------------------------------------------------------------


def test_upload_an_image(api, owner_token, shop, media_root):
    upload = SimpleUploadedFile("front.png", png_bytes(), content_type="image/png")

    response = api.post(
        f"{PRODUCTS}/{shop.alpha.public_id}/media",
        {"image": upload, "alt": "Front"},
        headers={"Authorization": f"Bearer {owner_token}"},
    )

    assert response.status_code == 201, response.content
    media = ProductMedia.objects.get(public_id=response.json()["id"])
    assert media.alt == "Front"
    assert (media_root / media.image.name).read_bytes() == png_bytes()
    assert response.json()["url"].endswith(".png")
    detail = api.get_json("/api/store/products/alpha-tee").json()
    assert [m["url"] for m in detail["media"]] == [response.json()["url"]]
    assert (
        api.get_json("/api/store/products", {"sort": "name"}).json()["items"][0]["thumbnail"]["url"]
        == response.json()["url"]
    )


def test_a_file_that_is_not_an_image_is_refused(api, owner_token, shop, media_root, subtests):
    before = catalog_state()

    for name, content in [
        ("notes.png", b"these are not pixels"),
        ("half.png", png_bytes()[:40]),
        ("script.png", b"<script>alert(1)</script>"),
    ]:
        with subtests.test(name=name):
            response = api.post(
                f"{PRODUCTS}/{shop.alpha.public_id}/media",
                {"image": SimpleUploadedFile(name, content, content_type="image/png")},
                headers={"Authorization": f"Bearer {owner_token}"},
            )

            refused(response, 422, "invalid_image")
            assert catalog_state() == before
            assert not list(media_root.rglob("*.png"))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG that claims ten billion pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused(api, owner_token, shop, media_root):
    before = catalog_state()

    response = api.post(
        f"{PRODUCTS}/{shop.alpha.public_id}/media",
        {"image": SimpleUploadedFile("bomb.png", png_bomb(), content_type="image/png")},
        headers={"Authorization": f"Bearer {owner_token}"},
    )

    refused(response, 422, "invalid_image")
    assert catalog_state() == before


def test_an_image_above_the_size_limit_is_refused(api, owner_token, shop, media_root):
    before = catalog_state()
    too_big = png_bytes() + b"\x00" * (10 * 1024 * 1024)

    response = api.post(
        f"{PRODUCTS}/{shop.alpha.public_id}/media",
        {"image": SimpleUploadedFile("big.png", too_big, content_type="image/png")},
        headers={"Authorization": f"Bearer {owner_token}"},
    )

    refused(response, 413, "image_too_large")
    assert catalog_state() == before
    assert not list(media_root.rglob("*.png"))


def test_url_media_tied_to_variants_update_and_delete(api, owner_token, shop):
    small = shop.alpha.variants.order_by("price").first()
    created = api.post_json(
        f"{PRODUCTS}/{shop.alpha.public_id}/media/url",
        {"url": "https://cdn.test/a.jpg", "alt": "A", "variants": [str(small.public_id)]},
        token=owner_token,
    )
    assert created.status_code == 201, created.content
    assert created.json()["variant_ids"] == [str(small.public_id)]
    url = f"{ADMIN}/media/{created.json()['id']}"

    changed = api.patch_json(url, {"alt": "B", "variants": []}, token=owner_token)
    assert changed.status_code == 200
    assert (changed.json()["alt"], changed.json()["variant_ids"]) == ("B", [])

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not ProductMedia.objects.exists()


def test_deleting_uploaded_media_removes_the_file_after_commit(
    api, owner_token, shop, media_root, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("front.png", png_bytes(), content_type="image/png")
    created = api.post(
        f"{PRODUCTS}/{shop.alpha.public_id}/media",
        {"image": upload},
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    path = media_root / ProductMedia.objects.get().image.name
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete_json(f"{ADMIN}/media/{created.json()['id']}", token=owner_token)

    assert response.status_code == 204
    assert not path.exists()


def test_media_bad_input_changes_nothing(api, owner_token, shop):
    other_variant = shop.bravo.variants.first()
    media_url = f"{PRODUCTS}/{shop.alpha.public_id}/media/url"
    before = catalog_state()
    cases = [
        (
            api.post_json(media_url, {"url": "ftp://x.test/a.png"}, token=owner_token),
            422,
            "validation_error",
        ),
        (
            api.post_json(
                media_url,
                {"url": "https://x.test/a.png", "variants": [str(other_variant.public_id)]},
                token=owner_token,
            ),
            422,
            "unknown_variant",
        ),
        (
            api.post_json(
                f"{PRODUCTS}/{uuid.uuid4()}/media/url",
                {"url": "https://x.test/a.png"},
                token=owner_token,
            ),
            404,
            "product_not_found",
        ),
        (
            api.patch_json(f"{ADMIN}/media/{uuid.uuid4()}", {"alt": "x"}, token=owner_token),
            404,
            "media_not_found",
        ),
        (
            api.delete_json(f"{ADMIN}/media/{uuid.uuid4()}", token=owner_token),
            404,
            "media_not_found",
        ),
    ]

    for response, status, code in cases:
        refused(response, status, code)
    assert catalog_state() == before


# --- bulk -----------------------------------------------------------------------------------


def bulk(api, token, action, products, **extra):
    return api.post_json(
        f"{PRODUCTS}/bulk",
        {"action": action, "products": [str(p.public_id) for p in products], **extra},
        token=token,
    )


def statuses(shop) -> dict[str, str]:
    return dict(Product.objects.values_list("slug", "status"))


def test_bulk_publish_unpublish_archive(api, owner_token, shop):
    draft = shop.hidden[0]

    published = bulk(api, owner_token, "publish", [draft, shop.alpha])
    assert published.json() == {"action": "publish", "affected": 1}
    assert statuses(shop)["draft-tee"] == "published"
    assert api.get_json("/api/store/products/draft-tee").status_code == 200

    unpublished = bulk(api, owner_token, "unpublish", [shop.alpha, shop.bravo])
    assert unpublished.json()["affected"] == 2
    assert (statuses(shop)["alpha-tee"], statuses(shop)["bravo-tee"]) == ("draft", "draft")

    archived = bulk(api, owner_token, "archive", [shop.charlie])
    assert archived.json()["affected"] == 1
    assert statuses(shop)["charlie-tee"] == "archived"
    assert AuditLogEntry.objects.filter(verb="product.bulk_status").count() == 4


def test_bulk_delete(api, owner_token, shop):
    response = bulk(api, owner_token, "delete", [shop.alpha, shop.bravo])

    assert response.json() == {"action": "delete", "affected": 2}
    assert not Product.objects.filter(pk__in=[shop.alpha.pk, shop.bravo.pk]).exists()
    assert Product.objects.count() == 6


def prices() -> dict[str, Decimal]:
    return dict(ProductVariant.objects.values_list("sku", "price"))


@pytest.mark.parametrize(
    ("mode", "amount", "expected"),
    [
        ("percent", -10, {"10": "9.00", "12": "10.80", "30": "27.00"}),
        ("percent", "12.5", {"10": "11.25", "12": "13.50", "30": "33.75"}),
        ("amount", "2.5", {"10": "12.50", "12": "14.50", "30": "32.50"}),
        ("amount", -10, {"10": "0.00", "12": "2.00", "30": "20.00"}),
        ("set", "7.99", {"10": "7.99", "12": "7.99", "30": "7.99"}),
    ],
)
def test_bulk_change_price(api, owner_token, shop, mode, amount, expected):
    before = prices()
    by_old = {str(int(p)): sku for sku, p in before.items()}

    response = bulk(
        api, owner_token, "change_price", [shop.alpha, shop.charlie], mode=mode, amount=amount
    )

    assert response.status_code == 200, response.content
    assert response.json()["affected"] == 3
    after = prices()
    assert {old: str(after[sku]) for old, sku in by_old.items() if old in expected} == expected
    untouched = {sku for sku in before if sku not in {by_old[o] for o in expected}}
    assert {sku: after[sku] for sku in untouched} == {sku: before[sku] for sku in untouched}
    shop.charlie.refresh_from_db()
    assert shop.charlie.price_min == Decimal(expected["30"])


BAD_PRICE_CHANGES = [
    ({"mode": "amount", "amount": "-10.01"}, "invalid_price"),
    ({"mode": "percent", "amount": "-101"}, "invalid_price"),
    ({"mode": "set", "amount": "-1"}, "invalid_price"),
    ({"mode": "set", "amount": "1e12"}, "invalid_price"),
    ({"mode": "percent", "amount": "1e11"}, "invalid_price"),
    ({"mode": "amount", "amount": "NaN"}, "invalid_price"),
    ({"mode": "amount", "amount": "abc"}, "invalid_price"),
    ({"mode": "amount"}, "invalid"),
    ({"mode": "double", "amount": 2}, "validation_error"),
]


def test_bulk_price_change_that_breaks_a_price_changes_nothing(api, owner_token, shop, subtests):
    before = catalog_state()

    for extra, code in BAD_PRICE_CHANGES:
        with subtests.test(**extra):
            response = bulk(api, owner_token, "change_price", [shop.alpha, shop.charlie], **extra)

            refused(response, 422, code)
            assert catalog_state() == before


def test_bulk_with_an_unknown_product_changes_nothing(api, owner_token, shop):
    before = catalog_state()

    response = api.post_json(
        f"{PRODUCTS}/bulk",
        {"action": "delete", "products": [str(shop.alpha.public_id), str(uuid.uuid4())]},
        token=owner_token,
    )

    refused(response, 404, "product_not_found")
    assert catalog_state() == before


# --- permissions ----------------------------------------------------------------------------


def admin_calls(shop) -> list[tuple[str, str, dict | None]]:
    product = f"{PRODUCTS}/{shop.alpha.public_id}"
    return [
        ("get", PRODUCTS, None),
        ("get", product, None),
        ("post", PRODUCTS, new_tee()),
        ("patch", product, {"name": "X"}),
        ("delete", product, None),
        ("post", f"{PRODUCTS}/bulk", {"action": "delete", "products": [str(shop.alpha.public_id)]}),
        ("post", f"{product}/variants", {"sku": "N1", "price": 1}),
        ("get", f"{ADMIN}/attributes", None),
        ("post", f"{ADMIN}/attributes", {"name": "Fit", "input_type": "text"}),
        ("get", f"{ADMIN}/categories", None),
        ("post", f"{ADMIN}/categories", {"name": "Hats"}),
        ("get", f"{ADMIN}/collections", None),
        ("post", f"{ADMIN}/collections", {"name": "Hats"}),
        ("get", f"{ADMIN}/product-types", None),
        ("get", f"{PRODUCTS}/export.csv", None),
    ]


def test_staff_without_permission_are_forbidden(api, staff_token_without_permissions, shop):
    before = catalog_state()

    for method, path, data in admin_calls(shop):
        response = api.call(method, path, data, token=staff_token_without_permissions)
        refused(response, 403, "permission_denied")
    assert catalog_state() == before


def test_customers_and_strangers_are_not_authenticated(api, customer_token, shop):
    before = catalog_state()

    for method, path, data in admin_calls(shop):
        for token in (customer_token, None):
            response = api.call(method, path, data, token=token)
            assert response.status_code == 401, (method, path, response.content)
    assert catalog_state() == before


def test_viewers_can_read_but_not_write(api, shop):
    token = token_with("view_product")

    assert api.get_json(PRODUCTS, token=token).status_code == 200
    refused(api.post_json(PRODUCTS, new_tee(), token=token), 403, "permission_denied")


def test_bulk_delete_needs_the_delete_permission(api, shop):
    token = token_with("view_product", "change_product")
    before = catalog_state()

    refused(bulk(api, token, "delete", [shop.alpha]), 403, "permission_denied")
    assert catalog_state() == before
    assert bulk(api, token, "archive", [shop.alpha]).status_code == 200
