"""EU VAT numbers: the format rules of each member state (no lookup in VIES).

A number is the two-letter VAT prefix and the national part. The prefix is the ISO country
code, except Greece, which uses "EL" (the ISO code "GR" is accepted as an alias). Spaces, dots
and hyphens are ignored.
"""

import re

from mercato.core.errors import InvalidInput

EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)"
)
EXPORT_NOTE = "Export outside the EU: exempt from VAT (Art. 146 Directive 2006/112/EC)"

# The national part after the prefix, per VAT prefix.
FORMATS: dict[str, str] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z]\d{7}[A-Z0-9]|\d{8}[A-Z]",
    "FI": r"\d{8}",
    "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"[1-9]\d{1,9}",
    "SE": r"\d{10}01",
    "SI": r"[1-9]\d{7}",
    "SK": r"[1-9]\d{9}",
}
_PATTERNS = {prefix: re.compile(rf"(?:{pattern})") for prefix, pattern in FORMATS.items()}
_IGNORED = re.compile(r"[\s.\-]")
MAX_LENGTH = 40


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_vat_number", field="number")


def validate_vat_number(number: str) -> tuple[str, str]:
    """(ISO country code, normalized number) of a well-formed EU VAT number, e.g.
    "el 123.456.789" -> ("GR", "EL123456789"). Raises InvalidInput (invalid_vat_number)."""
    if not isinstance(number, str) or len(number) > MAX_LENGTH:
        raise _invalid("Not a VAT number.")
    compact = _IGNORED.sub("", number).upper()
    prefix, national = compact[:2], compact[2:]
    if prefix == "GR":
        prefix = "EL"
    pattern = _PATTERNS.get(prefix)
    if pattern is None:
        raise _invalid("A VAT number starts with the code of an EU country (EL for Greece).")
    if not pattern.fullmatch(national):
        raise _invalid(f"This is not the format of a VAT number of {prefix}.")
    return ("GR" if prefix == "EL" else prefix), prefix + national


def vat_country(number: str) -> str | None:
    """The ISO country of a well-formed VAT number, or None (never raises)."""
    try:
        return validate_vat_number(number)[0]
    except InvalidInput:
        return None
