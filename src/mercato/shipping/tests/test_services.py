from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from mercato.core.errors import DomainError
from mercato.shipping import services
from mercato.shipping.models import ShippingMethod, ShippingRate, ShippingZone
from mercato.shipping.tests.factories import brackets, make_method, make_zone, shipping_state

pytestmark = pytest.mark.django_db


def rates_of(method: ShippingMethod) -> list[tuple[str, str | None, str]]:
    return [
        (str(r.min_value), None if r.max_value is None else str(r.max_value), str(r.price))
        for r in ShippingRate.objects.filter(method=method).order_by("min_value")
    ]


def test_zone_countries_are_normalised_and_the_change_logged():
    zone = make_zone("DACH", [" de", "at", "CH", "DE"])

    assert ShippingZone.objects.get(pk=zone.pk).countries == ["AT", "CH", "DE"]
    entry = AuditLogEntry.objects.get(object_type="shipping.shippingzone")
    assert (entry.action, entry.object_id) == ("create", str(zone.public_id))
    assert entry.changes["countries"] == [None, ["AT", "CH", "DE"]]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"countries": ["DE", "XX"]}, "invalid_country"),
        ({"countries": ["Germany"]}, "invalid_country"),
        ({"countries": "DE"}, "invalid_country"),
        ({"name": "  "}, "invalid"),
    ],
)
def test_bad_zone_changes_are_refused_and_change_nothing(changes, code):
    zone = make_zone("Germany", ["DE"])
    before = shipping_state()

    with pytest.raises(DomainError) as refused:
        services.save_zone(actor=SYSTEM, zone=zone, changes=services.ShippingZoneChanges(**changes))

    assert refused.value.code == code
    assert shipping_state() == before


def test_brackets_are_stored_in_order_and_replaced_whole():
    method = make_method(
        make_zone(),
        "Parcel",
        kind="weight",
        rates=brackets((2000, None, "9.00"), (0, 2000, "5.00")),
    )
    assert rates_of(method) == [("0.00", "2000.00", "5.00"), ("2000.00", None, "9.00")]

    services.save_method(
        actor=SYSTEM,
        method=method,
        changes=services.ShippingMethodChanges(name="Parcel (new prices)"),
        rates=brackets((0, 1000, "4.00"), (1000, 31500, "7.50")),
    )
    assert rates_of(method) == [("0.00", "1000.00", "4.00"), ("1000.00", "31500.00", "7.50")]

    services.save_method(
        actor=SYSTEM, method=method, changes=services.ShippingMethodChanges(sort_order=3)
    )
    assert rates_of(method) == [("0.00", "1000.00", "4.00"), ("1000.00", "31500.00", "7.50")]


def test_brackets_that_meet_are_accepted_and_the_audit_shows_them():
    method = make_method(
        make_zone(),
        "By value",
        kind="order_value",
        rates=brackets(("0", "50", "6.90"), ("50", "100", "4.90"), ("100", None, "0")),
    )

    entry = AuditLogEntry.objects.get(object_type="shipping.shippingmethod")
    assert entry.changes["rates"] == [
        None,
        [["0.00", "50.00", "6.90"], ["50.00", "100.00", "4.90"], ["100.00", None, "0.00"]],
    ]
    assert len(rates_of(method)) == 3


@pytest.mark.parametrize(
    "rows",
    [
        [(0, 2000, "5"), (1999, 5000, "8")],
        [(0, None, "5"), (5000, 6000, "8")],
        [(0, 2000, "5"), (0, 1000, "8")],
        [(1000, 2000, "5"), (0, 5000, "8")],
        [(0, 1000, "1"), (2000, 3000, "2"), (2500, None, "3")],
    ],
)
def test_overlapping_brackets_are_refused(rows):
    method = make_method(make_zone(), "Parcel", kind="weight", rates=brackets((0, None, "5")))
    before = shipping_state()

    with pytest.raises(DomainError) as refused:
        services.save_method(
            actor=SYSTEM,
            method=method,
            changes=services.ShippingMethodChanges(),
            rates=brackets(*rows),
        )

    assert refused.value.code == "overlapping_brackets"
    assert shipping_state() == before


