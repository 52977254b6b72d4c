"""What the invoice of an order says, drawn from the order's snapshots only (lines, prices,
tax rates, addresses), so it reads the same however the catalog changes later; `layout`
draws it.

One invoice per placed order, numbered INV-<order number> and dated when the order was placed.
A draft has none.

The shop's name is the SHOP_NAME setting. Its postal address, VAT number and other legal lines
come from the optional settings SHOP_ADDRESS (a list of lines), SHOP_VAT_NUMBER and
SHOP_INVOICE_FOOTER; without them the invoice shows the demo values below.
orders/tests/test_invoice_layout.py renders invoices with PDFium and checks that no two
pieces of text overlap and nothing is drawn outside the margins.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from mercato.core.money import quantize
from mercato.orders.errors import InvoiceNotAvailable
from mercato.orders.formatting import address_lines, format_rate, money_formatter
from mercato.orders.invoices import layout
from mercato.orders.models import Fulfilment, Order, OrderLine

DEFAULT_SHOP_ADDRESS = ("Musterstraße 1", "10115 Berlin", "Germany")
DEFAULT_SHOP_VAT_NUMBER = ""
DEFAULT_FOOTER = "Thank you for your order."
REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient "
    "(Article 196, Council Directive 2006/112/EC)."
)

Format = Callable[[Decimal], str]


@dataclass(frozen=True)
class TaxBand:
    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def invoice_number(order: Order) -> str:
    return f"INV-{order.number}"


def invoice_filename(order: Order) -> str:
    return f"invoice-{invoice_number(order)}.pdf"


def tax_bands(order: Order, lines: list[OrderLine]) -> list[TaxBand]:
    """Net and tax per rate over the lines and the shipping, highest rate first."""
    net: dict[Decimal, Decimal] = defaultdict(Decimal)
    tax: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        net[line.tax_rate] += line.total_net
        tax[line.tax_rate] += line.total_tax
    if order.shipping_gross or order.shipping_net:
        net[order.shipping_tax_rate] += order.shipping_net
        tax[order.shipping_tax_rate] += order.shipping_tax
    return [TaxBand(rate=rate, net=net[rate], tax=tax[rate]) for rate in sorted(net, reverse=True)]


def render_invoice_pdf(order: Order) -> bytes:
    """The invoice of a placed order as PDF bytes. A draft has no invoice
    (InvoiceNotAvailable, 409)."""
    if order.status == Order.Status.DRAFT or order.placed_at is None:
        raise InvoiceNotAvailable("A draft order has no invoice; finalise it first.")
    lines = list(order.lines.all())
    shipped = _first_shipped_at(order)
    m = money_formatter(order.currency)
    page = layout.InvoicePage(
        title=f"Invoice {invoice_number(order)}",
        author=settings.SHOP_NAME,
        created=order.placed_at,
        footer_text=getattr(settings, "SHOP_INVOICE_FOOTER", DEFAULT_FOOTER),
    )
    layout.header(
        page,
        left_title=settings.SHOP_NAME,
        left_lines=_shop_lines(),
        right_title="INVOICE",
        right_lines=_facts(order, shipped),
    )
    layout.address_blocks(page, _address_blocks(order))
    layout.line_table(page, _line_headings(order), [_line_row(order, line, m) for line in lines])
    bands = tax_bands(order, lines)
    layout.totals(page, _total_rows(order, bands, m))
    layout.small_table(
        page,
        "Tax breakdown",
        ("Rate", "Net", "Tax", "Gross"),
        [(format_rate(b.rate), m(b.net), m(b.tax), m(b.gross)) for b in bands],
    )
    layout.notes(page, _notes(order, m))
    return page.bytes()


def _first_shipped_at(order: Order) -> datetime | None:
    return (
        Fulfilment.objects.filter(order=order, shipped_at__isnull=False)
        .order_by("shipped_at")
        .values_list("shipped_at", flat=True)
        .first()
    )


def _shop_lines() -> list[str]:
    """The shop's postal address and VAT number, under its name."""
    shop_lines = list(getattr(settings, "SHOP_ADDRESS", DEFAULT_SHOP_ADDRESS))
    if shop_vat := getattr(settings, "SHOP_VAT_NUMBER", DEFAULT_SHOP_VAT_NUMBER):
        shop_lines.append(f"VAT number: {shop_vat}")
    return shop_lines


