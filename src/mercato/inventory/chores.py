from mercato.core.housekeeping import chore
from mercato.inventory.services import delete_expired_reservations


@chore("expired_reservations_deleted")
def expired_reservations() -> int:
    """Expired reservations already stop counting; this only clears the rows away."""
    return delete_expired_reservations()