@pytest.mark.parametrize(
    ("changes", "rates", "code"),
    [
        ({"kind": "weight"}, [], "missing_brackets"),
        ({"kind": "flat"}, [(0, None, "5")], "brackets_not_allowed"),
        ({"kind": "parcel"}, None, "invalid_kind"),
        ({"kind": "weight"}, [(1000, 1000, "5")], "invalid_bracket"),
        ({"kind": "weight"}, [(2000, 1000, "5")], "invalid_bracket"),
        ({"kind": "weight"}, [("0.5", None, "5")], "invalid_weight"),
        ({"kind": "weight"}, [(-1, None, "5")], "invalid_weight"),
        ({"kind": "order_value"}, [("-1", None, "5")], "invalid_price"),
        ({"kind": "order_value"}, [("0", None, "-5")], "invalid_price"),
        ({"kind": "order_value"}, [("0", None, "abc")], "invalid_price"),
        ({"price": "-0.01"}, None, "invalid_price"),
        ({"price": "Infinity"}, None, "invalid_price"),
        ({"price": "10000000000"}, None, "invalid_price"),
        ({"free_above": "-1"}, None, "invalid_price"),
        ({"min_weight_grams": 10, "max_weight_grams": 9}, None, "invalid_limits"),
        ({"min_order_value": "10", "max_order_value": "9.99"}, None, "invalid_limits"),
        ({"min_weight_grams": -1}, None, "invalid_weight"),
        ({"min_delivery_days": 5, "max_delivery_days": 2}, None, "invalid_delivery_estimate"),
        ({"max_delivery_days": 1000}, None, "invalid_delivery_estimate"),
        ({"currency": "USD"}, None, "unsupported_currency"),
        ({"tax_class_slug": "Standard Rate"}, None, "invalid_slug"),
        ({"name": ""}, None, "invalid"),
        ({"sort_order": -1}, None, "invalid"),
    ],
)
def test_bad_method_input_is_refused_and_changes_nothing(changes, rates, code):
    method = make_method(make_zone(), "Standard", price="4.90")
    before = shipping_state()

    with pytest.raises(DomainError) as refused:
        services.save_method(
            actor=SYSTEM,
            method=method,
            changes=services.ShippingMethodChanges(**changes),
            rates=None if rates is None else brackets(*rates),
        )

    assert refused.value.code == code
    assert refused.value.status == 422
    assert shipping_state() == before


def test_a_new_method_needs_a_zone():
    with pytest.raises(DomainError) as refused:
        services.save_method(actor=SYSTEM, changes=services.ShippingMethodChanges(name="Nowhere"))

    assert refused.value.code == "zone_required"
    assert not ShippingMethod.objects.exists()


def test_switching_to_flat_drops_the_brackets():
    method = make_method(make_zone(), "Parcel", kind="weight", rates=brackets((0, None, "5")))

    services.save_method(
        actor=SYSTEM,
        method=method,
        changes=services.ShippingMethodChanges(kind="flat", price="3.50"),
    )

    method.refresh_from_db()
    assert (method.kind, method.price) == ("flat", Decimal("3.50"))
    assert rates_of(method) == []


def test_amounts_are_rounded_half_up_to_cents():
    method = make_method(make_zone(), "Standard", price="4.905", free_above="49.994")

    method.refresh_from_db()
    assert (method.price, method.free_above) == (Decimal("4.91"), Decimal("49.99"))


def test_moving_a_method_to_another_zone():
    method = make_method(make_zone("Germany", ["DE"]), "Standard")
    austria = make_zone("Austria", ["AT"])

    services.save_method(
        actor=SYSTEM, method=method, zone=austria, changes=services.ShippingMethodChanges()
    )

    assert ShippingMethod.objects.get(pk=method.pk).zone == austria


def test_deleting_a_zone_deletes_its_methods_and_logs_each():
    zone = make_zone()
    parcel = make_method(zone, "Parcel", kind="weight", rates=brackets((0, None, "5")))
    make_method(zone, "Express", price="12")
    kept = make_method(make_zone("France", ["FR"]), "Colissimo")

    services.delete_zone(actor=SYSTEM, zone=zone)

    assert list(ShippingMethod.objects.all()) == [kept]
    assert not ShippingRate.objects.filter(method_id=parcel.pk).exists()
    deleted = AuditLogEntry.objects.filter(action="delete")
    assert sorted(deleted.values_list("object_type", "object_repr")) == [
        ("shipping.shippingmethod", "Express"),
        ("shipping.shippingmethod", "Parcel"),
        ("shipping.shippingzone", "Germany"),
    ]
    assert deleted.get(object_repr="Parcel").changes["rates"] == [[["0.00", None, "5.00"]], None]


def test_deleting_a_method_deletes_its_brackets():
    method = make_method(make_zone(), "Parcel", kind="weight", rates=brackets((0, None, "5")))

    services.delete_method(actor=SYSTEM, method=method)

    assert not ShippingMethod.objects.exists()
    assert not ShippingRate.objects.exists()
    assert AuditLogEntry.objects.filter(action="delete", object_id=str(method.public_id)).exists()


@pytest.mark.parametrize(
    "row",
    [
        {"min_value": Decimal("-1"), "price": Decimal("1")},
        {"min_value": Decimal("0"), "price": Decimal("-1")},
        {"min_value": Decimal("10"), "max_value": Decimal("10"), "price": Decimal("1")},
    ],
)
def test_the_database_refuses_bad_brackets_too(row):
    method = make_method(make_zone(), "Parcel", kind="weight", rates=brackets((0, None, "5")))

    with pytest.raises(IntegrityError), transaction.atomic():
        ShippingRate.objects.create(method=method, **row)


@pytest.mark.parametrize(
    "changes",
    [
        {"price": Decimal("-1")},
        {"free_above": Decimal("-1")},
        {"min_weight_grams": 10, "max_weight_grams": 5},
        {"min_delivery_days": 3, "max_delivery_days": 1},
    ],
)
def test_the_database_refuses_bad_methods_too(changes):
    method = make_method(make_zone(), "Standard")

    with pytest.raises(IntegrityError), transaction.atomic():
        ShippingMethod.objects.filter(pk=method.pk).update(**changes)
