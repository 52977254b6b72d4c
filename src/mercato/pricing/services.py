"""Pricing: every change to tax classes, rates and settings, promotions and vouchers (each
audit logged), and the voucher rules of a checkout: `check_voucher` (may this cart use the
code?) and `redeem_voucher` (count one use, safe under concurrency).

Totals are not computed here: see `pricing.pipeline.price_cart`.
"""

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Q
from django.utils import timezone

from mercato.audit.services import Actor, record_change, snapshot
from mercato.catalog.models import Category, Collection, Product, ProductType
from mercato.catalog.services import clean_price
from mercato.core.countries import COUNTRY_CODES
from mercato.core.errors import Conflict, InvalidInput
from mercato.pricing.errors import InUse, VoucherNotFound, VoucherNotUsable, VoucherUsedUp
from mercato.pricing.models import (
    ProductTypeTaxClass,
    Promotion,
    TaxClass,
    TaxRate,
    TaxSettings,
    Voucher,
    VoucherRedemption,
)

CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,49}")
SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")
CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")


# --- helpers --------------------------------------------------------------------------------


def clean_country(value: Any, field: str = "country") -> str:
    code = str(value or "").strip().upper()
    if code not in COUNTRY_CODES:
        raise InvalidInput("Not an ISO 3166-1 country code.", code="invalid_country", field=field)
    return code


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(f"{field} is not a number.", code="invalid_value", field=field) from exc
    if not number.is_finite():
        raise InvalidInput(f"{field} is not a number.", code="invalid_value", field=field)
    return number


def clean_rate(value: Any) -> Decimal:
    rate = _decimal(value, "rate")
    if not Decimal("0") <= rate < Decimal("1") or rate != rate.quantize(Decimal("0.0001")):
        raise InvalidInput(
            "A rate is a fraction from 0 to below 1 with at most 4 decimals (0.19 is 19 %).",
            code="invalid_rate",
            field="rate",
        )
    return rate.quantize(Decimal("0.0001"))


def _discount_value(kind: str, value: Any) -> Decimal:
    """A percentage (0-100, two decimals at most) or an amount."""
    if kind == "percentage":
        number = _decimal(value, "value")
        if not Decimal("0") <= number <= Decimal("100") or number != number.quantize(
            Decimal("0.01")
        ):
            raise InvalidInput(
                "A percentage is from 0 to 100 (two decimals at most).",
                code="invalid_value",
                field="value",
            )
        return number
    return clean_price(value, field="value")


def _currency(value: Any) -> str:
    code = str(value or "").strip().upper()
    if not CURRENCY_PATTERN.fullmatch(code):
        raise InvalidInput("A currency is a 3-letter ISO 4217 code.", field="currency")
    return code


def _window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and timezone.is_naive(moment):
            raise InvalidInput("A time needs its time zone.", code="invalid_datetime", field=name)
    if starts_at is None:
        raise InvalidInput("A start time is required.", code="invalid_datetime", field="starts_at")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput(
            "The end comes after the start.", code="invalid_date_window", field="ends_at"
        )


def _existing(model: type, ids: Iterable[int], *, code: str, field: str) -> list[int]:
    wanted = sorted(set(ids))
    if model.objects.filter(pk__in=wanted).count() != len(wanted):
        raise InvalidInput(f"Some {field} do not exist.", code=code, field=field)
    return wanted


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("Give true or false.", field=field)
    return value


def _email(value: str | None) -> str:
    return (value or "").strip().lower()


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


# --- tax classes, rates, settings -----------------------------------------------------------


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
        record_change(actor=actor, action="create", obj=tax_class, after=snapshot(tax_class))
    return tax_class


