"""The pricing pipeline: the only place where a cart's (and so an order's) totals are computed.

`price_cart(PricingInput) -> PricingResult` is a pure function over frozen dataclasses: it
runs no query and reads no setting or clock, so the same input always gives the same result.
`pricing.selectors.build_pricing_input` loads what it needs (prices, promotions, the voucher,
tax rules and rates) from the database.

Money is `Decimal` in one currency, `PricingInput.currency`, which the result repeats; a
fixed-amount promotion or voucher of another currency does not apply. "Entered" amounts (unit
prices, shipping price) are gross when `TaxRules.prices_include_tax`, net otherwise; discounts
are taken off entered amounts.

Steps, in order:

1. Unit prices. Each line gets the best running promotion that targets its product (the
   product itself, its category or any ancestor of it, or a collection it is in): the one that
   takes most off the unit price (a tie goes to the lower id). Percentage: unit price x value
   / 100; fixed: value per unit. The discounted unit price is never below 0 and is rounded
   half-up to the cent here (ROUNDING 1), so that line totals are whole cents. Every rounding
   is `mercato.core.money.quantize` (half-up to the cent).
2. Line totals: subtotal = discounted unit price x quantity (exact);
   promotion discount = (unit price - discounted unit price) x quantity.
3. Voucher. It applies when the order subtotal (sum of step 2) reaches `min_subtotal` and the
   quantity `min_quantity`. Eligible lines: every line (applies_to "order") or the lines whose
   product, category or an ancestor of it the voucher names ("specific"); without
   `combine_with_promotions`, a line a promotion discounted is not eligible. The amount is
   value % of the eligible subtotal, rounded half-up once for the order (ROUNDING 2), or the
   fixed value; never more than the eligible subtotal. It is spread over the eligible lines in
   proportion to their subtotals by rounding the running total: each line gets
   round(amount x subtotals so far / eligible subtotal) minus what the lines before it got, so
   the last line takes the remainder cents, the shares add up to the amount exactly and no
   share exceeds its line. A free-shipping voucher discounts no line: it makes shipping 0
   (when at least one line is eligible).
4. Shipping: the price the caller gives (an entered amount), 0 with free shipping.
5. Tax, once per line and once on shipping (ROUNDING 3), on the amount left after discounts:
   - The country whose rates apply: the origin country (TaxSettings) for a sale inside it.
     From an EU origin to another EU country: the destination's rates when
     `oss_threshold_exceeded`, the origin's otherwise; but an intra-EU sale to a business
     with a well-formed VAT number of the destination country is zero-rated, "reverse
     charge", with its legal note (the acquisition is taxed where the goods arrive). With
     `reverse_charge_requires_destination_country` off, a number of any EU country other
     than the origin will do. A VAT number that gives no reverse charge says why
     (`PricingResult.reverse_charge_refused`). From an EU origin to a country outside the
     EU: the destination's rates if the shop has any for it, otherwise zero-rated as an
     export (with its note). From a non-EU origin: the destination's rates.
   - The rate: the line's tax class in that country, else the country's "standard" rate,
     else 0. Shipping uses the shipping method's own tax class
     (`PricingInput.shipping_tax_class`) when it has one, else `TaxRules.shipping_tax_class`
     (standard when empty), or no tax at all without `tax_shipping`.
   - Net prices: tax = round(amount x rate); gross = amount + tax.
   - Gross prices: the entered price is what a consumer pays in any country: gross = amount,
     net = round(amount / (1 + rate)), tax = gross - net. A zero-rated sale drops the VAT the
     entered price holds at the origin country's rate: gross = net = round(amount / (1 +
     origin rate)).
6. Totals: total = sum of line grosses + shipping gross; net and tax are sums over the same
   lines, so total = net + tax exactly, and each line's gross = its net + its tax.
7. The stated totals (`PricingResult.totals`, what carts, orders, invoices and emails show):
   every amount "as stated", i.e. the entered amount in the destination's tax treatment:
   the entered amount itself, except that a zero-rated sale with gross prices states it
   without the origin's VAT (round(amount / (1 + origin rate)), the way step 5 charges it).
   subtotal = sum of the lines' stated subtotals (after promotions, before the voucher);
   shipping = the stated shipping price (before a free-shipping voucher); discount = what
   the voucher took off, stated: (stated subtotal - line gross or net) per line, plus the
   stated shipping discount. So, to the cent: subtotal - discount + shipping = total with
   gross prices (the tax is inside), and subtotal - discount + shipping + tax = total with
   net prices.
"""

from mercato.pricing.pipeline import types
from mercato.pricing.pipeline.cart import price_cart, price_shipping
from mercato.pricing.pipeline.types import *  # noqa: F403  (the names in types.__all__)

__all__ = ["price_cart", "price_shipping", *types.__all__]
