import smtplib

from django.core.mail.backends.base import BaseEmailBackend
from django_tasks_db.models import DBTaskResult

from mercato.accounts.tasks import send_account_email
from mercato.core.emails import MAX_ATTEMPTS
from mercato.core.models import EmailMessageLog
from tests.support import run_tasks

FAILS = []


class DownRelay(BaseEmailBackend):
    """Stands in for an SMTP relay that is down (outside the machine)."""

    def send_messages(self, messages):
        FAILS.append(len(messages))
        raise smtplib.SMTPServerDisconnected("relay down")


def test_a_failed_send_is_retried_later(settings, customer):
    settings.EMAIL_BACKEND = "mercato.accounts.tests.test_email_retry.DownRelay"
    FAILS.clear()
    send_account_email.enqueue(user_id=customer.pk, kind="password_changed")

    run_tasks()

    assert FAILS == [1]
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after is not None
    assert not EmailMessageLog.objects.exists()


def test_the_last_attempt_fails_the_task(settings, customer):
    settings.EMAIL_BACKEND = "mercato.accounts.tests.test_email_retry.DownRelay"
    send_account_email.enqueue(user_id=customer.pk, kind="password_changed", attempt=MAX_ATTEMPTS)

    run_tasks()

    assert DBTaskResult.objects.get().status == "FAILED"
    assert not DBTaskResult.objects.filter(status="READY").exists()
