"""Promotions: made, changed and deleted by staff (audit logged)."""

from typing import Any

from django.db import transaction

from mercato.audit.services import Actor, record_change, snapshot
from mercato.catalog.models import Category, Collection, Product
from mercato.core.errors import InvalidInput
from mercato.pricing.models import (
    Promotion,
)
from mercato.pricing.services.checks import (
    check_flag,
    check_window,
    clean_currency,
    clean_discount_value,
    existing_ids,
)

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
    promotion.value = clean_discount_value(promotion.kind, promotion.value)
    promotion.currency = clean_currency(promotion.currency)
    promotion.is_active = check_flag(promotion.is_active, "is_active")
    check_window(promotion.starts_at, promotion.ends_at)
    return {
        m2m: existing_ids(model, changes[key], code=code, field=key)
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
