from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from mercato.core.money import Money
from mercato.core.schemas import AmountInput, InputSchema, PatchSchema, unset
from mercato.shipping.models import MAX_AMOUNT, MAX_WEIGHT_GRAMS
from mercato.shipping.services import MAX_BRACKETS

AmountIn = AmountInput  # checked by the services
BracketValueIn = AmountInput  # grams for weight methods, money for order_value ones


# --- store ----------------------------------------------------------------------------------


class AvailableMethodsParams(Schema):
    country: str = Field(max_length=100, description="ISO 3166-1 alpha-2 code of the address.")
    weight_grams: int = Field(ge=0, le=MAX_WEIGHT_GRAMS, description="The parcel's weight.")
    subtotal: Decimal = Field(
        ge=0, le=MAX_AMOUNT, description="The order value free shipping and brackets look at."
    )


class AvailableMethodOut(Schema):
    id: UUID
    name: str
    description: str
    price: Money = Field(description="Before tax; 0.00 when the order ships free.")
    min_delivery_days: int | None
    max_delivery_days: int | None


# --- admin ----------------------------------------------------------------------------------


class ZoneIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    countries: list[str] = Field(default_factory=list, max_length=300)
    is_active: StrictBool = True


class ZonePatch(PatchSchema):
    name: str = unset(min_length=1, max_length=100)
    countries: list[str] = unset(max_length=300)
    is_active: StrictBool = unset()


class RateIn(InputSchema):
    min_value: BracketValueIn = Field(description="Inclusive: grams, or money for order_value.")
    max_value: BracketValueIn | None = Field(None, description="Exclusive; null: open-ended.")
    price: AmountIn


class MethodLimits(InputSchema):
    """A method's limits and delivery estimate, in a new method and in a change (null: none)."""

    min_weight_grams: StrictInt | None = None
    max_weight_grams: StrictInt | None = None
    min_order_value: AmountIn | None = None
    max_order_value: AmountIn | None = None
    min_delivery_days: StrictInt | None = None
    max_delivery_days: StrictInt | None = None


class MethodIn(MethodLimits):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    kind: str = Field("flat", max_length=20, description="flat, weight or order_value")
    price: AmountIn = Field("0", description="The price of a flat method.")
    currency: str | None = Field(None, max_length=3, description="Default: the shop currency.")
    free_above: AmountIn | None = Field(None, description="Free from this subtotal (inclusive).")
    tax_class_slug: str = Field("", max_length=100)
    is_active: StrictBool = True
    sort_order: StrictInt = 0
    rates: list[RateIn] = Field(
        default_factory=list,
        max_length=MAX_BRACKETS,
        description="The brackets of a weight or order_value method (none for flat).",
    )


class MethodPatch(MethodLimits, PatchSchema):
    zone_id: UUID = unset(description="Move the method to another zone.")
    name: str = unset(min_length=1, max_length=100)
    description: str = unset(max_length=2000)
    kind: str = unset(max_length=20)
    price: AmountIn = unset()
    currency: str = unset(max_length=3)
    free_above: AmountIn | None = None
    tax_class_slug: str = unset(max_length=100)
    is_active: StrictBool = unset()
    sort_order: StrictInt = unset()
    rates: list[RateIn] = unset(
        max_length=MAX_BRACKETS, description="Replaces every bracket; omit to keep them."
    )


class RateOut(Schema):
    min_value: int | str = Field(description="Grams (weight) or an amount (order_value).")
    max_value: int | str | None
    price: Money


class MethodOut(Schema):
    id: UUID
    zone_id: UUID
    name: str
    description: str
    kind: str
    price: Money
    free_above: Money | None
    min_weight_grams: int | None
    max_weight_grams: int | None
    min_order_value: Money | None
    max_order_value: Money | None
    min_delivery_days: int | None
    max_delivery_days: int | None
    tax_class_slug: str
    is_active: bool
    sort_order: int
    rates: list[RateOut]


class ZoneOut(Schema):
    id: UUID
    name: str
    countries: list[str]
    is_active: bool
    methods: list[MethodOut]
