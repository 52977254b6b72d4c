"""EU VAT numbers: each member state's format and check digits, from python-stdnum (no lookup
in VIES).

A number is the two-letter VAT prefix and the national part. The prefix is the ISO country
code, except Greece, which uses "EL" (the ISO code "GR" is accepted as an alias). Spaces, dots
and hyphens are ignored.
"""

import re
from typing import TYPE_CHECKING

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.util import get_cc_module

from mercato.core.errors import InvalidInput

if TYPE_CHECKING:  # stdnum defines its module protocol for type checkers only
    from stdnum.util import NumberValidationModule

EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)

REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)"
)
EXPORT_NOTE = "Export outside the EU: exempt from VAT (Art. 146 Directive 2006/112/EC)"


def _vat_module(country: str) -> "NumberValidationModule":
    module = get_cc_module(country.lower(), "vat")
    assert module is not None, f"python-stdnum has no VAT module for {country}"
    return module


# The python-stdnum module that checks the national part (format and check digits), per
# VAT prefix. (Not stdnum.eu.vat itself: it also takes XI, Northern Ireland, not in the EU.)
FORMATS: dict[str, "NumberValidationModule"] = {
    ("EL" if country == "GR" else country): _vat_module(country) for country in sorted(EU_COUNTRIES)
}
_IGNORED = re.compile(r"[\s.\-]")
MAX_LENGTH = 40


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_vat_number", field="number")


def validate_vat_number(number: str) -> tuple[str, str]:
    """(ISO country code, normalized number) of a valid EU VAT number, e.g.
    "el 094.259.216" -> ("GR", "EL094259216"). Raises InvalidInput (invalid_vat_number)."""
    if not isinstance(number, str) or len(number) > MAX_LENGTH:
        raise _invalid("Not a VAT number.")
    compact = _IGNORED.sub("", number).upper()
    prefix, national = compact[:2], compact[2:]
    if prefix == "GR":
        prefix = "EL"
    module = FORMATS.get(prefix)
    if module is None:
        raise _invalid("A VAT number starts with the code of an EU country (EL for Greece).")
    try:
        # A national part the library would rewrite (a doubled prefix, BE's old nine digits)
        # is not in the form we store.
        if module.validate(national) != national:
            raise ValidationError()
    except InvalidChecksum:
        raise _invalid(f"The check digits of this VAT number of {prefix} do not match.") from None
    except ValidationError:
        raise _invalid(f"This is not the format of a VAT number of {prefix}.") from None
    return ("GR" if prefix == "EL" else prefix), prefix + national


def vat_country(number: str) -> str | None:
    """The ISO country of a valid VAT number, or None (never raises)."""
    try:
        return validate_vat_number(number)[0]
    except InvalidInput:
        return None
