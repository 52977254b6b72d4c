"""The store's event endpoint: what it stores, consent, bad input (nothing stored), size and
rate limits, and a constant number of queries per batch."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from mercato.analytics.events_models import StorefrontEvent
from mercato.analytics.tracking import cart_key
from mercato.catalog.models import Product, ProductType, ProductVariant

EVENTS = "/api/store/analytics/events"
VISITOR, SESSION = str(uuid.uuid4()), str(uuid.uuid4())
CART_TOKEN = uuid.uuid4().hex


def at(**ago: float) -> str:
    return (timezone.now() - timedelta(**ago)).isoformat()


def event(type_: str, **fields) -> dict:
    return {"type": type_, "visitor_id": VISITOR, "session_id": SESSION, "at": at(), **fields}


@pytest.fixture
def variant(db) -> ProductVariant:
    kind = ProductType.objects.create(name="Shirts", slug="shirts")
    product = Product.objects.create(name="Shirt", slug="shirt", product_type=kind)
    return ProductVariant.objects.create(product=product, sku="SHIRT-1", name="M", price="20.00")


def path_of(variant: ProductVariant) -> list[dict]:
    product = str(variant.product.public_id)
    return [
        event("list_viewed", list_name="Summer"),
        event("search", term="  Blue   SHIRT ", result_count=0),
        event("product_viewed", product_id=product, list_name="Summer"),
        event("added_to_cart", variant_id=str(variant.public_id), cart_token=CART_TOKEN),
        event("checkout_started", cart_token=CART_TOKEN),
    ]


def test_a_batch_is_stored_as_sent_without_the_address(api, variant):
    response = api.post_json(EVENTS, {"consent": True, "events": path_of(variant)})
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 5}
    stored = list(StorefrontEvent.objects.order_by("pk"))
    assert [e.type for e in stored] == [
        "list_viewed",
        "search",
        "product_viewed",
        "added_to_cart",
        "checkout_started",
    ]
    search, viewed, added, started = stored[1:]
    assert (search.search_term, search.result_count) == ("blue shirt", 0)
    assert (viewed.product_id, viewed.variant_id, viewed.list_name) == (
        variant.product_id,
        None,
        "Summer",
    )
    # a variant brings its product along; the cart is kept as a digest only
    assert (added.product_id, added.variant_id) == (variant.product_id, variant.pk)
    assert started.cart_key == cart_key(CART_TOKEN) != CART_TOKEN
    assert all(e.customer_id is None for e in stored)
    columns = {f.name for f in StorefrontEvent._meta.get_fields()}
    assert not {"ip", "ip_address", "user_agent"} & columns


def test_a_signed_in_customer_events_carry_the_customer(api, customer, customer_token):
    response = api.post_json(
        EVENTS,
        {"consent": True, "events": [event("list_viewed", list_name="Home")]},
        token=customer_token,
    )
    assert response.status_code == 202
    assert StorefrontEvent.objects.get().customer_id == customer.pk


def test_an_unknown_product_is_kept_without_its_id(api, db):
    body = {"consent": True, "events": [event("product_viewed", product_id=str(uuid.uuid4()))]}
    assert api.post_json(EVENTS, body).json() == {"accepted": 1}
    assert StorefrontEvent.objects.get().product_id is None


def test_without_consent_nothing_is_stored(api, variant):
    response = api.post_json(EVENTS, {"consent": False, "events": path_of(variant)})
    assert (response.status_code, response.json()) == (202, {"accepted": 0})
    assert not StorefrontEvent.objects.exists()


def good(**fields) -> dict:
    return event("list_viewed", list_name="Home", **fields)


@pytest.mark.parametrize(
    ("events", "code", "field"),
    [
        ([good(), {**good(), "type": "page_scrolled"}], "validation_error", "events.1.type"),
        (
            [good(), {**good(), "visitor_id": "visitor-1"}],
            "validation_error",
            "events.1.visitor_id",
        ),
        ([{**good(), "session_id": "123"}], "validation_error", "events.0.session_id"),
        ([event("product_viewed", product_id="nope")], "validation_error", "events.0.product_id"),
        ([event("checkout_started", cart_token="x")], "validation_error", "events.0.cart_token"),
        ([event("product_viewed")], "validation_error", "events.0"),
        ([event("search", term="shoes")], "validation_error", "events.0"),
        ([event("search", term="a", result_count=-1)], "validation_error", "events.0.result_count"),
        (
            [event("search", term="a", result_count=10**20)],  # beyond the column: no 500
            "validation_error",
            "events.0.result_count",
        ),
        ([event("list_viewed", list_name="Home", term="x")], "validation_error", "events.0"),
        ([{**good(), "extra": 1}], "validation_error", "events.0.extra"),
        ([good(), {**good(), "at": at(minutes=-10)}], "invalid_event_time", "events.1.at"),
        ([{**good(), "at": at(hours=49)}], "invalid_event_time", "events.0.at"),
        ([{**good(), "at": "2026-01-01T10:00:00"}], "invalid_event_time", "events.0.at"),
        ([{**good(), "at": 1767261600}], "validation_error", "events.0.at"),
        ([], "validation_error", "events"),
        ([good()] * 101, "validation_error", "events"),
    ],
)
def test_a_bad_batch_stores_nothing(api, db, events, code, field):
    response = api.post_json(EVENTS, {"consent": True, "events": events})
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert field in [e["field"] for e in body["errors"]]
    assert not StorefrontEvent.objects.exists()


def test_a_batch_without_consent_flag_is_refused(api, db):
    response = api.post_json(EVENTS, {"events": [good()]})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "consent")
    assert api.post_json(EVENTS, {"consent": "yes", "events": [good()]}).status_code == 422
    assert not StorefrontEvent.objects.exists()


def test_a_large_body_is_refused(api, db, settings):
    settings.ANALYTICS_EVENTS_MAX_BODY_BYTES = 2000
    body = {"consent": True, "events": [good()] * 20}
    assert len(json.dumps(body)) > 2000
    response = api.post_json(EVENTS, body)
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")
    assert not StorefrontEvent.objects.exists()


def test_an_address_may_send_so_many_batches(api, db, settings):
    settings.RATE_LIMIT_ANALYTICS_IP = (2, 60)
    body = {"consent": True, "events": [good()]}
    assert [api.post_json(EVENTS, body).status_code for _ in range(3)] == [202, 202, 429]
    refused = api.post_json(EVENTS, body)
    assert refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    assert StorefrontEvent.objects.count() == 2


@pytest.mark.parametrize("signed_in", [False, True])
def test_a_batch_of_50_costs_a_fixed_number_of_queries(
    api, variant, customer_token, django_assert_num_queries, signed_in
):
    events = (path_of(variant) * 10)[:50]
    # the products, the variants, one insert (and the customer's session with its user)
    with django_assert_num_queries(4 if signed_in else 3):
        response = api.post_json(
            EVENTS, {"consent": True, "events": events}, token=customer_token if signed_in else None
        )
    assert response.json() == {"accepted": 50}


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b'{"consent": true, "events": [', 400, "malformed_json"),
        (b"[1, 2]", 400, "malformed_json"),
        (b'{"consent": true, "events": null}', 422, "validation_error"),
        (b'{"consent": null, "events": []}', 422, "validation_error"),
        (b'{"consent": true, "events": [null]}', 422, "validation_error"),
        (b'{"consent": true, "events": {"type": "search"}}', 422, "validation_error"),
    ],
)
def test_a_body_that_is_not_a_batch_stores_nothing(api, db, raw, status, code):
    response = api.post_json(EVENTS, raw=raw)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response["Content-Type"] == "application/problem+json"
    assert not StorefrontEvent.objects.exists()


def test_a_replayed_batch_is_stored_once(api, variant):
    body = {"consent": True, "events": path_of(variant)}
    headers = {"Idempotency-Key": "batch-1"}

    first = api.post_json(EVENTS, body, headers=headers)
    again = api.post_json(EVENTS, body, headers=headers)

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == first.json() == {"accepted": 5}
    assert StorefrontEvent.objects.count() == 5