def update_tax_class(*, actor: Actor, tax_class: TaxClass, name: str) -> TaxClass:
    """Rename a class (its slug, which rates and settings refer to, stays)."""
    if not (name or "").strip():
        raise InvalidInput("A name is required.", field="name")
    with transaction.atomic():
        tax_class = TaxClass.objects.select_for_update().get(pk=tax_class.pk)
        before = snapshot(tax_class)
        tax_class.name = name.strip()
        tax_class.save()
        record_change(
            actor=actor, action="update", obj=tax_class, before=before, after=snapshot(tax_class)
        )
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
        record_change(actor=actor, action="create", obj=tax_rate, after=snapshot(tax_rate))
    return tax_rate


def update_tax_rate(*, actor: Actor, tax_rate: TaxRate, rate: Any) -> TaxRate:
    rate = clean_rate(rate)
    with transaction.atomic():
        tax_rate = TaxRate.objects.select_for_update().get(pk=tax_rate.pk)
        before = snapshot(tax_rate)
        tax_rate.rate = rate
        tax_rate.save()
        record_change(
            actor=actor, action="update", obj=tax_rate, before=before, after=snapshot(tax_rate)
        )
    return tax_rate


def delete_tax_rate(*, actor: Actor, tax_rate: TaxRate) -> None:
    with transaction.atomic():
        before, object_id = snapshot(tax_rate), str(tax_rate.public_id)
        tax_rate.delete()
        record_change(
            actor=actor, action="delete", obj=tax_rate, before=before, object_id=object_id
        )


def ensure_tax_settings() -> TaxSettings:
    """The settings row (pk 1), made with the defaults if it is missing."""
    standard = TaxClass.objects.filter(slug=TaxClass.STANDARD).first()
    tax_settings, _ = TaxSettings.objects.get_or_create(
        pk=1, defaults={"shipping_tax_class": standard}
    )
    return tax_settings


TAX_SETTINGS_FIELDS = (
    "prices_include_tax",
    "tax_shipping",
    "shipping_tax_class",
    "origin_country",
    "oss_threshold_exceeded",
    "reverse_charge_requires_destination_country",
)


