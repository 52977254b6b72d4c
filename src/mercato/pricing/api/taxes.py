"""Tax settings, tax classes, tax rates and the tax class of each product type."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query
from ninja.responses import Status

from mercato.catalog.models import ProductType
from mercato.catalog.selectors import get_by_public_id
from mercato.core.errors import InvalidInput, NotFound
from mercato.pricing import selectors, services
from mercato.pricing.api.common import actor, admin
from mercato.pricing.models import ProductTypeTaxClass, TaxClass, TaxRate, TaxSettings
from mercato.pricing.schemas import (
    ProductTypeTaxClassIn,
    ProductTypeTaxClassOut,
    TaxClassIn,
    TaxClassOut,
    TaxClassPatch,
    TaxRateFilters,
    TaxRateIn,
    TaxRateOut,
    TaxRatePatch,
    TaxSettingsOut,
    TaxSettingsPatch,
)

type_tax_classes_admin = admin.resource("pricing.producttypetaxclass")
tax_classes_admin = admin.resource("pricing.taxclass")
tax_rates_admin = admin.resource("pricing.taxrate")
tax_settings_admin = admin.resource("pricing.taxsettings")


def _rate_out(rate: TaxRate) -> dict[str, Any]:
    return {
        "id": rate.public_id,
        "tax_class": rate.tax_class.slug,
        "country": rate.country,
        "rate": str(rate.rate),
    }


def _settings_out(tax_settings: TaxSettings) -> dict[str, Any]:
    shipping_class = tax_settings.shipping_tax_class
    return {
        "prices_include_tax": tax_settings.prices_include_tax,
        "tax_shipping": tax_settings.tax_shipping,
        "shipping_tax_class": shipping_class.slug if shipping_class else None,
        "origin_country": tax_settings.origin_country,
        "oss_threshold_exceeded": tax_settings.oss_threshold_exceeded,
        "reverse_charge_requires_destination_country": (
            tax_settings.reverse_charge_requires_destination_country
        ),
    }


def _optional_tax_class_in(slug: str | None, field: str = "tax_class") -> TaxClass | None:
    return None if slug is None else _tax_class_in(slug, field)


def _tax_class_in(slug: str, field: str = "tax_class") -> TaxClass:
    try:
        return selectors.get_tax_class(slug=slug)
    except NotFound as exc:
        raise InvalidInput(
            f"No tax class {slug!r}.", code="unknown_tax_class", field=field
        ) from exc


@tax_settings_admin.read("/pricing/tax-settings", out=TaxSettingsOut)
def get_tax_settings(request: HttpRequest) -> dict[str, Any]:
    return _settings_out(selectors.get_tax_settings())


@tax_settings_admin.update("/pricing/tax-settings", out=TaxSettingsOut, errors=(422,))
def update_tax_settings(request: HttpRequest, payload: TaxSettingsPatch) -> dict[str, Any]:
    """Prices with or without tax, tax on shipping, the origin country, the EU one-stop
    shop rule (destination-country VAT when the threshold is exceeded) and whether reverse
    charge needs a VAT number of the destination country."""
    changes = payload.dict(exclude_unset=True)
    if "shipping_tax_class" in changes:
        changes["shipping_tax_class"] = _optional_tax_class_in(
            changes["shipping_tax_class"], "shipping_tax_class"
        )
    details = services.TaxSettingsDetails(**changes)
    return _settings_out(services.update_tax_settings(actor=actor(request), details=details))


@tax_classes_admin.read("/pricing/tax-classes", out=list[TaxClassOut])
def list_tax_classes(request: HttpRequest) -> list[TaxClass]:
    return list(selectors.list_tax_classes())


@tax_classes_admin.create("/pricing/tax-classes", out=TaxClassOut, errors=(409, 422))
def create_tax_class(request: HttpRequest, payload: TaxClassIn) -> Status[TaxClass]:
    return Status(201, services.create_tax_class(actor=actor(request), **payload.dict()))


@tax_classes_admin.update("/pricing/tax-classes/{slug}", out=TaxClassOut)
def update_tax_class(request: HttpRequest, slug: str, payload: TaxClassPatch) -> TaxClass:
    return services.update_tax_class(
        actor=actor(request), tax_class=selectors.get_tax_class(slug=slug), name=payload.name
    )


@tax_classes_admin.delete("/pricing/tax-classes/{slug}", errors=(404, 409))
def delete_tax_class(request: HttpRequest, slug: str) -> None:
    """Delete a class with its rates (not "standard", nor a class still in use)."""
    services.delete_tax_class(actor=actor(request), tax_class=selectors.get_tax_class(slug=slug))


@tax_rates_admin.read("/pricing/tax-rates", out=list[TaxRateOut], errors=(422,))
def list_tax_rates(request: HttpRequest, filters: Query[TaxRateFilters]) -> list[dict[str, Any]]:
    rates = selectors.list_tax_rates(country=filters.country, tax_class=filters.tax_class)
    return [_rate_out(rate) for rate in rates]


@tax_rates_admin.create("/pricing/tax-rates", out=TaxRateOut, errors=(409, 422))
def create_tax_rate(request: HttpRequest, payload: TaxRateIn) -> Status[dict[str, Any]]:
    rate = services.create_tax_rate(
        actor=actor(request),
        tax_class=_tax_class_in(payload.tax_class),
        country=payload.country,
        rate=payload.rate,
    )
    return Status(201, _rate_out(rate))


@tax_rates_admin.update("/pricing/tax-rates/{rate_id}", out=TaxRateOut)
def update_tax_rate(request: HttpRequest, rate_id: UUID, payload: TaxRatePatch) -> dict[str, Any]:
    rate = services.update_tax_rate(
        actor=actor(request),
        tax_rate=selectors.get_tax_rate(public_id=rate_id),
        rate=payload.rate,
    )
    return _rate_out(rate)


@tax_rates_admin.delete("/pricing/tax-rates/{rate_id}")
def delete_tax_rate(request: HttpRequest, rate_id: UUID) -> None:
    services.delete_tax_rate(
        actor=actor(request), tax_rate=selectors.get_tax_rate(public_id=rate_id)
    )


@type_tax_classes_admin.read("/pricing/product-types/tax-classes", out=list[ProductTypeTaxClassOut])
def list_product_type_tax_classes(request: HttpRequest) -> list[dict[str, Any]]:
    """The product types with a class of their own (the others use "standard")."""
    links = ProductTypeTaxClass.objects.select_related("product_type", "tax_class")
    return [
        {"product_type": link.product_type.public_id, "tax_class": link.tax_class.slug}
        for link in links.order_by("pk")
    ]


@type_tax_classes_admin.update(
    "/pricing/product-types/{type_id}/tax-class", out=ProductTypeTaxClassOut, method="put"
)
def set_product_type_tax_class(
    request: HttpRequest, type_id: UUID, payload: ProductTypeTaxClassIn
) -> dict[str, Any]:
    """The tax class of a product type's products (null: standard)."""
    product_type = get_by_public_id(ProductType, type_id, code="product_type_not_found")
    link = services.set_product_type_tax_class(
        actor=actor(request),
        product_type=product_type,
        tax_class=_optional_tax_class_in(payload.tax_class),
    )
    slug = link.tax_class.slug if link else "standard"
    return {"product_type": product_type.public_id, "tax_class": slug}
