"""Reads of the pricing app, and `build_pricing_input`: everything the pure pipeline needs,
loaded in a fixed number of queries whatever the number of lines."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.db import connection
from django.db.models import Model, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from mercato.catalog.models import Category, CollectionProduct, Product, ProductVariant
from mercato.core.countries import is_country
from mercato.core.errors import InvalidInput, NotFound
from mercato.pricing import services
from mercato.pricing.models import (
    PricingState,
    ProductTypeTaxClass,
    Promotion,
    TaxClass,
    TaxRate,
    TaxSettings,
    Voucher,
)
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


def _targets(*names: str) -> list[Prefetch[Any]]:
    models: dict[str, type[Model]] = {
        "products": Product,
        "categories": Category,
    }
    return [
        Prefetch(name, queryset=models[name]._default_manager.only("pk", "public_id"))
        if name in models
        else Prefetch(name)
        for name in names
    ]


_Rows = TypeVar("_Rows", bound=QuerySet[Any])


def list_promotions(*, search: str = "", running: bool | None = None) -> QuerySet[Promotion]:
    promotions = Promotion.objects.prefetch_related(
        *_targets("products", "categories", "collections")
    )
    if search:
        promotions = promotions.filter(name__icontains=search)
    if running is not None:
        promotions = _by_running(promotions, Promotion.objects.running(timezone.now()), running)
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
        vouchers = _by_running(vouchers, Voucher.objects.running(timezone.now()), running)
    return vouchers


def _by_running(queryset: _Rows, running_now: QuerySet[Any], running: bool) -> _Rows:
    """The rows of `queryset` that are among `running_now` (with `running`), or not."""
    condition = Q(pk__in=running_now.values("pk"))
    return queryset.filter(condition if running else ~condition)


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


def _line_categories(products: Iterable[Product]) -> dict[int, frozenset[int]]:
    """`_ancestors` of the products' categories, read if the products came without them."""
    products = [p for p in products if p.category_id]
    if all(Product.category.is_cached(p) for p in products):
        return _ancestors(p.category for p in products if p.category is not None)
    return _ancestors(Category.objects.filter(pk__in={p.category_id for p in products}))


def load_tax_rules(countries: Iterable[str]) -> TaxRules:
    """The tax settings and the rates of the origin country and `countries` (read from the
    database, two queries; the checkout uses the cached `pricing_rules().tax_rules`)."""
    tax_settings = get_tax_settings()
    wanted = {c.upper() for c in countries if c} | {tax_settings.origin_country}
    rates = {
        (slug, country): rate
        for slug, country, rate in TaxRate.objects.filter(country__in=wanted).values_list(
            "tax_class__slug", "country", "rate"
        )
    }
    return _tax_rules(tax_settings, rates)


def _tax_rules(tax_settings: TaxSettings, rates: dict[tuple[str, str], Decimal]) -> TaxRules:
    shipping_class = tax_settings.shipping_tax_class
    return TaxRules(
        origin_country=tax_settings.origin_country,
        rates=rates,
        prices_include_tax=tax_settings.prices_include_tax,
        tax_shipping=tax_settings.tax_shipping,
        shipping_tax_class=shipping_class.slug if shipping_class else TaxClass.STANDARD,
        oss_threshold_exceeded=tax_settings.oss_threshold_exceeded,
        reverse_charge_requires_destination_country=(
            tax_settings.reverse_charge_requires_destination_country
        ),
    )


# --- the store-wide rules, cached per process -----------------------------------------------


