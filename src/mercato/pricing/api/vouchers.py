"""Vouchers: discounts a customer redeems with a code, and their redemptions."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query
from ninja.responses import Status

from mercato.core.money import money
from mercato.core.pagination import PageParams, paginate
from mercato.pricing import selectors, services
from mercato.pricing.api.common import actor, admin, resolve_targets
from mercato.pricing.models import Voucher
from mercato.pricing.schemas import (
    DiscountFilters,
    RedemptionPage,
    VoucherIn,
    VoucherOut,
    VoucherPage,
    VoucherPatch,
)

redemptions_admin = admin.resource("pricing.voucherredemption")
vouchers_admin = admin.resource("pricing.voucher")


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


@vouchers_admin.read("/pricing/vouchers", out=VoucherPage, errors=(422,))
def list_vouchers(request: HttpRequest, filters: Query[DiscountFilters]) -> dict[str, Any]:
    vouchers = selectors.list_vouchers(search=filters.search, running=filters.running)
    return paginate(vouchers, params=filters, transform=_voucher_out)


@vouchers_admin.create("/pricing/vouchers", out=VoucherOut, errors=(409, 422))
def create_voucher(request: HttpRequest, payload: VoucherIn) -> Status[dict[str, Any]]:
    details = services.VoucherDetails(**resolve_targets(payload.dict(exclude_none=True)))
    voucher = services.create_voucher(actor=actor(request), details=details)
    return Status(201, _voucher_out(selectors.get_voucher(public_id=voucher.public_id)))


@vouchers_admin.read("/pricing/vouchers/{voucher_id}", out=VoucherOut, errors=(404,))
def get_voucher(request: HttpRequest, voucher_id: UUID) -> dict[str, Any]:
    return _voucher_out(selectors.get_voucher(public_id=voucher_id))


@vouchers_admin.update("/pricing/vouchers/{voucher_id}", out=VoucherOut, errors=(404, 409, 422))
def update_voucher(request: HttpRequest, voucher_id: UUID, payload: VoucherPatch) -> dict[str, Any]:
    voucher = selectors.get_voucher(public_id=voucher_id)
    details = services.VoucherDetails(**resolve_targets(payload.dict(exclude_unset=True)))
    services.update_voucher(actor=actor(request), voucher=voucher, details=details)
    return _voucher_out(selectors.get_voucher(public_id=voucher_id))


@vouchers_admin.delete("/pricing/vouchers/{voucher_id}", errors=(404, 409))
def delete_voucher(request: HttpRequest, voucher_id: UUID) -> None:
    """Delete a voucher nobody has used (deactivate a used one)."""
    services.delete_voucher(
        actor=actor(request), voucher=selectors.get_voucher(public_id=voucher_id)
    )


@redemptions_admin.read(
    "/pricing/vouchers/{voucher_id}/redemptions", out=RedemptionPage, errors=(404, 422)
)
def list_redemptions(
    request: HttpRequest, voucher_id: UUID, params: Query[PageParams]
) -> dict[str, Any]:
    voucher = selectors.get_voucher(public_id=voucher_id)
    return paginate(voucher.redemptions.all(), params=params)
