from typing import Any
from uuid import UUID

from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from mercato.accounts.authentication import AdminAuth, Principal
from mercato.accounts.services import actor_for
from mercato.audit.services import Actor
from mercato.catalog.models import Category, Collection, Product, ProductType
from mercato.catalog.selectors import get_by_public_id
from mercato.core.clientip import get_client_ip
from mercato.core.errors import InvalidInput, NotFound
from mercato.core.money import money
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import problems
from mercato.pricing import selectors, services
from mercato.pricing.models import (
    ProductTypeTaxClass,
    Promotion,
    TaxClass,
    TaxRate,
    TaxSettings,
    Voucher,
)
from mercato.pricing.schemas import (
    DiscountFilters,
    ProductTypeTaxClassIn,
    ProductTypeTaxClassOut,
    PromotionIn,
    PromotionOut,
    PromotionPage,
    PromotionPatch,
    RedemptionPage,
    TaxClassIn,
    TaxClassOut,
    TaxClassPatch,
    TaxRateFilters,
    TaxRateIn,
    TaxRateOut,
    TaxRatePatch,
    TaxSettingsOut,
    TaxSettingsPatch,
    VatNumberIn,
    VatNumberOut,
    VoucherIn,
    VoucherOut,
    VoucherPage,
    VoucherPatch,
)
from mercato.pricing.vat import validate_vat_number

store_router = Router(tags=["store: pricing"])
admin_router = Router(tags=["admin: pricing"])


# --- store ----------------------------------------------------------------------------------


@store_router.post(
    "/pricing/vat-number/validate", response={200: VatNumberOut, **problems(422)}, auth=None
)
def validate_vat(request: HttpRequest, payload: VatNumberIn) -> dict[str, Any]:
    """Whether a VAT number has the format of its EU country (no lookup in VIES)."""
    try:
        country, normalized = validate_vat_number(payload.number)
    except InvalidInput:
        return {"valid": False, "country": None, "normalized": None}
    return {"valid": True, "country": country, "normalized": normalized}


# --- helpers --------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    principal: Principal = request.auth  # type: ignore[attr-defined]  # set by ninja's auth
    return actor_for(principal, ip=get_client_ip(request))


def _pks(model: type[Model], ids: list[UUID], *, code: str, field: str) -> list[int]:
    found = dict(model._default_manager.filter(public_id__in=ids).values_list("public_id", "pk"))
    if len(found) != len(set(ids)):
        raise InvalidInput(f"Some {field} do not exist.", code=code, field=field)
    return list(found.values())


TARGETS: dict[str, tuple[type[Model], str, str]] = {
    "products": (Product, "unknown_product", "product_ids"),
    "categories": (Category, "unknown_category", "category_ids"),
    "collections": (Collection, "unknown_collection", "collection_ids"),
}


