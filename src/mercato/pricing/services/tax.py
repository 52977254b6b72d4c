"""Tax classes, tax rates, the shop's tax settings and the tax class of product types
(each change audit logged)."""

from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError

from mercato.audit.services import Actor, audited_save, record_change, record_save, snapshot
from mercato.catalog.models import ProductType
from mercato.core.errors import Conflict, InvalidInput
from mercato.core.inputs import UNSET, Unset
from mercato.pricing.errors import InUse
from mercato.pricing.models import (
    ProductTypeTaxClass,
    TaxClass,
    TaxRate,
    TaxSettings,
)
from mercato.pricing.services.checks import (
    SLUG_PATTERN,
    Details,
    clean_country,
    clean_rate,
    delete_logged,
)


def create_tax_class(*, actor: Actor, slug: str, name: str) -> TaxClass:
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidInput(
            "A slug is lower-case letters, digits, - and _.", code="invalid_slug", field="slug"
        )
    if not (name or "").strip():
        raise InvalidInput("A name is required.", field="name")
    with transaction.atomic():
        if TaxClass.objects.filter(slug=slug).exists():
            raise Conflict("Another tax class uses this slug.", code="slug_taken", field="slug")
        tax_class = TaxClass.objects.create(slug=slug, name=name.strip())
        record_save(actor=actor, obj=tax_class, before=None)
    return tax_class


def update_tax_class(*, actor: Actor, tax_class: TaxClass, name: str) -> TaxClass:
    """Rename a class (its slug, which rates and settings refer to, stays)."""
    if not (name or "").strip():
        raise InvalidInput("A name is required.", field="name")
    with transaction.atomic():
        tax_class = TaxClass.objects.select_for_update().get(pk=tax_class.pk)
        before = snapshot(tax_class)
        tax_class.name = name.strip()
        audited_save(tax_class, actor=actor, before=before)
    return tax_class


def delete_tax_class(*, actor: Actor, tax_class: TaxClass) -> None:
    """Delete a class and its rates; refused for "standard" (the fallback) and for a class
    product types or the shipping settings use."""
    if tax_class.slug == TaxClass.STANDARD:
        raise Conflict(
            "The standard class is the fallback of every product; it stays.",
            code="standard_tax_class",
        )
    with transaction.atomic():
        before = snapshot(tax_class)
        try:
            with transaction.atomic():
                tax_class.delete()
        except ProtectedError as exc:
            raise InUse("Product types or the shipping settings use this class.") from exc
        record_change(
            actor=actor, action="delete", obj=tax_class, before=before, object_id=before["slug"]
        )


def create_tax_rate(*, actor: Actor, tax_class: TaxClass, country: str, rate: Any) -> TaxRate:
    country, rate = clean_country(country), clean_rate(rate)
    with transaction.atomic():
        if TaxRate.objects.filter(tax_class=tax_class, country=country).exists():
            raise Conflict(
                f"{tax_class.slug} already has a rate in {country}.",
                code="tax_rate_exists",
                field="country",
            )
        tax_rate = TaxRate.objects.create(tax_class=tax_class, country=country, rate=rate)
        record_save(actor=actor, obj=tax_rate, before=None)
    return tax_rate


def update_tax_rate(*, actor: Actor, tax_rate: TaxRate, rate: Any) -> TaxRate:
    rate = clean_rate(rate)
    with transaction.atomic():
        tax_rate = TaxRate.objects.select_for_update().get(pk=tax_rate.pk)
        before = snapshot(tax_rate)
        tax_rate.rate = rate
        audited_save(tax_rate, actor=actor, before=before)
    return tax_rate


def delete_tax_rate(*, actor: Actor, tax_rate: TaxRate) -> None:
    with transaction.atomic():
        delete_logged(tax_rate, actor=actor)


def ensure_tax_settings() -> TaxSettings:
    """The settings row (pk 1), made with the defaults if it is missing."""
    standard = TaxClass.objects.filter(slug=TaxClass.STANDARD).first()
    tax_settings, _ = TaxSettings.objects.get_or_create(
        pk=1, defaults={"shipping_tax_class": standard}
    )
    return tax_settings


@dataclass(frozen=True)
class TaxSettingsDetails(Details):
    """Changes to the shop's tax settings: a field left UNSET stays as it is;
    `shipping_tax_class` None is the standard class."""

    prices_include_tax: bool | Unset = UNSET
    tax_shipping: bool | Unset = UNSET
    shipping_tax_class: TaxClass | Unset | None = UNSET
    origin_country: str | Unset = UNSET
    oss_threshold_exceeded: bool | Unset = UNSET
    reverse_charge_requires_destination_country: bool | Unset = UNSET


TAX_SETTINGS_FIELDS = tuple(f.name for f in fields(TaxSettingsDetails))


def update_tax_settings(*, actor: Actor, details: TaxSettingsDetails) -> TaxSettings:
    """Change the shop's tax settings."""
    with transaction.atomic():
        ensure_tax_settings()
        tax_settings = TaxSettings.objects.select_for_update().get(pk=1)
        before = snapshot(tax_settings)
        for name, value in details.given().items():
            setattr(tax_settings, name, value)
        tax_settings.origin_country = clean_country(tax_settings.origin_country, "origin_country")
        audited_save(tax_settings, actor=actor, before=before)
    return tax_settings


def set_product_type_tax_class(
    *, actor: Actor, product_type: ProductType, tax_class: TaxClass | None
) -> ProductTypeTaxClass | None:
    """The tax class of a product type's products (None: back to standard)."""
    with transaction.atomic():
        link = (
            ProductTypeTaxClass.objects.select_for_update()
            .filter(product_type=product_type)
            .first()
        )
        before = snapshot(link) if link else None
        if tax_class is None:
            if link is not None:
                link.delete()
                record_change(
                    actor=actor,
                    action="delete",
                    obj=link,
                    before=before,
                    object_id=str(product_type.public_id),
                )
            return None
        if link is None:
            link = ProductTypeTaxClass(product_type=product_type)
        link.tax_class = tax_class
        link.save()
        record_change(
            actor=actor,
            action="update" if before else "create",
            obj=link,
            before=before,
            after=snapshot(link),
            object_id=str(product_type.public_id),
        )
    return link
