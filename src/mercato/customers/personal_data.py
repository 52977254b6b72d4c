from mercato.accounts.models import User
from mercato.core.gdpr import personal_data_eraser, personal_data_exporter
from mercato.customers.models import Address
from mercato.customers.services import ADDRESS_FIELDS


@personal_data_exporter("addresses")
def export_addresses(user: User) -> list[dict]:
    return [
        {
            "id": str(address.public_id),
            **{name: getattr(address, name) for name in ADDRESS_FIELDS},
            "is_default_shipping": address.is_default_shipping,
            "is_default_billing": address.is_default_billing,
            "created_at": address.created_at.isoformat(),
        }
        for address in Address.objects.filter(user=user).order_by("created_at", "id")
    ]


@personal_data_eraser("addresses")
def erase_addresses(user: User) -> None:
    Address.objects.filter(user=user).delete()
