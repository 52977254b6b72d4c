"""A small layout engine for the invoice, on fpdf2: a page with a cursor (`InvoicePage`: its
paragraphs and its footer) and the blocks an invoice is made of, each drawn at the cursor and
leaving it below itself: the header, the address blocks, the lines table, the totals, the tax
breakdown and the notes. The blocks know nothing of orders: they take text.

Layout: a row of the lines table is as tall as its tallest cell and moves whole to the next
page, which repeats the table's headings. The SKU column is as wide as the longest SKU needs
(within SKU_COLUMN); a SKU still too long is set smaller, else broken after its separators,
never inside a run of letters unless that run alone is wider than the column. Totals labels
wrap within their column (codes after their hyphens) and push the next row down; the totals
stay on one page. The footer wraps beside the page number (three lines at most).

The text is set in DejaVu Sans (shipped in `orders/fonts/`, with its licence), which covers
Latin, Greek and Cyrillic; a character the font lacks (e.g. Chinese) is printed as "?" rather
than failing or vanishing.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace, TTFFont

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
MISSING_GLYPH = "?"

TEXT_SIZE, TEXT_LINE = 9, 4.6
TITLE_SIZE, TITLE_LINE = 15, 7
BLOCK_GAP = 8  # below the header and the address blocks
# The lines table: its font, and the columns (mm) besides the item and the SKU, which share
# the rest of the page's width: the SKU column as wide as the longest SKU needs, within bounds.
TABLE_FONT_SIZE = 8.5
TABLE_LINE = 5
SKU_MIN_FONT_SIZE = 6.5
CELL_PADDING = 1.2
FIXED_COLUMNS = (10, 25, 13, 27)  # Qty, Unit price, Tax, Total
SKU_COLUMN = (24, 46)  # narrowest, widest
SKU_SEPARATORS = "-_/.:"
HEADER_LEFT, HEADER_RIGHT = 0.55, 0.45  # of the page's width: the shop, the invoice's facts
TOTALS_LABEL, TOTALS_VALUE = 0.5, 0.2  # of the page's width, flush right
BREAKDOWN_COLUMNS, BREAKDOWN_WIDTH = (25, 40, 40, 40), 0.8

# fontTools logs every subsetting step at INFO: one invoice would fill the log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)


@cache
def _covered_codepoints() -> frozenset[int]:
    """Characters both faces can draw."""
    pdf = FPDF()
    covered: set[int] | None = None
    for style, filename in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, str(FONT_DIR / filename))
        font = cast(TTFFont, pdf.fonts[f"{FONT_FAMILY.lower()}{style}"])
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


# --- the page and its cursor --------------------------------------------------------------


class InvoicePage(FPDF):
    """An A4 document in DejaVu Sans with 18 mm margins; its cursor is fpdf's (x, y)."""

    FOOTER_LINE, FOOTER_LINES, PAGE_NUMBER_W = 4.0, 3, 16

    def __init__(self, *, title: str, author: str, created: datetime, footer_text: str) -> None:
        super().__init__(format="A4", unit="mm")
        self.footer_text = footer_text
        self.set_title(title)
        self.set_author(author)
        self.set_creator(author)
        self.set_creation_date(created)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=22)
        for style, filename in FONT_FILES.items():
            self.add_font(FONT_FAMILY, style, str(FONT_DIR / filename))
        self.add_page()

    def footer(self) -> None:
        """The footer text (wrapped, at most three lines) left and the page number right,
        side by side in the bottom margin, ending 10 mm above the page's edge."""
        self.set_font(FONT_FAMILY, "", 8)
        self.set_text_color(110, 110, 110)
        text_w = self.epw - self.PAGE_NUMBER_W - 2
        lines = self.wrapped(text_w, self.FOOTER_LINE, printable(self.footer_text))
        lines = lines[: self.FOOTER_LINES]
        top = self.h - 10 - max(len(lines), 1) * self.FOOTER_LINE
        self.set_xy(self.l_margin, top)
        self.multi_cell(text_w, self.FOOTER_LINE, "\n".join(lines), align="L")
        self.set_xy(self.l_margin + self.epw - self.PAGE_NUMBER_W, top)
        self.cell(self.PAGE_NUMBER_W, self.FOOTER_LINE, f"{self.page_no()}/{{nb}}", align="R")

    def wrapped(self, w: float, h: float, text: str) -> list[str]:
        """How `text` wraps in a cell `w` wide (lines `h` high) in the current font."""
        lines = self.multi_cell(w, h, text, dry_run=True, output=MethodReturnValue.LINES)
        return cast(list[str], lines)

    def lines_of(self, w: float, text: str) -> list[str]:
        """How `text` wraps in a cell `w` wide in the current font."""
        return self.wrapped(w, 1, text)

    def paragraph(
        self,
        value: object,
        *,
        size: float = TEXT_SIZE,
        style: str = "",
        h: float = TEXT_LINE,
        w: float = 0,
        align: str = "L",
        new_x: XPos = XPos.LMARGIN,
        new_y: YPos = YPos.NEXT,
        broken: bool = False,
    ) -> None:
        """A paragraph `w` wide (0: to the right margin) at the cursor; `broken`: `value` is
        already printable, broken into lines."""
        self.set_font(FONT_FAMILY, style, size)
        text = str(value) if broken else printable(value)
        self.multi_cell(w, h, text, new_x=new_x, new_y=new_y, align=align)

    def keep_together(self, height: float) -> None:
        """A new page unless `height` mm still fit above the bottom margin."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def bytes(self) -> bytes:
        return bytes(self.output())


def wrap(pdf: FPDF, text: str, w: float) -> str:
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


# --- the blocks ---------------------------------------------------------------------------


def header(
    page: InvoicePage,
    *,
    left_title: str,
    left_lines: Sequence[str],
    right_title: str,
    right_lines: Sequence[str],
) -> None:
    """Two columns side by side: a title and lines on the left, a title and lines flush right
    on the right; the cursor goes below the taller."""
    width = page.epw
    left_w, right_x = width * HEADER_LEFT, page.l_margin + width * HEADER_LEFT
    top = page.get_y()
    page.paragraph(left_title, size=TITLE_SIZE, style="B", h=TITLE_LINE, w=left_w)
    for line in left_lines:
        page.paragraph(line, w=left_w)
    left_bottom = page.get_y()
    page.set_xy(right_x, top)
    page.paragraph(
        right_title, size=TITLE_SIZE, style="B", h=TITLE_LINE, align="R", new_x=XPos.LEFT
    )
    for line in right_lines:
        page.set_x(right_x)
        page.paragraph(line, align="R", w=width * HEADER_RIGHT)
    page.set_y(max(left_bottom, page.get_y()) + BLOCK_GAP)


@dataclass(frozen=True)
class AddressBlock:
    title: str
    lines: Sequence[str]


def address_blocks(page: InvoicePage, blocks: Sequence[AddressBlock]) -> None:
    """Blocks side by side, each half the page wide: a bold title over its lines."""
    width = page.epw
    top = bottom = page.get_y()
    for index, block in enumerate(blocks):
        x = page.l_margin + index * width / 2
        page.set_xy(x, top)
        page.paragraph(block.title, style="B", w=width / 2 - 4, new_x=XPos.LEFT)
        for line in block.lines:
            page.set_x(x)
            page.paragraph(line, w=width / 2 - 4, new_x=XPos.LEFT)
        bottom = max(bottom, page.get_y())
    page.set_y(bottom + BLOCK_GAP)


@dataclass(frozen=True)
class LineRow:
    """One row of the lines table, as text."""

    item: str
    sku: str
    quantity: str
    unit_price: str
    tax_rate: str
    total: str


def _sku_column_width(page: InvoicePage, skus: Sequence[str]) -> float:
    """The SKU column's width (mm): the longest SKU on one line at the table's size, within
    SKU_COLUMN."""
    page.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    widest = max((page.get_string_width(sku) for sku in skus), default=0)
    low, high = SKU_COLUMN
    return min(max(widest + 2 * CELL_PADDING + 0.5, low), high)


def _sku_cell(page: InvoicePage, sku: str, inner_w: float) -> tuple[str, float]:
    """A SKU as it fits a column `inner_w` wide (mm, without padding): on one line at the
    table's size, else on one line at a smaller size (down to SKU_MIN_FONT_SIZE), else at the
    table's size broken after separators (- _ / . :); only a run without any is broken inside.
    Returns (text, font size)."""
    page.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    width = page.get_string_width(sku)
    if width <= inner_w:
        return sku, TABLE_FONT_SIZE
    smaller = TABLE_FONT_SIZE * inner_w / width
    if smaller >= SKU_MIN_FONT_SIZE:
        return sku, max(SKU_MIN_FONT_SIZE, int(smaller * 10) / 10)
    return wrap(page, sku, inner_w), TABLE_FONT_SIZE


def line_table(page: InvoicePage, headings: Sequence[str], rows: Sequence[LineRow]) -> None:
    """The lines table: item and SKU left, the numbers right. Rows take the height of their
    tallest cell; a row that does not fit moves whole to the next page, which repeats the
    headings."""
    width = page.epw
    skus = [printable(row.sku) for row in rows]
    sku_w = _sku_column_width(page, skus)
    page.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    with page.table(
        col_widths=(width - sku_w - sum(FIXED_COLUMNS), sku_w, *FIXED_COLUMNS),
        width=width,
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=TABLE_LINE,
        padding=CELL_PADDING,
        borders_layout="SINGLE_TOP_LINE",
        first_row_as_headings=True,
        repeat_headings=1,
    ) as table:
        heading_row = table.row()
        for heading in headings:
            heading_row.cell(heading)
        for row, sku in zip(rows, skus, strict=True):
            cells = table.row()
            cells.cell(printable(row.item))
            sku_text, sku_size = _sku_cell(page, sku, sku_w - 2 * CELL_PADDING)
            sku_face = FontFace(size_pt=sku_size) if sku_size != TABLE_FONT_SIZE else None
            cells.cell(sku_text, style=sku_face)
            for text in (row.quantity, row.unit_price, row.tax_rate, row.total):
                cells.cell(text)
    page.ln(4)


@dataclass(frozen=True)
class TotalRow:
    label: str
    value: str
    bold: bool = False


def totals(page: InvoicePage, rows: Sequence[TotalRow]) -> None:
    """Label and value flush right, one row under the other. Each label wraps within its
    column and its row is as tall as it; the block stays on one page."""
    width = page.epw
    label_w, value_w = width * TOTALS_LABEL, width * TOTALS_VALUE
    left = page.l_margin + width - label_w - value_w
    placed: list[tuple[str, TotalRow, float]] = []
    for row in rows:
        page.set_font(FONT_FAMILY, "B" if row.bold else "", TEXT_SIZE)
        label = wrap(page, printable(row.label), label_w - 2 * page.c_margin)
        label_lines = len(page.lines_of(label_w, printable(label)))
        height = TEXT_LINE * max(label_lines, len(page.lines_of(value_w, row.value)))
        placed.append((label, row, height))
    page.keep_together(sum(height for _, _, height in placed))
    for label, row, height in placed:
        top = page.get_y()
        style = "B" if row.bold else ""
        page.set_x(left)
        page.paragraph(
            label, style=style, w=label_w, align="R", new_x=XPos.RIGHT, new_y=YPos.TOP, broken=True
        )
        page.paragraph(row.value, style=style, w=value_w, align="R")
        page.set_y(top + height)
    page.ln(4)


def small_table(
    page: InvoicePage, title: str, headings: Sequence[str], rows: Sequence[Sequence[str]]
) -> None:
    """A bold title over a narrow table (first column left, the others right), the title
    never alone at the foot of a page."""
    page.keep_together(TEXT_LINE + TABLE_LINE * (len(rows) + 1) + 2 * CELL_PADDING)
    page.paragraph(title, style="B")
    page.set_font(FONT_FAMILY, "", TABLE_FONT_SIZE)
    with page.table(
        col_widths=BREAKDOWN_COLUMNS,
        width=page.epw * BREAKDOWN_WIDTH,
        align="LEFT",
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=TABLE_LINE,
        padding=CELL_PADDING,
        borders_layout="SINGLE_TOP_LINE",
    ) as table:
        for cells in (headings, *rows):
            row = table.row()
            for text in cells:
                row.cell(text)
    page.ln(4)


@dataclass(frozen=True)
class Note:
    text: str
    bold: bool = False
    space_before: float = 0


def notes(page: InvoicePage, items: Sequence[Note]) -> None:
    """Paragraphs the page wide, one under the other."""
    for note in items:
        if note.space_before:
            page.ln(note.space_before)
        page.paragraph(note.text, style="B" if note.bold else "")
