"""What the accounts app does when account events happen: it sends the emails."""

from mercato.accounts.tasks import send_account_email
from mercato.core.events import subscriber
from mercato.core.models import Event

EMAIL_FOR_EVENT = {
    "customer.created": "welcome_verify_email",
    "customer.email_verification_requested": "verify_email",
    "customer.duplicate_registration": "account_exists",
    "customer.password_reset_requested": "password_reset",
    "customer.password_changed": "password_changed",
}


@subscriber(*EMAIL_FOR_EVENT)
def send_email_for_event(event: Event) -> None:
    send_account_email.enqueue(user_id=event.payload["user_id"], kind=EMAIL_FOR_EVENT[event.name])


@subscriber("customer.email_changed")
def notify_old_address(event: Event) -> None:
    user_id = event.payload["user_id"]
    send_account_email.enqueue(user_id=user_id, kind="email_changed", to=event.payload["old_email"])
    send_account_email.enqueue(user_id=user_id, kind="verify_email")


@subscriber("customer.email_change_requested")
def ask_new_address_to_confirm(event: Event) -> None:
    """Customer support asked for a new email: the new address gets the link that makes the
    change, the current one a notice (nothing changes unless the link is followed)."""
    user_id = event.payload["user_id"]
    send_account_email.enqueue(
        user_id=user_id, kind="confirm_email_change", to=event.payload["new_email"]
    )
    send_account_email.enqueue(user_id=user_id, kind="email_change_requested")
