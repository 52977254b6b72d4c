"""Vouchers: made, changed and deleted by staff (audit logged), and the voucher rules of a
checkout: `check_voucher` (may this cart use the code?) and `redeem_voucher` (count one
use, safe under concurrency)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Model, ProtectedError, Q
from django.utils import timezone

from mercato.audit.services import Actor, snapshot
from mercato.catalog.models import Category, Product
from mercato.core.errors import Conflict, InvalidInput
from mercato.core.inputs import UNSET, Unset
from mercato.pricing.errors import InUse, VoucherNotFound, VoucherNotUsable, VoucherUsedUp
from mercato.pricing.models import (
    Voucher,
    VoucherRedemption,
)
from mercato.pricing.services.checks import (
    CODE_PATTERN,
    Amount,
    Details,
    apply_changes,
    check_window,
    clean_amount,
    clean_currency,
    clean_discount_value,
    clean_targets,
    delete_logged,
    locked,
    normalize_code,
    normalize_email,
    set_targets,
)

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


VOUCHER_TARGETS: dict[str, tuple[str, type[Model], str]] = {
    "product_ids": ("products", Product, "unknown_product"),
    "category_ids": ("categories", Category, "unknown_category"),
}


@dataclass(frozen=True)
class VoucherDetails(Details):
    """A voucher to make, or the changes to one: a field left UNSET stays as it is (a new
    voucher takes the model's default). The targets are primary keys."""

    code: str | Unset = UNSET
    name: str | Unset = UNSET
    kind: str | Unset = UNSET
    value: Amount | Unset = UNSET
    currency: str | Unset = UNSET
    applies_to: str | Unset = UNSET
    min_subtotal: Amount | Unset = UNSET
    min_quantity: int | Unset = UNSET
    starts_at: datetime | Unset = UNSET
    ends_at: datetime | Unset | None = UNSET
    usage_limit: int | Unset | None = UNSET
    usage_limit_per_customer: int | Unset | None = UNSET
    combine_with_promotions: bool | Unset = UNSET
    is_active: bool | Unset = UNSET
    product_ids: Sequence[int] | Unset = UNSET
    category_ids: Sequence[int] | Unset = UNSET


def _limit(value: int | None, field: str) -> int | None:
    if value is None:
        return None
    if value < 1:
        raise InvalidInput(
            "A limit is a whole number of 1 or more (empty: none).",
            code="invalid_limit",
            field=field,
        )
    return value


def clean_voucher(voucher: Voucher, details: VoucherDetails) -> dict[str, list[int]]:
    """Apply `details` to an unsaved voucher and check it (the back office checks its form
    with this too). Returns the targets to set: {m2m name: [pk]}."""
    changes = details.given()
    apply_changes(voucher, changes, VOUCHER_FIELDS)
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
    voucher.value = clean_discount_value(voucher.kind, voucher.value)
    voucher.currency = clean_currency(voucher.currency)
    voucher.min_subtotal = clean_amount(voucher.min_subtotal, "min_subtotal")
    if not 0 <= voucher.min_quantity <= 1_000_000:
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
    check_window(voucher.starts_at, voucher.ends_at)
    targets = clean_targets(changes, VOUCHER_TARGETS)
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


def _save_voucher(actor: Actor, voucher: Voucher, details: VoucherDetails) -> Voucher:
    creating = voucher.pk is None
    before = None if creating else snapshot(voucher)
    targets = clean_voucher(voucher, details)
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
    set_targets(voucher, targets, actor=actor, before=before)
    return voucher


def create_voucher(*, actor: Actor, details: VoucherDetails) -> Voucher:
    """A voucher from `details` (code and kind are required)."""
    with transaction.atomic():
        return _save_voucher(actor, Voucher(), details)


def update_voucher(*, actor: Actor, voucher: Voucher, details: VoucherDetails) -> Voucher:
    with transaction.atomic():
        return _save_voucher(actor, locked(voucher), details)


def delete_voucher(*, actor: Actor, voucher: Voucher) -> None:
    """Delete a voucher nobody used (a used one is kept for its orders: deactivate it)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                delete_logged(voucher, actor=actor)
        except ProtectedError as exc:
            raise InUse("The voucher has been used; deactivate it instead.") from exc


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
    _check_customer(voucher, user_id, normalize_email(email))
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
    email = normalize_email(email)
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
