"""The PDF invoice: real PDF bytes, read back with a small text extractor below (no PDF
reader is installed: fpdf2 writes, it does not read), and who may download it."""

import re
import zlib
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from mercato.accounts.models import AuthSession
from mercato.orders.errors import InvoiceNotAvailable
from mercato.orders.formatting import format_money, format_rate
from mercato.orders.invoices import render_invoice_pdf
from mercato.orders.invoices.layout import printable
from mercato.orders.invoices.render import REVERSE_CHARGE_NOTE
from mercato.orders.models import Order
from tests.support import StaffFactory, sign_in
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db

# --- reading the PDF back -------------------------------------------------------------------

OBJECT = re.compile(rb"(\d+) 0 obj\s*")
LENGTH = re.compile(rb"/Length (\d+)")
LITERAL = rb"\((?:\\.|[^\\()])*\)"
TOKENS = re.compile(
    rb"/(\w+)\s+[\d.]+\s+Tf|(" + LITERAL + rb")\s*Tj|\[((?:" + LITERAL + rb"|[^\]])*)\]\s*TJ", re.S
)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Each indirect object as (dictionary text, decoded stream or None)."""
    objects, position = {}, 0
    while match := OBJECT.search(data, position):
        start = match.end()
        stream_at = data.find(b"stream", start)
        end_at = data.find(b"endobj", start)
        if stream_at != -1 and stream_at < end_at:
            head = data[start:stream_at]
            body_start = stream_at + len(b"stream")
            body_start += 2 if data[body_start : body_start + 2] == b"\r\n" else 1
            length = int(LENGTH.search(head).group(1))
            stream = data[body_start : body_start + length]
            if b"/FlateDecode" in head:
                stream = zlib.decompress(stream)
            objects[int(match.group(1))] = (head, stream)
            position = data.find(b"endobj", body_start + length) + 6
        else:
            objects[int(match.group(1))] = (data[start:end_at], None)
            position = end_at + 6
    return objects


def _unescape(literal: bytes) -> bytes:
    out, i, body = bytearray(), 0, literal[1:-1]
    while i < len(body):
        char = body[i : i + 1]
        if char != b"\\":
            out += char
            i += 1
            continue
        following = body[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", body[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(0), 8))
            i += 1 + len(octal.group(0))
        else:
            out += ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def _to_unicode(cmap: bytes) -> dict[int, str]:
    mapping = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, text in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section
        ):
            first = int(text, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages, one shown string per line (fonts with a ToUnicode map)."""
    objects = _objects(data)
    fonts: dict[bytes, dict[int, str]] = {}
    for head, _stream in objects.values():
        for block in re.findall(rb"/Font\s*<<(.*?)>>", head, re.S):
            for name, number in re.findall(rb"/(\w+)\s+(\d+) 0 R", block):
                font_head = objects[int(number)][0]
                to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font_head)
                if to_unicode:
                    fonts[name] = _to_unicode(objects[int(to_unicode.group(1))][1])
    shown, font = [], {}
    for head, stream in objects.values():
        if stream is None or b"/Type /Page" in head or b"BT" not in stream:
            continue
        for match in TOKENS.finditer(stream):
            if match.group(1):
                font = fonts.get(match.group(1), {})
                continue
            literals = [match.group(2)] if match.group(2) else re.findall(LITERAL, match.group(3))
            raw = b"".join(_unescape(literal) for literal in literals)
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            shown.append("".join(font.get(code, "\ufffd") for code in codes))
    return "\n".join(shown)


# --- the document ---------------------------------------------------------------------------


def test_the_invoice_is_a_pdf_with_the_order_on_it():
    placed = make_order(lines=[("20.00", 2), ("15.00", 1)], shipping="4.90")
    order = placed.order

    data = render_invoice_pdf(order)

    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    assert f"INV-{order.number}" in text
    assert f"Order: #{order.number}" in text
    for v in placed.variants:
        assert v.sku in text
    assert "Ada Lovelace" in text
    assert "10117 Berlin" in text
    assert "guest@example.com" in text
    assert "40.00 EUR" in text  # 2 x 20.00
    assert "Shipping (Standard)" in text
    assert "4.90 EUR" in text
    assert "59.90 EUR" in text  # the total
    assert "VAT 19 %" in text
    assert "Tax breakdown" in text
    assert "Amount due: 59.90 EUR" in text
    assert REVERSE_CHARGE_NOTE not in text


def test_the_tax_breakdown_adds_up_per_rate():
    order = make_order(lines=[("11.90", 1)], shipping="5.95").order
    text = pdf_text(render_invoice_pdf(order))
    # 11.90 gross → 10.00 + 1.90; 5.95 → 5.00 + 0.95: one band at 19 %
    assert "15.00 EUR" in text
    assert "2.85 EUR" in text
    assert "17.85 EUR" in text


