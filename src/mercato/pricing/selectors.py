"""Reads of the pricing app, and `build_pricing_input`: everything the pure pipeline needs,
loaded in a fixed number of queries whatever the number of lines."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from mercato.catalog.models import Category, CollectionProduct, Product, ProductVariant
from mercato.core.countries import COUNTRY_CODES
from mercato.core.errors import InvalidInput, NotFound
from mercato.pricing import services
from mercato.pricing.models import Promotion, TaxClass, TaxRate, TaxSettings, Voucher
from mercato.pricing.pipeline import (
    LineInput,
    PricingInput,
    PromotionInput,
    TaxRules,
    VoucherInput,
    price_cart,
)
from mercato.pricing.vat import validate_vat_number

# --- back office reads ----------------------------------------------------------------------


def get_tax_settings() -> TaxSettings:
    """The shop's tax settings (the row is made by a migration; made again if missing)."""
    found = TaxSettings.objects.select_related("shipping_tax_class").filter(pk=1).first()
    return found or services.ensure_tax_settings()


def list_tax_classes() -> QuerySet[TaxClass]:
    return TaxClass.objects.all()


def get_tax_class(*, slug: str) -> TaxClass:
    tax_class = TaxClass.objects.filter(slug=slug).first()
    if tax_class is None:
        raise NotFound("No such tax class.", code="tax_class_not_found")
    return tax_class


def list_tax_rates(*, country: str = "", tax_class: str = "") -> QuerySet[TaxRate]:
    rates = TaxRate.objects.select_related("tax_class")
    if country:
        rates = rates.filter(country=country.upper())
    if tax_class:
        rates = rates.filter(tax_class__slug=tax_class)
    return rates


def get_tax_rate(*, public_id: UUID) -> TaxRate:
    rate = TaxRate.objects.select_related("tax_class").filter(public_id=public_id).first()
    if rate is None:
        raise NotFound("No such tax rate.", code="tax_rate_not_found")
    return rate


def _targets(*names: str) -> list[Prefetch]:
    models = {"products": Product, "categories": Category}
    return [
        Prefetch(name, queryset=models[name].objects.only("pk", "public_id"))
        if name in models
        else Prefetch(name)
        for name in names
    ]


def list_promotions(*, search: str = "", running: bool | None = None) -> QuerySet[Promotion]:
    promotions = Promotion.objects.prefetch_related(
        *_targets("products", "categories", "collections")
    )
    if search:
        promotions = promotions.filter(name__icontains=search)
    if running is not None:
        now = timezone.now()
        condition = Q(pk__in=Promotion.objects.running(now).values("pk"))
        promotions = promotions.filter(condition if running else ~condition)
    return promotions


def get_promotion(*, public_id: UUID) -> Promotion:
    promotion = list_promotions().filter(public_id=public_id).first()
    if promotion is None:
        raise NotFound("No such promotion.", code="promotion_not_found")
    return promotion


def list_vouchers(*, search: str = "", running: bool | None = None) -> QuerySet[Voucher]:
    vouchers = Voucher.objects.prefetch_related(*_targets("products", "categories"))
    if search:
        vouchers = vouchers.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if running is not None:
        condition = Q(pk__in=Voucher.objects.running(timezone.now()).values("pk"))
        vouchers = vouchers.filter(condition if running else ~condition)
    return vouchers


def get_voucher(*, public_id: UUID) -> Voucher:
    voucher = list_vouchers().filter(public_id=public_id).first()
    if voucher is None:
        raise NotFound("No such voucher.", code="voucher_not_found")
    return voucher


# --- the pipeline's input -------------------------------------------------------------------


@dataclass(frozen=True)
class CartLineSpec:
    """A line to price: `unit_price` None means the variant's current price."""

    key: str
    variant_id: int
    quantity: int
    unit_price: Decimal | None = None


def _ancestors(categories: Iterable[Category]) -> dict[int, frozenset[int]]:
    """{category pk: its pk and the pks of all its ancestors} (one query)."""
    categories = list(categories)
    prefixes = {
        c.path[:end] for c in categories for end in range(c.steplen, len(c.path) + 1, c.steplen)
    }
    by_path = dict(Category.objects.filter(path__in=prefixes).values_list("path", "pk"))
    return {
        c.pk: frozenset(
            by_path[c.path[:end]]
            for end in range(c.steplen, len(c.path) + 1, c.steplen)
            if c.path[:end] in by_path
        )
        for c in categories
    }


def _tax_class_of(product: Product) -> str:
    try:
        return product.product_type.tax_class_link.tax_class.slug
    except ObjectDoesNotExist:
        return TaxClass.STANDARD


