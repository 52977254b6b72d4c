"""What every catalog service shares: prices, slugs, and saving or deleting a row with its
unique and protected constraints turned into problems."""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Literal, TypeVar, overload

from django.db import IntegrityError, transaction
from django.db.models import Model, ProtectedError
from django.utils.text import slugify

from mercato.audit.services import Actor, record_change, record_save, snapshot
from mercato.catalog.errors import InUse, InvalidPrice, SkuTaken, SlugTaken
from mercato.catalog.models import MAX_PRICE, ProductVariant
from mercato.core.errors import InvalidInput
from mercato.core.money import parse_amount

M = TypeVar("M", bound=Model)


@overload
def clean_price(value: object, *, field: str = ..., required: Literal[True] = ...) -> Decimal: ...


@overload
def clean_price(value: object, *, field: str = ..., required: bool) -> Decimal | None: ...


def clean_price(value: object, *, field: str = "price", required: bool = True) -> Decimal | None:
    """A price as Decimal with two places: not negative, not absurd (the one money rule,
    `parse_amount`, refusing with InvalidPrice)."""
    if required and (value is None or value == ""):
        raise InvalidPrice("A price is required.", field=field)
    return parse_amount(
        value, field=field, required=required, maximum=MAX_PRICE, error=InvalidPrice
    )


def make_slug(value: str, *, field: str = "slug") -> str:
    slug = slugify(value)[:100]
    if not slug:
        raise InvalidInput("A slug needs letters or digits.", code="invalid_slug", field=field)
    return slug


def save_unique(obj: Any, *, slug_error: type = SlugTaken, **save_kwargs: Any) -> None:
    """Save; a unique slug or SKU collision becomes a 409 problem."""
    try:
        with transaction.atomic():
            obj.save(**save_kwargs)
    except IntegrityError as exc:
        # The first line names the constraint; PostgreSQL's DETAIL line quotes the value, which
        # may hold anything ("skull-bag" has "sku" in it).
        message = (str(exc).splitlines() or [""])[0].lower()
        if isinstance(obj, ProductVariant) and "sku" in message:
            raise SkuTaken(f"The SKU {getattr(obj, 'sku', '')!r} is taken.", field="sku") from exc
        if "slug" in message:
            raise slug_error(
                f"The slug {getattr(obj, 'slug', '')!r} is taken.", field="slug"
            ) from exc
        raise


def delete_audited(obj: Model, *, actor: Actor, in_use: str = "", code: str = "in_use") -> None:
    """Delete a row and log it; a row still referenced (PROTECT) is a 409 with `in_use`."""
    before = snapshot(obj)
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        raise InUse(in_use or "It is still in use.", code=code) from exc
    record_deletion(obj, actor=actor, before=before)


def record_deletion(obj: Model, *, actor: Actor, before: dict[str, Any]) -> None:
    """Log the deletion of `obj` (already deleted), named by its public id as it was."""
    record_change(
        actor=actor, action="delete", obj=obj, before=before, object_id=str(before.get("public_id"))
    )


def locked(obj: M) -> M:
    """The row of `obj` read again under a row lock (for a change in this transaction)."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


@contextmanager
def audited_change(obj: M, *, actor: Actor) -> Iterator[M]:
    """In one transaction: the row of `obj` locked for the block to change (and save), and
    the change logged when the block ends."""
    with transaction.atomic():
        row = locked(obj)
        before = snapshot(row)
        yield row
        record_save(actor=actor, obj=row, before=before)


def set_given(obj: Model, given: Mapping[str, Any], names: Iterable[str]) -> None:
    """Copy the plain fields `names` that a change gives onto `obj`."""
    for name in names:
        if name in given:
            setattr(obj, name, given[name])


def check_lengths(obj: Any, names: Iterable[str]) -> None:
    """Text longer than its column is refused here (SQLite would keep it, PostgreSQL fail)."""
    for name in names:
        limit = obj._meta.get_field(name).max_length
        value = getattr(obj, name)
        if limit and isinstance(value, str) and len(value) > limit:
            raise InvalidInput(
                f"{name} has at most {limit} characters.", code="too_long", field=name
            )
