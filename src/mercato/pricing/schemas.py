from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from mercato.core.money import Money
from mercato.core.pagination import PageParams
from mercato.core.schemas import AmountInput, InputSchema, IsoDateTime, PatchSchema, unset

NumberIn = AmountInput  # checked by the services
Ids = list[UUID]
PromotionKind = Literal["percentage", "fixed"]
VoucherKind = Literal["percentage", "fixed", "free_shipping"]
AppliesTo = Literal["order", "specific"]
Limit = Field(None, ge=1, le=100_000_000)


# --- tax ------------------------------------------------------------------------------------


class TaxClassIn(InputSchema):
    slug: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=100)


class TaxClassPatch(InputSchema):
    name: str = Field(min_length=1, max_length=100)


class TaxClassOut(Schema):
    slug: str
    name: str


class TaxRateIn(InputSchema):
    tax_class: str = Field(min_length=1, max_length=50, description="tax class slug")
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    rate: NumberIn = Field(description="A fraction: 0.19 is 19 %.")


class TaxRatePatch(InputSchema):
    rate: NumberIn = Field(description="A fraction: 0.19 is 19 %.")


class TaxRateOut(Schema):
    id: UUID
    tax_class: str
    country: str
    rate: str


class TaxRateFilters(Schema):
    country: str = Field("", max_length=2)
    tax_class: str = Field("", max_length=50)


class TaxSettingsPatch(PatchSchema):
    prices_include_tax: StrictBool = unset()
    tax_shipping: StrictBool = unset()
    shipping_tax_class: str | None = Field(
        None, max_length=50, description="tax class slug; null: standard"
    )
    origin_country: str = unset(min_length=2, max_length=2)
    oss_threshold_exceeded: StrictBool = unset()
    reverse_charge_requires_destination_country: StrictBool = unset()


class TaxSettingsOut(Schema):
    prices_include_tax: bool
    tax_shipping: bool
    shipping_tax_class: str | None
    origin_country: str
    oss_threshold_exceeded: bool
    reverse_charge_requires_destination_country: bool = Field(
        description="Reverse charge only for a VAT number of the destination country."
    )


class ProductTypeTaxClassIn(InputSchema):
    tax_class: str | None = Field(max_length=50, description="tax class slug; null: standard")


class ProductTypeTaxClassOut(Schema):
    product_type: UUID
    tax_class: str


# --- promotions -----------------------------------------------------------------------------


class PromotionIn(InputSchema):
    name: str = Field(min_length=1, max_length=200)
    kind: PromotionKind
    value: NumberIn = Field(description="Percent (0-100) or an amount off each unit.")
    currency: str | None = Field(None, min_length=3, max_length=3, description="Of an amount.")
    starts_at: IsoDateTime | None = Field(None, description="Default: now.")
    ends_at: IsoDateTime | None = None
    is_active: StrictBool = True
    products: Ids = Field(default_factory=list, max_length=1000)
    categories: Ids = Field(default_factory=list, max_length=1000)
    collections: Ids = Field(default_factory=list, max_length=1000)


class PromotionPatch(PatchSchema):
    name: str = unset(min_length=1, max_length=200)
    kind: PromotionKind = unset()
    value: NumberIn = unset()
    currency: str = unset(min_length=3, max_length=3)
    starts_at: IsoDateTime = unset()
    ends_at: IsoDateTime | None = None
    is_active: StrictBool = unset()
    products: Ids = unset(max_length=1000)
    categories: Ids = unset(max_length=1000)
    collections: Ids = unset(max_length=1000)


class PromotionOut(Schema):
    id: UUID
    name: str
    kind: str
    value: str
    currency: str
    starts_at: datetime
    ends_at: datetime | None
    is_active: bool
    is_running: bool
    products: Ids
    categories: Ids
    collections: Ids
    created_at: datetime
    updated_at: datetime


class PromotionPage(Schema):
    items: list[PromotionOut]
    next: str | None


class DiscountFilters(PageParams):
    search: str = Field("", max_length=100)
    running: bool | None = Field(None, description="Only those running now (or only not).")


# --- vouchers -------------------------------------------------------------------------------


class VoucherIn(InputSchema):
    code: str = Field(min_length=1, max_length=50)
    name: str = Field("", max_length=200)
    kind: VoucherKind
    value: NumberIn = Field(0, description="Percent (0-100) or an amount; unused for shipping.")
    currency: str | None = Field(None, min_length=3, max_length=3)
    applies_to: AppliesTo = "order"
    products: Ids = Field(default_factory=list, max_length=1000)
    categories: Ids = Field(default_factory=list, max_length=1000)
    min_subtotal: NumberIn = 0
    min_quantity: StrictInt = Field(0, ge=0, le=1_000_000)
    starts_at: IsoDateTime | None = Field(None, description="Default: now.")
    ends_at: IsoDateTime | None = None
    usage_limit: StrictInt | None = Limit
    usage_limit_per_customer: StrictInt | None = Limit
    combine_with_promotions: StrictBool = True
    is_active: StrictBool = True


class VoucherPatch(PatchSchema):
    code: str = unset(min_length=1, max_length=50)
    name: str = unset(max_length=200)
    kind: VoucherKind = unset()
    value: NumberIn = unset()
    currency: str = unset(min_length=3, max_length=3)
    applies_to: AppliesTo = unset()
    products: Ids = unset(max_length=1000)
    categories: Ids = unset(max_length=1000)
    min_subtotal: NumberIn = unset()
    min_quantity: StrictInt = unset(ge=0, le=1_000_000)
    starts_at: IsoDateTime = unset()
    ends_at: IsoDateTime | None = None
    usage_limit: StrictInt | None = Limit
    usage_limit_per_customer: StrictInt | None = Limit
    combine_with_promotions: StrictBool = unset()
    is_active: StrictBool = unset()


class VoucherOut(Schema):
    id: UUID
    code: str
    name: str
    kind: str
    value: str
    currency: str
    applies_to: str
    products: Ids
    categories: Ids
    min_subtotal: Money
    min_quantity: int
    starts_at: datetime
    ends_at: datetime | None
    usage_limit: int | None
    usage_limit_per_customer: int | None
    times_used: int
    combine_with_promotions: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


class VoucherPage(Schema):
    items: list[VoucherOut]
    next: str | None


class RedemptionOut(Schema):
    email: str
    order_reference: str
    created_at: datetime


class RedemptionPage(Schema):
    items: list[RedemptionOut]
    next: str | None


# --- store ----------------------------------------------------------------------------------


class VatNumberIn(InputSchema):
    number: str = Field(min_length=1, max_length=40)


class VatNumberOut(Schema):
    valid: bool
    country: str | None = Field(description="ISO 3166-1 code (GR for Greece).")
    normalized: str | None = Field(description="Prefix and number, e.g. EL123456789.")