def load_tax_rules(countries: Iterable[str]) -> TaxRules:
    """The tax settings and the rates of the origin country and `countries` (two queries)."""
    tax_settings = get_tax_settings()
    wanted = {c.upper() for c in countries if c} | {tax_settings.origin_country}
    rates = {
        (slug, country): rate
        for slug, country, rate in TaxRate.objects.filter(country__in=wanted).values_list(
            "tax_class__slug", "country", "rate"
        )
    }
    shipping_class = tax_settings.shipping_tax_class
    return TaxRules(
        origin_country=tax_settings.origin_country,
        rates=rates,
        prices_include_tax=tax_settings.prices_include_tax,
        tax_shipping=tax_settings.tax_shipping,
        shipping_tax_class=shipping_class.slug if shipping_class else TaxClass.STANDARD,
        oss_threshold_exceeded=tax_settings.oss_threshold_exceeded,
    )


def _promotion_input(promotion: Promotion) -> PromotionInput:
    return PromotionInput(
        id=promotion.pk,
        name=promotion.name,
        kind=promotion.kind,
        value=promotion.value,
        currency=promotion.currency,
        product_ids=frozenset(p.pk for p in promotion.products.all()),
        category_ids=frozenset(c.pk for c in promotion.categories.all()),
        collection_ids=frozenset(c.pk for c in promotion.collections.all()),
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
    )


def voucher_input(voucher: Voucher) -> VoucherInput:
    return VoucherInput(
        id=voucher.pk,
        code=voucher.code,
        kind=voucher.kind,
        value=voucher.value,
        currency=voucher.currency,
        applies_to=voucher.applies_to,
        product_ids=frozenset(voucher.products.values_list("pk", flat=True)),
        category_ids=frozenset(voucher.categories.values_list("pk", flat=True)),
        min_subtotal=voucher.min_subtotal,
        min_quantity=voucher.min_quantity,
        combine_with_promotions=voucher.combine_with_promotions,
    )


def build_pricing_input(
    *,
    lines: Sequence[CartLineSpec],
    country: str | None = None,
    vat_number: str = "",
    voucher_code: str = "",
    shipping_price: Decimal | None = None,
    user_id: int | None = None,
    email: str = "",
    currency: str | None = None,
    now: datetime | None = None,
) -> PricingInput:
    """Everything `price_cart` needs for these lines, shipped to `country` (None: the origin
    country). A voucher code is checked with `services.check_voucher` against the subtotal
    the pipeline computes, and its errors are raised. Raises variant_not_found,
    currency_mismatch, invalid_country and invalid_vat_number too."""
    now = now or timezone.now()
    currency = currency or settings.STORE_CURRENCY
    if country and country.upper() not in COUNTRY_CODES:
        raise InvalidInput(
            "Not an ISO 3166-1 country code.", code="invalid_country", field="country"
        )
    normalized_vat = validate_vat_number(vat_number)[1] if vat_number else ""
    variants = {
        v.pk: v
        for v in ProductVariant.objects.filter(
            pk__in={line.variant_id for line in lines}
        ).select_related("product__category", "product__product_type__tax_class_link__tax_class")
    }
    if len(variants) != len({line.variant_id for line in lines}):
        raise NotFound("No such variant.", code="variant_not_found")
    products = {v.product_id: v.product for v in variants.values()}
    ancestors = _ancestors(p.category for p in products.values() if p.category_id)
    collections: dict[int, set[int]] = defaultdict(set)
    for product_id, collection_id in CollectionProduct.objects.filter(
        product_id__in=products
    ).values_list("product_id", "collection_id"):
        collections[product_id].add(collection_id)
    line_inputs = []
    for line in lines:
        variant = variants[line.variant_id]
        if line.unit_price is None and variant.currency != currency:
            raise InvalidInput(
                f"The variant is priced in {variant.currency}, not {currency}.",
                code="currency_mismatch",
            )
        product = variant.product
        line_inputs.append(
            LineInput(
                key=line.key,
                quantity=line.quantity,
                unit_price=line.unit_price if line.unit_price is not None else variant.price,
                product_id=product.pk,
                tax_class=_tax_class_of(product),
                category_ids=ancestors.get(product.category_id, frozenset()),
                collection_ids=frozenset(collections[product.pk]),
            )
        )
    promotions = tuple(
        _promotion_input(p)
        for p in Promotion.objects.running(now).prefetch_related(
            Prefetch("products", queryset=Product.objects.only("pk")),
            Prefetch("categories", queryset=Category.objects.only("pk")),
            "collections",
        )
    )
    inp = PricingInput(
        currency=currency,
        lines=tuple(line_inputs),
        tax=load_tax_rules([country or ""]),
        promotions=promotions,
        shipping_price=shipping_price,
        country=country.upper() if country else None,
        vat_number=normalized_vat,
        now=now,
    )
    if voucher_code:
        before = price_cart(inp)
        voucher = services.check_voucher(
            code=voucher_code,
            subtotal=before.subtotal,
            quantity=before.quantity,
            user_id=user_id,
            email=email,
            now=now,
        )
        inp = replace(inp, voucher=voucher_input(voucher))
    return inp