def update_tax_settings(*, actor: Actor, changes: dict[str, Any]) -> TaxSettings:
    """Change the shop's tax settings; `shipping_tax_class` is a TaxClass or None."""
    unknown = set(changes) - set(TAX_SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown settings: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        ensure_tax_settings()
        tax_settings = TaxSettings.objects.select_for_update().get(pk=1)
        before = snapshot(tax_settings)
        for name in TAX_SETTINGS_FIELDS:
            if name in changes:
                setattr(tax_settings, name, changes[name])
        for name in (
            "prices_include_tax",
            "tax_shipping",
            "oss_threshold_exceeded",
            "reverse_charge_requires_destination_country",
        ):
            _flag(getattr(tax_settings, name), name)
        tax_settings.origin_country = clean_country(tax_settings.origin_country, "origin_country")
        tax_settings.save()
        record_change(
            actor=actor,
            action="update",
            obj=tax_settings,
            before=before,
            after=snapshot(tax_settings),
        )
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


# --- promotions -----------------------------------------------------------------------------

PROMOTION_FIELDS = ("name", "kind", "value", "currency", "starts_at", "ends_at", "is_active")
PROMOTION_TARGETS = {
    "product_ids": ("products", Product, "unknown_product"),
    "category_ids": ("categories", Category, "unknown_category"),
    "collection_ids": ("collections", Collection, "unknown_collection"),
}


def clean_promotion(promotion: Promotion, changes: dict[str, Any]) -> dict[str, list[int]]:
    """Apply `changes` to an unsaved promotion and check it (the back office checks its form
    with this too). Returns the targets to set: {m2m name: [pk]}."""
    for name in PROMOTION_FIELDS:
        if name in changes:
            setattr(promotion, name, changes[name])
    promotion.name = (promotion.name or "").strip()
    if not promotion.name:
        raise InvalidInput("A name is required.", field="name")
    if promotion.kind not in Promotion.Kind.values:
        raise InvalidInput(f"Unknown kind {promotion.kind!r}.", field="kind")
    promotion.value = _discount_value(promotion.kind, promotion.value)
    promotion.currency = _currency(promotion.currency)
    promotion.is_active = _flag(promotion.is_active, "is_active")
    _window(promotion.starts_at, promotion.ends_at)
    return {
        m2m: _existing(model, changes[key], code=code, field=key)
        for key, (m2m, model, code) in PROMOTION_TARGETS.items()
        if key in changes
    }


def _save_promotion(actor: Actor, promotion: Promotion, changes: dict[str, Any]) -> Promotion:
    creating = promotion.pk is None
    before = None if creating else snapshot(promotion)
    targets = clean_promotion(promotion, changes)
    promotion.save()
    for m2m, ids in targets.items():
        getattr(promotion, m2m).set(ids)
    record_change(
        actor=actor,
        action="create" if creating else "update",
        obj=promotion,
        before=before,
        after=snapshot(promotion),
    )
    return promotion


def create_promotion(*, actor: Actor, data: dict[str, Any]) -> Promotion:
    """`data`: name, kind, value, currency, starts_at, ends_at, is_active and the targets
    product_ids, category_ids, collection_ids (primary keys)."""
    with transaction.atomic():
        return _save_promotion(actor, Promotion(), data)


def update_promotion(*, actor: Actor, promotion: Promotion, changes: dict[str, Any]) -> Promotion:
    with transaction.atomic():
        locked = Promotion.objects.select_for_update().get(pk=promotion.pk)
        return _save_promotion(actor, locked, changes)


def delete_promotion(*, actor: Actor, promotion: Promotion) -> None:
    with transaction.atomic():
        before, object_id = snapshot(promotion), str(promotion.public_id)
        promotion.delete()
        record_change(
            actor=actor, action="delete", obj=promotion, before=before, object_id=object_id
        )


# --- vouchers -------------------------------------------------------------------------------

VOUCHER_FIELDS = (
    "code",
    "name",
    "kind",
    "value",
    "currency",
    "applies_to",
    "min_subtotal",
    "min_quantity",
    "starts_at",
    "ends_at",
    "usage_limit",
    "usage_limit_per_customer",
    "combine_with_promotions",
    "is_active",
)
VOUCHER_TARGETS = {
    "product_ids": ("products", Product, "unknown_product"),
    "category_ids": ("categories", Category, "unknown_category"),
}


def _limit(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(
            "A limit is a whole number of 1 or more (empty: none).",
            code="invalid_limit",
            field=field,
        )
    return value


def clean_voucher(voucher: Voucher, changes: dict[str, Any]) -> dict[str, list[int]]:
    """Apply `changes` to an unsaved voucher and check it (the back office checks its form
    with this too). Returns the targets to set: {m2m name: [pk]}."""
    for name in VOUCHER_FIELDS:
        if name in changes:
            setattr(voucher, name, changes[name])
    voucher.code = normalize_code(voucher.code)
    if not CODE_PATTERN.fullmatch(voucher.code):
        raise InvalidInput(
            "A code is 3 to 50 letters, digits, - and _.", code="invalid_voucher_code", field="code"
        )
    if voucher.kind not in Voucher.Kind.values:
        raise InvalidInput(f"Unknown kind {voucher.kind!r}.", field="kind")
    if voucher.applies_to not in Voucher.AppliesTo.values:
        raise InvalidInput(f"Unknown target {voucher.applies_to!r}.", field="applies_to")
    if voucher.kind == Voucher.Kind.FREE_SHIPPING:
        voucher.value = Decimal("0.00")
    voucher.value = _discount_value(voucher.kind, voucher.value)
    voucher.currency = _currency(voucher.currency)
    voucher.is_active = _flag(voucher.is_active, "is_active")
    voucher.combine_with_promotions = _flag(
        voucher.combine_with_promotions, "combine_with_promotions"
    )
    voucher.min_subtotal = clean_price(voucher.min_subtotal, field="min_subtotal")
    if (
        isinstance(voucher.min_quantity, bool)
        or not isinstance(voucher.min_quantity, int)
        or not 0 <= voucher.min_quantity <= 1_000_000
    ):
        raise InvalidInput("A whole number from 0.", code="invalid_limit", field="min_quantity")
    voucher.usage_limit = _limit(voucher.usage_limit, "usage_limit")
    voucher.usage_limit_per_customer = _limit(
        voucher.usage_limit_per_customer, "usage_limit_per_customer"
    )
    if voucher.usage_limit is not None and voucher.usage_limit < voucher.times_used:
        raise InvalidInput(
            f"The voucher has already been used {voucher.times_used} times.",
            code="usage_limit_below_used",
            field="usage_limit",
        )
    _window(voucher.starts_at, voucher.ends_at)
    targets = {
        m2m: _existing(model, changes[key], code=code, field=key)
        for key, (m2m, model, code) in VOUCHER_TARGETS.items()
        if key in changes
    }
    if voucher.applies_to == Voucher.AppliesTo.SPECIFIC:
        has_targets = any(targets.get(m2m) for m2m in ("products", "categories")) or any(
            voucher.pk and m2m not in targets and getattr(voucher, m2m).exists()
            for m2m in ("products", "categories")
        )
        if not has_targets:
            raise InvalidInput(
                "A voucher for given products needs products or categories.",
                code="voucher_targets_required",
                field="applies_to",
            )
    return targets


def _save_voucher(actor: Actor, voucher: Voucher, changes: dict[str, Any]) -> Voucher:
    creating = voucher.pk is None
    before = None if creating else snapshot(voucher)
    targets = clean_voucher(voucher, changes)
    if Voucher.objects.filter(code=voucher.code).exclude(pk=voucher.pk).exists():
        raise Conflict("Another voucher has this code.", code="code_taken", field="code")
    try:
        with transaction.atomic():
            if creating:
                voucher.save()
            else:  # never write times_used back: redemptions change it
                voucher.save(update_fields=[*VOUCHER_FIELDS, "updated_at"])
    except IntegrityError as exc:
        raise Conflict("Another voucher has this code.", code="code_taken", field="code") from exc
    for m2m, ids in targets.items():
        getattr(voucher, m2m).set(ids)
    record_change(
        actor=actor,
        action="create" if creating else "update",
        obj=voucher,
        before=before,
        after=snapshot(voucher),
    )
    return voucher


def create_voucher(*, actor: Actor, data: dict[str, Any]) -> Voucher:
    """`data`: the fields of VOUCHER_FIELDS and the targets product_ids, category_ids."""
    with transaction.atomic():
        return _save_voucher(actor, Voucher(), data)


def update_voucher(*, actor: Actor, voucher: Voucher, changes: dict[str, Any]) -> Voucher:
    with transaction.atomic():
        locked = Voucher.objects.select_for_update().get(pk=voucher.pk)
        return _save_voucher(actor, locked, changes)


def delete_voucher(*, actor: Actor, voucher: Voucher) -> None:
    """Delete a voucher nobody used (a used one is kept for its orders: deactivate it)."""
    with transaction.atomic():
        before, object_id = snapshot(voucher), str(voucher.public_id)
        try:
            with transaction.atomic():
                voucher.delete()
        except ProtectedError as exc:
            raise InUse("The voucher has been used; deactivate it instead.") from exc
        record_change(actor=actor, action="delete", obj=voucher, before=before, object_id=object_id)


def _check_window(voucher: Voucher, now: datetime) -> None:
    if not voucher.is_active:
        raise VoucherNotUsable("The voucher is not active.", code="voucher_inactive")
    if now < voucher.starts_at:
        raise VoucherNotUsable(
            "The voucher cannot be used yet.",
            code="voucher_not_started",
            starts_at=voucher.starts_at,
        )
    if voucher.ends_at is not None and now >= voucher.ends_at:
        raise VoucherNotUsable("The voucher has expired.", code="voucher_expired")


def _uses_by(voucher: Voucher, user_id: int | None, email: str) -> int:
    who = Q(pk__in=[])
    if user_id:
        who |= Q(user_id=user_id)
    if email:
        who |= Q(email=email)
    return VoucherRedemption.objects.filter(who, voucher=voucher).count()


def _check_customer(voucher: Voucher, user_id: int | None, email: str) -> None:
    limit = voucher.usage_limit_per_customer
    if limit is not None and (user_id or email) and _uses_by(voucher, user_id, email) >= limit:
        raise VoucherUsedUp(
            "You have already used this voucher as often as it allows.",
            code="voucher_limit_per_customer",
        )


def check_voucher(
    *,
    code: str,
    subtotal: Decimal,
    quantity: int,
    user_id: int | None,
    email: str,
    now: datetime,
) -> Voucher:
    """The voucher of `code` if a cart with this subtotal (after promotions) and quantity may
    use it now; raises voucher_not_found, voucher_inactive, voucher_not_started,
    voucher_expired, voucher_used_up, voucher_limit_per_customer, voucher_min_subtotal or
    voucher_min_quantity. A customer is known by `user_id` or `email` (either matches)."""
    voucher = Voucher.objects.filter(code=normalize_code(code)).first()
    if voucher is None:
        raise VoucherNotFound("No voucher has this code.")
    _check_window(voucher, now)
    if voucher.usage_limit is not None and voucher.times_used >= voucher.usage_limit:
        raise VoucherUsedUp("The voucher has been used up.")
    _check_customer(voucher, user_id, _email(email))
    if subtotal < voucher.min_subtotal:
        raise VoucherNotUsable(
            f"The voucher needs a subtotal of at least {voucher.min_subtotal}.",
            code="voucher_min_subtotal",
            min_subtotal=str(voucher.min_subtotal),
        )
    if quantity < voucher.min_quantity:
        raise VoucherNotUsable(
            f"The voucher needs at least {voucher.min_quantity} items.",
            code="voucher_min_quantity",
            min_quantity=voucher.min_quantity,
        )
    return voucher


def redeem_voucher(
    *, voucher_id: int, user_id: int | None, email: str, order_reference: str
) -> VoucherRedemption:
    """Count one use of a voucher by an order, inside the caller's transaction if there is
    one. Safe under concurrency: the voucher row is locked (which queues redemptions, so the
    per-customer count cannot be passed), and `times_used` only grows through a conditional
    UPDATE ... WHERE times_used < usage_limit (which a CHECK constraint backs). Raises
    voucher_used_up, voucher_limit_per_customer (and the date rules of check_voucher).
    Redeeming again for the same order returns the first redemption."""
    email = _email(email)
    with transaction.atomic():
        voucher = Voucher.objects.select_for_update().filter(pk=voucher_id).first()
        if voucher is None:
            raise VoucherNotFound("No such voucher.")
        if order_reference:
            done = VoucherRedemption.objects.filter(
                voucher=voucher, order_reference=order_reference
            ).first()
            if done is not None:
                return done
        _check_window(voucher, timezone.now())
        if voucher.usage_limit_per_customer is not None and not (user_id or email):
            raise InvalidInput(
                "This voucher is limited per customer: an email is needed.",
                code="email_required",
                field="email",
            )
        _check_customer(voucher, user_id, email)
        counted = (
            Voucher.objects.filter(pk=voucher.pk)
            .filter(Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
            .update(times_used=F("times_used") + 1)
        )
        if not counted:
            raise VoucherUsedUp("The voucher has been used up.")
        return VoucherRedemption.objects.create(
            voucher=voucher, user_id=user_id, email=email, order_reference=order_reference
        )
