"""The back office pages of pricing: they load, and they save through the services."""

import pytest
from django.test import Client

from mercato.audit.models import AuditLogEntry
from mercato.catalog.tests.factories import make_category
from mercato.pricing import services
from mercato.pricing.models import Promotion, TaxSettings, Voucher
from mercato.pricing.tests.conftest import make_promotion, make_voucher, pricing_state
from tests.support import StaffFactory

PAGES = [
    "promotion",
    "voucher",
    "voucherredemption",
    "taxclass",
    "taxrate",
    "taxsettings",
    "producttypetaxclass",
]


@pytest.fixture
def back_office(db) -> Client:
    client = Client()
    client.force_login(StaffFactory(is_superuser=True))
    return client


def window(name: str, date: str = "2025-01-01", time: str = "00:00:00") -> dict:
    return {f"{name}_0": date, f"{name}_1": time}


@pytest.mark.parametrize("model", PAGES)
def test_every_pricing_page_loads(back_office, eu_vat, model):
    make_promotion()
    voucher = make_voucher()
    services.redeem_voucher(
        voucher_id=voucher.pk, user_id=None, email="a@example.com", order_reference="#1"
    )

    listed = back_office.get(f"/admin/pricing/{model}/")
    first = listed.context["cl"].result_list[0] if listed.context["cl"].result_list else None

    assert listed.status_code == 200
    if first is not None:
        assert back_office.get(f"/admin/pricing/{model}/{first.pk}/change/").status_code == 200


def test_a_promotion_added_in_the_back_office_is_saved_by_the_service(back_office, db):
    shoes = make_category("Shoes")

    response = back_office.post(
        "/admin/pricing/promotion/add/",
        {
            "name": "Shoe week",
            "kind": "percentage",
            "value": "20",
            "currency": "EUR",
            **window("starts_at"),
            "is_active": "on",
            "categories": [shoes.pk],
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    promotion = Promotion.objects.get()
    assert list(promotion.categories.all()) == [shoes]
    entry = AuditLogEntry.objects.get(object_type="pricing.promotion")
    assert (entry.action, entry.source) == ("create", "admin_site")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "save10"}, "code"),  # taken, whatever the case
        ({"kind": "percentage", "value": "150"}, "value"),
        ({"applies_to": "specific"}, "applies_to"),
    ],
)
def test_a_refused_voucher_form_shows_the_error_and_saves_nothing(back_office, db, fields, field):
    make_voucher("SAVE10")
    before = pricing_state()

    response = back_office.post(
        "/admin/pricing/voucher/add/",
        {
            "code": "NEW",
            "kind": "fixed",
            "value": "5",
            "currency": "EUR",
            "applies_to": "order",
            "min_subtotal": "0",
            "min_quantity": "0",
            **window("starts_at"),
            "is_active": "on",
            "redemptions-TOTAL_FORMS": "0",
            "redemptions-INITIAL_FORMS": "0",
            **fields,
        },
    )

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert pricing_state() == before


def test_deleting_a_used_voucher_in_the_back_office_keeps_it(back_office, db):
    voucher = make_voucher("USED")
    services.redeem_voucher(
        voucher_id=voucher.pk, user_id=None, email="a@example.com", order_reference="#1"
    )

    back_office.post(f"/admin/pricing/voucher/{voucher.pk}/delete/", {"post": "yes"})

    assert Voucher.objects.filter(pk=voucher.pk).exists()


def test_tax_settings_saved_in_the_back_office_are_audited(back_office, eu_vat):
    response = back_office.post(
        "/admin/pricing/taxsettings/1/change/",
        {"origin_country": "fr", "tax_shipping": "on", "shipping_tax_class": ""},
    )

    assert response.status_code == 302
    stored = TaxSettings.objects.get()
    assert (stored.origin_country, stored.prices_include_tax, stored.tax_shipping) == (
        "FR",
        False,
        True,
    )
    entry = AuditLogEntry.objects.get(object_type="pricing.taxsettings")
    assert entry.source == "admin_site"


def test_the_reverse_charge_rule_is_edited_in_the_back_office(back_office, eu_vat):
    page = back_office.get("/admin/pricing/taxsettings/1/change/")
    assert b"reverse_charge_requires_destination_country" in page.content

    response = back_office.post(
        "/admin/pricing/taxsettings/1/change/",
        {"origin_country": "DE", "prices_include_tax": "on", "tax_shipping": "on"},
    )

    assert response.status_code == 302
    assert TaxSettings.objects.get().reverse_charge_requires_destination_country is False
