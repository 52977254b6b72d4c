import pytest

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM, audited_save, record_save, snapshot
from mercato.shipping.models import ShippingZone

pytestmark = pytest.mark.django_db


def test_a_new_row_is_logged_as_a_creation():
    zone = ShippingZone(name="EU", countries=["DE"])

    entry = audited_save(zone, actor=SYSTEM, before=None)

    assert zone.pk is not None
    assert (entry.action, entry.verb, entry.object_id) == (
        "create",
        "shippingzone.create",
        str(zone.public_id),
    )
    assert entry.changes["name"] == [None, "EU"]


def test_a_changed_row_is_logged_as_an_update_with_its_differences():
    zone = ShippingZone.objects.create(name="EU", countries=["DE"])
    before = snapshot(zone)
    zone.name = "Europe"

    entry = audited_save(zone, actor=SYSTEM, before=before, verb="zone.renamed")

    assert (entry.action, entry.verb) == ("update", "zone.renamed")
    assert entry.changes["name"] == ["EU", "Europe"]
    assert "countries" not in entry.changes
    assert ShippingZone.objects.get(pk=zone.pk).name == "Europe"


def test_update_fields_save_only_those():
    zone = ShippingZone.objects.create(name="EU", countries=["DE"])
    before = snapshot(zone)
    zone.name, zone.is_active = "Europe", False

    audited_save(zone, actor=SYSTEM, before=before, update_fields=["is_active"])

    zone.refresh_from_db()
    assert (zone.name, zone.is_active) == ("EU", False)


def test_record_save_takes_the_callers_after():
    zone = ShippingZone.objects.create(name="EU", countries=["DE"])

    record_save(actor=SYSTEM, obj=zone, before={"rates": []}, after={"rates": [1]})

    assert AuditLogEntry.objects.get().changes == {"rates": [[], [1]]}
