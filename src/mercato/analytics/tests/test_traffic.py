"""The shoppers' path read side: the roll-ups summed from hand-built sessions, the funnel and
search reports, the server's `order_placed`, retention, and the GDPR export and erasure."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from mercato.analytics.chores import prune_storefront_events, roll_up_traffic
from mercato.analytics.events_models import (
    DailyProductTraffic,
    DailySearchTerm,
    DailyTraffic,
    StorefrontEvent,
)
from mercato.analytics.tests.history import place
from mercato.analytics.tracking import (
    cart_key,
    local_day,
    prune_events,
    record_order_placed,
    refresh_traffic,
)
from mercato.checkout.models import Cart
from mercato.core.housekeeping import run_housekeeping
from tests.support import PASSWORD, run_tasks

FUNNEL = "/api/admin/analytics/funnel"
SEARCH = "/api/admin/analytics/search"
EVENTS = "/api/store/analytics/events"
BERLIN = ZoneInfo("Europe/Berlin")
MARCH = {"from": "2026-03-01", "to": "2026-03-10"}
Type = StorefrontEvent.Type


def session(day: int, *types: str, product: int | None = 7, hour: int = 12, **fields) -> uuid.UUID:
    """One session on a March 2026 day with one event of each type (in Berlin time)."""
    return session_on(
        datetime(2026, 3, day, hour, tzinfo=BERLIN), *types, product=product, **fields
    )


def session_on(moment: datetime, *types: str, product: int | None = 7, **fields) -> uuid.UUID:
    """One session at `moment` with one event of each type."""
    session_id = uuid.uuid4()
    StorefrontEvent.objects.bulk_create(
        StorefrontEvent(
            type=type_,
            visitor_id=uuid.uuid4(),
            session_id=session_id,
            occurred_at=moment,
            day=local_day(moment),
            product_id=product if type_ in (Type.PRODUCT_VIEWED, Type.ADDED_TO_CART) else None,
            **fields,
        )
        for type_ in types
    )
    return session_id


@pytest.fixture
def sessions(db):
    """2 March: 4 sessions (all view, 2 add to cart — one twice, 1 checks out and orders);
    9 March: 2 sessions (one only searches, one views twice); 25 February: 1 session."""
    path = (Type.PRODUCT_VIEWED, Type.ADDED_TO_CART, Type.CHECKOUT_STARTED, Type.ORDER_PLACED)
    session(2, *path)
    session(2, Type.PRODUCT_VIEWED, Type.ADDED_TO_CART, Type.ADDED_TO_CART)
    session(2, Type.LIST_VIEWED, Type.PRODUCT_VIEWED)
    session(2, Type.PRODUCT_VIEWED, product=8)
    session(9, Type.SEARCH, search_term="socks", result_count=0)
    session(
        9,
        Type.PRODUCT_VIEWED,
        Type.PRODUCT_VIEWED,
        Type.SEARCH,
        search_term="shirt",
        result_count=4,
    )
    moment = datetime(2026, 2, 25, 12, tzinfo=BERLIN)
    StorefrontEvent.objects.create(
        type=Type.PRODUCT_VIEWED,
        visitor_id=uuid.uuid4(),
        session_id=uuid.uuid4(),
        occurred_at=moment,
        day=moment.date(),
        product_id=7,
    )
    refresh_traffic(StorefrontEvent.objects.values_list("day", flat=True))


def test_the_roll_ups_count_sessions_and_products(sessions):
    second = DailyTraffic.objects.get(day=date(2026, 3, 2))
    assert (
        second.sessions,
        second.product_view_sessions,
        second.cart_sessions,
        second.checkout_sessions,
        second.order_sessions,
    ) == (4, 4, 2, 1, 1)
    ninth = DailyTraffic.objects.get(day=date(2026, 3, 9))
    assert (ninth.sessions, ninth.product_view_sessions, ninth.cart_sessions) == (2, 1, 0)
    products = DailyProductTraffic.objects.filter(day=date(2026, 3, 2)).order_by("product_id")
    assert [(p.product_id, p.views, p.add_to_carts) for p in products] == [(7, 3, 3), (8, 1, 0)]
    terms = DailySearchTerm.objects.order_by("term")
    assert [(t.term, t.searches, t.no_result) for t in terms] == [
        ("shirt", 1, 0),
        ("socks", 1, 1),
    ]


def test_a_refresh_is_idempotent_and_the_rebuild_agrees(sessions):
    def roll_ups() -> list[list[dict]]:
        return [
            list(model.objects.order_by(*key).values())
            for model, key in (
                (DailyTraffic, ["day"]),
                (DailyProductTraffic, ["day", "product_id"]),
                (DailySearchTerm, ["day", "term"]),
            )
        ]

    before = roll_ups()
    refresh_traffic([date(2026, 3, 2)])
    call_command("rebuild_analytics", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert roll_ups() == before
    assert [len(rows) for rows in before] == [3, 4, 2]


def test_the_funnel_of_a_period_with_the_previous_one(api, analyst_token, sessions):
    response = api.get_json(FUNNEL, MARCH, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"]["previous_from"] == "2026-02-19"
    steps = [
        (s["step"], s["sessions"], s["conversion"], s["overall"]) for s in body["current"]["steps"]
    ]
    assert steps == [
        ("sessions", 6, None, "100.0"),
        ("product_views", 5, "83.3", "83.3"),
        ("add_to_cart", 2, "40.0", "33.3"),
        ("checkout", 1, "50.0", "16.7"),
        ("order", 1, "100.0", "16.7"),
    ]
    previous = body["previous"]["steps"]
    assert [s["sessions"] for s in previous] == [1, 1, 0, 0, 0]
    assert previous[3]["conversion"] is None  # no session added to cart before


def test_an_empty_funnel_has_no_conversion(api, analyst_token, db):
    response = api.get_json(FUNNEL, {**MARCH, "compare": "none"}, token=analyst_token)
    body = response.json()
    assert body["previous"] is None
    assert all((s["sessions"], s["conversion"]) == (0, None) for s in body["current"]["steps"])


def test_the_search_terms(api, analyst_token, sessions):
    response = api.get_json(SEARCH, {**MARCH, "limit": 5}, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["searches"], body["no_result_searches"]) == (2, 1)
    assert (body["previous_searches"], body["previous_no_result_searches"]) == (0, 0)
    assert body["top_terms"] == [
        {"term": "shirt", "searches": 1, "no_result": 0},
        {"term": "socks", "searches": 1, "no_result": 1},
    ]
    assert body["no_result_terms"] == [{"term": "socks", "searches": 1, "no_result": 1}]
    alone = api.get_json(SEARCH, {**MARCH, "compare": "none"}, token=analyst_token).json()
    assert (alone["searches"], alone["previous_searches"]) == (2, None)


@pytest.mark.parametrize(("path", "queries"), [(FUNNEL, 4), (SEARCH, 6)])
def test_the_reports_run_a_fixed_number_of_queries(
    api, analyst_token, sessions, django_assert_num_queries, path, queries
):
    # the token's session (with its user), the permissions (user's, groups'), then the
    # roll-ups: one query for the funnel, three (totals, top, no result) for the terms
    with django_assert_num_queries(queries):
        response = api.get_json(path, MARCH, token=analyst_token)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "code", "field"),
    [
        (FUNNEL, {"from": "2026-03-10", "to": "2026-03-01"}, "invalid_range", "to"),
        (FUNNEL, {"from": "2020-01-01", "to": "2026-01-01"}, "range_too_long", "to"),
        (FUNNEL, {**MARCH, "compare": "last_decade"}, "validation_error", "compare"),
        (FUNNEL, {**MARCH, "from": "yesterday"}, "validation_error", "from"),
        (FUNNEL, {"to": "2026-03-10"}, "validation_error", "from"),
        (SEARCH, {"from": "2026-03-10", "to": "2026-03-01"}, "invalid_range", "to"),
        (SEARCH, {**MARCH, "limit": 0}, "validation_error", "limit"),
        (SEARCH, {**MARCH, "compare": "yesterday"}, "validation_error", "compare"),
    ],
)
def test_bad_report_input_gets_a_problem(api, analyst_token, db, path, params, code, field):
    response = api.get_json(path, params, token=analyst_token)
    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], [e["field"] for e in body["errors"]]) == (code, [field])


def test_the_reports_are_for_staff(api, customer_token, staff_token_without_permissions, db):
    for path in (FUNNEL, SEARCH):
        assert api.get_json(path, MARCH, token=customer_token).status_code == 401
        assert api.get_json(path, MARCH, token=staff_token_without_permissions).status_code == 403


def test_an_order_ends_the_session_its_cart_was_seen_in(db):
    token = uuid.uuid4().hex
    moment = timezone.now() - timedelta(minutes=5)
    session_id, visitor_id = uuid.uuid4(), uuid.uuid4()
    StorefrontEvent.objects.create(
        type=Type.CHECKOUT_STARTED,
        visitor_id=visitor_id,
        session_id=session_id,
        occurred_at=moment,
        day=local_day(moment),
        cart_key=cart_key(token),
    )
    order = place(at=timezone.now())
    Cart.objects.create(
        token=token, order=order, status=Cart.Status.COMPLETED, expires_at=timezone.now()
    )
    run_tasks()
    placed = StorefrontEvent.objects.get(type=Type.ORDER_PLACED)
    assert (placed.session_id, placed.visitor_id, placed.order_id) == (
        session_id,
        visitor_id,
        order.pk,
    )
    # the chore rolls the day up (two days when the shop's midnight fell in between)
    days = set(StorefrontEvent.objects.values_list("day", flat=True))
    assert roll_up_traffic() == len(days)
    assert DailyTraffic.objects.get(day=placed.day).order_sessions == 1
    # a second dispatch adds nothing
    assert record_order_placed(order_id=order.pk) is False
    assert StorefrontEvent.objects.filter(type=Type.ORDER_PLACED).count() == 1


def test_an_order_without_reported_cart_has_no_event(db):
    order = place(at=timezone.now())
    Cart.objects.create(order=order, status=Cart.Status.COMPLETED, expires_at=timezone.now())
    place(at=timezone.now())  # no cart at all (a draft staff made, say)
    run_tasks()
    assert not StorefrontEvent.objects.exists()


def test_the_chore_rolls_up_only_new_days(sessions, settings):
    assert roll_up_traffic() == 3  # first run: every day
    assert roll_up_traffic() == 3  # within the late-commit margin: again, no harm
    StorefrontEvent.objects.update(received_at=timezone.now() - timedelta(hours=1))
    assert roll_up_traffic() == 0


def test_old_raw_events_go_and_their_roll_ups_stay(sessions, settings):
    settings.ANALYTICS_EVENT_RETENTION_DAYS = 10
    now = datetime(2026, 3, 12, 9, tzinfo=BERLIN)  # keeps 2 March on: 25 February goes
    assert StorefrontEvent.objects.filter(day=date(2026, 2, 25)).count() == 1
    assert prune_events(now=now) == 1
    assert not StorefrontEvent.objects.filter(day__lt=date(2026, 3, 2)).exists()
    assert DailyTraffic.objects.filter(day=date(2026, 2, 25)).exists()
    call_command("rebuild_analytics", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert DailyTraffic.objects.filter(day=date(2026, 2, 25)).exists()  # kept by the rebuild
    # the chore, today: March 2026 is long past ten days
    left = StorefrontEvent.objects.count()
    assert left > 0
    assert prune_storefront_events() == left
    assert not StorefrontEvent.objects.exists()


def test_a_customer_events_are_exported_and_erased(api, customer, customer_token):
    def send(token: str | None, visitor: str) -> None:
        batch = {
            "consent": True,
            "events": [
                {
                    "type": "list_viewed",
                    "visitor_id": visitor,
                    "session_id": str(uuid.uuid4()),
                    "at": timezone.now().isoformat(),
                    "list_name": "Home",
                }
            ],
        }
        assert api.post_json(EVENTS, batch, token=token).status_code == 202

    mine, stranger = str(uuid.uuid4()), str(uuid.uuid4())
    send(customer_token, mine)
    send(None, mine)  # the same browser before signing in
    send(None, stranger)
    export = api.get_json("/api/store/me/export", token=customer_token).json()
    events = export["storefront_events"]
    assert [(e["type"], e["visitor_id"]) for e in events] == [("list_viewed", mine)] * 2
    erased = api.delete_json("/api/store/me", {"password": PASSWORD}, token=customer_token)
    assert erased.status_code == 204, erased.content
    assert [str(e.visitor_id) for e in StorefrontEvent.objects.all()] == [stranger]


def test_the_housekeeping_runs_both_chores(sessions, settings):
    settings.ANALYTICS_EVENT_RETENTION_DAYS = 100 * 366  # March 2026 stays, whatever today
    done = run_housekeeping()
    assert done["analytics_traffic_days_rolled_up"] == 3
    assert done["analytics_events_pruned"] == 0
