"""Promotions: made, changed and deleted by staff (audit logged)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Model

from mercato.audit.services import Actor, snapshot
from mercato.catalog.models import Category, Collection, Product
from mercato.core.errors import InvalidInput
from mercato.core.inputs import UNSET, Unset
from mercato.pricing.models import (
    Promotion,
)
from mercato.pricing.services.checks import (
    Amount,
    Details,
    apply_changes,
    check_window,
    clean_currency,
    clean_discount_value,
    clean_targets,
    delete_logged,
    locked,
    set_targets,
)

PROMOTION_FIELDS = ("name", "kind", "value", "currency", "starts_at", "ends_at", "is_active")


PROMOTION_TARGETS: dict[str, tuple[str, type[Model], str]] = {
    "product_ids": ("products", Product, "unknown_product"),
    "category_ids": ("categories", Category, "unknown_category"),
    "collection_ids": ("collections", Collection, "unknown_collection"),
}


@dataclass(frozen=True)
class PromotionDetails(Details):
    """A promotion to make, or the changes to one: a field left UNSET stays as it is (a new
    promotion takes the model's default). The targets are primary keys."""

    name: str | Unset = UNSET
    kind: str | Unset = UNSET
    value: Amount | Unset = UNSET
    currency: str | Unset = UNSET
    starts_at: datetime | Unset = UNSET
    ends_at: datetime | Unset | None = UNSET
    is_active: bool | Unset = UNSET
    product_ids: Sequence[int] | Unset = UNSET
    category_ids: Sequence[int] | Unset = UNSET
    collection_ids: Sequence[int] | Unset = UNSET


def clean_promotion(promotion: Promotion, details: PromotionDetails) -> dict[str, list[int]]:
    """Apply `details` to an unsaved promotion and check it (the back office checks its form
    with this too). Returns the targets to set: {m2m name: [pk]}."""
    changes = details.given()
    apply_changes(promotion, changes, PROMOTION_FIELDS)
    promotion.name = (promotion.name or "").strip()
    if not promotion.name:
        raise InvalidInput("A name is required.", field="name")
    if promotion.kind not in Promotion.Kind.values:
        raise InvalidInput(f"Unknown kind {promotion.kind!r}.", field="kind")
    promotion.value = clean_discount_value(promotion.kind, promotion.value)
    promotion.currency = clean_currency(promotion.currency)
    check_window(promotion.starts_at, promotion.ends_at)
    return clean_targets(changes, PROMOTION_TARGETS)


def _save_promotion(actor: Actor, promotion: Promotion, details: PromotionDetails) -> Promotion:
    before = None if promotion.pk is None else snapshot(promotion)
    targets = clean_promotion(promotion, details)
    promotion.save()
    set_targets(promotion, targets, actor=actor, before=before)
    return promotion


def create_promotion(*, actor: Actor, details: PromotionDetails) -> Promotion:
    """A promotion from `details` (name, kind and value are required)."""
    with transaction.atomic():
        return _save_promotion(actor, Promotion(), details)


def update_promotion(*, actor: Actor, promotion: Promotion, details: PromotionDetails) -> Promotion:
    with transaction.atomic():
        return _save_promotion(actor, locked(promotion), details)


def delete_promotion(*, actor: Actor, promotion: Promotion) -> None:
    with transaction.atomic():
        delete_logged(promotion, actor=actor)
