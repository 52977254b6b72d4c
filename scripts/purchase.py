#!/usr/bin/env python3
"""A whole purchase against a RUNNING Mercato, over HTTP, as a storefront and a merchant make it.

    BASE_URL=http://127.0.0.1:8000 STAFF_PASSWORD=… scripts/purchase.py

A guest browses, opens a product, searches, fills a cart (two variants, one of them twice),
gives an email and a German address, picks a shipping method, applies a voucher, completes with
an Idempotency-Key (a replay gives the same order and makes no other), and pays with the test
card processor. Staff then sign in to the admin API, fulfil (ship, deliver), take a return of
one unit back (approve, receive with restock, refund) and refund 1.00 more by hand. Every
figure the server answers is checked: line totals, subtotal, voucher discount, shipping, tax
and total add up exactly (Decimal), match the prices on the product pages, and follow the
pricing rules of `pricing/pipeline.py`; so do the stock ledger and the payment's and order's
money after the refunds.

Environment:
  BASE_URL        the server (default http://127.0.0.1:8000)
  STAFF_EMAIL     a staff account with the Owner or Order manager role (default
                  admin@example.com, the demo staff account)
  STAFF_PASSWORD  its password (default: $MERCATO_DEMO_STAFF_PASSWORD, which makes
                  `mercato run` give the demo staff account that password)
  VOUCHER         the voucher code to apply (default WELCOME10, the demo voucher; empty: none)

The shopper is a guest with a fresh address (purchase-<random>@example.com): no customer
account is made, so nothing is left to erase. The order stays, refunded in part, as a shop's
books keep it. Python 3.10+, standard library only. Exits 1 naming the failed step.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
STAFF_EMAIL = os.environ.get("STAFF_EMAIL", "admin@example.com")
STAFF_PASSWORD = os.environ.get("STAFF_PASSWORD") or os.environ.get(
    "MERCATO_DEMO_STAFF_PASSWORD", ""
)
VOUCHER = os.environ.get("VOUCHER", "WELCOME10")
GOODWILL = Decimal("1.00")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

STEP = "start"


class Failed(Exception):
    pass


def step(name: str) -> None:
    global STEP
    STEP = name


def ok(detail: str = "") -> None:
    print(f"ok   {STEP}{' -> ' + detail if detail else ''}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def same(actual: Any, expected: Any, what: str) -> None:
    check(actual == expected, f"{what}: got {actual!r}, expected {expected!r}")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(obj: dict[str, Any], currency: str) -> Decimal:
    """A money object's amount, after checking its shape and currency."""
    check(isinstance(obj, dict) and set(obj) == {"amount", "currency"}, f"not money: {obj!r}")
    same(obj["currency"], currency, "currency")
    amount = obj["amount"]
    check(isinstance(amount, str), f"an amount must be a string, not {amount!r}")
    value = Decimal(amount)
    check(value == cents(value) and amount == str(cents(value)), f"not whole cents: {amount!r}")
    return value


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise Failed(f"not JSON ({exc}): {self.body[:300]!r}") from exc


def call(
    method: str,
    path: str,
    body: Any = None,
    *,
    expect: int = 200,
    token: str = "",
    headers: dict[str, str] | None = None,
) -> Any:
    """Send one request; the answer's JSON, after checking its HTTP status."""
    response = request(method, path, body, token=token, headers=headers)
    if response.status != expect:
        raise Failed(
            f"{method} {path}: HTTP {response.status}, expected {expect}: "
            f"{response.body[:1500].decode(errors='replace')}"
        )
    return response.json() if response.body else None


def request(
    method: str, path: str, body: Any = None, *, token: str = "", headers: dict | None = None
) -> Response:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE_URL + path, data=data, method=method)  # noqa: S310
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=60) as answer:  # noqa: S310
            return Response(answer.status, dict(answer.headers.items()), answer.read())
    except urllib.error.HTTPError as answer:
        return Response(answer.code, dict(answer.headers.items()), answer.read())
    except (urllib.error.URLError, OSError) as exc:
        raise Failed(f"{method} {path}: no answer from {BASE_URL}: {exc}") from exc


def q(**params: Any) -> str:
    return "?" + urllib.parse.urlencode(params, doseq=True)


# --- the pricing rules (pricing/pipeline.py), to check the server's figures against ---------


