from datetime import timedelta

from django.utils import timezone

from mercato.checkout.models import Cart
from mercato.core.housekeeping import chore

KEEP_CLOSED_CARTS = timedelta(days=90)


@chore("carts_deleted")
def delete_stale_carts() -> int:
    """Expired open carts (their reservations already stopped counting) and merged carts go;
    completed carts stay KEEP_CLOSED_CARTS for support, then go too (the order keeps all)."""
    now = timezone.now()
    expired = Cart.objects.filter(status=Cart.Status.OPEN, expires_at__lt=now)
    merged = Cart.objects.filter(status=Cart.Status.MERGED)
    completed = Cart.objects.filter(
        status=Cart.Status.COMPLETED, updated_at__lt=now - KEEP_CLOSED_CARTS
    )
    return sum(qs.delete()[0] for qs in (expired, merged, completed))
