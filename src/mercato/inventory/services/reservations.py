"""Reservations: what carts hold. They never hold more than the shelf: when staff cut stock
(or move it to an inactive warehouse, close a warehouse, stop backorders) below what carts
reserved, the oldest live reservations keep their units and the newest give up the rest,
marked `quantity_short` (`reapportion_reservations`). So a unit on the shelf is always
sellable to someone."""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from mercato.core.errors import InvalidInput, NotFound
from mercato.inventory.errors import InsufficientStock
from mercato.inventory.models import Reservation
from mercato.inventory.selectors import (
    Availability,
    availability,
    availability_of_locked,
    reserved_quantities,
)
from mercato.inventory.services.ledger import check_quantity
from mercato.inventory.services.locks import lock_stocks_with_variants, locked_variants


def reserve_stock(
    *, reference: str, lines: list[tuple[int, int]], ttl_seconds: int | None = None
) -> list[Reservation]:
    """Make `reference` (a cart) hold exactly these quantities of these variants, replacing
    what it held of them (and clearing a shortage). Quantity 0 releases. All lines or none:
    an `insufficient_stock` problem names the first variant short."""
    if not reference or len(reference) > 100:
        raise InvalidInput("A reservation needs a reference.", field="reference")
    wanted = {variant_id: check_quantity(q, allow_zero=True) for variant_id, q in lines}
    ttl = ttl_seconds if ttl_seconds is not None else settings.RESERVATION_TTL
    expires = timezone.now() + timedelta(seconds=ttl)
    error: InsufficientStock | NotFound | None = None
    reservations: list[Reservation] = []
    # No savepoint of its own: a refusal is raised after the block, before anything is written,
    # so a caller's transaction stays usable.
    with transaction.atomic(savepoint=False):
        stocks = lock_stocks_with_variants(wanted)
        try:
            variants = locked_variants(stocks, wanted)
        except NotFound as exc:
            variants, error = {}, exc
        reserved = reserved_quantities(wanted, exclude_reference=reference) if variants else {}
        current = availability_of_locked(stocks, variants, reserved)
        if error is None:
            error = _first_short(wanted, current, variants)
        if error is None:
            reservations = _hold(reference, wanted, current, expires)
    if error is not None:
        raise error
    return reservations


def _first_short(
    wanted: dict[int, int], current: dict[int, Availability], variants: dict
) -> InsufficientStock | None:
    """The refusal for the first variant that cannot be sold in the quantity wanted."""
    for variant_id, quantity in wanted.items():
        if quantity and not current[variant_id].can_sell(quantity):
            return InsufficientStock(
                "Not enough stock for this quantity.",
                variant_id=str(variants[variant_id].public_id),
                available=current[variant_id].available,
            )
    return None


def _hold(
    reference: str, wanted: dict[int, int], current: dict[int, Availability], expires
) -> list[Reservation]:
    """Write the reservations of `reference`: tracked lines with a quantity are held."""
    held = {pk: q for pk, q in wanted.items() if q and current[pk].tracked}
    # A live reservation keeps its age (its rank when stock is cut); a lapsed one is replaced
    # by a new one, as are the lines released.
    Reservation.objects.filter(reference=reference, variant_id__in=list(wanted)).filter(
        ~Q(variant_id__in=list(held)) | Q(expires_at__lte=timezone.now())
    ).delete()
    return Reservation.objects.bulk_create(
        [
            Reservation(
                reference=reference,
                variant_id=variant_id,
                quantity=quantity,
                quantity_short=0,
                expires_at=expires,
            )
            for variant_id, quantity in held.items()
        ],
        update_conflicts=True,
        unique_fields=["reference", "variant"],
        update_fields=["quantity", "quantity_short", "expires_at"],
    )


def renew_reservations(*, reference: str, ttl_seconds: int | None = None) -> int:
    """Push the expiry of a cart's reservations forward (the shopper is active). Expired ones
    are not revived: the cart must reserve again."""
    ttl = ttl_seconds if ttl_seconds is not None else settings.RESERVATION_TTL
    now = timezone.now()
    return Reservation.objects.filter(reference=reference, expires_at__gt=now).update(
        expires_at=now + timedelta(seconds=ttl)
    )


def release_reservations(*, reference: str, variant_ids: Iterable[int] | None = None) -> int:
    reservations = Reservation.objects.filter(reference=reference)
    if variant_ids is not None:
        reservations = reservations.filter(variant_id__in=list(variant_ids))
    return reservations.delete()[0]


def delete_expired_reservations() -> int:
    return Reservation.objects.filter(expires_at__lte=timezone.now()).delete()[0]


def reapportion_reservations(variant_ids: Iterable[int]) -> int:
    """Make the live reservations of these variants fit the shelf again (on hand minus
    allocated over the active warehouses), after stock went below what carts reserved.
    Oldest first (by `created_at`, then pk), each keeps what is left of the shelf; the
    newest give up the rest, which they note as `quantity_short`. Variants sold on
    backorder or not tracked are left alone. The caller holds the variants' stock rows
    locked (every change of a reservation's quantity does). Returns units taken back.

    Three queries when nothing is over-reserved (the usual case), two more when it is."""
    ids = sorted(set(variant_ids))
    if not ids:
        return 0
    shelf = {
        pk: max(state.on_hand - state.allocated, 0)
        for pk, state in availability(ids).items()
        if state.tracked
        and not state.backorders
        and state.reserved > state.on_hand - state.allocated
    }
    if not shelf:
        return 0
    changed: list[Reservation] = []
    taken = 0
    for reservation in Reservation.objects.filter(
        variant_id__in=list(shelf), expires_at__gt=timezone.now()
    ).order_by("variant_id", "created_at", "pk"):
        keep = min(reservation.quantity, shelf[reservation.variant_id])
        shelf[reservation.variant_id] -= keep
        if keep < reservation.quantity:
            taken += reservation.quantity - keep
            reservation.quantity_short += reservation.quantity - keep
            reservation.quantity = keep
            changed.append(reservation)
    if changed:
        Reservation.objects.filter(pk__in=[r.pk for r in changed]).update(
            quantity=Case(*(When(pk=r.pk, then=Value(r.quantity)) for r in changed)),
            quantity_short=Case(*(When(pk=r.pk, then=Value(r.quantity_short)) for r in changed)),
        )
    return taken
