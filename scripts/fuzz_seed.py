#!/usr/bin/env python3
"""Data for the fuzz (scripts/fuzz.sh), made over HTTP against a RUNNING Mercato.

    BASE_URL=http://127.0.0.1:8000 STAFF_PASSWORD=… scripts/fuzz_seed.py

Runs scripts/purchase.py's whole purchase (a guest order, paid, fulfilled, returned and
refunded), then registers a customer (fuzz-<random>@example.com) who orders and pays as well,
so that lists and reads answer real orders, payments, fulfilments and returns. Prints, one per
line, shell assignments for the fuzz: CUSTOMER_EMAIL, CUSTOMER_PASSWORD, CUSTOMER_TOKEN (an
access token), STAFF_TOKEN, ORDER_ID (the customer's order). Everything else goes to stderr.
Python 3.10+, standard library only. Exits 1 naming the failed step.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import purchase
from purchase import Failed, call, request, same, step

ADDRESS = {
    "first_name": "Fuzz",
    "last_name": "Seed",
    "line1": "Invalidenstraße 117",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}


def customer_order(token: str) -> str:
    step("the customer fills a cart")
    cart = call("POST", "/api/store/carts", expect=201, token=token)
    path = f"/api/store/carts/{cart['token']}"
    items = call("GET", "/api/store/products?limit=24")["items"]
    for item in items:
        product = call("GET", f"/api/store/products/{item['slug']}")
        for variant in product.get("variants", []):
            answer = request(
                "POST",
                f"{path}/lines",
                {"variant_id": variant["id"], "quantity": 1},
                token=token,
            )
            if answer.status == 200:
                break
        else:
            continue
        break
    else:
        raise Failed("no variant could be added to the customer's cart")
    call("PATCH", path, {"shipping_address": ADDRESS}, token=token)
    methods = call("GET", f"{path}/shipping-methods", token=token)
    same(bool(methods), True, "a shipping method for Berlin")
    call("PATCH", path, {"shipping_method_id": methods[0]["id"]}, token=token)

    step("the customer completes and pays")
    order = call(
        "POST",
        f"{path}/complete",
        expect=201,
        token=token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    call(
        "POST",
        f"/api/store/orders/{order['id']}/payments",
        {"provider": "test", "token": "tok_visa"},
        expect=201,
        token=token,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    return order["id"]


def main() -> int:
    with contextlib.redirect_stdout(sys.stderr):
        if purchase.main() != 0:
            return 1
        step("register a customer")
        email = f"fuzz-{secrets.token_hex(6)}@example.com"
        password = f"Fuzz-{secrets.token_urlsafe(12)}-9"
        call(
            "POST",
            "/api/store/auth/register",
            {"email": email, "password": password, "first_name": "Fuzz", "last_name": "Seed"},
            expect=202,
        )
        login = call("POST", "/api/store/auth/login", {"email": email, "password": password})
        token = login["access_token"]
        order_id = customer_order(token)
        step("staff login")
        staff = call(
            "POST",
            "/api/admin/auth/login",
            {"email": purchase.STAFF_EMAIL, "password": purchase.STAFF_PASSWORD},
        )["access_token"]
    for name, value in [
        ("CUSTOMER_EMAIL", email),
        ("CUSTOMER_PASSWORD", password),
        ("CUSTOMER_TOKEN", token),
        ("STAFF_TOKEN", staff),
        ("ORDER_ID", order_id),
    ]:
        print(f"{name}={value}")
    return 0


if __name__ == "__main__":
    purchase.run_script(main)
