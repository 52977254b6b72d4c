from functools import partial
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status
from pydantic import Field

from mercato.accounts import services as account_services
from mercato.accounts import support
from mercato.accounts.actors import staff_actor as _actor
from mercato.accounts.authentication import (
    customer_auth,
    signed_in_user,
)
from mercato.accounts.operations import admin_list, admin_operation
from mercato.core.clientip import get_client_ip
from mercato.core.pagination import PageParams, paginate
from mercato.core.schemas import Message, problems
from mercato.customers import selectors, services
from mercato.customers.schemas import (
    AddressOut,
    AddressPage,
    AddressPatch,
    CustomerAddressIn,
    CustomerDetailOut,
    CustomerPage,
    EmailChangeIn,
    EraseIn,
    ProfileOut,
    ProfilePatch,
)

store_router = Router(tags=["store: me"], auth=customer_auth)
admin_router = Router(tags=["admin: customers"])
operation = partial(admin_operation, admin_router)
# what customer support does: an email to the customer, refused where it would be too often
SUPPORT_ACTION: dict[str, Any] = {
    "out": Message,
    "status": 202,
    "errors": (404, 409, 422, 429),
    "permission": "accounts.change_user",
}


@store_router.get("/me", response={200: ProfileOut, **problems(401)})
def get_profile(request: HttpRequest):
    """The signed-in customer's profile."""
    return signed_in_user(request)


@store_router.patch("/me", response={200: ProfileOut, **problems(401, 409, 422)})
def update_profile(request: HttpRequest, payload: ProfilePatch):
    """Change profile fields. A new email needs `current_password` and is verified anew."""
    changes = payload.dict(exclude_unset=True, exclude={"current_password"})
    return account_services.update_profile(
        user=signed_in_user(request),
        changes=account_services.ProfileChanges(**changes),
        current_password=payload.current_password,
        ip=get_client_ip(request),
    )


@store_router.delete("/me", response={204: None, **problems(401, 422)})
def erase_account(request: HttpRequest, payload: EraseIn):
    """Erase the account (GDPR art. 17). Needs the password. Personal data is deleted or
    anonymised at once and every session ends; orders keep their accounting records."""
    services.erase_customer(user=signed_in_user(request), password=payload.password)
    return Status(204, None)


@store_router.get("/me/export", response={200: dict[str, Any], **problems(401)})
def export_personal_data(request: HttpRequest):
    """Everything held about the customer (GDPR art. 15 and 20), as JSON: one section per
    app that keeps personal data (account, addresses, emails_sent, carts, …)."""
    return services.export_customer_data(user=signed_in_user(request))


@store_router.get("/me/addresses", response={200: AddressPage, **problems(401, 422)})
def list_addresses(request: HttpRequest, page: Query[PageParams]):
    return paginate(selectors.list_addresses(user=signed_in_user(request)), params=page)


@store_router.post("/me/addresses", response={201: AddressOut, **problems(401, 422)})
def create_address(request: HttpRequest, payload: CustomerAddressIn):
    """Add an address; the first one becomes the default shipping and billing address."""
    # an unsent default flag lets the service decide
    changes = services.AddressChanges(**payload.dict(exclude_unset=True))
    return Status(201, services.create_address(user=signed_in_user(request), changes=changes))


@store_router.get("/me/addresses/{address_id}", response={200: AddressOut, **problems(401, 404)})
def get_address(request: HttpRequest, address_id: UUID):
    return selectors.get_address(user=signed_in_user(request), public_id=address_id)


@store_router.patch(
    "/me/addresses/{address_id}", response={200: AddressOut, **problems(401, 404, 422)}
)
def update_address(request: HttpRequest, address_id: UUID, payload: AddressPatch):
    """Change fields of an address; `is_default_*: true` moves the default here."""
    address = selectors.get_address(user=signed_in_user(request), public_id=address_id)
    return services.update_address(
        address=address, changes=services.AddressChanges(**payload.dict(exclude_unset=True))
    )


@store_router.delete("/me/addresses/{address_id}", response={204: None, **problems(401, 404)})
def delete_address(request: HttpRequest, address_id: UUID):
    services.delete_address(
        address=selectors.get_address(user=signed_in_user(request), public_id=address_id)
    )
    return Status(204, None)


class CustomerFilters(PageParams):
    search: str = Field("", max_length=100, description="Part of an email, name or phone.")


@admin_list(admin_router, "/customers", page=CustomerPage, permission="accounts.view_user")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]):
    """Customers, newest first, with a search over email, name and phone."""
    return paginate(
        selectors.list_customers(search=filters.search),
        params=filters,
        ordering=("-date_joined", "-id"),
    )


@operation(
    "get",
    "/customers/{customer_id}",
    out=CustomerDetailOut,
    errors=(404,),
    permission="accounts.view_user",
)
def get_customer(request: HttpRequest, customer_id: UUID):
    return selectors.get_customer(public_id=customer_id)


# --- admin: customer support ----------------------------------------------------------------
# Staff never set a customer's password or email (docs/decisions/0008): they send a reset, or
# ask for a change that the new address confirms.


@operation("post", "/customers/{customer_id}/password-reset", **SUPPORT_ACTION)
def send_password_reset(request: HttpRequest, customer_id: UUID):
    """Email the customer the password reset link of `POST /store/auth/password/reset` (the
    same email and token). The customer chooses the new password; nobody else can."""
    support.send_password_reset(
        customer=selectors.get_customer(public_id=customer_id), actor=_actor(request)
    )
    return Status(202, Message(detail="A password reset link is on its way to the customer."))


@operation("post", "/customers/{customer_id}/email-change", **SUPPORT_ACTION)
def request_email_change(request: HttpRequest, customer_id: UUID, payload: EmailChangeIn):
    """Send a confirmation link to the new address. The email changes only when the link is
    followed (`POST /store/auth/email/verify`); the current address is told now and then."""
    support.request_email_change(
        customer=selectors.get_customer(public_id=customer_id),
        new_email=payload.email,
        actor=_actor(request),
    )
    return Status(
        202,
        Message(
            detail="A confirmation link is on its way to the new address; "
            "the email changes when it is followed."
        ),
    )
