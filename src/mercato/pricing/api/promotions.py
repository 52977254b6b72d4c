"""Promotions: sales on products, categories and collections, without a code."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query
from ninja.responses import Status

from mercato.core.pagination import paginate
from mercato.pricing import selectors, services
from mercato.pricing.api.common import actor, admin, resolve_targets, running
from mercato.pricing.models import Promotion
from mercato.pricing.schemas import (
    DiscountFilters,
    PromotionIn,
    PromotionOut,
    PromotionPage,
    PromotionPatch,
)

promotions_admin = admin.resource("pricing.promotion")


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
        "is_running": running(promotion),
        "products": [p.public_id for p in promotion.products.all()],
        "categories": [c.public_id for c in promotion.categories.all()],
        "collections": [c.public_id for c in promotion.collections.all()],
        "created_at": promotion.created_at,
        "updated_at": promotion.updated_at,
    }


@promotions_admin.read("/pricing/promotions", out=PromotionPage, errors=(422,))
def list_promotions(request: HttpRequest, filters: Query[DiscountFilters]) -> dict[str, Any]:
    promotions = selectors.list_promotions(search=filters.search, running=filters.running)
    return paginate(promotions, params=filters, transform=_promotion_out)


@promotions_admin.create("/pricing/promotions", out=PromotionOut)
def create_promotion(request: HttpRequest, payload: PromotionIn) -> Status[dict[str, Any]]:
    """A sale on products, categories (with their subcategories) and collections."""
    details = services.PromotionDetails(**resolve_targets(payload.dict(exclude_none=True)))
    promotion = services.create_promotion(actor=actor(request), details=details)
    return Status(201, _promotion_out(selectors.get_promotion(public_id=promotion.public_id)))


@promotions_admin.read("/pricing/promotions/{promotion_id}", out=PromotionOut, errors=(404,))
def get_promotion(request: HttpRequest, promotion_id: UUID) -> dict[str, Any]:
    return _promotion_out(selectors.get_promotion(public_id=promotion_id))


@promotions_admin.update("/pricing/promotions/{promotion_id}", out=PromotionOut)
def update_promotion(
    request: HttpRequest, promotion_id: UUID, payload: PromotionPatch
) -> dict[str, Any]:
    promotion = selectors.get_promotion(public_id=promotion_id)
    details = services.PromotionDetails(**resolve_targets(payload.dict(exclude_unset=True)))
    services.update_promotion(actor=actor(request), promotion=promotion, details=details)
    return _promotion_out(selectors.get_promotion(public_id=promotion_id))


@promotions_admin.delete("/pricing/promotions/{promotion_id}")
def delete_promotion(request: HttpRequest, promotion_id: UUID) -> None:
    services.delete_promotion(
        actor=actor(request), promotion=selectors.get_promotion(public_id=promotion_id)
    )
