"""Warehouses: where stock is kept and which countries each ships to."""

from collections.abc import Sequence

from django.db import transaction

from mercato.audit.services import Actor, record_change, record_save, snapshot
from mercato.catalog import services as catalog_services
from mercato.core.countries import clean_countries, clean_country
from mercato.inventory.errors import InvalidCountry, WarehouseInUse, WarehouseSlugTaken
from mercato.inventory.models import Stock, Warehouse
from mercato.inventory.services.inputs import WarehouseChanges
from mercato.inventory.services.locks import lock_stocks
from mercato.inventory.services.reservations import reapportion_reservations

WAREHOUSE_FIELDS = (
    "name",
    "line1",
    "line2",
    "city",
    "postal_code",
    "country",
    "countries",
    "priority",
    "is_active",
)


def clean_country_codes(*, country: str, countries: Sequence[str]) -> tuple[str, list[str]]:
    """A warehouse's own country and the sorted, unique list it ships to, upper-cased; an
    `invalid_country` error names the field that is not ISO 3166-1 alpha-2."""
    codes = clean_countries(countries, error=InvalidCountry)
    return clean_country(country, blank=True, error=InvalidCountry), codes


def save_warehouse(
    *, actor: Actor, warehouse: Warehouse | None = None, changes: WarehouseChanges
) -> Warehouse:
    """Create a warehouse (`warehouse` None) or change one; closing it shortens the
    reservations its stock held up (`reapportion_reservations`)."""
    creating = warehouse is None
    given = changes.given()
    with transaction.atomic():
        # closing it may shorten reservations: lock its stock rows first (the lock order)
        stocked = (
            lock_stocks(
                Stock.objects.filter(warehouse_id=warehouse.pk).values_list("variant_id", flat=True)
            )
            if warehouse is not None and given.get("is_active") is False
            else []
        )
        warehouse = (
            Warehouse()
            if warehouse is None
            else Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        )
        before = None if creating else snapshot(warehouse)
        for name in WAREHOUSE_FIELDS:
            if name in given:
                setattr(warehouse, name, given[name])
        warehouse.country, warehouse.countries = clean_country_codes(
            country=warehouse.country, countries=warehouse.countries
        )
        if "slug" in given or creating:
            warehouse.slug = catalog_services.make_slug(given.get("slug") or warehouse.name)
        if Warehouse.objects.filter(slug=warehouse.slug).exclude(pk=warehouse.pk).exists():
            raise WarehouseSlugTaken("Another warehouse uses this slug.", field="slug")
        warehouse.save()
        if before and before["is_active"] and not warehouse.is_active:
            reapportion_reservations(s.variant_id for s in stocked)
        record_save(actor=actor, obj=warehouse, before=before)
    return warehouse


def delete_warehouse(*, actor: Actor, warehouse: Warehouse) -> None:
    """Delete a warehouse that never held stock; one with stock rows is deactivated instead."""
    with transaction.atomic():
        warehouse = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        if Stock.objects.filter(warehouse=warehouse).exists():
            raise WarehouseInUse(
                "This warehouse has stock rows (and their ledger): deactivate it instead.",
            )
        before = snapshot(warehouse)
        warehouse.delete()
        record_change(
            actor=actor,
            action="delete",
            obj=warehouse,
            before=before,
            object_id=str(before["public_id"]),
        )
