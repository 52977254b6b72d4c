"""The invoice's layout, read back with PDFium (pypdfium2): long product names, long SKUs,
many lines and a long voucher label must lay out cleanly. Every glyph's box is read from the
PDF's text layer; no two glyphs of different text pieces may overlap, every glyph stays
inside the page margins, and the rendered pages have no ink outside them either.

`INVOICE_LAYOUT_PNG=/some/dir` saves the rendered pages there, to look at."""

import os
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from mercato.orders.invoices import render_invoice_pdf
from mercato.orders.models import Order
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db

MM = 72 / 25.4  # PDF points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
SIDE, TOP, BOTTOM = 18 * MM, 18 * MM, 10 * MM  # the footer sits in the bottom margin
SEPARATORS = "-_/."

LONG_NAME = (
    "Organic cotton heavyweight oversized crew-neck T-shirt with embroidered logo and "
    "reinforced double-stitched seams"
)
LONG_VOUCHER = "SPRING-CLEARANCE-2026-EXTRA-LONG-VOUCHER-CODE-FOR-LOYAL-CUSTOMERS"


@dataclass(frozen=True)
class Glyph:
    page: int
    piece: int  # the PDF text object it belongs to
    char: str
    left: float
    bottom: float
    right: float
    top: float


def glyphs(pdf: pdfium.PdfDocument) -> list[Glyph]:
    """Every visible glyph of every page, with its tight box (PDF points, origin bottom left)
    and the text object that draws it."""
    found = []
    for number in range(len(pdf)):
        page = pdf[number]
        textpage = page.get_textpage()
        pieces: dict[int, int] = {}
        for index in range(textpage.count_chars()):
            char = textpage.get_text_range(index, 1)
            if not char.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            if right - left <= 0 or top - bottom <= 0:
                continue
            handle = pdfium_c.FPDFText_GetTextObject(textpage, index)
            address = pdfium_c.cast(handle, pdfium_c.c_void_p).value or 0
            piece = pieces.setdefault(address, len(pieces))
            found.append(Glyph(number, piece, char, left, bottom, right, top))
    return found


