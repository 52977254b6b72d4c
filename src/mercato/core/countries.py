"""Countries: ISO 3166-1 alpha-2 codes and their names, from django-countries.

The one place that knows which codes are countries. Services clean input with
`clean_country` / `clean_countries` (each caller keeps its error class; the code is always
`invalid_country`); the back office lists `country_choices()`.
"""

from collections.abc import Iterable
from functools import cache

from django_countries import countries as _countries

from mercato.core.errors import DomainError, InvalidCountry

CODE = "invalid_country"


@cache
def country_codes() -> frozenset[str]:
    """Every officially assigned ISO 3166-1 alpha-2 code (upper case)."""
    return frozenset(country.code for country in _countries)


def is_country(code: object) -> bool:
    """Whether `code` is exactly an ISO 3166-1 alpha-2 code (upper case, no spaces)."""
    return isinstance(code, str) and code in country_codes()


def country_name(code: str) -> str:
    """The English (or active language's) short name; "" for what is not a country."""
    return str(_countries.name(code)) if is_country(code) else ""


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name, for the back office's select boxes."""
    return [(country.code, str(country.name)) for country in _countries]


def _normalized(value: object) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


def clean_country(
    value: object,
    *,
    field: str = "country",
    blank: bool = False,
    error: type[DomainError] = InvalidCountry,
) -> str:
    """`value` as an upper-case alpha-2 code (spaces around it dropped); anything else raises
    `error` with code `invalid_country` naming `field`. With `blank`, an empty value is ""."""
    code = _normalized(value)
    if blank and not code and (value is None or isinstance(value, str)):
        return ""
    if code not in country_codes():
        raise error(f"{value!r} is not an ISO 3166-1 alpha-2 country code.", code=CODE, field=field)
    return code


def clean_countries(
    values: object, *, field: str = "countries", error: type[DomainError] = InvalidCountry
) -> list[str]:
    """A list (or tuple, set) of codes: upper case, without repeats, sorted. Any code that is
    not a country refuses the whole list, naming the unknown ones."""
    if not isinstance(values, list | tuple | set | frozenset):
        raise error("Countries are a list of ISO 3166-1 alpha-2 codes.", code=CODE, field=field)
    items: Iterable[object] = values
    codes = {_normalized(v) if isinstance(v, str) else v for v in items}
    if unknown := sorted(str(c) for c in codes if not is_country(c)):
        raise error(
            f"Not ISO 3166-1 alpha-2 country codes: {', '.join(unknown)}.", code=CODE, field=field
        )
    return sorted(str(c) for c in codes)
