from uuid import UUID

from django.db.models import Count, Q, QuerySet

from mercato.accounts.models import User
from mercato.core.errors import NotFound
from mercato.customers.models import Address


def list_addresses(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def get_address(*, user: User, public_id: UUID) -> Address:
    """The customer's own address; another customer's id is simply not found."""
    address = Address.objects.filter(user=user, public_id=public_id).first()
    if address is None:
        raise NotFound("No such address.", code="address_not_found")
    return address


def list_customers(*, search: str = "") -> QuerySet[User]:
    customers = User.objects.filter(is_staff=False, erased_at__isnull=True).annotate(
        address_count=Count("addresses")
    )
    if search:
        customers = customers.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(phone__icontains=search)
        )
    return customers


def get_customer(*, public_id: UUID) -> User:
    customer = (
        User.objects.filter(public_id=public_id, is_staff=False)
        .prefetch_related("addresses")
        .first()
    )
    if customer is None:
        raise NotFound("No such customer.", code="customer_not_found")
    return customer
