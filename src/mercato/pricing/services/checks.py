"""The checks every pricing change shares: countries, rates, amounts, currencies, date
windows, targets that must exist (and setting them), audit-logged deletion, codes; and the base of
the service inputs."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db.models import Model
from django.utils import timezone

from mercato.audit.services import Actor, record_change, record_save, snapshot
from mercato.catalog.errors import InvalidPrice
from mercato.core import countries
from mercato.core.errors import InvalidInput
from mercato.core.inputs import Changes
from mercato.core.money import CENT, parse_amount
from mercato.pricing.models import Promotion, TaxRate, Voucher

M = TypeVar("M", bound=Model)

Amount = Decimal | str | int | float
"""An amount as the API and the back office give it; the services check its places."""


@dataclass(frozen=True)
class Details(Changes):
    """The base of a frozen service input whose fields may be left UNSET."""


CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{2,49}")


SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,49}")


CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")


def clean_country(value: Any, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code (`mercato.core.countries`), refused as invalid_country."""
    return countries.clean_country(value, field=field, error=InvalidInput)


def clean_decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(f"{field} is not a number.", code="invalid_value", field=field) from exc
    if not number.is_finite():
        raise InvalidInput(f"{field} is not a number.", code="invalid_value", field=field)
    return number


def clean_rate(value: Any) -> Decimal:
    rate = clean_decimal(value, "rate")
    if not Decimal("0") <= rate < Decimal("1") or rate != rate.quantize(Decimal("0.0001")):
        raise InvalidInput(
            "A rate is a fraction from 0 to below 1 with at most 4 decimals (0.19 is 19 %).",
            code="invalid_rate",
            field="rate",
        )
    return rate.quantize(Decimal("0.0001"))


def clean_discount_value(kind: str, value: Any) -> Decimal:
    """A percentage (0-100, two decimals at most) or an amount."""
    if kind == "percentage":
        number = clean_decimal(value, "value")
        if not Decimal("0") <= number <= Decimal("100") or number != number.quantize(CENT):
            raise InvalidInput(
                "A percentage is from 0 to 100 (two decimals at most).",
                code="invalid_value",
                field="value",
            )
        return number
    return clean_amount(value, "value")


def clean_amount(value: Any, field: str) -> Decimal:
    """A required amount of zero or more, rounded to two places (`parse_amount`'s rule),
    refused as invalid_price."""
    return parse_amount(value, field=field, error=InvalidPrice)


def clean_currency(value: Any) -> str:
    code = str(value or "").strip().upper()
    if not CURRENCY_PATTERN.fullmatch(code):
        raise InvalidInput("A currency is a 3-letter ISO 4217 code.", field="currency")
    return code


def check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and timezone.is_naive(moment):
            raise InvalidInput("A time needs its time zone.", code="invalid_datetime", field=name)
    if starts_at is None:
        raise InvalidInput("A start time is required.", code="invalid_datetime", field="starts_at")
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput(
            "The end comes after the start.", code="invalid_date_window", field="ends_at"
        )


def existing_ids(model: type[Model], ids: Iterable[int], *, code: str, field: str) -> list[int]:
    wanted = sorted(set(ids))
    if model._default_manager.filter(pk__in=wanted).count() != len(wanted):
        raise InvalidInput(f"Some {field} do not exist.", code=code, field=field)
    return wanted


def apply_changes(obj: Model, changes: Mapping[str, Any], fields: Iterable[str]) -> None:
    """Set on `obj` each of `fields` that `changes` gives."""
    for name in fields:
        if name in changes:
            setattr(obj, name, changes[name])


def clean_targets(
    changes: Mapping[str, Any], targets: Mapping[str, tuple[str, type[Model], str]]
) -> dict[str, list[int]]:
    """The targets `changes` gives, checked: {m2m name: [pk]} from {key: (m2m name, model,
    error code)}."""
    return {
        m2m: existing_ids(model, changes[key], code=code, field=key)
        for key, (m2m, model, code) in targets.items()
        if key in changes
    }


def locked(obj: M) -> M:
    """`obj` read again from the database, locked until the end of the transaction."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def set_targets(
    obj: Model, targets: Mapping[str, list[int]], *, actor: Actor, before: dict[str, Any] | None
) -> None:
    """After saving a promotion or a voucher: set its targets ({m2m name: [pk]}), then log
    the save (a creation when there is no `before`)."""
    for m2m, ids in targets.items():
        getattr(obj, m2m).set(ids)
    record_save(actor=actor, obj=obj, before=before)


def delete_logged(obj: Promotion | TaxRate | Voucher, *, actor: Actor) -> None:
    """Delete `obj` and log the deletion under its public id."""
    before, object_id = snapshot(obj), str(obj.public_id)
    obj.delete()
    record_change(actor=actor, action="delete", obj=obj, before=before, object_id=object_id)


def normalize_email(value: str | None) -> str:
    return (value or "").strip().lower()


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()