def overlaps(glyphs_: list[Glyph], slack: float = 0.25) -> list[tuple[Glyph, Glyph]]:
    """Pairs of glyphs of different text objects whose boxes overlap by more than `slack`
    points both ways (bucketed by page and height, so it stays quick for many lines)."""
    buckets: dict[tuple[int, int], list[Glyph]] = defaultdict(list)
    for g in glyphs_:
        for band in range(int(g.bottom // 10), int(g.top // 10) + 1):
            buckets[(g.page, band)].append(g)
    clashes = set()
    for bucket in buckets.values():
        bucket.sort(key=lambda g: g.left)
        for i, a in enumerate(bucket):
            for b in bucket[i + 1 :]:
                if b.left >= a.right - slack:
                    break
                if a.piece == b.piece:
                    continue
                wide = min(a.right, b.right) - max(a.left, b.left)
                high = min(a.top, b.top) - max(a.bottom, b.bottom)
                if wide > slack and high > slack:
                    clashes.add((a, b))
    return sorted(clashes, key=lambda p: (p[0].page, -p[0].top, p[0].left))


def outside_margins(glyphs_: list[Glyph]) -> list[Glyph]:
    return [
        g
        for g in glyphs_
        if g.left < SIDE - 0.5
        or g.right > PAGE_W - SIDE + 0.5
        or g.top > PAGE_H - TOP + 0.5
        or g.bottom < BOTTOM - 0.5
    ]


def ink_outside_margins(pdf: pdfium.PdfDocument, name: str) -> list[tuple[int, str]]:
    """Pages (and which margin) with non-white pixels outside the margins when rendered."""
    scale = 2
    found = []
    for number in range(len(pdf)):
        image = pdf[number].render(scale=scale).to_pil().convert("L")
        if folder := os.environ.get("INVOICE_LAYOUT_PNG"):
            Path(folder).mkdir(parents=True, exist_ok=True)
            image.save(Path(folder) / f"{name}-{number + 1}.png")
        width, height = image.size
        side, top, bottom = (round(v * scale) - 1 for v in (SIDE, TOP, BOTTOM))
        areas = {
            "left": (0, 0, side, height),
            "right": (width - side, 0, width, height),
            "top": (0, 0, width, top),
            "bottom": (0, height - bottom, width, height),
        }
        for margin, box in areas.items():
            darkest, _ = image.crop(box).getextrema()
            if darkest < 200:
                found.append((number + 1, margin))
    return found


def page_text(pdf: pdfium.PdfDocument) -> list[str]:
    """Each page's text, lines ending in "\\r\\n" (PDFium reads a hyphen that ends a line as a
    hyphenation mark, U+FFFE, and joins the lines: undone here)."""
    return [
        pdf[n].get_textpage().get_text_range().replace("\ufffe", "-\r\n") for n in range(len(pdf))
    ]


def sku_is_whole(sku: str, texts: list[str]) -> bool:
    """The SKU (or code) is printed on one line, or broken only right after a separator."""
    pieces, current = [], ""
    for char in sku:
        current += char
        if char in SEPARATORS:
            pieces.append(current)
            current = ""
    pieces.append(current)
    candidates = {sku}
    # every way of breaking it after separators
    for mask in range(1, 2 ** (len(pieces) - 1)):
        text = pieces[0]
        for i, piece in enumerate(pieces[1:]):
            text += ("\r\n" if mask >> i & 1 else "") + piece
        candidates.add(text)
    return any(candidate in text for text in texts for candidate in candidates)


def long_order(lines: int = 64, *, voucher: str = LONG_VOUCHER) -> Order:
    order = make_order(lines=[("19.99", 1 + i % 3) for i in range(lines)], allocate=False).order
    for i, line in enumerate(order.lines.order_by("pk")):
        kind = i % 4
        line.product_name = (
            LONG_NAME if kind == 0 else f"Product {i}" if kind == 1 else f"{LONG_NAME[:60]} {i}"
        )
        line.variant_name = "XL / Midnight blue" if kind != 1 else ""
        line.sku = (
            f"ACME-TSHIRT-ORGANIC-COTTON-XL-MIDNIGHT-BLUE-{i:04d}"
            if kind == 0
            else f"ABCDEFGHIJKLMNOPQRSTUVWXY{i:02d}"  # no separator: must fit
            if kind == 1
            else f"SKU-{i}"
        )
        line.save(update_fields=["product_name", "variant_name", "sku"])
    Order.objects.filter(pk=order.pk).update(
        voucher_code=voucher,
        discount_total=Decimal("10.00"),
        voucher_discount=Decimal("10.00"),
        shipping_method_name="Express courier, next working day before noon (signature)",
    )
    return Order.objects.get(pk=order.pk)


def check_layout(order: Order, name: str) -> pdfium.PdfDocument:
    pdf = pdfium.PdfDocument(render_invoice_pdf(order))
    ink = ink_outside_margins(pdf, name)  # first: saves the pages when asked to
    found = glyphs(pdf)
    assert found, "no text read back"
    clashes = overlaps(found)
    assert not clashes, [
        f"page {a.page + 1}: {a.char!r} over {b.char!r} at y={a.bottom / MM:.1f} mm"
        for a, b in clashes[:10]
    ]
    assert not outside_margins(found), [
        (g.page + 1, g.char, round(g.left / MM, 1), round(g.bottom / MM, 1))
        for g in outside_margins(found)[:10]
    ]
    assert not ink
    return pdf


def test_a_long_invoice_lays_out_without_overlap_and_inside_the_margins():
    order = long_order()

    pdf = check_layout(order, "long")

    assert len(pdf) >= 3
    texts = page_text(pdf)
    assert all("Unit price" in text for text in texts[:-1])  # the heading on every page
    assert sum(text.count("Product ") for text in texts) == 16


def test_skus_are_not_broken_mid_word():
    order = long_order()

    pdf = pdfium.PdfDocument(render_invoice_pdf(order))
    texts = page_text(pdf)

    broken = [
        sku for sku in order.lines.values_list("sku", flat=True) if not sku_is_whole(sku, texts)
    ]
    assert broken == []


def test_the_long_voucher_label_wraps_and_pushes_shipping_down():
    order = long_order(lines=2)

    pdf = check_layout(order, "voucher")

    text = page_text(pdf)[-1]
    assert text.index("Voucher SPRING") < text.index("Shipping (") < text.index("Total tax")
    assert sku_is_whole(LONG_VOUCHER, [text])  # the code breaks after a hyphen only


def test_a_short_invoice_still_lays_out_cleanly():
    order = make_order().order

    check_layout(order, "short")


def test_a_long_footer_and_shop_details_stay_clear_of_the_page_number(settings):
    settings.SHOP_NAME = (
        "The Extraordinarily Long-Named Purveyor of Fine Goods and Sundries GmbH & Co. KG"
    )
    settings.SHOP_ADDRESS = ["Industriegebiet Nord, Halle 7, Tor 3, An der alten Ziegelei 112-118"]
    settings.SHOP_INVOICE_FOOTER = (
        "Registered office: Berlin, Amtsgericht Charlottenburg HRB 123456 B. Managing "
        "directors: Ada Lovelace, Charles Babbage. Bank: Example Bank, IBAN DE89 3704 0044 "
        "0532 0130 00, BIC COBADEFFXXX. " * 2
    )

    pdf = check_layout(long_order(lines=30), "footer")

    assert len(pdf) >= 2
