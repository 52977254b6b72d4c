"""Admin API: promotions, vouchers, tax classes, rates and settings; bad input changes
nothing; permissions; list query counts."""

import pytest
from django.contrib.auth.models import Group

from mercato.accounts.models import AuthSession
from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from mercato.catalog.tests.factories import (
    make_category,
    make_collection,
    make_product,
    make_product_type,
)
from mercato.core.tests.helpers import assert_problem
from mercato.pricing import services
from mercato.pricing.models import (
    ProductTypeTaxClass,
    Promotion,
    TaxClass,
    TaxRate,
    TaxSettings,
    Voucher,
)
from mercato.pricing.tests.conftest import ago, later, make_promotion, make_voucher, pricing_state
from tests.support import StaffFactory, sign_in

ADMIN = "/api/admin/pricing"


@pytest.fixture
def catalog_manager_token(db) -> str:
    """A staff member whose role may only view pricing."""
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Catalog manager"))
    return sign_in(user, AuthSession.Audience.ADMIN).access_token


@pytest.fixture
def targets(db):
    shoes = make_category("Shoes")
    product = make_product("Boot", category=shoes)
    return product, shoes, make_collection("Winter", [product])


# --- permissions ----------------------------------------------------------------------------

CALLS = [
    ("get", f"{ADMIN}/promotions", None),
    ("post", f"{ADMIN}/promotions", {"name": "x", "kind": "fixed", "value": "1"}),
    ("get", f"{ADMIN}/vouchers", None),
    ("post", f"{ADMIN}/vouchers", {"code": "ABC", "kind": "free_shipping"}),
    ("get", f"{ADMIN}/tax-classes", None),
    ("post", f"{ADMIN}/tax-rates", {"tax_class": "standard", "country": "CH", "rate": "0.081"}),
    ("get", f"{ADMIN}/tax-settings", None),
    ("patch", f"{ADMIN}/tax-settings", {"prices_include_tax": False}),
]


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
def test_admin_endpoints_need_credentials_and_permissions(
    api, eu_vat, staff_token_without_permissions, customer_token, method, path, body
):
    before = pricing_state()

    anonymous = api.call(method, path, body)
    customer = api.call(method, path, body, token=customer_token)
    staff = api.call(method, path, body, token=staff_token_without_permissions)

    assert_problem(anonymous, 401, "not_authenticated")
    assert customer.status_code == 401
    assert_problem(staff, 403, "permission_denied")
    assert pricing_state() == before


def test_a_catalog_manager_may_view_pricing_but_not_change_it(api, catalog_manager_token, eu_vat):
    listed = api.get_json(f"{ADMIN}/promotions", token=catalog_manager_token)
    created = api.post_json(
        f"{ADMIN}/promotions",
        {"name": "x", "kind": "fixed", "value": "1"},
        token=catalog_manager_token,
    )

    assert listed.status_code == 200
    assert_problem(created, 403, "permission_denied")
    assert not Promotion.objects.exists()


# --- promotions -----------------------------------------------------------------------------


def test_promotion_crud(api, owner, owner_token, targets):
    product, shoes, winter = targets
    created = api.post_json(
        f"{ADMIN}/promotions",
        {
            "name": "Winter sale",
            "kind": "percentage",
            "value": "15",
            "products": [str(product.public_id)],
            "categories": [str(shoes.public_id)],
            "collections": [str(winter.public_id)],
        },
        token=owner_token,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["value"], body["currency"], body["is_running"]) == ("15.00", "EUR", True)
    assert body["categories"] == [str(shoes.public_id)]
    url = f"{ADMIN}/promotions/{body['id']}"

    changed = api.patch_json(
        url, {"kind": "fixed", "value": "2.50", "products": [], "ends_at": None}, token=owner_token
    )
    assert changed.status_code == 200, changed.content
    promotion = Promotion.objects.get()
    assert (promotion.kind, str(promotion.value)) == ("fixed", "2.50")
    assert not promotion.products.exists()
    assert list(promotion.collections.all()) == [winter]
    assert api.get_json(url, token=owner_token).json()["products"] == []

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not Promotion.objects.exists()
    assert list(
        AuditLogEntry.objects.filter(object_type="pricing.promotion")
        .order_by("id")
        .values_list("action", "actor_user_id")
    ) == [("create", owner.pk), ("update", owner.pk), ("delete", owner.pk)]


