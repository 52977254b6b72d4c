"""Step 5 of the pipeline: which country's tax applies, and an amount taxed there (see
the package docstring)."""

from dataclasses import dataclass
from decimal import Decimal

from mercato.core.money import quantize
from mercato.pricing.pipeline.types import ZERO, TaxRules
from mercato.pricing.vat import EU_COUNTRIES, EXPORT_NOTE, REVERSE_CHARGE_NOTE, vat_country


@dataclass(frozen=True)
class TaxPlace:
    country: str
    zero_rated: bool
    note: str
    refused: str = ""  # why the VAT number gave no reverse charge

    @property
    def reverse_charge(self) -> bool:
        return self.note == REVERSE_CHARGE_NOTE


def tax_place(rules: TaxRules, destination: str | None, vat_number: str) -> TaxPlace:
    origin = rules.origin_country.upper()
    country = (destination or origin).upper()
    business = vat_country(vat_number) if vat_number else None
    if origin not in EU_COUNTRIES:
        return TaxPlace(country, False, "", "reverse_charge_not_intra_eu" if vat_number else "")
    if country == origin:
        return TaxPlace(origin, False, "", "reverse_charge_domestic" if vat_number else "")
    if country in EU_COUNTRIES:
        refused = ""
        if vat_number:
            if business is None:
                refused = "invalid_vat_number"
            elif business == origin:
                refused = "vat_number_origin_country"
            elif business != country and rules.reverse_charge_requires_destination_country:
                refused = "vat_number_not_destination"
            else:
                return TaxPlace(country, True, REVERSE_CHARGE_NOTE)
        return TaxPlace(country if rules.oss_threshold_exceeded else origin, False, "", refused)
    if rules.has_rates_for(country):
        return TaxPlace(country, False, "", "reverse_charge_not_intra_eu" if vat_number else "")
    return TaxPlace(country, True, EXPORT_NOTE)


def stated(amount: Decimal, tax_class: str, place: TaxPlace, rules: TaxRules) -> Decimal:
    """An entered amount as the totals state it (step 7)."""
    if place.zero_rated and rules.prices_include_tax:
        return taxed(amount, tax_class, place, rules)[3]
    return amount


def taxed(
    amount: Decimal, tax_class: str, place: TaxPlace, rules: TaxRules
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(rate, net, tax, gross) of an entered amount."""
    if place.zero_rated:
        if rules.prices_include_tax:
            origin_rate = rules.rate(tax_class, rules.origin_country.upper())
            net = quantize(amount / (1 + origin_rate))
            return Decimal("0"), net, ZERO, net
        return Decimal("0"), amount, ZERO, amount
    rate = rules.rate(tax_class, place.country)
    if rules.prices_include_tax:
        net = quantize(amount / (1 + rate))
        return rate, net, amount - net, amount
    tax = quantize(amount * rate)
    return rate, amount, tax, amount + tax
