"""What customer support may do to a customer's sign-in: never set the password or the email
(that would let whoever talks a support agent round take the account over), only

- send the customer the normal password reset email (the customer chooses the new password);
- ask for an email change, which happens only when the new address follows the link sent to
  it; the current address is told at once, and again when the change is made.

The admin API (/api/admin/customers/{id}/…) and the back office call these functions; see
docs/decisions/0008-support-cannot-set-customer-credentials.md.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from mercato.accounts.errors import EmailTaken, InvalidToken
from mercato.accounts.models import User
from mercato.accounts.selectors import lock_user_for_link
from mercato.accounts.tokens import email_digest, read_email_change_token
from mercato.audit.services import Actor, record_action, record_change
from mercato.core import ratelimit
from mercato.core.errors import Conflict, InvalidInput
from mercato.core.events import record_event

# sends per window (seconds): per customer, so nobody floods a mailbox, and per staff
# member or app, so a stolen staff token cannot mail the whole customer list
SUPPORT_LIMITS = {"customer": (3, 3600), "actor": (30, 3600)}


def _check_customer(customer: User) -> None:
    if customer.is_staff:
        raise InvalidInput(
            "This is a staff account; customer support does not handle it.", code="not_a_customer"
        )
    if not customer.is_active or customer.erased_at is not None:
        raise Conflict(
            "The account is deactivated: it receives no emails and cannot sign in.",
            code="customer_inactive",
        )


def _limit(scope: str, *, customer: User, actor: Actor) -> None:
    per_customer, per_actor = SUPPORT_LIMITS["customer"], SUPPORT_LIMITS["actor"]
    ratelimit.hit(
        f"{scope}:customer", str(customer.public_id), limit=per_customer[0], window=per_customer[1]
    )
    who = f"app:{actor.app_id}" if actor.app_id else f"user:{actor.user_id}"
    ratelimit.hit(f"{scope}:actor", who, limit=per_actor[0], window=per_actor[1])


def send_password_reset(*, customer: User, actor: Actor) -> None:
    """Email the customer the password reset link they would get by asking themselves (the
    same token and email). Staff never see or choose the password."""
    _check_customer(customer)
    _limit("support_password_reset", customer=customer, actor=actor)
    with transaction.atomic():
        record_event("customer.password_reset_requested", user_id=customer.pk, by="support")
        record_action(customer, "customer.password_reset_sent", actor=actor)


def request_email_change(*, customer: User, new_email: str, actor: Actor) -> None:
    """Send a confirmation link to `new_email`; the email changes only when it is followed
    (confirm_email_change). The current address is told now, and again on the change."""
    new_email = User.objects.normalize_email(new_email)
    _check_customer(customer)
    if new_email == customer.email:
        raise InvalidInput(
            "This already is the customer's email address.", code="email_unchanged", field="email"
        )
    if User.objects.filter(email=new_email).exists():
        raise EmailTaken(field="email")
    _limit("support_email_change", customer=customer, actor=actor)
    with transaction.atomic():
        record_event("customer.email_change_requested", user_id=customer.pk, new_email=new_email)
        record_change(
            actor=actor,
            action="action",
            obj=customer,
            verb="customer.email_change_requested",
            before={"email": customer.email},
            after={"email": customer.email, "requested_email": new_email},
        )


def confirm_email_change(*, token: str, ip: str | None = None) -> User:
    """Apply an email change with the token sent to the new address. The token works once: it
    names the address it replaces, which the change (or any other change) makes stale."""
    claims = read_email_change_token(token)
    invalid = "The confirmation link is not valid or has expired."
    if claims is None:
        raise InvalidToken(invalid)
    public_id, old_digest, new_email = claims
    with transaction.atomic():
        user = lock_user_for_link(public_id, invalid=invalid, is_staff=False)
        if user.email == new_email:
            raise InvalidToken("This link was already used.", code="token_used")
        if email_digest(user.email) != old_digest:
            raise InvalidToken("The account's email has changed since this link was sent.")
        old_email = user.email
        user.email = new_email
        user.email_verified_at = timezone.now()  # following the link proved the address
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "email_verified_at", "updated_at"])
        except IntegrityError as exc:  # another account took the address meanwhile
            raise EmailTaken() from exc
        record_event("customer.email_changed", user_id=user.pk, old_email=old_email)
        record_change(
            actor=Actor(user_id=user.pk, label=new_email, ip=ip, source="store_api"),
            action="update",
            obj=user,
            verb="customer.email_change_confirmed",
            before={"email": old_email},
            after={"email": new_email},
        )
    return user