def test_promotions_list_filters_running_ones(api, owner_token, db):
    make_promotion(name="Now")
    make_promotion(name="Later", starts_at=later(days=2))
    make_promotion(name="Off", is_active=False)

    running = api.get_json(f"{ADMIN}/promotions", {"running": "true"}, token=owner_token)
    others = api.get_json(f"{ADMIN}/promotions", {"running": "false"}, token=owner_token)

    assert [p["name"] for p in running.json()["items"]] == ["Now"]
    assert sorted(p["name"] for p in others.json()["items"]) == ["Later", "Off"]


def test_promotion_bad_input_changes_nothing(api, owner_token, targets):
    promotion = make_promotion(name="Kept")
    url = f"{ADMIN}/promotions/{promotion.public_id}"
    base = {"name": "x", "kind": "percentage", "value": "10"}
    before = pricing_state()
    cases = [
        (
            api.post_json(f"{ADMIN}/promotions", {**base, "kind": "bogo"}, token=owner_token),
            422,
            "validation_error",
        ),
        (
            api.post_json(f"{ADMIN}/promotions", {**base, "value": "150"}, token=owner_token),
            422,
            "invalid_value",
        ),
        (
            api.post_json(f"{ADMIN}/promotions", {**base, "value": "abc"}, token=owner_token),
            422,
            "invalid_value",
        ),
        (
            api.post_json(
                f"{ADMIN}/promotions", {**base, "kind": "fixed", "value": "-1"}, token=owner_token
            ),
            422,
            "invalid_price",
        ),
        (
            api.post_json(
                f"{ADMIN}/promotions",
                {**base, "starts_at": "2025-06-02T00:00:00Z", "ends_at": "2025-06-01T00:00:00Z"},
                token=owner_token,
            ),
            422,
            "invalid_date_window",
        ),
        (
            api.post_json(
                f"{ADMIN}/promotions",
                {**base, "starts_at": "2025-06-02T00:00:00"},
                token=owner_token,
            ),
            422,
            "invalid_datetime",
        ),
        (
            api.post_json(
                f"{ADMIN}/promotions",
                {**base, "products": ["00000000-0000-0000-0000-000000000000"]},
                token=owner_token,
            ),
            422,
            "unknown_product",
        ),
        (
            api.post_json(
                f"{ADMIN}/promotions",
                {**base, "currency": "E1R", "kind": "fixed"},
                token=owner_token,
            ),
            422,
            "invalid",
        ),
        (
            api.post_json(f"{ADMIN}/promotions", {**base, "times": 2}, token=owner_token),
            422,
            "validation_error",
        ),
        (api.patch_json(url, {"name": None}, token=owner_token), 422, "validation_error"),
        (api.patch_json(url, {"is_active": None}, token=owner_token), 422, "validation_error"),
        (
            api.patch_json(
                f"{ADMIN}/promotions/00000000-0000-0000-0000-000000000000",
                {"name": "y"},
                token=owner_token,
            ),
            404,
            "promotion_not_found",
        ),
    ]

    for response, status, code in cases:
        assert_problem(response, status, code)
    assert pricing_state() == before


def test_promotion_list_queries_do_not_grow_with_the_page(
    api, owner_token, targets, django_assert_max_num_queries
):
    product, shoes, winter = targets

    def page(count: int) -> int:
        Promotion.objects.all().delete()
        for i in range(count):
            make_promotion(
                name=f"P{i}",
                product_ids=[product.pk],
                category_ids=[shoes.pk],
                collection_ids=[winter.pk],
            )
        with django_assert_max_num_queries(7):
            response = api.get_json(f"{ADMIN}/promotions", {"limit": 50}, token=owner_token)
        return len(response.json()["items"])

    assert page(3) == 3
    assert page(30) == 30


# --- vouchers -------------------------------------------------------------------------------


