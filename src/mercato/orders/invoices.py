"""The PDF invoice of an order, drawn from the order's snapshots only (lines, prices, tax
rates, addresses), so it reads the same however the catalog changes later.

One invoice per placed order, numbered INV-<order number> and dated when the order was placed.
A draft has none. The text is set in DejaVu Sans (shipped in `fonts/`, with its licence),
which covers Latin, Greek and Cyrillic; a character the font lacks (e.g. Chinese) is printed
as "?" rather than failing or vanishing.

The shop's name is the SHOP_NAME setting. Its postal address, VAT number and other legal lines
come from the optional settings SHOP_ADDRESS (a list of lines), SHOP_VAT_NUMBER and
SHOP_INVOICE_FOOTER; without them the invoice shows the demo values below.

Layout: a row of the lines table is as tall as its tallest cell and moves whole to the next
page, which repeats the table's headings. The SKU column is as wide as the longest SKU needs
(within SKU_COLUMN); a SKU still too long is set smaller, else broken after its separators,
never inside a run of letters unless that run alone is wider than the column. Totals labels
wrap within their column (codes after their hyphens) and push the next row down; the totals
stay on one page. The footer wraps beside the page number (three lines at most).
orders/tests/test_invoice_layout.py renders invoices with PDFium and checks that no two
pieces of text overlap and nothing is drawn outside the margins.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace, TTFFont

from mercato.core.errors import Conflict
from mercato.core.money import quantize
from mercato.orders.models import Fulfilment, Order

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MISSING_GLYPH = "?"

DEFAULT_SHOP_ADDRESS = ("Musterstraße 1", "10115 Berlin", "Germany")
DEFAULT_SHOP_VAT_NUMBER = ""
DEFAULT_FOOTER = "Thank you for your order."
REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient "
    "(Article 196, Council Directive 2006/112/EC)."
)

# The lines table: its font, and the columns (mm) besides the item and the SKU, which share
# the rest of the page's width: the SKU column as wide as the longest SKU needs, within bounds.
TABLE_FONT_SIZE = 8.5
SKU_MIN_FONT_SIZE = 6.5
CELL_PADDING = 1.2
FIXED_COLUMNS = (10, 25, 13, 27)  # Qty, Unit price, Tax, Total
SKU_COLUMN = (24, 46)  # narrowest, widest
SKU_SEPARATORS = "-_/.:"

# fontTools logs every subsetting step at INFO: one invoice would fill the log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


class InvoiceNotAvailable(Conflict):
    code, title = "invoice_not_available", "This order has no invoice"


@dataclass(frozen=True)
class TaxBand:
    rate: Decimal
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


# --- formatting, shared with the order emails ---------------------------------------------


def format_money(amount: Decimal, currency: str) -> str:
    """`1,234.50 EUR`: the amount rounded to the cent, with the currency code (unambiguous in
    every language and every font)."""
    return f"{quantize(Decimal(amount)):,.2f} {currency}"


def format_rate(rate: Decimal) -> str:
    """A tax rate stored as a fraction (0.19) as a percentage (`19 %`, `5.5 %`)."""
    percent = (Decimal(rate) * 100).normalize()
    text = f"{percent:f}"
    return f"{text} %"


def address_lines(address: dict) -> list[str]:
    """An address snapshot as the lines of a postal address (empty parts left out)."""
    address = address or {}
    name = " ".join(p for p in (address.get("first_name"), address.get("last_name")) if p)
    city = " ".join(p for p in (address.get("postal_code"), address.get("city")) if p)
    parts = [
        name,
        address.get("company", ""),
        address.get("line1", ""),
        address.get("line2", ""),
        city,
        address.get("region", ""),
        address.get("country", ""),
    ]
    return [str(part).strip() for part in parts if part and str(part).strip()]


def invoice_number(order: Order) -> str:
    return f"INV-{order.number}"


def invoice_filename(order: Order) -> str:
    return f"invoice-{invoice_number(order)}.pdf"


def tax_bands(order: Order, lines: list) -> list[TaxBand]:
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


# --- the PDF ------------------------------------------------------------------------------


@cache
def _covered_codepoints() -> frozenset[int]:
    """Characters both faces can draw."""
    pdf = FPDF()
    covered: set[int] | None = None
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(FONT_DIR / filename))
        font: TTFFont = pdf.fonts[f"{FONT_FAMILY.lower()}{style}"]
        codepoints = set(font.cmap)
        covered = codepoints if covered is None else covered & codepoints
    return frozenset(covered or ())


def printable(text: object) -> str:
    """`text` with control characters as spaces and characters the font lacks as "?"."""
    covered = _covered_codepoints()
    out = []
    for char in str(text):
        if char in "\r\n\t" or ord(char) < 32:
            out.append(" ")
        elif ord(char) in covered:
            out.append(char)
        else:
            out.append(MISSING_GLYPH)
    return "".join(out)


class _InvoicePDF(FPDF):
    footer_text = ""
    FOOTER_LINE, FOOTER_LINES, PAGE_NUMBER_W = 4.0, 3, 16

    def footer(self) -> None:
        """The footer text (wrapped, at most three lines) left and the page number right,
        side by side in the bottom margin, ending 10 mm above the page's edge."""
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(110, 110, 110)
        text_w = self.epw - self.PAGE_NUMBER_W - 2
        lines = self.multi_cell(
            text_w,
            self.FOOTER_LINE,
            printable(self.footer_text),
            dry_run=True,
            output=MethodReturnValue.LINES,
        )[: self.FOOTER_LINES]
        top = self.h - 10 - max(len(lines), 1) * self.FOOTER_LINE
        self.set_xy(self.l_margin, top)
        self.multi_cell(text_w, self.FOOTER_LINE, "\n".join(lines), align="L")
        self.set_xy(self.l_margin + self.epw - self.PAGE_NUMBER_W, top)
        self.cell(self.PAGE_NUMBER_W, self.FOOTER_LINE, f"{self.page_no()}/{{nb}}", align="R")

    def lines_of(self, w: float, text: str) -> list[str]:
        """How `text` wraps in a cell `w` wide in the current font."""
        return self.multi_cell(w, 1, text, dry_run=True, output=MethodReturnValue.LINES)