def test_unicode_names_print_and_missing_glyphs_fall_back():
    order = make_order().order
    Order.objects.filter(pk=order.pk).update(
        billing_address={
            **order.billing_address,
            "first_name": "Zoë",
            "last_name": "Łukasiewicz",
            "city": "東京",
            "line2": "Ελληνικά / Кириллица",
        }
    )
    order.lines.filter(pk=order.lines.first().pk).update(product_name="Crème brûlée (東京)")
    order.refresh_from_db()

    data = render_invoice_pdf(order)

    text = pdf_text(data)
    assert "Zoë Łukasiewicz" in text
    assert "Ελληνικά / Кириллица" in text
    assert "10117 ??" in text  # DejaVu has no CJK glyphs: "?" each, no crash
    assert "Crème brûlée (??)" in text


def test_printable_replaces_controls_and_unknown_glyphs():
    assert printable("a\nb\tc") == "a b c"
    assert printable("東京 ok") == "?? ok"
    assert printable("Łódź €") == "Łódź €"


def test_reverse_charge_discount_and_payments_are_shown():
    order = make_order().order
    Order.objects.filter(pk=order.pk).update(
        reverse_charge=True,
        vat_number="FR40303265045",
        voucher_discount=Decimal("5.00"),
        voucher_code="SPRING",
        total_charged=Decimal("59.90"),
        total_refunded=Decimal("15.00"),
    )
    order.refresh_from_db()

    text = pdf_text(render_invoice_pdf(order))

    assert REVERSE_CHARGE_NOTE[:40] in text.replace("\n", " ")
    assert "VAT number: FR40303265045" in text
    assert "Voucher SPRING" in text
    assert "-5.00 EUR" in text
    assert "Paid: 59.90 EUR" in text
    assert "Refunded: 15.00 EUR" in text
    assert "Amount due" not in text


def test_a_draft_has_no_invoice():
    order = make_order().order
    Order.objects.filter(pk=order.pk).update(status=Order.Status.DRAFT, placed_at=None)
    order.refresh_from_db()
    with pytest.raises(InvoiceNotAvailable):
        render_invoice_pdf(order)


def test_formatting():
    assert format_money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(Decimal("0.005"), "USD") == "0.01 USD"
    assert format_rate(Decimal("0.1900")) == "19 %"
    assert format_rate(Decimal("0.0550")) == "5.5 %"
    assert format_rate(Decimal("0")) == "0 %"


# --- the API --------------------------------------------------------------------------------


def _assert_pdf(response, order):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="invoice-INV-{order.number}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert f"INV-{order.number}" in pdf_text(response.content)


def test_the_customer_downloads_the_invoice(api, customer, customer_token):
    order = make_order(user=customer).order
    response = api.get_json(
        f"/api/store/orders/{order.public_id}/invoice.pdf", token=customer_token
    )
    _assert_pdf(response, order)


def test_a_guest_downloads_it_with_the_order_token(api):
    order = make_order(email="guest@example.com").order
    url = f"/api/store/orders/{order.public_id}/invoice.pdf"

    _assert_pdf(api.get_json(url, headers={"X-Order-Token": order.guest_token}), order)
    _assert_pdf(api.get_json(url, {"token": order.guest_token}), order)


@pytest.mark.parametrize("who", ["stranger", "nobody", "wrong_token", "bad_id", "draft"])
def test_someone_elses_invoice_is_not_found(api, customer, other_customer, who):
    order = make_order(user=customer).order
    url = f"/api/store/orders/{order.public_id}/invoice.pdf"
    kwargs = {}
    if who == "stranger":
        kwargs["token"] = sign_in(other_customer).access_token
    elif who == "wrong_token":
        kwargs["headers"] = {"X-Order-Token": "x" * 43}
    elif who == "bad_id":
        url = "/api/store/orders/not-a-uuid/invoice.pdf"
        kwargs["token"] = sign_in(customer).access_token
    elif who == "draft":
        Order.objects.filter(pk=order.pk).update(status=Order.Status.DRAFT, placed_at=None)
        kwargs["token"] = sign_in(customer).access_token

    response = api.get_json(url, **kwargs)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "order_not_found"


def test_staff_download_any_invoice(api, owner_token):
    order = make_order().order
    response = api.get_json(f"/api/admin/orders/{order.public_id}/invoice.pdf", token=owner_token)
    _assert_pdf(response, order)


def test_staff_need_the_view_order_permission(api, staff_token_without_permissions):
    order = make_order().order
    url = f"/api/admin/orders/{order.public_id}/invoice.pdf"

    assert api.get_json(url).status_code == 401
    response = api.get_json(url, token=staff_token_without_permissions)
    assert response.status_code == 403

    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token
    _assert_pdf(api.get_json(url, token=token), order)


def test_staff_get_404_for_an_unknown_order_and_409_for_a_draft(api, owner_token):
    order = make_order().order
    unknown = api.get_json(
        "/api/admin/orders/00000000-0000-4000-8000-000000000000/invoice.pdf", token=owner_token
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "order_not_found"
    assert api.get_json("/api/admin/orders/nope/invoice.pdf", token=owner_token).status_code == 404

    Order.objects.filter(pk=order.pk).update(status=Order.Status.DRAFT, placed_at=None)
    draft = api.get_json(f"/api/admin/orders/{order.public_id}/invoice.pdf", token=owner_token)
    assert draft.status_code == 409
    assert draft.json()["code"] == "invoice_not_available"
