import pytest
from django.test import Client

from mercato.audit.models import AuditLogEntry
from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone
from mercato.shipping.tests.factories import brackets, make_method, make_zone, shipping_state
from tests.support import StaffFactory

pytestmark = pytest.mark.django_db

ZONES = "/admin/shipping/shippingzone/"
METHODS = "/admin/shipping/shippingmethod/"


@pytest.fixture
def superuser():
    return StaffFactory(is_superuser=True)


@pytest.fixture
def back_office(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def form_data(response) -> dict:
    """What the browser posts back for the form as shown (inlines included)."""
    data: dict = {}

    def put(name, value):
        if value is True:
            data[name] = "on"
        elif value is not None and value is not False:
            data[name] = value

    form = response.context["adminform"].form
    for name in form.fields:
        put(name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(f"{formset.prefix}-{name}", formset.management_form[name].value())
        for subform in formset.forms:
            for name in subform.fields:
                put(subform.add_prefix(name), subform[name].value())
    return data


def test_lists_search_and_filters_answer(back_office):
    eu = make_zone("EU", ["AT", "FR"])
    make_zone("Germany", ["DE"], is_active=False)
    make_method(eu, "Standard EU", kind="weight", rates=brackets((0, None, "9")))

    by_code = back_office.get(ZONES, {"q": "fr"})
    by_filter = back_office.get(ZONES, {"is_active__exact": "0"})
    methods = back_office.get(METHODS, {"q": "standard", "kind": "weight"})
    pages = [back_office.get(f"{ZONES}{eu.pk}/change/"), back_office.get(f"{METHODS}add/")]

    assert [z.name for z in by_code.context["cl"].result_list] == ["EU"]
    assert [z.name for z in by_filter.context["cl"].result_list] == ["Germany"]
    assert [m.name for m in methods.context["cl"].result_list] == ["Standard EU"]
    assert [page.status_code for page in pages] == [200, 200]
    assert b"Standard EU" in pages[0].content


def test_adding_a_zone_goes_through_the_service(back_office, superuser):
    data = form_data(back_office.get(f"{ZONES}add/"))

    response = back_office.post(
        f"{ZONES}add/", {**data, "name": "DACH", "countries": "de, at CH", "is_active": "on"}
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert ShippingZone.objects.get().countries == ["AT", "CH", "DE"]
    entry = AuditLogEntry.objects.get(object_type="shipping.shippingzone")
    assert (entry.action, entry.actor_user_id) == ("create", superuser.pk)
    assert entry.source == "admin_site"


def test_a_bad_country_shows_on_the_form_and_saves_nothing(back_office):
    zone = make_zone("Germany", ["DE"])
    url = f"{ZONES}{zone.pk}/change/"
    before = shipping_state()

    response = back_office.post(url, {**form_data(back_office.get(url)), "countries": "DE, XX"})

    assert response.status_code == 200
    assert "countries" in response.context["adminform"].form.errors
    assert shipping_state() == before


def _method_form(back_office, zone, **fields) -> dict:
    data = form_data(back_office.get(f"{METHODS}add/"))
    data.update(
        {
            "zone": zone.pk,
            "name": "Parcel",
            "kind": "weight",
            "price": "0",
            "currency": "EUR",
            "is_active": "on",
            "sort_order": "0",
            "rates-TOTAL_FORMS": "2",
            "rates-0-min_value": "2000",
            "rates-0-max_value": "",
            "rates-0-price": "9.00",
            "rates-1-min_value": "0",
            "rates-1-max_value": "2000",
            "rates-1-price": "5.00",
            **fields,
        }
    )
    return data


def test_adding_a_method_with_brackets(back_office, superuser):
    zone = make_zone()

    response = back_office.post(f"{METHODS}add/", _method_form(back_office, zone))

    assert response.status_code == 302, response.context and response.context["errors"]
    method = ShippingMethod.objects.get()
    assert [(r.min_value, r.max_value, r.price) for r in method.rates.all()] == [
        (0, 2000, 5),
        (2000, None, 9),
    ]
    entry = AuditLogEntry.objects.get(object_type="shipping.shippingmethod")
    assert (entry.action, entry.source) == ("create", "admin_site")
    assert entry.changes["rates"][1] == [["0.00", "2000.00", "5.00"], ["2000.00", None, "9.00"]]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rates-1-max_value": "2500"}, "overlaps"),
        ({"rates-1-min_value": "0.5"}, "whole number of grams"),
        ({"min_delivery_days": "5", "max_delivery_days": "1"}, "above"),
        ({"kind": "flat"}, "Only weight and order_value methods have brackets"),
        ({"tax_class_slug": "Not a slug"}, "slug"),
    ],
)
def test_bad_method_forms_show_the_error_and_save_nothing(back_office, fields, message):
    zone = make_zone()
    before = shipping_state()

    response = back_office.post(f"{METHODS}add/", _method_form(back_office, zone, **fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert shipping_state() == before


def test_changing_a_method_replaces_its_brackets(back_office):
    method = make_method(make_zone(), "Parcel", kind="weight", rates=brackets((0, None, "5")))
    url = f"{METHODS}{method.pk}/change/"
    data = form_data(back_office.get(url))

    response = back_office.post(url, {**data, "rates-0-price": "6.50"})

    assert response.status_code == 302, response.context and response.context["errors"]
    assert [str(r.price) for r in ShippingRate.objects.filter(method=method)] == ["6.50"]


def test_deleting_a_zone_in_the_back_office_goes_through_the_service(back_office):
    zone = make_zone()
    make_method(zone, "Standard")

    response = back_office.post(f"{ZONES}{zone.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not ShippingZone.objects.exists()
    assert not ShippingMethod.objects.exists()
    assert sorted(
        AuditLogEntry.objects.filter(action="delete").values_list("object_type", flat=True)
    ) == ["shipping.shippingmethod", "shipping.shippingzone"]