def _facts(order: Order, shipped: datetime | None) -> list[str]:
    """The invoice's number and dates, the order and the currency."""
    assert order.placed_at is not None
    facts = [
        ("Invoice", invoice_number(order)),
        ("Invoice date", timezone.localtime(order.placed_at).date().isoformat()),
        ("Order", f"#{order.number}"),
    ]
    if shipped:
        facts.append(("Delivery date", timezone.localtime(shipped).date().isoformat()))
    facts.append(("Currency", order.currency))
    return [f"{label}: {value}" for label, value in facts]


def _address_blocks(order: Order) -> list[layout.AddressBlock]:
    """Bill to (with the customer's email and VAT number), and Ship to when it differs."""
    bill_to = [*address_lines(order.billing_address or order.shipping_address), order.email]
    if order.vat_number:
        bill_to.append(f"VAT number: {order.vat_number}")
    blocks = [layout.AddressBlock("Bill to", [line for line in bill_to if line])]
    if order.shipping_address and order.shipping_address != order.billing_address:
        blocks.append(layout.AddressBlock("Ship to", address_lines(order.shipping_address)))
    return blocks


def _line_headings(order: Order) -> tuple[str, ...]:
    basis = " (gross)" if order.prices_include_tax else " (net)"
    return ("Item", "SKU", "Qty", f"Unit price{basis}", "Tax", f"Total{basis}")


def _line_row(order: Order, line: OrderLine, m: Format) -> layout.LineRow:
    """A line at the prices the order states: with tax, or without (the unit price then the
    line's net total over its quantity)."""
    name = line.product_name
    if line.variant_name:
        name = f"{name} ({line.variant_name})"
    if order.prices_include_tax:
        unit, total = line.unit_price_discounted, line.total_gross
    else:
        unit, total = quantize(line.total_net / line.quantity), line.total_net
    return layout.LineRow(
        item=name,
        sku=line.sku,
        quantity=str(line.quantity),
        unit_price=m(unit),
        tax_rate=format_rate(line.tax_rate),
        total=m(total),
    )


def _total_rows(order: Order, bands: list[TaxBand], m: Format) -> list[layout.TotalRow]:
    """The order's stated totals, as the cart and the order API show them: subtotal - voucher
    + shipping = total (prices with tax; the VAT is inside) or = total net (prices without
    tax; the VAT comes on top)."""
    rows = [layout.TotalRow("Subtotal", m(order.subtotal))]
    if order.voucher_discount:
        label = f"Voucher {order.voucher_code}" if order.voucher_code else "Voucher"
        rows.append(layout.TotalRow(label, "-" + m(order.voucher_discount)))
    shipping_label = "Shipping"
    if order.shipping_method_name:
        shipping_label = f"Shipping ({order.shipping_method_name})"
    rows.append(layout.TotalRow(shipping_label, m(order.shipping_price)))
    vat = [(format_rate(band.rate), m(band.tax)) for band in bands if band.tax or band.rate]
    total = layout.TotalRow("Total", m(order.total_gross), bold=True)
    total_tax = layout.TotalRow("Total tax", m(order.tax_total))
    total_net = layout.TotalRow("Total net", m(order.total_net))
    if order.prices_include_tax:
        included = [layout.TotalRow(f"Included VAT {rate}", tax) for rate, tax in vat]
        return [*rows, total, *included, total_tax, total_net]
    on_top = [layout.TotalRow(f"VAT {rate}", tax) for rate, tax in vat]
    return [*rows, total_net, *on_top, total_tax, total]


def _notes(order: Order, m: Format) -> list[layout.Note]:
    """What was paid and refunded, what is still due or that the order was cancelled, and
    the tax note (reverse charge)."""
    cancelled = order.status == Order.Status.CANCELLED
    notes = []
    if order.total_charged:
        notes.append(layout.Note(f"Paid: {m(order.total_charged)}"))
    if order.total_refunded:
        notes.append(layout.Note(f"Refunded: {m(order.total_refunded)}"))
    if order.amount_due and not cancelled:
        notes.append(layout.Note(f"Amount due: {m(order.amount_due)}", bold=True))
    if cancelled:
        day = timezone.localtime(order.cancelled_at or order.updated_at).date().isoformat()
        notes.append(layout.Note(f"This order was cancelled on {day}."))
    if order.reverse_charge:
        notes.append(layout.Note(order.tax_note or REVERSE_CHARGE_NOTE, bold=True, space_before=2))
    elif order.tax_note:
        notes.append(layout.Note(order.tax_note, space_before=2))
    return notes