@dataclass
class PricingRules:
    """What every cart is priced with: the tax settings, all tax rates and the tax class of
    each product type, and the active promotions that had not ended when this was loaded
    (with their targets), as of
    `PricingState.version`. `memo` keeps what a caller derives from the same rules (the
    checkout keeps its shipping methods there) under the same version."""

    version: int | None
    loaded_at: datetime
    tax_settings: TaxSettings
    rates: dict[tuple[str, str], Decimal]
    promotions: tuple[PromotionInput, ...]
    type_tax_classes: dict[int, str]  # {product type pk: tax class slug}, if not standard
    _memo: dict[object, Any] = field(default_factory=dict, repr=False)

    def tax_rules(self, country: str | None) -> TaxRules:
        """The TaxRules for a sale to `country` (None: the origin country)."""
        key = ("tax", (country or "").upper())
        found = self._memo.get(key)
        if found is None:
            wanted = {key[1], self.tax_settings.origin_country}
            found = self._memo[key] = _tax_rules(
                self.tax_settings, {k: r for k, r in self.rates.items() if k[1] in wanted}
            )
        return found

    def running_promotions(self, now: datetime) -> tuple[PromotionInput, ...] | None:
        """The promotions running at `now`; None for a moment before these rules were loaded
        (a promotion that ended since is not kept: ask the database)."""
        if now < self.loaded_at:
            return None
        return tuple(p for p in self.promotions if p.runs_at(now))

    def memo(self, key: str, load: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = load()
        return self._memo[key]


_rules: PricingRules | None = None


VERSION_SQL = f"SELECT version FROM {PricingState._meta.db_table} WHERE id = 1"  # noqa: S608


def pricing_version_expression() -> Subquery:
    """The PricingState version as a column, for a caller that reads a row anyway (the
    checkout's cart) to save the query of `pricing_version`: `.annotate(pricing_version=…)`,
    then `pricing_rules(version=row.pricing_version)`."""
    return Subquery(PricingState.objects.filter(pk=1).values("version")[:1])


def pricing_version() -> int | None:
    """The current PricingState version (one query, every time a cart is priced: a plain
    cursor, which costs a third of an ORM query); None when the row is missing."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


def _promotion_rows(queryset: QuerySet[Promotion]) -> tuple[PromotionInput, ...]:
    return tuple(
        _promotion_input(p)
        for p in queryset.prefetch_related(
            Prefetch("products", queryset=Product.objects.only("pk")),
            Prefetch("categories", queryset=Category.objects.only("pk")),
            "collections",
        )
    )


_UNREAD: Any = object()


def pricing_rules(now: datetime | None = None, *, version: Any = _UNREAD) -> PricingRules:
    """The store-wide pricing rules: one query (the version) while they are unchanged, a
    few more to reload them after a change. `now`: the moment they are needed for, if it is
    before this one. `version`: the version if the caller read it (see
    `pricing_version_expression`)."""
    global _rules
    if version is _UNREAD:
        version = pricing_version()
    cached = _rules
    if cached is not None and version is not None and cached.version == version:
        return cached
    now = min(now, timezone.now()) if now else timezone.now()
    rules = PricingRules(
        version=version,
        loaded_at=now,
        tax_settings=get_tax_settings(),
        rates={
            (slug, country): rate
            for slug, country, rate in TaxRate.objects.values_list(
                "tax_class__slug", "country", "rate"
            )
        },
        promotions=_promotion_rows(
            Promotion.objects.filter(is_active=True).filter(
                Q(ends_at__isnull=True) | Q(ends_at__gt=now)
            )
        ),
        type_tax_classes=dict(
            ProductTypeTaxClass.objects.values_list("product_type_id", "tax_class__slug")
        ),
    )
    if version is not None:
        _rules = rules
    return rules


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
    variants: Mapping[int, ProductVariant] | None = None,
    rules: PricingRules | None = None,
    only_used_targets: bool = False,
) -> PricingInput:
    """Everything `price_cart` needs for these lines, shipped to `country` (None: the origin
    country). A voucher code is checked with `services.check_voucher` against the subtotal
    the pipeline computes, and its errors are raised. Raises variant_not_found,
    currency_mismatch, invalid_country and invalid_vat_number too.

    Tax settings, rates, product types' tax classes and promotions come from `rules`
    (default: `pricing_rules()`, cached per process). `variants`: the lines' variants if the
    caller loaded them, with their `product` (its category is read when needed).
    `only_used_targets`: load the lines' category ancestors and collections only when a
    running promotion or the voucher looks at them (then the input cannot take another
    voucher later with `replace`)."""
    now = now or timezone.now()
    currency = currency or settings.STORE_CURRENCY
    if country and not is_country(country.upper()):
        raise InvalidInput(
            "Not an ISO 3166-1 country code.", code="invalid_country", field="country"
        )
    normalized_vat = validate_vat_number(vat_number)[1] if vat_number else ""
    variants = _line_variants(lines, variants)
    rules = rules or pricing_rules(now)
    promotions = rules.running_promotions(now)
    if promotions is None:
        promotions = _promotion_rows(Promotion.objects.running(now))
    _check_currency(lines, variants, currency)
    targets = _LineTargets.load(
        [variants[line.variant_id].product for line in lines],
        categories=not only_used_targets or any(p.category_ids for p in promotions),
        collections=not only_used_targets or any(p.collection_ids for p in promotions),
    )
    inp = PricingInput(
        currency=currency,
        lines=targets.line_inputs(lines, variants, rules.type_tax_classes),
        tax=rules.tax_rules(country),
        promotions=promotions,
        shipping_price=shipping_price,
        country=country.upper() if country else None,
        vat_number=normalized_vat,
        now=now,
    )
    if not voucher_code:
        return inp
    before = price_cart(inp)
    voucher = voucher_input(
        services.check_voucher(
            code=voucher_code,
            subtotal=before.subtotal,
            quantity=before.quantity,
            user_id=user_id,
            email=email,
            now=now,
        )
    )
    if voucher.category_ids and not targets.categories_loaded:
        targets = targets.with_categories()
        inp = replace(inp, lines=targets.line_inputs(lines, variants, rules.type_tax_classes))
    return replace(inp, voucher=voucher)


def _line_variants(
    lines: Sequence[CartLineSpec], variants: Mapping[int, ProductVariant] | None
) -> Mapping[int, ProductVariant]:
    """The lines' variants with their products: those given, else read (one query)."""
    wanted = {line.variant_id for line in lines}
    if variants is None or not wanted <= set(variants):
        variants = {
            v.pk: v
            for v in ProductVariant.objects.filter(pk__in=wanted).select_related(
                "product__category"
            )
        }
    if not wanted <= set(variants):
        raise NotFound("No such variant.", code="variant_not_found")
    return variants


def _check_currency(
    lines: Sequence[CartLineSpec], variants: Mapping[int, ProductVariant], currency: str
) -> None:
    """A line priced at its variant's price must be in the cart's currency."""
    for line in lines:
        variant = variants[line.variant_id]
        if line.unit_price is None and variant.currency != currency:
            raise InvalidInput(
                f"The variant is priced in {variant.currency}, not {currency}.",
                code="currency_mismatch",
            )


@dataclass(frozen=True)
class _LineTargets:
    """What promotions and vouchers match the lines' products by: {category pk: it and its
    ancestors} and {product pk: its collections}, each read only when something looks at it."""

    products: tuple[Product, ...]
    ancestors: dict[int, frozenset[int]]
    collections: dict[int, frozenset[int]]
    categories_loaded: bool

    @classmethod
    def load(
        cls, products: Iterable[Product], *, categories: bool, collections: bool
    ) -> "_LineTargets":
        unique = tuple({p.pk: p for p in products}.values())
        ancestors = _line_categories(unique) if categories else {}
        in_collections: dict[int, set[int]] = defaultdict(set)
        if collections:
            for product_id, collection_id in CollectionProduct.objects.filter(
                product_id__in=[p.pk for p in unique]
            ).values_list("product_id", "collection_id"):
                in_collections[product_id].add(collection_id)
        return cls(
            products=unique,
            ancestors=ancestors,
            collections={pk: frozenset(ids) for pk, ids in in_collections.items()},
            categories_loaded=categories,
        )

    def with_categories(self) -> "_LineTargets":
        return replace(self, ancestors=_line_categories(self.products), categories_loaded=True)

    def line_inputs(
        self,
        lines: Sequence[CartLineSpec],
        variants: Mapping[int, ProductVariant],
        tax_classes: Mapping[int, str],
    ) -> tuple[LineInput, ...]:
        made = []
        for line in lines:
            variant = variants[line.variant_id]
            product = variant.product
            made.append(
                LineInput(
                    key=line.key,
                    quantity=line.quantity,
                    unit_price=line.unit_price if line.unit_price is not None else variant.price,
                    product_id=product.pk,
                    tax_class=tax_classes.get(product.product_type_id, TaxClass.STANDARD),
                    category_ids=(
                        self.ancestors.get(product.category_id, frozenset())
                        if product.category_id is not None
                        else frozenset()
                    ),
                    collection_ids=self.collections.get(product.pk, frozenset()),
                )
            )
        return tuple(made)
