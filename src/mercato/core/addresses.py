"""Postal addresses: required fields and postal-code formats per country.

Checked for the EU countries, the United Kingdom and the United States; for other countries
only the common required fields are. `clean_address` returns the address normalised
(country and postal code upper-case, spaces tidied) or raises InvalidInput listing every
failing field.
"""

import re
from typing import Any

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

POSTAL_CODES: dict[str, str] = {
    "AT": r"\d{4}",
    "BE": r"\d{4}",
    "BG": r"\d{4}",
    "CY": r"\d{4}",
    "CZ": r"\d{3} ?\d{2}",
    "DE": r"\d{5}",
    "DK": r"\d{4}",
    "EE": r"\d{5}",
    "ES": r"\d{5}",
    "FI": r"\d{5}",
    "FR": r"\d{5}",
    "GR": r"\d{3} ?\d{2}",
    "HR": r"\d{5}",
    "HU": r"\d{4}",
    "IE": r"[A-Z]\d[\dW] ?[0-9AC-FHKNPRTV-Y]{4}",
    "IT": r"\d{5}",
    "LT": r"(LT-)?\d{5}",
    "LU": r"(L-)?\d{4}",
    "LV": r"(LV-)?\d{4}",
    "MT": r"[A-Z]{3} ?\d{2,4}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "PL": r"\d{2}-\d{3}",
    "PT": r"\d{4}-\d{3}",
    "RO": r"\d{6}",
    "SE": r"\d{3} ?\d{2}",
    "SI": r"\d{4}",
    "SK": r"\d{3} ?\d{2}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "US": r"\d{5}(-\d{4})?",
}
# Ireland's Eircode is optional (many addresses are found without it).
POSTAL_CODE_OPTIONAL = {"IE"}
US_STATES = frozenset(
    """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH
    NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP""".split()
)
_PATTERNS = {country: re.compile(f"^{pattern}$") for country, pattern in POSTAL_CODES.items()}


def clean_address(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The address tidied and checked. `partial`: only the fields given are checked (an
    update); the country's rules then apply to the fields present."""
    unknown = set(data) - set(ADDRESS_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown address fields: {', '.join(sorted(unknown))}.")
    address = {
        name: " ".join(str(value).split()) if value is not None else ""
        for name, value in data.items()
    }
    errors = []
    if not partial:
        errors += [
            {"field": name, "message": "This field is required."}
            for name in REQUIRED
            if not address.get(name)
        ]
    country = address.get("country", "").upper()
    if "country" in address:
        address["country"] = country
        if country and not is_country(country):
            errors.append({"field": "country", "message": "Not an ISO 3166-1 alpha-2 code."})
    if "postal_code" in address or (not partial and country in _PATTERNS):
        postal = address.get("postal_code", "").upper()
        address["postal_code"] = postal
        pattern = _PATTERNS.get(country)
        if pattern and not postal and country not in POSTAL_CODE_OPTIONAL and not partial:
            errors.append({"field": "postal_code", "message": "This field is required."})
        elif pattern and postal and not pattern.match(postal):
            errors.append(
                {"field": "postal_code", "message": f"Not a valid postal code for {country}."}
            )
    if (country == "US" and not partial) or (country == "US" and "region" in address):
        region = address.get("region", "").upper()
        address["region"] = region
        if region not in US_STATES:
            errors.append({"field": "region", "message": "A US state code is required (e.g. NY)."})
    if errors:
        raise InvalidInput("The address is not valid.", code="invalid_address", errors=errors)
    return address
