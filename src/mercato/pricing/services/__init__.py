"""Pricing: every change to tax classes, rates and settings (`tax`), promotions
(`promotions`) and vouchers (`vouchers`), each audit logged, and the voucher rules of a
checkout: `check_voucher` (may this cart use the code?) and `redeem_voucher` (count one use,
safe under concurrency). The checks they share are in `checks`. Changes come in frozen
dataclasses (PromotionDetails, VoucherDetails, TaxSettingsDetails) whose fields left UNSET
stay as they are.

Totals are not computed here: see `pricing.pipeline.price_cart`.
"""

from mercato.core.inputs import UNSET, Unset
from mercato.pricing.services.checks import (
    clean_country,
    clean_rate,
    normalize_code,
)
from mercato.pricing.services.promotions import (
    PROMOTION_FIELDS,
    PROMOTION_TARGETS,
    PromotionDetails,
    clean_promotion,
    create_promotion,
    delete_promotion,
    update_promotion,
)
from mercato.pricing.services.tax import (
    TAX_SETTINGS_FIELDS,
    TaxSettingsDetails,
    create_tax_class,
    create_tax_rate,
    delete_tax_class,
    delete_tax_rate,
    ensure_tax_settings,
    set_product_type_tax_class,
    update_tax_class,
    update_tax_rate,
    update_tax_settings,
)
from mercato.pricing.services.vouchers import (
    VOUCHER_FIELDS,
    VOUCHER_TARGETS,
    VoucherDetails,
    check_voucher,
    clean_voucher,
    create_voucher,
    delete_voucher,
    redeem_voucher,
    update_voucher,
)

__all__ = [
    "PROMOTION_FIELDS",
    "PROMOTION_TARGETS",
    "TAX_SETTINGS_FIELDS",
    "UNSET",
    "VOUCHER_FIELDS",
    "VOUCHER_TARGETS",
    "PromotionDetails",
    "TaxSettingsDetails",
    "Unset",
    "VoucherDetails",
    "check_voucher",
    "clean_country",
    "clean_promotion",
    "clean_rate",
    "clean_voucher",
    "create_promotion",
    "create_tax_class",
    "create_tax_rate",
    "create_voucher",
    "delete_promotion",
    "delete_tax_class",
    "delete_tax_rate",
    "delete_voucher",
    "ensure_tax_settings",
    "normalize_code",
    "redeem_voucher",
    "set_product_type_tax_class",
    "update_promotion",
    "update_tax_class",
    "update_tax_rate",
    "update_tax_settings",
    "update_voucher",
]
