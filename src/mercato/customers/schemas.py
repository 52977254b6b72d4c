from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import EmailStr, Field, StrictBool

from mercato.accounts.schemas import Password
from mercato.core.schemas import InputSchema, PatchSchema, unset

Name = Field(min_length=1, max_length=150)
PHONE_PATTERN = r"^[0-9+()./ -]*$"


class _AccountOut(Schema):
    """What the profile and the back office's customer views both show first."""

    id: UUID = Field(alias="public_id")
    email: str
    first_name: str
    last_name: str
    phone: str
    email_verified: bool = Field(alias="is_email_verified")


class ProfileOut(_AccountOut):
    marketing_opt_in: bool
    date_joined: datetime


class ProfilePatch(PatchSchema):
    first_name: str = unset(max_length=150)
    last_name: str = unset(max_length=150)
    phone: str = unset(max_length=32, pattern=PHONE_PATTERN)
    marketing_opt_in: StrictBool = unset()
    email: EmailStr = unset(max_length=254)
    current_password: Password = unset(description="Needed to change the email.")


class EmailChangeIn(InputSchema):
    email: EmailStr = Field(max_length=254, description="The new address; it must confirm.")


class EraseIn(InputSchema):
    password: Password


class CustomerAddressIn(InputSchema):
    first_name: str = Name
    last_name: str = Name
    company: str = Field("", max_length=150)
    line1: str = Field(min_length=1, max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. DE.")
    phone: str = Field("", max_length=32, pattern=PHONE_PATTERN)
    is_default_shipping: StrictBool = False
    is_default_billing: StrictBool = False


class AddressPatch(PatchSchema):
    first_name: str = unset(min_length=1, max_length=150)
    last_name: str = unset(min_length=1, max_length=150)
    company: str = unset(max_length=150)
    line1: str = unset(min_length=1, max_length=200)
    line2: str = unset(max_length=200)
    city: str = unset(min_length=1, max_length=100)
    region: str = unset(max_length=100)
    postal_code: str = unset(max_length=20)
    country: str = unset(min_length=2, max_length=2)
    phone: str = unset(max_length=32, pattern=PHONE_PATTERN)
    is_default_shipping: StrictBool = unset()
    is_default_billing: StrictBool = unset()


class AddressOut(Schema):
    id: UUID = Field(alias="public_id")
    first_name: str
    last_name: str
    company: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str
    is_default_shipping: bool
    is_default_billing: bool
    created_at: datetime
    updated_at: datetime


class AddressPage(Schema):
    items: list[AddressOut]
    next: str | None


class CustomerOut(_AccountOut):
    is_active: bool
    date_joined: datetime
    last_login: datetime | None


class CustomerListItem(CustomerOut):
    address_count: int


class CustomerPage(Schema):
    items: list[CustomerListItem]
    next: str | None


class CustomerDetailOut(CustomerOut):
    marketing_opt_in: bool
    addresses: list[AddressOut]
