"""Customers: the address book and the account's personal data (export and erasure)."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from mercato.accounts.models import User
from mercato.accounts.services import verify_current_password
from mercato.core.addresses import ADDRESS_FIELDS, clean_address
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event
from mercato.core.gdpr import erase_personal_data, export_personal_data
from mercato.core.inputs import UNSET, Changes, Unset
from mercato.customers.models import Address

MAX_ADDRESSES = 50
DEFAULT_FLAGS = ("is_default_shipping", "is_default_billing")


@dataclass(frozen=True, kw_only=True)
class AddressChanges(Changes):
    """An address to add, or the fields of one to change: a field left UNSET keeps its value
    (a new address takes the model's default; an unset default flag lets the service
    decide)."""

    first_name: str | Unset = UNSET
    last_name: str | Unset = UNSET
    company: str | Unset = UNSET
    line1: str | Unset = UNSET
    line2: str | Unset = UNSET
    city: str | Unset = UNSET
    region: str | Unset = UNSET
    postal_code: str | Unset = UNSET
    country: str | Unset = UNSET
    phone: str | Unset = UNSET
    is_default_shipping: bool | Unset = UNSET
    is_default_billing: bool | Unset = UNSET


def _clean_address(changes: AddressChanges, current: Address | None = None) -> dict[str, Any]:
    """Flags as given; the address fields checked as a whole (an update is checked together
    with the fields it keeps) by the shared rules of mercato.core.addresses."""
    given = changes.given()
    flags = {name: given.pop(name) for name in DEFAULT_FLAGS if name in given}
    kept = {name: getattr(current, name) for name in ADDRESS_FIELDS} if current else {}
    return {**clean_address({**kept, **given}), **flags}


def take_defaults(*, address: Address, shipping: bool = False, billing: bool = False) -> None:
    """Clear the other default flags of the customer before this address takes the default
    `shipping` and/or `billing` (the back office calls it too, for its address inline)."""
    others = Address.objects.filter(user_id=address.user_id).exclude(pk=address.pk)
    if shipping:
        others.filter(is_default_shipping=True).update(is_default_shipping=False)
    if billing:
        others.filter(is_default_billing=True).update(is_default_billing=False)


def _save(address: Address, data: dict[str, Any]) -> None:
    address.full_clean(exclude=["user"])
    take_defaults(
        address=address,
        shipping=bool(data.get("is_default_shipping")),
        billing=bool(data.get("is_default_billing")),
    )
    address.save()


def create_address(*, user: User, changes: AddressChanges) -> Address:
    """Add an address. The customer's first address becomes both defaults."""
    data = _clean_address(changes)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # serialise per customer
        count = Address.objects.filter(user=user).count()
        if count >= MAX_ADDRESSES:
            raise InvalidInput(
                f"An address book holds at most {MAX_ADDRESSES} addresses.",
                code="address_book_full",
            )
        if count == 0:
            data.setdefault("is_default_shipping", True)
            data.setdefault("is_default_billing", True)
        address = Address(user=user, **data)
        _save(address, data)
    return address


def update_address(*, address: Address, changes: AddressChanges) -> Address:
    with transaction.atomic():
        address = Address.objects.select_for_update().get(pk=address.pk)
        data = _clean_address(changes, current=address)
        for name, value in data.items():
            setattr(address, name, value)
        _save(address, data)
    return address


def delete_address(*, address: Address) -> None:
    Address.objects.filter(pk=address.pk).delete()


def export_customer_data(*, user: User) -> dict[str, Any]:
    """Everything Mercato holds about the customer, app by app."""
    return {"exported_at": timezone.now().isoformat(), **export_personal_data(user)}


def erase_customer(*, user: User, password: str) -> None:
    """Erase the account: personal data is deleted or anonymised by every app, sessions end,
    and the email is free again. Records the law requires (orders) keep their accounting."""
    verify_current_password(user=user, password=password, field="password")
    with transaction.atomic():
        user_id = user.pk
        erase_personal_data(user)
        record_event("customer.erased", user_id=user_id)