def _sku_cell(pdf: FPDF, sku: str, inner_w: float) -> tuple[str, float]:
    """A SKU as it fits a column `inner_w` wide (mm, without padding): on one line at the
    table's size, else on one line at a smaller size (down to SKU_MIN_FONT_SIZE), else at the
    table's size broken after separators (- _ / . :); only a run without any is broken inside.
    Returns (text, font size)."""
    pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    width = pdf.get_string_width(sku)
    if width <= inner_w:
        return sku, TABLE_FONT_SIZE
    smaller = TABLE_FONT_SIZE * inner_w / width
    if smaller >= SKU_MIN_FONT_SIZE:
        return sku, max(SKU_MIN_FONT_SIZE, int(smaller * 10) / 10)
    return _wrap(pdf, sku, inner_w), TABLE_FONT_SIZE


def _wrap(pdf: FPDF, text: str, w: float) -> str:
    """`text` broken into lines no wider than `w` (mm, in the current font) after spaces and
    after the separators of codes (SKUs, voucher codes), so "SPRING-SALE-2026" breaks as
    "SPRING-" / "SALE-2026" rather than inside a word. A run with no break in it that is
    still too wide is left to the cell, which breaks it where it must."""
    pieces, current = [], ""
    for char in text:
        current += char
        if char == " " or char in SKU_SEPARATORS:
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    lines: list[str] = []
    for piece in pieces:
        if lines and pdf.get_string_width((lines[-1] + piece).rstrip()) <= w:
            lines[-1] += piece
        else:
            lines.append(piece)
    return "\n".join(line.rstrip() for line in lines)


def _sku_column_width(pdf: FPDF, skus: list[str]) -> float:
    """The SKU column's width (mm): the longest SKU on one line at the table's size, within
    SKU_COLUMN."""
    pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    widest = max((pdf.get_string_width(sku) for sku in skus), default=0)
    low, high = SKU_COLUMN
    return min(max(widest + 2 * CELL_PADDING + 0.5, low), high)


