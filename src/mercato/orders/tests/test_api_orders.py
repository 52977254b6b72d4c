"""The orders API: a customer's history and order detail (guest token, someone else's order),
the admin list with filters, search, sorts and pinned query counts, the detail and timeline,
notes, confirming, drafts over HTTP and line edits of placed orders."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from mercato.accounts.models import AuthSession
from mercato.audit.services import Actor
from mercato.orders.models import Order, OrderEvent
from mercato.orders.services.status import add_note, sync_payment_totals, transition_order
from mercato.orders.tests.test_drafts import address, shop  # noqa: F401 (fixture)
from mercato.pricing.eu_vat import load_eu_vat
from tests.support import StaffFactory, UserFactory, sign_in
from tests.support.orders import make_order

pytestmark = pytest.mark.django_db
D = Decimal
STAFF = Actor(label="staff@example.com", source="admin_api")


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    return body


def order_state() -> list[tuple]:
    rows = Order.objects.order_by("pk").values_list(
        "pk", "status", "payment_status", "total_gross", "updated_at"
    )
    return [*rows, (OrderEvent.objects.count(),)]


@pytest.fixture
def viewer_token(db) -> str:
    """Staff who may only view orders."""
    from django.contrib.auth.models import Permission

    staff = StaffFactory()
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    return sign_in(staff, AuthSession.Audience.ADMIN).access_token


# --- store ----------------------------------------------------------------------------------


def test_my_orders_are_mine_newest_first_without_drafts(api, customer, customer_token):
    first = make_order(user=customer, lines=[("10.00", 3)]).order
    second = make_order(user=customer).order
    make_order(user=UserFactory())
    make_order(email=customer.email)  # a guest order with the same email is not linked
    Order.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=1))
    draft = make_order(user=customer).order
    Order.objects.filter(pk=draft.pk).update(status="draft")

    page = api.get_json("/api/store/me/orders", {"limit": 1}, token=customer_token).json()
    rest = api.get_json(
        "/api/store/me/orders", {"limit": 1, "cursor": page["next"]}, token=customer_token
    ).json()

    assert [item["number"] for item in page["items"]] == [second.number]
    assert [item["number"] for item in rest["items"]] == [first.number]
    assert rest["next"] is None
    item = rest["items"][0]
    assert item["total"] == {"amount": "34.90", "currency": "EUR"}
    assert (item["item_count"], item["status"], item["payment_status"]) == (
        3, "unfulfilled", "not_charged",
    )  # fmt: skip
    assert item["lines"][0]["quantity"] == 3


def test_my_orders_need_a_customer_token(api):
    problem(api.get_json("/api/store/me/orders"), 401, "not_authenticated")


@pytest.mark.parametrize("count", [2, 12])
def test_my_orders_cost_the_same_queries_for_any_page(
    api, customer, customer_token, django_assert_max_num_queries, count
):
    for _ in range(count):
        make_order(user=customer)
    with django_assert_max_num_queries(6):
        response = api.get_json("/api/store/me/orders", {"limit": 20}, token=customer_token)
    assert len(response.json()["items"]) == count


def test_a_customer_sees_the_whole_order_and_a_customer_timeline(api, customer, customer_token):
    order = make_order(user=customer).order
    add_note(order=order, note="Customer called, sounded angry", actor=STAFF)
    sync_payment_totals(order, authorized=D("10.00"), charged=D("10.00"), refunded=D(0))

    body = api.get_json(f"/api/store/orders/{order.public_id}", token=customer_token).json()

    assert (body["number"], body["status"], body["payment_status"]) == (
        order.number, "unfulfilled", "partially_charged",
    )  # fmt: skip
    assert body["totals"]["gross"] == {"amount": "59.90", "currency": "EUR"}
    assert body["amount_due"] == {"amount": "49.90", "currency": "EUR"}
    assert body["total_charged"]["amount"] == "10.00"
    assert [line["quantity"] for line in body["lines"]] == [2, 1]
    assert body["lines"][0]["unit_price"] == {"amount": "20.00", "currency": "EUR"}
    assert body["lines"][0]["quantity_fulfilled"] == 0
    assert body["shipping_address"]["city"] == "Berlin"
    assert body["shipping"]["gross"]["amount"] == "4.90"
    assert (body["fulfilments"], body["returns"]) == ([], [])
    types = [entry["type"] for entry in body["timeline"]]
    assert types == ["placed", "payment_status_changed"]
    assert "angry" not in str(body)
    assert set(body["timeline"][1]["data"]) == {"from", "to"}
    assert "guest_token" not in body and "actor" not in str(body["timeline"])


def test_a_guest_opens_an_order_with_its_token_only(api):
    order = make_order().order
    url = f"/api/store/orders/{order.public_id}"

    assert api.get_json(url, headers={"X-Order-Token": order.guest_token}).status_code == 200
    assert api.get_json(url, {"token": order.guest_token}).status_code == 200
    problem(api.get_json(url), 404, "order_not_found")
    problem(api.get_json(url, {"token": "wrong"}), 404, "order_not_found")
    problem(api.get_json("/api/store/orders/not-a-uuid"), 404, "order_not_found")


def test_someone_elses_order_and_a_draft_are_not_found(api, customer, customer_token):
    theirs = make_order(user=UserFactory()).order
    mine = make_order(user=customer).order
    Order.objects.filter(pk=mine.pk).update(status="draft")

    problem(api.get_json(f"/api/store/orders/{theirs.public_id}", token=customer_token), 404,
            "order_not_found")  # fmt: skip
    problem(api.get_json(f"/api/store/orders/{mine.public_id}", token=customer_token), 404,
            "order_not_found")  # fmt: skip
    problem(
        api.get_json(f"/api/store/orders/{mine.public_id}", {"token": mine.guest_token}),
        404,
        "order_not_found",
    )


# --- admin list -----------------------------------------------------------------------------


def numbers(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["number"] for item in response.json()["items"]]


def test_the_admin_list_filters_searches_and_sorts(api, owner_token):
    ada = UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    small = make_order(lines=[("5.00", 1)], user=ada).order
    big = make_order(lines=[("50.00", 2)], email="grace@example.com").order
    paid = make_order(lines=[("20.00", 1)], email="linus@example.com").order
    sync_payment_totals(paid, authorized=paid.total_gross, charged=paid.total_gross,
                        refunded=D(0))  # fmt: skip
    old = make_order(email="old@example.com").order
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    draft = make_order(email="draft@example.com").order
    Order.objects.filter(pk=draft.pk).update(status="draft")
    transition_order(big, "cancelled")
    url = "/api/admin/orders"

    def get(**params):
        return numbers(api.get_json(url, params, token=owner_token))

    assert get() == [paid.number, big.number, small.number, old.number]
    assert get(status="cancelled") == [big.number]
    assert get(status="draft") == [draft.number]
    assert get(payment_status="charged") == [paid.number]
    assert get(email="ADA@example.com") == [small.number]
    assert get(customer_id=str(ada.public_id)) == [small.number]
    assert get(number=big.number) == [big.number]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert get(created_from=since) == [paid.number, big.number, small.number]
    assert get(created_to=since) == [old.number]
    assert get(search=f"#{small.number}") == [small.number]
    assert get(search="grace@") == [big.number]
    # make_order ships every order to Ada Lovelace: the address names count too
    assert get(search="lovelace") == [paid.number, big.number, small.number, old.number]
    assert get(search="Ada Lovelace") == [paid.number, big.number, small.number, old.number]
    assert get(search="nobody-like-this") == []
    assert get(search=small.lines.get().sku) == [small.number]
    assert get(sort="total") == [small.number, paid.number, old.number, big.number]
    assert get(sort="-total")[0] == big.number
    assert get(sort="number") == sorted(get())

    first = api.get_json(url, {"sort": "total", "limit": 2}, token=owner_token).json()
    second = api.get_json(
        url, {"sort": "total", "limit": 2, "cursor": first["next"]}, token=owner_token
    ).json()
    assert [i["number"] for i in first["items"] + second["items"]] == get(sort="total")
    item = first["items"][0]
    assert item["customer"]["email"] == "ada@example.com"
    assert item["customer_name"] == "Ada Lovelace"
    assert item["amount_due"]["amount"] == "9.90"  # 5.00 and 4.90 shipping


@pytest.mark.parametrize(
    "params",
    [{"sort": "price"}, {"status": "lost"}, {"limit": 1000}, {"cursor": "garbage"},
     {"customer_id": "nope"}, {"created_from": "yesterday"}],
)  # fmt: skip
def test_bad_list_parameters_are_422(api, owner_token, params):
    response = api.get_json("/api/admin/orders", params, token=owner_token)
    assert response.status_code == 422, response.content


@pytest.mark.parametrize("count", [2, 12])
def test_the_admin_list_costs_the_same_queries_for_any_page(
    api, owner_token, django_assert_max_num_queries, count
):
    for i in range(count):
        make_order(user=UserFactory() if i % 2 else None)
    with django_assert_max_num_queries(8):
        response = api.get_json(
            "/api/admin/orders", {"limit": 50, "search": "example"}, token=owner_token
        )
    assert len(response.json()["items"]) == count


def test_reading_needs_view_and_acting_needs_change(
    api, viewer_token, staff_token_without_permissions
):
    order = make_order().order
    detail = f"/api/admin/orders/{order.public_id}"
    problem(api.get_json("/api/admin/orders", token=staff_token_without_permissions), 403,
            "permission_denied")  # fmt: skip
    problem(api.get_json(detail, token=staff_token_without_permissions), 403, "permission_denied")
    assert api.get_json(detail, token=viewer_token).status_code == 200
    assert api.get_json(f"{detail}/events", token=viewer_token).status_code == 200
    before = order_state()
    problem(api.post_json(f"{detail}/notes", {"note": "hi"}, token=viewer_token), 403,
            "permission_denied")  # fmt: skip
    problem(api.post_json(f"{detail}/confirm", {}, token=viewer_token), 403, "permission_denied")
    problem(api.post_json("/api/admin/orders/drafts", {"email": "a@example.com"},
                          token=viewer_token), 403, "permission_denied")  # fmt: skip
    problem(api.get_json("/api/admin/orders"), 401, "not_authenticated")
    assert order_state() == before


# --- admin detail, timeline, notes, confirm -------------------------------------------------


def test_staff_see_everything_and_add_notes(api, owner, owner_token):
    order = make_order(user=UserFactory()).order
    url = f"/api/admin/orders/{order.public_id}"

    noted = api.post_json(f"{url}/notes", {"note": "  Called the customer.  "}, token=owner_token)
    body = api.get_json(url, token=owner_token).json()
    events = api.get_json(f"{url}/events", {"limit": 1}, token=owner_token).json()
    more = api.get_json(f"{url}/events", {"cursor": events["next"]}, token=owner_token).json()

    assert noted.status_code == 201
    assert (noted.json()["type"], noted.json()["note"], noted.json()["actor"]) == (
        "note_added", "Called the customer.", owner.email,
    )  # fmt: skip
    assert [e["type"] for e in body["timeline"]] == ["placed", "note_added"]
    assert body["customer"]["id"] == str(order.user.public_id)
    assert body["payments"] == []
    assert body["total_authorized"]["amount"] == "0.00"
    assert body["origin"] == "checkout"
    assert [e["type"] for e in events["items"] + more["items"]] == ["placed", "note_added"]


def test_bad_notes_are_refused(api, owner_token):
    order = make_order().order
    url = f"/api/admin/orders/{order.public_id}/notes"
    before = order_state()

    problem(api.post_json(url, {"note": "   "}, token=owner_token), 422, "note_required")
    assert api.post_json(url, {"note": "x" * 5001}, token=owner_token).status_code == 422
    assert api.post_json(url, {"note": "a", "extra": 1}, token=owner_token).status_code == 422
    problem(api.post_json("/api/admin/orders/00000000-0000-0000-0000-000000000000/notes",
                          {"note": "a"}, token=owner_token), 404, "order_not_found")  # fmt: skip
    assert order_state() == before


def test_confirming_an_unconfirmed_order_once(api, owner_token, settings):
    settings.ORDERS_AUTO_CONFIRM = False
    order = make_order().order
    url = f"/api/admin/orders/{order.public_id}/confirm"

    confirmed = api.post_json(url, {"note": "checked the address"}, token=owner_token)
    before = order_state()
    again = api.post_json(url, {}, token=owner_token)

    assert confirmed.status_code == 200 and confirmed.json()["status"] == "unfulfilled"
    assert confirmed.json()["timeline"][-1]["note"] == "checked the address"
    problem(again, 409, "illegal_status_transition")
    assert order_state() == before


# --- drafts and line edits over HTTP --------------------------------------------------------


def test_a_phone_order_from_draft_to_placed(api, owner_token, shop):  # noqa: F811
    customer = UserFactory()
    created = api.post_json(
        "/api/admin/orders/drafts",
        {
            "customer_id": str(customer.public_id),
            "lines": [{"variant_id": str(shop.tee.public_id), "quantity": 1}],
            "shipping_address": address(),
            "note": "Ring twice",
        },
        token=owner_token,
    )
    assert created.status_code == 201, created.content
    draft = created.json()
    url = f"/api/admin/orders/drafts/{draft['id']}"
    assert (draft["status"], draft["email"], draft["origin"]) == ("draft", customer.email, "draft")
    assert draft["totals"]["gross"]["amount"] == "15.00"

    patched = api.patch_json(
        url, {"shipping_method_id": str(shop.standard_de.public_id)}, token=owner_token
    )
    added = api.post_json(
        f"/api/admin/orders/{draft['id']}/lines",
        {"variant_id": str(shop.novel.public_id), "quantity": 2},
        token=owner_token,
    )
    line_id = added.json()["lines"][0]["id"]
    changed = api.patch_json(
        f"/api/admin/orders/{draft['id']}/lines/{line_id}", {"quantity": 2}, token=owner_token
    )
    placed = api.post_json(f"{url}/finalise", token=owner_token)

    assert patched.json()["shipping"]["method_name"] == "Standard DE"
    assert patched.json()["totals"]["gross"]["amount"] == "19.90"
    assert changed.json()["totals"]["gross"]["amount"] == "64.90"
    assert placed.status_code == 200, placed.content
    assert (placed.json()["status"], placed.json()["placed_at"] is not None) == (
        "unfulfilled", True,
    )  # fmt: skip
    mine = api.get_json("/api/store/me/orders", token=sign_in(customer).access_token).json()
    assert [o["id"] for o in mine["items"]] == [draft["id"]]
    problem(api.delete_json(url, token=owner_token), 409, "order_not_draft")


def test_a_draft_can_be_thrown_away(api, owner_token, shop):  # noqa: F811
    created = api.post_json(
        "/api/admin/orders/drafts", {"email": "x@example.com"}, token=owner_token
    ).json()

    deleted = api.delete_json(f"/api/admin/orders/drafts/{created['id']}", token=owner_token)

    assert deleted.status_code == 204
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "x@example.com", "lines": [{"variant_id": "tee", "quantity": 0}]}, 422,
         "invalid_quantity"),
        ({"email": "x@example.com", "lines": [{"variant_id": "tee", "quantity": 10**6}]}, 422,
         "invalid_quantity"),
        ({"email": "x@example.com", "lines": [{"variant_id": "tee", "quantity": "2"}]}, 422,
         "validation_error"),
        ({"email": "x@example.com",
          "lines": [{"variant_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}]},
         422, "variant_not_purchasable"),
        ({"email": "x@example.com", "shipping_address": {"country": "DE", "city": "Berlin"}},
         422, "invalid_address"),
        ({"email": "x@example.com", "shipping_address": {"street": "x"}}, 422,
         "validation_error"),
        ({"email": "x@example.com", "shipping_address": address(),
          "shipping_method_id": "00000000-0000-0000-0000-000000000000"}, 422,
         "shipping_method_unavailable"),
        ({"email": "nope"}, 422, "invalid_email"),
        ({"customer_id": "00000000-0000-0000-0000-000000000000"}, 422, "customer_not_found"),
        ({"email": "x@example.com", "surprise": 1}, 422, "validation_error"),
    ],
)  # fmt: skip
def test_bad_draft_input_is_a_clear_problem(api, owner_token, shop, body, status, code):  # noqa: F811
    for line in body.get("lines", []):
        if line["variant_id"] == "tee":
            line["variant_id"] = str(shop.tee.public_id)
    before = order_state()

    response = api.post_json("/api/admin/orders/drafts", body, token=owner_token)

    problem(response, status, code)
    assert order_state() == before


def test_finalising_without_stock_is_409_and_changes_nothing(api, owner_token, shop):  # noqa: F811
    created = api.post_json(
        "/api/admin/orders/drafts",
        {
            "email": "x@example.com",
            "lines": [{"variant_id": str(shop.tee.public_id), "quantity": 11}],
            "shipping_address": address(),
            "shipping_method_id": str(shop.standard_de.public_id),
        },
        token=owner_token,
    ).json()
    before = order_state()

    response = api.post_json(
        f"/api/admin/orders/drafts/{created['id']}/finalise", token=owner_token
    )

    problem(response, 409, "insufficient_stock")
    assert order_state() == before


def test_editing_a_placed_order_over_http(api, owner_token):
    load_eu_vat(apps)
    order = make_order(lines=[("20.00", 1), ("10.00", 1)]).order
    first, second = order.lines.order_by("id")
    url = f"/api/admin/orders/{order.public_id}/lines"

    changed = api.patch_json(f"{url}/{first.public_id}", {"quantity": 2}, token=owner_token)
    removed = api.delete_json(f"{url}/{second.public_id}", token=owner_token)

    assert changed.status_code == 200, changed.content
    assert changed.json()["totals"]["gross"]["amount"] == "54.90"
    assert removed.json()["totals"]["gross"]["amount"] == "44.90"
    assert [e["type"] for e in removed.json()["timeline"]][-2:] == ["lines_edited", "lines_edited"]
    problem(api.patch_json(f"{url}/{second.public_id}", {"quantity": 1}, token=owner_token), 404,
            "order_line_not_found")  # fmt: skip
    problem(api.patch_json(f"{url}/{first.public_id}", {"quantity": 0}, token=owner_token), 422,
            "invalid_quantity")  # fmt: skip


def test_a_paid_order_is_not_edited_over_http(api, owner_token):
    load_eu_vat(apps)
    order = make_order().order
    sync_payment_totals(order, authorized=order.total_gross, charged=D(0), refunded=D(0))
    line = order.lines.first()
    before = order_state()

    response = api.patch_json(
        f"/api/admin/orders/{order.public_id}/lines/{line.public_id}",
        {"quantity": 5},
        token=owner_token,
    )

    problem(response, 409, "order_paid_edit_refused")
    assert order_state() == before


def test_payments_on_the_order_page_need_the_payments_view_permission(
    api, viewer_token, owner_token
):
    from mercato.orders.tests.conftest import pay

    order = pay(make_order().order)
    detail = f"/api/admin/orders/{order.public_id}"

    assert api.get_json(detail, token=viewer_token).json()["payments"] is None
    [payment] = api.get_json(detail, token=owner_token).json()["payments"]
    assert payment["amount"]["amount"] == str(order.total_gross)


def test_refunding_a_return_or_cancelling_needs_the_payments_permission_too(api, db):
    from django.contrib.auth.models import Permission

    staff = StaffFactory()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "change_order"])
    )
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token
    order = make_order().order

    response = api.post_json(f"/api/admin/orders/{order.public_id}/cancel", {}, token=token)

    assert response.status_code == 403
    assert response.json()["required"] == ["orders.change_order", "payments.change_payment"]
    order.refresh_from_db()
    assert order.status == "unfulfilled"
