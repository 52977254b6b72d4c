"""Pricing test data, built through the services (catalog with actor=SYSTEM)."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from mercato.pricing import services
from mercato.pricing.eu_vat import load_eu_vat
from mercato.pricing.models import (
    ProductTypeTaxClass,
    Promotion,
    TaxClass,
    TaxRate,
    TaxSettings,
    Voucher,
    VoucherRedemption,
)
from mercato.pricing.pipeline import LineInput, PricingInput, TaxRules

PRICING_MODELS = [
    TaxClass,
    TaxRate,
    TaxSettings,
    ProductTypeTaxClass,
    Promotion,
    Promotion.products.through,
    Promotion.categories.through,
    Promotion.collections.through,
    Voucher,
    Voucher.products.through,
    Voucher.categories.through,
    VoucherRedemption,
    AuditLogEntry,
]

DE_FR_RATES = {
    ("standard", "DE"): Decimal("0.19"),
    ("reduced", "DE"): Decimal("0.07"),
    ("zero", "DE"): Decimal("0"),
    ("standard", "FR"): Decimal("0.20"),
    ("reduced", "FR"): Decimal("0.055"),
    ("standard", "AT"): Decimal("0.20"),
}


def D(value: str) -> Decimal:
    return Decimal(value)


def pricing_state() -> dict[str, list[tuple]]:
    """Every pricing row and the audit log: equal before and after a refused change."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in PRICING_MODELS
    }


def rules(**kwargs: Any) -> TaxRules:
    return TaxRules(**{"origin_country": "DE", "rates": DE_FR_RATES, **kwargs})


def line(key: str, price: str, quantity: int = 1, product_id: int = 1, **kwargs: Any) -> LineInput:
    return LineInput(
        key=key, quantity=quantity, unit_price=Decimal(price), product_id=product_id, **kwargs
    )


def cart(*lines: LineInput, tax: TaxRules | None = None, **kwargs: Any) -> PricingInput:
    return PricingInput(currency="EUR", lines=tuple(lines), tax=tax or rules(), **kwargs)


def make_promotion(**data: Any) -> Promotion:
    return services.create_promotion(
        actor=SYSTEM,
        details=services.PromotionDetails(
            **{"name": "Sale", "kind": "percentage", "value": "10", **data}
        ),
    )


def make_voucher(code: str = "SAVE10", **data: Any) -> Voucher:
    return services.create_voucher(
        actor=SYSTEM,
        details=services.VoucherDetails(
            **{"code": code, "kind": "percentage", "value": "10", **data}
        ),
    )


def ago(**kwargs: Any):
    return timezone.now() - timedelta(**kwargs)


def later(**kwargs: Any):
    return timezone.now() + timedelta(**kwargs)


@pytest.fixture
def eu_vat(db) -> None:
    """The example EU data of the migration (a transactional test elsewhere may have flushed
    it from a reused test database)."""
    load_eu_vat(apps)