def spread(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """The voucher's shares per line: round the running total (the last line takes the rest)."""
    whole = sum(weights, ZERO)
    shares, given, running = [], ZERO, ZERO
    for weight in weights:
        running += weight
        so_far = cents(amount * running / whole) if whole else ZERO
        shares.append(so_far - given)
        given = so_far
    return shares


def taxed(amount: Decimal, rate: Decimal, prices_include_tax: bool) -> tuple[Decimal, Decimal]:
    """(net, tax) of an entered amount at a rate."""
    if prices_include_tax:
        net = cents(amount / (1 + rate))
        return net, amount - net
    return amount, cents(amount * rate)


# --- the purchase ---------------------------------------------------------------------------


def health() -> None:
    step("health")
    call("GET", "/health/live")
    ready = call("GET", "/health/ready")
    same(ready.get("status"), "ok", f"readiness ({ready})")
    ok()


def browse() -> list[dict[str, Any]]:
    """The first page of in-stock products, each item's price range checked on its page."""
    step("browse the product list")
    # the dearest first, so that two of them reach a voucher's minimum order value
    page = call("GET", "/api/store/products" + q(in_stock="true", sort="-price", limit=24))
    items = page["items"]
    check(len(items) >= 2, f"fewer than 2 products in stock: {len(items)}")
    prices = [Decimal(item["price"]["min"]["amount"]) for item in items]
    same(prices, sorted(prices, reverse=True), "sort=-price order")
    check(all(item["in_stock"] for item in items), "in_stock=true listed a product out of stock")
    same(page["facets"]["total"] >= len(items), True, "facets.total covers the page")
    ok(f"{len(items)} products, {page['facets']['total']} in stock in all")
    return items


def open_product(item: dict[str, Any]) -> dict[str, Any]:
    step(f"open the product page {item['slug']}")
    product = call("GET", f"/api/store/products/{item['slug']}")
    same(product["id"], item["id"], "the product's id")
    by_id = call("GET", f"/api/store/products/{item['id']}")
    same(by_id["slug"], item["slug"], "the same product by id")
    currency = item["price"]["min"]["currency"]
    variant_prices = [money(v["price"], currency) for v in product["variants"]]
    check(variant_prices, "a listed product has no variants")
    same(money(product["price"]["min"], currency), min(variant_prices), "price.min")
    same(money(product["price"]["max"], currency), max(variant_prices), "price.max")
    same(money(item["price"]["min"], currency), min(variant_prices), "the list's price.min")
    same(money(item["price"]["max"], currency), max(variant_prices), "the list's price.max")
    stock = call("GET", f"/api/store/products/{item['slug']}/availability")
    in_stock = {row["variant_id"] for row in stock if row["in_stock"]}
    product["buyable"] = [v for v in product["variants"] if v["id"] in in_stock]
    ok(f"{len(product['variants'])} variants, {len(product['buyable'])} in stock")
    return product


def search(product: dict[str, Any]) -> None:
    step(f"search for {product['name']!r}")
    found = call("GET", "/api/store/products" + q(q=product["name"], limit=24))
    ids = [item["id"] for item in found["items"]]
    check(product["id"] in ids, f"{product['name']!r} is not among the {len(ids)} results")
    ok(f"{len(ids)} results, the product among them")


def add_lines(cart: str, products: list[dict[str, Any]]) -> tuple[dict, list[tuple]]:
    """One unit of a variant of the first product, two of the second (added one by one: the
    same variant again adds up). A variant that ran out is skipped for the next."""
    step("add lines to the cart")
    chosen: list[tuple[dict[str, Any], dict[str, Any], int]] = []
    body = None
    for product, quantity in zip(products, (1, 2), strict=True):
        for variant in product["buyable"]:
            answer = request(
                "POST",
                f"/api/store/carts/{cart}/lines",
                {"variant_id": variant["id"], "quantity": 1},
            )
            if answer.status == 409 and answer.json().get("code") == "insufficient_stock":
                continue
            same(answer.status, 200, f"add {variant['sku']} ({answer.body[:300]!r})")
            body = answer.json()
            if quantity == 2:
                body = call(
                    "POST",
                    f"/api/store/carts/{cart}/lines",
                    {"variant_id": variant["id"], "quantity": 1},
                )
            chosen.append((product, variant, quantity))
            break
        else:
            raise Failed(f"no variant of {product['slug']} could be added")
    lines = body["lines"]
    same(
        [(line["variant_id"], line["quantity"]) for line in lines],
        [(v["id"], n) for _, v, n in chosen],
        "the cart's lines (adding again adds up)",
    )
    ok(", ".join(f"{n} x {v['sku']}" for _, v, n in chosen))
    return body, chosen


def check_cart_figures(
    cart: dict[str, Any], chosen: list[tuple], method_price: Decimal, currency: str
) -> dict[str, Decimal]:
    """Every figure of the priced cart, against the product pages and the pricing rules."""
    totals = cart["totals"]
    include = totals["prices_include_tax"]
    subtotal = line_totals = voucher_sum = line_tax = ZERO
    for line, (_, variant, quantity) in zip(cart["lines"], chosen, strict=True):
        sku = line["sku"]
        same(sku, variant["sku"], "line sku")
        same(line["quantity"], quantity, f"{sku} quantity")
        unit = money(line["unit_price"], currency)
        same(unit, money(variant["price"], currency), f"{sku} unit price = the product page's")
        discounted = money(line["unit_price_discounted"], currency)
        check(ZERO <= discounted <= unit, f"{sku} discounted unit price {discounted}")
        same(
            money(line["promotion_discount"], currency),
            (unit - discounted) * quantity,
            f"{sku} promotion discount",
        )
        voucher = money(line["voucher_discount"], currency)
        total = money(line["total"], currency)
        same(total, discounted * quantity - voucher, f"{sku} total = units - voucher share")
        rate = Decimal(line["tax_rate"])
        check(ZERO <= rate < 1, f"{sku} tax rate {rate}")
        subtotal += discounted * quantity
        line_totals += total
        voucher_sum += voucher
        line_tax += taxed(total, rate, include)[1]
    same(money(totals["subtotal"], currency), subtotal, "subtotal = sum of lines")
    discount = money(totals["discount"], currency)
    same(discount, voucher_sum, "discount = sum of the lines' voucher shares")
    weights = [
        money(line["unit_price_discounted"], currency) * line["quantity"] for line in cart["lines"]
    ]
    same(
        [money(line["voucher_discount"], currency) for line in cart["lines"]],
        spread(discount, weights),
        "the voucher spread over the lines by their subtotals",
    )
    shipping = money(totals["shipping"], currency)
    same(shipping, method_price, "shipping = the chosen method's price")
    total = money(totals["total"], currency)
    tax = money(totals["tax"], currency)
    if include:
        same(total, line_totals + shipping, "total = line totals + shipping")
    else:
        same(total, line_totals + shipping + tax, "total = line totals + shipping + tax")
    shipping_tax = tax - line_tax
    check(ZERO <= shipping_tax <= shipping, f"tax {tax} - lines' tax {line_tax}: shipping tax")
    return {
        "subtotal": subtotal,
        "discount": discount,
        "shipping": shipping,
        "tax": tax,
        "total": total,
    }


def check_order_figures(order: dict[str, Any], cart: dict[str, Any], currency: str) -> None:
    """The placed order keeps the cart's figures, split into net and tax exactly."""
    include = order["prices_include_tax"]
    same(len(order["lines"]), len(cart["lines"]), "order lines")
    nets = grosses = taxes = ZERO
    for line, cart_line in zip(order["lines"], cart["lines"], strict=True):
        sku = line["sku"]
        same((sku, line["quantity"]), (cart_line["sku"], cart_line["quantity"]), "order line")
        for name in (
            "unit_price",
            "unit_price_discounted",
            "promotion_discount",
            "voucher_discount",
        ):
            same(money(line[name], currency), money(cart_line[name], currency), f"{sku} {name}")
        same(line["tax_rate"], cart_line["tax_rate"], f"{sku} tax rate")
        gross, net, tax = (
            money(line[k], currency) for k in ("total_gross", "total_net", "total_tax")
        )
        entered = money(cart_line["total"], currency)
        expected_net, expected_tax = taxed(entered, Decimal(line["tax_rate"]), include)
        same((net, tax), (expected_net, expected_tax), f"{sku} net and tax of {entered}")
        same(gross, net + tax, f"{sku} gross = net + tax")
        nets, grosses, taxes = nets + net, grosses + gross, taxes + tax
    ship = order["shipping"]
    s_gross, s_net, s_tax = (money(ship[k], currency) for k in ("gross", "net", "tax"))
    s_expected = taxed(
        money(cart["totals"]["shipping"], currency), Decimal(ship["tax_rate"]), include
    )
    same((s_net, s_tax), s_expected, "shipping net and tax")
    same(s_gross, s_net + s_tax, "shipping gross = net + tax")
    stated = order["totals"]
    for flag in ("prices_include_tax", "reverse_charge", "tax_note"):
        same(stated[flag], cart["totals"][flag], f"order totals {flag} = the cart's")
    t = {k: money(v, currency) for k, v in stated.items() if isinstance(v, dict)}
    same(t["subtotal_gross"], grosses, "subtotal_gross = sum of line grosses")
    same(t["subtotal_net"], nets, "subtotal_net = sum of line nets")
    same(t["tax"], taxes + s_tax, "tax = lines' tax + shipping tax")
    same(t["net"], nets + s_net, "net = lines' net + shipping net")
    same(t["gross"], t["net"] + t["tax"], "gross = net + tax")
    same(t["gross"], grosses + s_gross, "gross = lines + shipping")
    same(t["total"], t["gross"], "total = gross (the deprecated name)")
    for name in ("subtotal", "discount", "shipping", "tax", "total"):
        same(t[name], money(cart["totals"][name], currency), f"order {name} = the cart's")


def movements(admin: str, number: int) -> list[dict[str, Any]]:
    return call("GET", "/api/admin/inventory/movements" + q(order=number, limit=100), token=admin)[
        "items"
    ]


def stock_of(admin: str, sku: str, warehouse: str) -> dict[str, Any]:
    rows = call(
        "GET",
        "/api/admin/inventory/stocks" + q(search=sku, warehouse=warehouse, limit=100),
        token=admin,
    )["items"]
    rows = [row for row in rows if row["sku"] == sku and row["warehouse"] == warehouse]
    same(len(rows), 1, f"stock rows of {sku} in {warehouse}")
    return rows[0]


def main() -> int:  # one journey, read top to bottom
    started = time.monotonic()
    print(f"Mercato purchase check against {BASE_URL}")
    health()

    items = browse()
    products = []
    for item in items:
        product = open_product(item)
        if product["buyable"]:
            products.append(product)
        if len(products) == 2:
            break
    check(len(products) == 2, "fewer than two products with a variant in stock")
    search(products[0])

    step("create a cart")
    cart = call("POST", "/api/store/carts", expect=201)
    token = cart["token"]
    same((cart["status"], cart["lines"], cart["order_id"]), ("open", [], None), "a new cart")
    ok(token[:8] + "…")
    cart_path = f"/api/store/carts/{token}"

    cart, chosen = add_lines(token, products)
    currency = cart["totals"]["total"]["currency"]

    step("email and address")
    email = f"purchase-{secrets.token_hex(6)}@example.com"
    address = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "line1": "Invalidenstraße 117",
        "city": "Berlin",
        "postal_code": "10115",
        "country": "DE",
    }
    cart = call("PATCH", cart_path, {"email": email, "shipping_address": address})
    same(cart["email"], email, "email")
    same(cart["shipping_address"]["postal_code"], "10115", "shipping address")
    bad = request("PATCH", cart_path, {"shipping_address": {**address, "postal_code": "1"}})
    same((bad.status, bad.json().get("code")), (422, "invalid_address"), "a bad postal code")
    ok(email)

    step("list shipping methods")
    methods = call("GET", f"{cart_path}/shipping-methods")
    check(methods, "no shipping method serves a Berlin address")
    method = max(methods, key=lambda m: Decimal(m["price"]["amount"]))  # one that costs something
    method_price = money(method["price"], currency)
    ok(", ".join(f"{m['name']} {m['price']['amount']}" for m in methods))

    step(f"choose {method['name']} and apply the voucher {VOUCHER or '(none)'}")
    changes: dict[str, Any] = {"shipping_method_id": method["id"]}
    if VOUCHER:
        changes["voucher_code"] = VOUCHER.lower()  # codes are not case-sensitive
    cart = call("PATCH", cart_path, changes)
    same(cart["shipping_method"]["id"], method["id"], "the chosen method")
    same(cart["shipping_problem"], None, "shipping_problem")
    same(cart["voucher_problem"], None, "voucher_problem")
    if VOUCHER:
        same(cart["voucher_code"].upper(), VOUCHER.upper(), "voucher code")
    ok()

    step("check the cart's figures")
    figures = check_cart_figures(cart, chosen, method_price, currency)
    if VOUCHER:
        check(figures["discount"] > 0, "the voucher took nothing off")
    again = call("GET", cart_path)
    same(again["totals"], cart["totals"], "the totals read again")
    ok(", ".join(f"{k} {v}" for k, v in figures.items()))

    step("complete with an Idempotency-Key")
    key = str(uuid.uuid4())
    first = request("POST", f"{cart_path}/complete", headers={"Idempotency-Key": key})
    same(first.status, 201, f"complete ({first.body[:500]!r})")
    order = first.json()
    order_id, number, guest = order["id"], order["number"], order["guest_token"]
    check(order["status"] in ("unfulfilled", "unconfirmed"), f"order status {order['status']}")
    same(order["payment_status"], "not_charged", "payment status")
    same(money(order["total"], currency), figures["total"], "the order total = the cart's")
    ok(f"order #{number}")

    step("replay the complete (same Idempotency-Key)")
    replay = request("POST", f"{cart_path}/complete", headers={"Idempotency-Key": key})
    same(replay.status, 201, "replayed status")
    same(replay.headers.get("Idempotent-Replayed"), "true", "Idempotent-Replayed header")
    same(replay.json(), order, "the replayed answer")
    plain = call("POST", f"{cart_path}/complete", expect=201)
    same(plain["id"], order_id, "completing a completed cart again gives the same order")
    closed = call("GET", cart_path)
    same(
        (closed["status"], closed["order_id"], closed["order_number"]),
        ("completed", order_id, number),
        "the completed cart",
    )
    ok()

    step("read the order (guest token)")
    order_path = f"/api/store/orders/{order_id}"
    guest_header = {"X-Order-Token": guest}
    placed = call("GET", order_path, headers=guest_header)
    same(placed["email"], email, "order email")
    check_order_figures(placed, cart, currency)
    same(money(placed["amount_due"], currency), figures["total"], "amount due before paying")
    stranger = request("GET", order_path, headers={"X-Order-Token": "x" * 32})
    same((stranger.status, stranger.json().get("code")), (404, "order_not_found"), "a wrong token")
    ok(f"total {placed['totals']['gross']['amount']}, tax {placed['totals']['tax']['amount']}")

    step("pay with the test card (tok_visa)")
    pay_key = str(uuid.uuid4())
    pay_body = {"provider": "test", "token": "tok_visa"}
    payment = call(
        "POST",
        f"{order_path}/payments",
        pay_body,
        expect=201,
        headers={**guest_header, "Idempotency-Key": pay_key},
    )
    same(money(payment["amount"], currency), figures["total"], "payment amount")
    same((payment["card_brand"], payment["card_last4"]), ("visa", "4242"), "card")
    again = call(
        "POST",
        f"{order_path}/payments",
        pay_body,
        expect=201,
        headers={**guest_header, "Idempotency-Key": pay_key},
    )
    same(again["id"], payment["id"], "a replayed payment is the same payment")
    ok(f"{payment['status']} {payment['amount']['amount']}")

    step("staff login")
    check(STAFF_PASSWORD, "set STAFF_PASSWORD (or MERCATO_DEMO_STAFF_PASSWORD)")
    login = call(
        "POST", "/api/admin/auth/login", {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}
    )
    admin = login["access_token"]
    me = call("GET", "/api/admin/me", token=admin)
    same(me["kind"], "staff", "signed in as")
    ok(STAFF_EMAIL)

    if payment["status"] == "authorized":  # PAYMENT_AUTO_CAPTURE=false: staff capture
        step("capture the payment")
        payment = call("POST", f"/api/admin/payments/{payment['id']}/capture", {}, token=admin)
        ok()
    same(payment["status"], "captured", "payment status")
    same(money(payment["captured"], currency), figures["total"], "captured")

    step("the order is paid")
    paid = call("GET", order_path, headers=guest_header)
    same(paid["payment_status"], "charged", "payment status")
    same(money(paid["amount_due"], currency), ZERO, "amount due")
    same(money(paid["total_charged"], currency), figures["total"], "total charged")
    types = [event["type"] for event in paid["timeline"]]
    check("placed" in types and "payment_captured" in types, f"timeline {types}")
    ok()

    step("one order, and the voucher counted once")
    listed = call("GET", "/api/admin/orders" + q(email=email, limit=10), token=admin)["items"]
    same([o["id"] for o in listed], [order_id], "orders of this email (the replay made none)")
    if VOUCHER:
        vouchers = call("GET", "/api/admin/pricing/vouchers" + q(search=VOUCHER), token=admin)
        voucher = next(v for v in vouchers["items"] if v["code"] == VOUCHER.upper())
        if voucher["kind"] == "percentage" and voucher["applies_to"] == "order":
            expected = cents(figures["subtotal"] * Decimal(voucher["value"]) / 100)
            same(figures["discount"], expected, f"{voucher['value']} % of {figures['subtotal']}")
        uses = call("GET", f"/api/admin/pricing/vouchers/{voucher['id']}/redemptions", token=admin)
        mine = [r for r in uses["items"] if r.get("email") == email]
        same(len(mine), 1, f"redemptions by {email}")
    ok()

    step("the stock is allocated")
    moves = movements(admin, number)
    allocated: dict[str, dict[str, int]] = {}
    for move in moves:
        if move["kind"] == "allocation":
            allocated.setdefault(move["warehouse"], {}).setdefault(move["sku"], 0)
            allocated[move["warehouse"]][move["sku"]] += move["allocated_delta"]
    per_sku: dict[str, int] = {}
    for skus in allocated.values():
        for sku, n in skus.items():
            per_sku[sku] = per_sku.get(sku, 0) + n
    same(per_sku, {v["sku"]: n for _, v, n in chosen}, "units allocated per SKU")
    before = {
        (w, sku): stock_of(admin, sku, w)["quantity"]
        for w, skus in allocated.items()
        for sku in skus
    }
    ok(", ".join(f"{sku}@{w}" for w, skus in allocated.items() for sku in skus))

    step("fulfil: a parcel per warehouse, shipped and delivered")
    admin_order = call("GET", f"/api/admin/orders/{order_id}", token=admin)
    line_of = {line["sku"]: line for line in admin_order["lines"]}
    for n, (warehouse, skus) in enumerate(sorted(allocated.items()), start=1):
        parcel = call(
            "POST",
            f"/api/admin/orders/{order_id}/fulfilments",
            {
                "warehouse": warehouse,
                "carrier": "DHL",
                "tracking_number": f"PC{number}{n}",
                "lines": [
                    {"line_id": line_of[sku]["id"], "quantity": k} for sku, k in skus.items()
                ],
            },
            expect=201,
            token=admin,
        )
        base = f"/api/admin/orders/{order_id}/fulfilments/{parcel['id']}"
        same(call("POST", f"{base}/ship", {}, token=admin)["status"], "shipped", "parcel")
        same(call("POST", f"{base}/deliver", {}, token=admin)["status"], "delivered", "parcel")
    fulfilled = call("GET", order_path, headers=guest_header)
    same(fulfilled["status"], "fulfilled", "order status")
    same(
        [line["quantity_fulfilled"] for line in fulfilled["lines"]],
        [line["quantity"] for line in fulfilled["lines"]],
        "units fulfilled",
    )
    parcels = call("GET", f"{order_path}/fulfilments", headers=guest_header)
    same(len(parcels), len(allocated), "parcels the guest sees")
    for (warehouse, sku), quantity in before.items():
        units = allocated[warehouse][sku]
        same(stock_of(admin, sku, warehouse)["quantity"], quantity - units, f"{sku} on hand")
    ok(f"{len(parcels)} parcel(s)")

    step("return one unit (guest)")
    two = next(line for line in fulfilled["lines"] if line["quantity"] == 2)
    ret = call(
        "POST",
        f"{order_path}/returns",
        {"reason": "too small", "lines": [{"line_id": two["id"], "quantity": 1}]},
        expect=201,
        headers=guest_header,
    )
    same(ret["status"], "requested", "return status")
    ok(f"return {ret['number']} of {two['sku']}")

    step("staff approve, receive (restock) and refund the return")
    rpath = f"/api/admin/returns/{ret['id']}"
    same(call("POST", f"{rpath}/approve", {}, token=admin)["status"], "approved", "return")
    warehouse = next(w for w, skus in sorted(allocated.items()) if two["sku"] in skus)
    received = call(
        "POST",
        f"{rpath}/receive",
        {"warehouse": warehouse, "lines": [{"line_id": two["id"], "restock": True}]},
        token=admin,
    )
    same(received["status"], "received", "return")
    refunded = call("POST", f"{rpath}/refund", {"refund_shipping": False}, token=admin)
    same(refunded["status"], "refunded", "return")
    gross = money(two["total_gross"], currency)
    expected_refund = min(cents(gross / 2), gross)  # one unit's share of the line's gross
    refund = money(refunded["refund_amount"], currency)
    same(refund, expected_refund, "the refund = one unit of the line's gross")
    restocked = stock_of(admin, two["sku"], warehouse)["quantity"]
    same(
        restocked,
        before[(warehouse, two["sku"])] - allocated[warehouse][two["sku"]] + 1,
        f"{two['sku']} on hand after the restock",
    )
    ok(f"refunded {refund}")

    step(f"refund {GOODWILL} more by hand (Idempotency-Key)")
    refund_key = str(uuid.uuid4())
    path = f"/api/admin/payments/{payment['id']}/refund"
    body = {"amount": str(GOODWILL), "reason": "goodwill"}
    first = call("POST", path, body, token=admin, headers={"Idempotency-Key": refund_key})
    same((first["kind"], first["success"]), ("refund", True), "the refund transaction")
    same(money(first["amount"], currency), GOODWILL, "refund amount")
    again = call("POST", path, body, token=admin, headers={"Idempotency-Key": refund_key})
    same(again["id"], first["id"], "a replayed refund is the same refund")
    ok()

    step("the money after the refunds")
    given_back = refund + GOODWILL
    pay = call("GET", f"/api/admin/payments/{payment['id']}", token=admin)
    same(pay["status"], "partially_refunded", "payment status")
    same(money(pay["amount"], currency), figures["total"], "payment amount")
    same(money(pay["captured"], currency), figures["total"], "payment captured")
    same(money(pay["refunded"], currency), given_back, "payment refunded")
    same(money(pay["refundable"], currency), figures["total"] - given_back, "payment refundable")
    same(money(pay["capturable"], currency), ZERO, "payment capturable")
    txs = call("GET", f"/api/admin/payments/{payment['id']}/transactions", token=admin)["items"]
    refunds = sorted(
        money(t["amount"], currency) for t in txs if t["kind"] == "refund" and t["success"]
    )
    same(refunds, sorted([refund, GOODWILL]), "refund transactions (none twice)")
    final = call("GET", f"/api/admin/orders/{order_id}", token=admin)
    same(final["status"], "partially_returned", "order status")
    same(final["payment_status"], "partially_refunded", "order payment status")
    same(money(final["total_charged"], currency), figures["total"], "order total charged")
    same(money(final["total_refunded"], currency), given_back, "order total refunded")
    same(money(final["amount_due"], currency), ZERO, "order amount due")
    same(money(final["totals"]["total"], currency), figures["total"], "order total")
    same(
        [line["quantity_returned"] for line in final["lines"] if line["id"] == two["id"]],
        [1],
        "units returned",
    )
    ok(f"charged {figures['total']}, refunded {given_back}")

    print(
        f"Purchase check passed: order #{number}, {figures['total']} {currency} charged, "
        f"{given_back} refunded, in {time.monotonic() - started:.1f} s."
    )
    return 0


def run_script(entry: Callable[[], int]) -> None:
    """Exit with `entry()`'s status; a failed check or an unexpected answer prints the step it
    happened in and exits 1 (scripts/fuzz_seed.py runs this way too)."""
    try:
        sys.exit(entry())
    except Failed as exc:
        print(f"FAIL [{STEP}] {exc}", file=sys.stderr)
        sys.exit(1)
    except (KeyError, IndexError, TypeError, ValueError, StopIteration) as exc:
        print(f"FAIL [{STEP}] unexpected answer: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    run_script(main)