def test_voucher_crud(api, owner, owner_token, targets):
    product, shoes, _ = targets
    created = api.post_json(
        f"{ADMIN}/vouchers",
        {
            "code": " spring-25 ",
            "kind": "percentage",
            "value": "25",
            "applies_to": "specific",
            "categories": [str(shoes.public_id)],
            "min_subtotal": "30",
            "usage_limit": 100,
            "usage_limit_per_customer": 1,
            "combine_with_promotions": False,
        },
        token=owner_token,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["code"] == "SPRING-25"
    assert body["min_subtotal"] == {"amount": "30.00", "currency": "EUR"}
    assert (body["times_used"], body["usage_limit"]) == (0, 100)
    url = f"{ADMIN}/vouchers/{body['id']}"

    changed = api.patch_json(
        url, {"usage_limit": None, "products": [str(product.public_id)]}, token=owner_token
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["usage_limit"] is None
    assert changed.json()["products"] == [str(product.public_id)]

    assert api.delete_json(url, token=owner_token).status_code == 204
    assert not Voucher.objects.exists()
    assert (
        AuditLogEntry.objects.filter(object_type="pricing.voucher", actor_user_id=owner.pk).count()
        == 3
    )


def test_voucher_bad_input_changes_nothing(api, owner_token, targets):
    used = make_voucher("USED", usage_limit=5)
    for order in ("#1", "#2"):
        services.redeem_voucher(
            voucher_id=used.pk, user_id=None, email="a@example.com", order_reference=order
        )
    url = f"{ADMIN}/vouchers/{used.public_id}"
    before = pricing_state()
    cases = [
        (
            api.post_json(
                f"{ADMIN}/vouchers", {"code": "used", "kind": "free_shipping"}, token=owner_token
            ),
            409,
            "code_taken",
        ),
        (
            api.post_json(
                f"{ADMIN}/vouchers", {"code": "a b", "kind": "free_shipping"}, token=owner_token
            ),
            422,
            "invalid_voucher_code",
        ),
        (
            api.post_json(
                f"{ADMIN}/vouchers",
                {"code": "ONLY", "kind": "fixed", "value": "5", "applies_to": "specific"},
                token=owner_token,
            ),
            422,
            "voucher_targets_required",
        ),
        (
            api.post_json(
                f"{ADMIN}/vouchers",
                {"code": "ZERO", "kind": "fixed", "value": "5", "usage_limit": 0},
                token=owner_token,
            ),
            422,
            "validation_error",
        ),
        (
            api.post_json(
                f"{ADMIN}/vouchers",
                {"code": "MIN", "kind": "fixed", "value": "5", "min_subtotal": "-1"},
                token=owner_token,
            ),
            422,
            "invalid_price",
        ),
        (
            api.post_json(
                f"{ADMIN}/vouchers",
                {
                    "code": "EXP",
                    "kind": "fixed",
                    "value": "5",
                    "starts_at": ago(days=1).isoformat(),
                    "ends_at": ago(days=2).isoformat(),
                },
                token=owner_token,
            ),
            422,
            "invalid_date_window",
        ),
        (api.patch_json(url, {"usage_limit": 1}, token=owner_token), 422, "usage_limit_below_used"),
        (api.patch_json(url, {"times_used": 0}, token=owner_token), 422, "validation_error"),
        (api.patch_json(url, {"kind": None}, token=owner_token), 422, "validation_error"),
        (api.delete_json(url, token=owner_token), 409, "in_use"),
    ]

    for response, status, code in cases:
        assert_problem(response, status, code)
    assert pricing_state() == before


def test_editing_a_voucher_never_overwrites_its_use_count(api, owner_token, db):
    voucher = make_voucher("LIVE", usage_limit=10)
    stale = Voucher.objects.get(pk=voucher.pk)
    services.redeem_voucher(
        voucher_id=voucher.pk, user_id=None, email="a@example.com", order_reference="#1"
    )

    services.update_voucher(
        actor=SYSTEM, voucher=stale, details=services.VoucherDetails(name="renamed")
    )

    assert Voucher.objects.values_list("name", "times_used").get() == ("renamed", 1)


def test_voucher_lists_and_redemptions_take_constant_queries(
    api, owner_token, targets, django_assert_max_num_queries
):
    product, shoes, _ = targets

    def page(count: int) -> int:
        for i in range(count):
            voucher = make_voucher(
                f"V{count}-{i}", product_ids=[product.pk], category_ids=[shoes.pk]
            )
        with django_assert_max_num_queries(6):
            response = api.get_json(f"{ADMIN}/vouchers", {"limit": 100}, token=owner_token)
        return len(response.json()["items"]), voucher

    assert page(3)[0] == 3
    count, voucher = page(30)
    assert count == 33
    services.redeem_voucher(
        voucher_id=voucher.pk, user_id=None, email="a@example.com", order_reference="#9"
    )
    redemptions = api.get_json(
        f"{ADMIN}/vouchers/{voucher.public_id}/redemptions", token=owner_token
    )
    assert [(r["email"], r["order_reference"]) for r in redemptions.json()["items"]] == [
        ("a@example.com", "#9")
    ]


# --- tax ------------------------------------------------------------------------------------


def test_tax_classes_and_rates_crud(api, owner_token, eu_vat):
    classes = api.get_json(f"{ADMIN}/tax-classes", token=owner_token).json()
    assert {c["slug"] for c in classes} >= {"standard", "reduced", "zero"}
    de = api.get_json(f"{ADMIN}/tax-rates", {"country": "de"}, token=owner_token).json()
    assert {(r["tax_class"], r["rate"]) for r in de} == {
        ("standard", "0.1900"),
        ("reduced", "0.0700"),
        ("zero", "0.0000"),
    }

    created = api.post_json(
        f"{ADMIN}/tax-classes", {"slug": "books", "name": "Books"}, token=owner_token
    )
    assert created.status_code == 201
    rate = api.post_json(
        f"{ADMIN}/tax-rates",
        {"tax_class": "books", "country": "fr", "rate": "0.055"},
        token=owner_token,
    )
    assert rate.status_code == 201
    assert rate.json()["country"] == "FR"
    rate_url = f"{ADMIN}/tax-rates/{rate.json()['id']}"
    assert api.patch_json(rate_url, {"rate": 0.05}, token=owner_token).json()["rate"] == "0.0500"
    renamed = api.patch_json(f"{ADMIN}/tax-classes/books", {"name": "Print"}, token=owner_token)
    assert renamed.json() == {"slug": "books", "name": "Print"}

    assert api.delete_json(f"{ADMIN}/tax-classes/books", token=owner_token).status_code == 204
    assert not TaxClass.objects.filter(slug="books").exists()
    assert not TaxRate.objects.filter(country="FR", rate="0.05").exists()


def test_tax_bad_input_changes_nothing(api, owner_token, eu_vat):
    books = make_product_type("Books")
    services.set_product_type_tax_class(
        actor=SYSTEM, product_type=books, tax_class=TaxClass.objects.get(slug="reduced")
    )
    de_standard = TaxRate.objects.get(country="DE", tax_class__slug="standard")
    before = pricing_state()
    cases = [
        (
            api.post_json(
                f"{ADMIN}/tax-classes", {"slug": "zero", "name": "Again"}, token=owner_token
            ),
            409,
            "slug_taken",
        ),
        (
            api.post_json(
                f"{ADMIN}/tax-classes", {"slug": "Bad Slug!", "name": "x"}, token=owner_token
            ),
            422,
            "invalid_slug",
        ),
        (
            api.delete_json(f"{ADMIN}/tax-classes/standard", token=owner_token),
            409,
            "standard_tax_class",
        ),
        (api.delete_json(f"{ADMIN}/tax-classes/reduced", token=owner_token), 409, "in_use"),
        (
            api.delete_json(f"{ADMIN}/tax-classes/nope", token=owner_token),
            404,
            "tax_class_not_found",
        ),
        (
            api.post_json(
                f"{ADMIN}/tax-rates",
                {"tax_class": "standard", "country": "DE", "rate": "0.2"},
                token=owner_token,
            ),
            409,
            "tax_rate_exists",
        ),
        (
            api.post_json(
                f"{ADMIN}/tax-rates",
                {"tax_class": "standard", "country": "XX", "rate": "0.2"},
                token=owner_token,
            ),
            422,
            "invalid_country",
        ),
        (
            api.post_json(
                f"{ADMIN}/tax-rates",
                {"tax_class": "nope", "country": "CH", "rate": "0.2"},
                token=owner_token,
            ),
            422,
            "unknown_tax_class",
        ),
        (
            api.patch_json(
                f"{ADMIN}/tax-rates/{de_standard.public_id}", {"rate": "19"}, token=owner_token
            ),
            422,
            "invalid_rate",
        ),
        (
            api.patch_json(
                f"{ADMIN}/tax-rates/{de_standard.public_id}", {"rate": "0.12345"}, token=owner_token
            ),
            422,
            "invalid_rate",
        ),
        (
            api.patch_json(f"{ADMIN}/tax-settings", {"origin_country": "XX"}, token=owner_token),
            422,
            "invalid_country",
        ),
        (
            api.patch_json(
                f"{ADMIN}/tax-settings", {"shipping_tax_class": "nope"}, token=owner_token
            ),
            422,
            "unknown_tax_class",
        ),
        (
            api.patch_json(f"{ADMIN}/tax-settings", {"tax_shipping": None}, token=owner_token),
            422,
            "validation_error",
        ),
        (
            api.put_json(
                f"{ADMIN}/product-types/00000000-0000-0000-0000-000000000000/tax-class",
                {"tax_class": "zero"},
                token=owner_token,
            ),
            404,
            "product_type_not_found",
        ),
    ]

    for response, status, code in cases:
        assert_problem(response, status, code)
    assert pricing_state() == before


def test_tax_settings_are_read_and_changed(api, owner, owner_token, eu_vat):
    assert api.get_json(f"{ADMIN}/tax-settings", token=owner_token).json() == {
        "prices_include_tax": True,
        "tax_shipping": True,
        "shipping_tax_class": "standard",
        "origin_country": "DE",
        "oss_threshold_exceeded": False,
        "reverse_charge_requires_destination_country": True,
    }

    changed = api.patch_json(
        f"{ADMIN}/tax-settings",
        {"prices_include_tax": False, "origin_country": "at", "shipping_tax_class": None},
        token=owner_token,
    )

    assert changed.status_code == 200
    stored = TaxSettings.objects.get()
    assert (stored.prices_include_tax, stored.origin_country, stored.shipping_tax_class) == (
        False,
        "AT",
        None,
    )
    entry = AuditLogEntry.objects.get(object_type="pricing.taxsettings")
    assert entry.actor_user_id == owner.pk
    assert entry.changes["origin_country"] == ["DE", "AT"]


def test_reverse_charge_may_accept_a_vat_number_of_another_country(api, owner_token, eu_vat):
    changed = api.patch_json(
        f"{ADMIN}/tax-settings",
        {"reverse_charge_requires_destination_country": False},
        token=owner_token,
    )
    refused = api.patch_json(
        f"{ADMIN}/tax-settings",
        {"reverse_charge_requires_destination_country": "maybe"},
        token=owner_token,
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["reverse_charge_requires_destination_country"] is False
    assert TaxSettings.objects.get().reverse_charge_requires_destination_country is False
    assert refused.status_code == 422
    entry = AuditLogEntry.objects.get(object_type="pricing.taxsettings")
    assert entry.changes["reverse_charge_requires_destination_country"] == [True, False]


def test_a_product_type_gets_a_tax_class_and_back_to_standard(api, owner_token, eu_vat):
    books = make_product_type("Books")
    url = f"{ADMIN}/product-types/{books.public_id}/tax-class"

    set_ = api.put_json(url, {"tax_class": "reduced"}, token=owner_token)
    listed = api.get_json(f"{ADMIN}/product-types/tax-classes", token=owner_token)
    cleared = api.put_json(url, {"tax_class": None}, token=owner_token)

    assert set_.json() == {"product_type": str(books.public_id), "tax_class": "reduced"}
    assert listed.json() == [{"product_type": str(books.public_id), "tax_class": "reduced"}]
    assert cleared.json()["tax_class"] == "standard"
    assert not ProductTypeTaxClass.objects.exists()