def _resolve_targets(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a promotion or voucher schema, with the targets' public ids as primary
    keys (`products` → `product_ids`)."""
    for name, (model, code, key) in TARGETS.items():
        if name in data:
            data[key] = _pks(model, data.pop(name), code=code, field=name)
    return data


def _running(obj: Promotion | Voucher) -> bool:
    now = timezone.now()
    return obj.is_active and obj.starts_at <= now and (obj.ends_at is None or now < obj.ends_at)


def _promotion_out(promotion: Promotion) -> dict[str, Any]:
    return {
        "id": promotion.public_id,
        "name": promotion.name,
        "kind": promotion.kind,
        "value": str(promotion.value),
        "currency": promotion.currency,
        "starts_at": promotion.starts_at,
        "ends_at": promotion.ends_at,
        "is_active": promotion.is_active,
        "is_running": _running(promotion),
        "products": [p.public_id for p in promotion.products.all()],
        "categories": [c.public_id for c in promotion.categories.all()],
        "collections": [c.public_id for c in promotion.collections.all()],
        "created_at": promotion.created_at,
        "updated_at": promotion.updated_at,
    }


def _voucher_out(voucher: Voucher) -> dict[str, Any]:
    return {
        "id": voucher.public_id,
        "code": voucher.code,
        "name": voucher.name,
        "kind": voucher.kind,
        "value": str(voucher.value),
        "currency": voucher.currency,
        "applies_to": voucher.applies_to,
        "products": [p.public_id for p in voucher.products.all()],
        "categories": [c.public_id for c in voucher.categories.all()],
        "min_subtotal": money(voucher.min_subtotal, voucher.currency),
        "min_quantity": voucher.min_quantity,
        "starts_at": voucher.starts_at,
        "ends_at": voucher.ends_at,
        "usage_limit": voucher.usage_limit,
        "usage_limit_per_customer": voucher.usage_limit_per_customer,
        "times_used": voucher.times_used,
        "combine_with_promotions": voucher.combine_with_promotions,
        "is_active": voucher.is_active,
        "created_at": voucher.created_at,
        "updated_at": voucher.updated_at,
    }


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


# --- admin: tax settings, classes, rates ----------------------------------------------------


@admin_router.get(
    "/pricing/tax-settings",
    response={200: TaxSettingsOut, **problems(401, 403)},
    auth=AdminAuth("pricing.view_taxsettings"),
)
def get_tax_settings(request: HttpRequest) -> dict[str, Any]:
    return _settings_out(selectors.get_tax_settings())


@admin_router.patch(
    "/pricing/tax-settings",
    response={200: TaxSettingsOut, **problems(401, 403, 422)},
    auth=AdminAuth("pricing.change_taxsettings"),
)
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
    return _settings_out(services.update_tax_settings(actor=_actor(request), details=details))


@admin_router.get(
    "/pricing/tax-classes",
    response={200: list[TaxClassOut], **problems(401, 403)},
    auth=AdminAuth("pricing.view_taxclass"),
)
def list_tax_classes(request: HttpRequest) -> list[TaxClass]:
    return list(selectors.list_tax_classes())


@admin_router.post(
    "/pricing/tax-classes",
    response={201: TaxClassOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("pricing.add_taxclass"),
)
def create_tax_class(request: HttpRequest, payload: TaxClassIn) -> Status[TaxClass]:
    return Status(201, services.create_tax_class(actor=_actor(request), **payload.dict()))


@admin_router.patch(
    "/pricing/tax-classes/{slug}",
    response={200: TaxClassOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("pricing.change_taxclass"),
)
def update_tax_class(request: HttpRequest, slug: str, payload: TaxClassPatch) -> TaxClass:
    return services.update_tax_class(
        actor=_actor(request), tax_class=selectors.get_tax_class(slug=slug), name=payload.name
    )


@admin_router.delete(
    "/pricing/tax-classes/{slug}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("pricing.delete_taxclass"),
)
def delete_tax_class(request: HttpRequest, slug: str) -> Status[None]:
    """Delete a class with its rates (not "standard", nor a class still in use)."""
    services.delete_tax_class(actor=_actor(request), tax_class=selectors.get_tax_class(slug=slug))
    return Status(204, None)


@admin_router.get(
    "/pricing/tax-rates",
    response={200: list[TaxRateOut], **problems(401, 403, 422)},
    auth=AdminAuth("pricing.view_taxrate"),
)
def list_tax_rates(request: HttpRequest, filters: Query[TaxRateFilters]) -> list[dict[str, Any]]:
    rates = selectors.list_tax_rates(country=filters.country, tax_class=filters.tax_class)
    return [_rate_out(rate) for rate in rates]


@admin_router.post(
    "/pricing/tax-rates",
    response={201: TaxRateOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("pricing.add_taxrate"),
)
def create_tax_rate(request: HttpRequest, payload: TaxRateIn) -> Status[dict[str, Any]]:
    rate = services.create_tax_rate(
        actor=_actor(request),
        tax_class=_tax_class_in(payload.tax_class),
        country=payload.country,
        rate=payload.rate,
    )
    return Status(201, _rate_out(rate))


@admin_router.patch(
    "/pricing/tax-rates/{rate_id}",
    response={200: TaxRateOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("pricing.change_taxrate"),
)
def update_tax_rate(request: HttpRequest, rate_id: UUID, payload: TaxRatePatch) -> dict[str, Any]:
    rate = services.update_tax_rate(
        actor=_actor(request),
        tax_rate=selectors.get_tax_rate(public_id=rate_id),
        rate=payload.rate,
    )
    return _rate_out(rate)


@admin_router.delete(
    "/pricing/tax-rates/{rate_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("pricing.delete_taxrate"),
)
def delete_tax_rate(request: HttpRequest, rate_id: UUID) -> Status[None]:
    services.delete_tax_rate(
        actor=_actor(request), tax_rate=selectors.get_tax_rate(public_id=rate_id)
    )
    return Status(204, None)


@admin_router.get(
    "/pricing/product-types/tax-classes",
    response={200: list[ProductTypeTaxClassOut], **problems(401, 403)},
    auth=AdminAuth("pricing.view_producttypetaxclass"),
)
def list_product_type_tax_classes(request: HttpRequest) -> list[dict[str, Any]]:
    """The product types with a class of their own (the others use "standard")."""
    links = ProductTypeTaxClass.objects.select_related("product_type", "tax_class")
    return [
        {"product_type": link.product_type.public_id, "tax_class": link.tax_class.slug}
        for link in links.order_by("pk")
    ]


@admin_router.put(
    "/pricing/product-types/{type_id}/tax-class",
    response={200: ProductTypeTaxClassOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("pricing.change_producttypetaxclass"),
)
def set_product_type_tax_class(
    request: HttpRequest, type_id: UUID, payload: ProductTypeTaxClassIn
) -> dict[str, Any]:
    """The tax class of a product type's products (null: standard)."""
    product_type = get_by_public_id(ProductType, type_id, code="product_type_not_found")
    link = services.set_product_type_tax_class(
        actor=_actor(request),
        product_type=product_type,
        tax_class=_optional_tax_class_in(payload.tax_class),
    )
    slug = link.tax_class.slug if link else "standard"
    return {"product_type": product_type.public_id, "tax_class": slug}


# --- admin: promotions ----------------------------------------------------------------------


@admin_router.get(
    "/pricing/promotions",
    response={200: PromotionPage, **problems(401, 403, 422)},
    auth=AdminAuth("pricing.view_promotion"),
)
def list_promotions(request: HttpRequest, filters: Query[DiscountFilters]) -> dict[str, Any]:
    promotions = selectors.list_promotions(search=filters.search, running=filters.running)
    return paginate(promotions, params=filters, transform=_promotion_out)


@admin_router.post(
    "/pricing/promotions",
    response={201: PromotionOut, **problems(401, 403, 422)},
    auth=AdminAuth("pricing.add_promotion"),
)
def create_promotion(request: HttpRequest, payload: PromotionIn) -> Status[dict[str, Any]]:
    """A sale on products, categories (with their subcategories) and collections."""
    details = services.PromotionDetails(**_resolve_targets(payload.dict(exclude_none=True)))
    promotion = services.create_promotion(actor=_actor(request), details=details)
    return Status(201, _promotion_out(selectors.get_promotion(public_id=promotion.public_id)))


@admin_router.get(
    "/pricing/promotions/{promotion_id}",
    response={200: PromotionOut, **problems(401, 403, 404)},
    auth=AdminAuth("pricing.view_promotion"),
)
def get_promotion(request: HttpRequest, promotion_id: UUID) -> dict[str, Any]:
    return _promotion_out(selectors.get_promotion(public_id=promotion_id))


@admin_router.patch(
    "/pricing/promotions/{promotion_id}",
    response={200: PromotionOut, **problems(401, 403, 404, 422)},
    auth=AdminAuth("pricing.change_promotion"),
)
def update_promotion(
    request: HttpRequest, promotion_id: UUID, payload: PromotionPatch
) -> dict[str, Any]:
    promotion = selectors.get_promotion(public_id=promotion_id)
    details = services.PromotionDetails(**_resolve_targets(payload.dict(exclude_unset=True)))
    services.update_promotion(actor=_actor(request), promotion=promotion, details=details)
    return _promotion_out(selectors.get_promotion(public_id=promotion_id))


@admin_router.delete(
    "/pricing/promotions/{promotion_id}",
    response={204: None, **problems(401, 403, 404)},
    auth=AdminAuth("pricing.delete_promotion"),
)
def delete_promotion(request: HttpRequest, promotion_id: UUID) -> Status[None]:
    services.delete_promotion(
        actor=_actor(request), promotion=selectors.get_promotion(public_id=promotion_id)
    )
    return Status(204, None)


# --- admin: vouchers ------------------------------------------------------------------------


@admin_router.get(
    "/pricing/vouchers",
    response={200: VoucherPage, **problems(401, 403, 422)},
    auth=AdminAuth("pricing.view_voucher"),
)
def list_vouchers(request: HttpRequest, filters: Query[DiscountFilters]) -> dict[str, Any]:
    vouchers = selectors.list_vouchers(search=filters.search, running=filters.running)
    return paginate(vouchers, params=filters, transform=_voucher_out)


@admin_router.post(
    "/pricing/vouchers",
    response={201: VoucherOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("pricing.add_voucher"),
)
def create_voucher(request: HttpRequest, payload: VoucherIn) -> Status[dict[str, Any]]:
    details = services.VoucherDetails(**_resolve_targets(payload.dict(exclude_none=True)))
    voucher = services.create_voucher(actor=_actor(request), details=details)
    return Status(201, _voucher_out(selectors.get_voucher(public_id=voucher.public_id)))


@admin_router.get(
    "/pricing/vouchers/{voucher_id}",
    response={200: VoucherOut, **problems(401, 403, 404)},
    auth=AdminAuth("pricing.view_voucher"),
)
def get_voucher(request: HttpRequest, voucher_id: UUID) -> dict[str, Any]:
    return _voucher_out(selectors.get_voucher(public_id=voucher_id))


@admin_router.patch(
    "/pricing/vouchers/{voucher_id}",
    response={200: VoucherOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("pricing.change_voucher"),
)
def update_voucher(request: HttpRequest, voucher_id: UUID, payload: VoucherPatch) -> dict[str, Any]:
    voucher = selectors.get_voucher(public_id=voucher_id)
    details = services.VoucherDetails(**_resolve_targets(payload.dict(exclude_unset=True)))
    services.update_voucher(actor=_actor(request), voucher=voucher, details=details)
    return _voucher_out(selectors.get_voucher(public_id=voucher_id))


@admin_router.delete(
    "/pricing/vouchers/{voucher_id}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("pricing.delete_voucher"),
)
def delete_voucher(request: HttpRequest, voucher_id: UUID) -> Status[None]:
    """Delete a voucher nobody has used (deactivate a used one)."""
    services.delete_voucher(
        actor=_actor(request), voucher=selectors.get_voucher(public_id=voucher_id)
    )
    return Status(204, None)


@admin_router.get(
    "/pricing/vouchers/{voucher_id}/redemptions",
    response={200: RedemptionPage, **problems(401, 403, 404, 422)},
    auth=AdminAuth("pricing.view_voucherredemption"),
)
def list_redemptions(
    request: HttpRequest, voucher_id: UUID, params: Query[PageParams]
) -> dict[str, Any]:
    voucher = selectors.get_voucher(public_id=voucher_id)
    return paginate(voucher.redemptions.all(), params=params)