def render_invoice_pdf(order: Order) -> bytes:
    """The invoice of a placed order as PDF bytes. A draft has no invoice
    (InvoiceNotAvailable, 409)."""
    if order.status == Order.Status.DRAFT or order.placed_at is None:
        raise InvoiceNotAvailable("A draft order has no invoice; finalise it first.")
    lines = list(order.lines.all())
    shipped = (
        Fulfilment.objects.filter(order=order, shipped_at__isnull=False)
        .order_by("shipped_at")
        .values_list("shipped_at", flat=True)
        .first()
    )
    currency = order.currency
    shop_name = settings.SHOP_NAME
    shop_address = list(getattr(settings, "SHOP_ADDRESS", DEFAULT_SHOP_ADDRESS))
    shop_vat = getattr(settings, "SHOP_VAT_NUMBER", DEFAULT_SHOP_VAT_NUMBER)
    number = invoice_number(order)

    def m(amount: Decimal) -> str:
        return format_money(amount, currency)

    pdf = _InvoicePDF(format="A4", unit="mm")
    pdf.footer_text = getattr(settings, "SHOP_INVOICE_FOOTER", DEFAULT_FOOTER)
    pdf.set_title(f"Invoice {number}")
    pdf.set_author(shop_name)
    pdf.set_creator(shop_name)
    pdf.set_creation_date(order.placed_at)
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(auto=True, margin=22)
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(FONT_DIR / filename))
    pdf.add_page()
    width = pdf.epw

    def text(value: object, size: float = 9, style: str = "", h: float = 4.6, **kwargs) -> None:
        """A paragraph; `lines=True`: `value` is already printable, broken into lines."""
        pdf.set_font(FONT_FAMILY, style, size)
        pdf.multi_cell(
            kwargs.pop("w", 0),
            h,
            value if kwargs.pop("lines", False) else printable(value),
            new_x=kwargs.pop("new_x", XPos.LMARGIN),
            new_y=kwargs.pop("new_y", YPos.NEXT),
            align=kwargs.pop("align", "L"),
            **kwargs,
        )

    # header: the shop (left), the invoice's numbers (right)
    top = pdf.get_y()
    text(shop_name, size=15, style="B", h=7, w=width * 0.55)
    for line in shop_address:
        text(line, w=width * 0.55)
    if shop_vat:
        text(f"VAT number: {shop_vat}", w=width * 0.55)
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + width * 0.55, top)
    facts = [
        ("Invoice", number),
        ("Invoice date", timezone.localtime(order.placed_at).date().isoformat()),
        ("Order", f"#{order.number}"),
    ]
    if shipped:
        facts.append(("Delivery date", timezone.localtime(shipped).date().isoformat()))
    facts.append(("Currency", currency))
    text("INVOICE", size=15, style="B", h=7, align="R", new_x=XPos.LEFT)
    for label, value in facts:
        pdf.set_x(pdf.l_margin + width * 0.55)
        text(f"{label}: {value}", align="R", w=width * 0.45)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)

    # addresses
    top = pdf.get_y()
    blocks = [("Bill to", order.billing_address or order.shipping_address)]
    if order.shipping_address and order.shipping_address != order.billing_address:
        blocks.append(("Ship to", order.shipping_address))
    bottom = top
    for index, (title, address) in enumerate(blocks):
        x = pdf.l_margin + index * width / 2
        pdf.set_xy(x, top)
        text(title, style="B", w=width / 2 - 4, new_x=XPos.LEFT)
        for line in [*address_lines(address), order.email if index == 0 else ""]:
            if line:
                pdf.set_x(x)
                text(line, w=width / 2 - 4, new_x=XPos.LEFT)
        if index == 0 and order.vat_number:
            pdf.set_x(x)
            text(f"VAT number: {order.vat_number}", w=width / 2 - 4, new_x=XPos.LEFT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_y(bottom + 8)

    # lines
    include_tax = order.prices_include_tax
    skus = [printable(line.sku) for line in lines]
    sku_w = _sku_column_width(pdf, skus)
    pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    headings = (
        "Item",
        "SKU",
        "Qty",
        "Unit price" + (" (gross)" if include_tax else " (net)"),
        "Tax",
        "Total" + (" (gross)" if include_tax else " (net)"),
    )
    # Rows take the height of their tallest cell; a row that does not fit moves whole to the
    # next page, which repeats the headings.
    with pdf.table(
        col_widths=(width - sku_w - sum(FIXED_COLUMNS), sku_w, *FIXED_COLUMNS),
        width=width,
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
        padding=CELL_PADDING,
        borders_layout="SINGLE_TOP_LINE",
        first_row_as_headings=True,
        repeat_headings=1,
    ) as table:
        row = table.row()
        for heading in headings:
            row.cell(heading)
        for line, sku in zip(lines, skus, strict=True):
            name = line.product_name
            if line.variant_name:
                name = f"{name} ({line.variant_name})"
            unit = line.unit_price_discounted
            total = line.total_gross if include_tax else line.total_net
            if not include_tax:
                unit = quantize(line.total_net / line.quantity)
            row = table.row()
            row.cell(printable(name))
            sku_text, sku_size = _sku_cell(pdf, sku, sku_w - 2 * CELL_PADDING)
            row.cell(
                sku_text, style=FontFace(size_pt=sku_size) if sku_size != TABLE_FONT_SIZE else None
            )
            row.cell(str(line.quantity))
            row.cell(m(unit))
            row.cell(format_rate(line.tax_rate))
            row.cell(m(total))
    pdf.ln(4)

    # totals: the order's stated totals, as the cart and the order API show them:
    # subtotal - voucher + shipping = total (prices with tax; the VAT is inside) or = total
    # net (prices without tax; the VAT comes on top)
    rows: list[tuple[str, str, bool]] = [("Subtotal", m(order.subtotal), False)]
    if order.voucher_discount:
        label = f"Voucher {order.voucher_code}" if order.voucher_code else "Voucher"
        rows.append((label, "-" + m(order.voucher_discount), False))
    shipping_label = "Shipping"
    if order.shipping_method_name:
        shipping_label = f"Shipping ({order.shipping_method_name})"
    rows.append((shipping_label, m(order.shipping_price), False))
    bands = tax_bands(order, lines)
    vat_rows = [(format_rate(band.rate), m(band.tax)) for band in bands if band.tax or band.rate]
    if include_tax:
        rows.append(("Total", m(order.total_gross), True))
        rows += [(f"Included VAT {rate}", tax, False) for rate, tax in vat_rows]
        rows.append(("Total tax", m(order.tax_total), False))
        rows.append(("Total net", m(order.total_net), False))
    else:
        rows.append(("Total net", m(order.total_net), False))
        rows += [(f"VAT {rate}", tax, False) for rate, tax in vat_rows]
        rows.append(("Total tax", m(order.tax_total), False))
        rows.append(("Total", m(order.total_gross), True))
    # Each label wraps within its column and its row is as tall as it; the block stays on
    # one page.
    label_w, value_w, line_h = width * 0.5, width * 0.2, 4.6
    left = pdf.l_margin + width - label_w - value_w
    heights = []
    for index, (label, value, bold) in enumerate(rows):
        pdf.set_font(FONT_FAMILY, "B" if bold else "", 9)
        label = _wrap(pdf, printable(label), label_w - 2 * pdf.c_margin)
        rows[index] = (label, value, bold)
        heights.append(
            line_h
            * max(len(pdf.lines_of(label_w, printable(label))), len(pdf.lines_of(value_w, value)))
        )
    if pdf.get_y() + sum(heights) > pdf.page_break_trigger:
        pdf.add_page()
    for (label, value, bold), height in zip(rows, heights, strict=True):
        top = pdf.get_y()
        style = "B" if bold else ""
        pdf.set_x(left)
        text(label, style=style, w=label_w, align="R", new_x=XPos.RIGHT, new_y=YPos.TOP, lines=True)
        text(value, style=style, w=value_w, align="R")
        pdf.set_y(top + height)
    pdf.ln(4)

    # tax breakdown (its heading never alone at the foot of a page)
    if pdf.get_y() + 4.6 + 5 * (len(bands) + 1) + 2 * CELL_PADDING > pdf.page_break_trigger:
        pdf.add_page()
    text("Tax breakdown", style="B")
    pdf.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    with pdf.table(
        col_widths=(25, 40, 40, 40),
        width=width * 0.8,
        align="LEFT",
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
        padding=1.2,
        borders_layout="SINGLE_TOP_LINE",
    ) as table:
        row = table.row()
        for heading in ("Rate", "Net", "Tax", "Gross"):
            row.cell(heading)
        for band in bands:
            row = table.row()
            row.cell(format_rate(band.rate))
            row.cell(m(band.net))
            row.cell(m(band.tax))
            row.cell(m(band.gross))
    pdf.ln(4)

    # payment and legal notes
    if order.total_charged:
        text(f"Paid: {m(order.total_charged)}")
    if order.total_refunded:
        text(f"Refunded: {m(order.total_refunded)}")
    if order.amount_due and order.status != Order.Status.CANCELLED:
        text(f"Amount due: {m(order.amount_due)}", style="B")
    if order.status == Order.Status.CANCELLED:
        cancelled = order.cancelled_at or order.updated_at
        text(f"This order was cancelled on {timezone.localtime(cancelled).date().isoformat()}.")
    if order.reverse_charge:
        pdf.ln(2)
        text(order.tax_note or REVERSE_CHARGE_NOTE, style="B")
    elif order.tax_note:
        pdf.ln(2)
        text(order.tax_note)
    return bytes(pdf.output())
