"""Customers: the address book and the account's personal data (export and erasure)."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from mercato.accounts.models import User
from mercato.accounts.services import verify_current_password
from mercato.core.addresses import ADDRESS_FIELDS, clean_address
from mercato.core.errors import InvalidInput
from mercato.core.events import record_event
from mercato.core.gdpr import erase_personal_data, export_personal_data
from mercato.customers.models import Address

MAX_ADDRESSES = 50
DEFAULT_FLAGS = ("is_default_shipping", "is_default_billing")


def _clean_address(data: dict[str, Any], current: Address | None = None) -> dict[str, Any]:
    """Flags as given; the address fields checked as a whole (an update is checked together
    with the fields it keeps) by the shared rules of mercato.core.addresses."""
    flags = {name: data.pop(name) for name in DEFAULT_FLAGS if name in data}
    unknown = set(data) - set(ADDRESS_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    kept = {name: getattr(current, name) for name in ADDRESS_FIELDS} if current else {}
    return {**clean_address({**kept, **data}), **flags}


def take_defaults(*, address: Address, data: dict[str, Any]) -> None:
    """Clear the other default flags of the customer before this address takes them (the
    back office calls it too, for its address inline)."""
    others = Address.objects.filter(user_id=address.user_id).exclude(pk=address.pk)
    if data.get("is_default_shipping"):
        others.filter(is_default_shipping=True).update(is_default_shipping=False)
    if data.get("is_default_billing"):
        others.filter(is_default_billing=True).update(is_default_billing=False)


def create_address(*, user: User, data: dict[str, Any]) -> Address:
    """Add an address. The customer's first address becomes both defaults."""
    data = _clean_address(dict(data))
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
        address.full_clean(exclude=["user"])
        take_defaults(address=address, data=data)
        address.save()
    return address


def update_address(*, address: Address, data: dict[str, Any]) -> Address:
    with transaction.atomic():
        address = Address.objects.select_for_update().get(pk=address.pk)
        data = _clean_address(dict(data), current=address)
        for name, value in data.items():
            setattr(address, name, value)
        address.full_clean(exclude=["user"])
        take_defaults(address=address, data=data)
        address.save()
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
