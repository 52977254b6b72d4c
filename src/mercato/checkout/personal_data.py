"""A customer's carts in the GDPR export, and their deletion on erasure (placed orders are
the Orders app's part)."""

from mercato.accounts.models import User
from mercato.checkout.models import Cart
from mercato.core.gdpr import personal_data_eraser, personal_data_exporter
from mercato.inventory.services import release_reservations


@personal_data_exporter("carts")
def export_carts(user: User) -> list[dict]:
    return [
        {
            "status": cart.status,
            "email": cart.email,
            "shipping_address": cart.shipping_address,
            "billing_address": cart.billing_address,
            "vat_number": cart.vat_number,
            "note": cart.note,
            "lines": [
                {"sku": line.variant.sku, "quantity": line.quantity}
                for line in cart.lines.select_related("variant")
            ],
            "updated_at": cart.updated_at.isoformat(),
        }
        for cart in Cart.objects.filter(user=user).order_by("created_at")
    ]


@personal_data_eraser("carts")
def erase_carts(user: User) -> None:
    for cart in Cart.objects.filter(user=user, status=Cart.Status.OPEN):
        release_reservations(reference=f"cart:{cart.token}")
    Cart.objects.filter(user=user, order__isnull=True).delete()
    Cart.objects.filter(user=user).update(
        email="", shipping_address=None, billing_address=None, vat_number="", note="", user=None
    )
