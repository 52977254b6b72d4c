"""Typed inputs of the inventory services (built by the API handlers and the admin from
their validated input)."""

from collections.abc import Sequence
from dataclasses import dataclass

from mercato.core.inputs import UNSET, Changes, Unset


@dataclass(frozen=True, kw_only=True)
class WarehouseChanges(Changes):
    """The fields of a warehouse to write; those left UNSET keep their value (a new
    warehouse takes the model's defaults). The slug is made from `slug`, or the name."""

    name: str | Unset = UNSET
    slug: str | Unset = UNSET
    line1: str | Unset = UNSET
    line2: str | Unset = UNSET
    city: str | Unset = UNSET
    postal_code: str | Unset = UNSET
    country: str | Unset = UNSET
    countries: Sequence[str] | Unset = UNSET
    priority: int | Unset = UNSET
    is_active: bool | Unset = UNSET
