"""The categories and collections report and the vouchers and promotions report on a small
history built by hand, and the checkout and the back office's drafts keeping the promotion
that priced each line.

The catalog: Clothing > Shirts (a tee), a scarf filed in Clothing itself, Books (a novel),
Toys (empty), a mug without a category; collections Summer (tee, novel), Gifts (tee, mug) and
Winter (empty); the promotion "Tee sale", and "Old deal", deleted since.

The orders, in euros unless said (listed price, promotion, voucher share):
- A, 2 March: 2 tees at 20.00 with 10.00 off (Tee sale), a scarf at 10.00;
- B, 3 March, voucher SPRING: a novel at 15.00 (3.00 voucher), a tee at 20.00 (5.00 Tee
  sale, 2.00 voucher); 5.00 refunded on the 6th;
- C, 4 March, voucher WELCOME: a mug at 8.00 (1.00 voucher), a line at 12.00 whose variant
  was deleted since (2.00 Old deal);
- D, 5 March, SPRING: a tee at 20.00 (5.00 Tee sale, 4.00 voucher), cancelled;
- E, 25 February (the compared range), SPRING: a tee at 20.00 (5.00 Tee sale, 1.50 voucher);
- F, 4 March, in dollars: a novel at 50.00.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from uuid import uuid4

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mercato.analytics.models import (
    DailyCatalogGroup,
    DailyDiscount,
    DailyPayments,
    OrderFact,
    OrderLineFact,
)
from mercato.analytics.rollups import regroup_catalog
from mercato.analytics.tests.history import Line, cancel, pay, place, refund
from mercato.analytics.tests.reports import (
    BERLIN,
    berlin,
    check_bad_input,
    check_queries,
    check_staff_only,
    eur,
    range_errors,
)
from mercato.audit.services import SYSTEM
from mercato.catalog.models import Category, Product
from mercato.catalog.tests.factories import make_category, make_collection, make_product
from mercato.checkout.tests.conftest import complete, filled_cart, make_voucher, shop  # noqa: F401
from mercato.orders.models import Order
from mercato.orders.tests.test_drafts import actor, phone_order  # noqa: F401
from mercato.payments.models import Transaction
from mercato.pricing import services as pricing_services
from mercato.pricing.models import Promotion
from tests.support import ApiClient, run_tasks

CATEGORIES = "/api/admin/analytics/categories"
DISCOUNTS = "/api/admin/analytics/discounts"
MARCH = {"from": "2026-03-01", "to": "2026-03-10"}


def promotion(name: str) -> Promotion:
    return pricing_services.create_promotion(
        actor=SYSTEM,
        details=pricing_services.PromotionDetails(name=name, kind="fixed", value="5.00"),
    )


@pytest.fixture
def history(db) -> dict:
    clothing = make_category("Clothing")
    shirts = make_category("Shirts", parent=clothing)
    books = make_category("Books")
    make_category("Toys")
    products = {
        name: make_product(name, prices=[price], category=category)
        for name, price, category in (
            ("Tee", "20.00", shirts),
            ("Scarf", "10.00", clothing),
            ("Novel", "15.00", books),
            ("Mug", "8.00", None),
        )
    }
    make_collection("Summer", [products["Tee"], products["Novel"]])
    make_collection("Gifts", [products["Tee"], products["Mug"]])
    make_collection("Winter")
    sale, old = promotion("Tee sale"), promotion("Old deal")
    tee, scarf, novel, mug = (products[n].variants.get().pk for n in products)

    def tee_line(off: str, voucher: str = "0", quantity: int = 1) -> Line:
        return Line("20.00", quantity, off, voucher, tee, sale.pk, "Tee sale")

    scarf_line = Line("10.00", 1, "0", "0", scarf)
    place(at=berlin(2026, 3, 2, 12), lines=[tee_line("10.00", quantity=2), scarf_line])
    spring = place(
        at=berlin(2026, 3, 3, 12),
        lines=[Line("15.00", 1, "0", "3.00", novel), tee_line("5.00", "2.00")],
        voucher_code="SPRING",
    )
    pay(spring)
    refund(spring, "5.00", at=berlin(2026, 3, 6, 9))
    place(
        at=berlin(2026, 3, 4, 12),
        lines=[
            Line("8.00", 1, "0", "1.00", mug),
            Line("12.00", 1, "2.00", promotion_id=old.pk, promotion_name="Old deal"),
        ],
        voucher_code="WELCOME",
    )
    cancelled = place(
        at=berlin(2026, 3, 5, 12), lines=[tee_line("5.00", "4.00")], voucher_code="SPRING"
    )
    pay(cancelled)
    cancel(cancelled)
    place(at=berlin(2026, 2, 25, 12), lines=[tee_line("5.00", "1.50")], voucher_code="SPRING")
    place(at=berlin(2026, 3, 4, 12), currency="USD", lines=[Line("50.00", 1, "0", "0", novel)])
    old_id = old.pk
    pricing_services.delete_promotion(actor=SYSTEM, promotion=old)
    run_tasks()
    return {"clothing": clothing, "shirts": shirts, "sale": sale, "old_id": old_id}


def figures(item: dict | None) -> tuple | None:
    if item is None:
        return None
    return (item["units"], item["net_sales"]["amount"], item["orders"])


def rows(block: dict) -> list[tuple]:
    return [
        (g["name"], *figures(g), g["share"], figures(g["previous"]), g["subcategories"])
        for g in block["groups"]
    ]


def currency(body: dict, code: str = "EUR") -> dict:
    (block,) = [c for c in body["currencies"] if c["currency"] == code]
    return block


def test_categories_at_the_top_of_the_tree(api, analyst_token, history):
    response = api.get_json(CATEGORIES, MARCH, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["by"], body["parent"]) == ("category", None)
    euros = currency(body)
    # Clothing counts Shirts: the tees (30.00 + 13.00) and the scarf; the cancelled order is out
    assert rows(euros) == [
        ("Clothing", 4, "53.00", 2, "64.6", (1, "13.50", 1), 1),
        ("Books", 1, "12.00", 1, "14.6", (0, "0.00", 0), 0),
        ("Toys", 0, "0.00", 0, "0.0", (0, "0.00", 0), 0),
    ]
    assert euros["groups"][0]["slug"] == "clothing"
    assert euros["groups"][0]["id"] == str(history["clothing"].public_id)
    # the mug (no category) and the line of a deleted variant
    assert figures(euros["other"]) == (2, "17.00", 1)
    assert euros["other"]["share"] == "20.7"
    assert figures(euros["totals"]) == (7, "82.00", 3)
    assert figures(euros["previous_totals"]) == (1, "13.50", 1)
    dollars = currency(body, "USD")
    assert rows(dollars)[0] == ("Books", 1, "50.00", 1, "100.0", (0, "0.00", 0), 0)
    assert dollars["other"]["share"] == "0.0"


def test_categories_under_a_parent(api, analyst_token, history):
    clothing = history["clothing"]
    params = {**MARCH, "parent": str(clothing.public_id), "currency": "EUR"}
    body = api.get_json(CATEGORIES, params, token=analyst_token).json()
    assert body["parent"] == {"id": str(clothing.public_id), "name": "Clothing", "slug": "clothing"}
    (euros,) = body["currencies"]
    assert rows(euros) == [("Shirts", 3, "43.00", 2, "81.1", (1, "13.50", 1), 0)]
    assert euros["groups"][0]["slug"] == "clothing/shirts"
    # the scarf is filed in Clothing itself
    assert figures(euros["other"]) == (1, "10.00", 1)
    assert euros["other"]["share"] == "18.9"
    assert figures(euros["totals"]) == (4, "53.00", 2)


def test_a_category_without_children(api, analyst_token, history):
    params = {**MARCH, "parent": str(history["shirts"].public_id), "compare": "none"}
    body = api.get_json(CATEGORIES, params, token=analyst_token).json()
    euros = currency(body)
    assert euros["groups"] == []
    assert (figures(euros["other"]), euros["other"]["share"]) == ((3, "43.00", 2), "100.0")
    assert euros["previous_totals"] is None and euros["other"]["previous"] is None
    assert [c["currency"] for c in body["currencies"]] == ["EUR"]  # no dollar shirt


def test_collections(api, analyst_token, history):
    params = {**MARCH, "by": "collection", "currency": "EUR"}
    body = api.get_json(CATEGORIES, params, token=analyst_token).json()
    assert body["by"] == "collection"
    (euros,) = body["currencies"]
    # a tee is in both: its lines count in each; Winter sold nothing and is left out
    assert rows(euros) == [
        ("Summer", 4, "55.00", 2, "67.1", (1, "13.50", 1), None),
        ("Gifts", 4, "50.00", 3, "61.0", (1, "13.50", 1), None),
    ]
    assert euros["groups"][0]["slug"] == "summer"
    # the scarf and the deleted variant's line are in no collection
    assert figures(euros["other"]) == (2, "20.00", 2)
    assert euros["other"]["share"] == "24.4"
    assert figures(euros["totals"]) == (7, "82.00", 3)


def vouchers(block: dict) -> list[tuple]:
    return [
        (
            v["code"],
            v["orders"],
            v["discount"]["amount"],
            v["net_sales"]["amount"],
            v["previous"] and (v["previous"]["orders"], v["previous"]["discount"]["amount"]),
        )
        for v in block["vouchers"]["codes"]
    ]


def promotions(block: dict) -> list[tuple]:
    return [
        (
            p["name"],
            p["lines"],
            p["units"],
            p["discount"]["amount"],
            p["net_sales"]["amount"],
            p["previous"] and (p["previous"]["lines"], p["previous"]["discount"]["amount"]),
        )
        for p in block["promotions"]["items"]
    ]


def test_vouchers_and_promotions(api, analyst_token, history):
    response = api.get_json(DISCOUNTS, MARCH, token=analyst_token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"]["previous_from"] == "2026-02-19"
    # the dollar order used neither
    (euros,) = body["currencies"]
    # SPRING: order B, 35.00 listed less 10.00 off and the 5.00 refunded (D was cancelled)
    assert vouchers(euros) == [
        ("SPRING", 1, "5.00", "20.00", (1, "1.50")),
        ("WELCOME", 1, "1.00", "17.00", (0, "0.00")),
    ]
    assert euros["vouchers"]["totals"] == {
        "orders": 2,
        "discount": eur("6.00"),
        "net_sales": eur("37.00"),
    }
    assert euros["vouchers"]["previous_totals"] == {
        "orders": 1,
        "discount": eur("1.50"),
        "net_sales": eur("13.50"),
    }
    assert promotions(euros) == [
        ("Tee sale", 2, 3, "15.00", "43.00", (1, "5.00")),
        ("Old deal", 1, 1, "2.00", "10.00", (0, "0.00")),  # as its line kept it
    ]
    sale, old = euros["promotions"]["items"]
    assert (sale["id"], sale["public_id"]) == (history["sale"].pk, str(history["sale"].public_id))
    assert (old["id"], old["public_id"]) == (history["old_id"], None)
    assert euros["promotions"]["totals"] == {
        "lines": 3,
        "units": 4,
        "discount": eur("17.00"),
        "net_sales": eur("53.00"),
    }
    assert euros["promotions"]["previous_totals"]["discount"] == eur("5.00")


def test_a_promotion_renamed_shows_its_name_now(api, analyst_token, history):
    Promotion.objects.filter(pk=history["sale"].pk).update(name="Tee week")
    params = {**MARCH, "currency": "EUR", "compare": "none"}
    (euros,) = api.get_json(DISCOUNTS, params, token=analyst_token).json()["currencies"]
    assert [p["name"] for p in euros["promotions"]["items"]] == ["Tee week", "Old deal"]
    assert euros["vouchers"]["codes"][0]["previous"] is None
    assert euros["promotions"]["previous_totals"] is None


def test_a_currency_without_vouchers_or_promotions(api, analyst_token, history):
    params = {**MARCH, "currency": "USD"}
    (dollars,) = api.get_json(DISCOUNTS, params, token=analyst_token).json()["currencies"]
    assert dollars["currency"] == "USD"
    assert dollars["vouchers"]["codes"] == [] and dollars["promotions"]["items"] == []
    assert dollars["vouchers"]["totals"] == {
        "orders": 0,
        "discount": eur("0.00", "USD"),
        "net_sales": eur("0.00", "USD"),
    }


def test_the_facts_keep_the_voucher_and_the_promotions(history):
    order = OrderFact.objects.get(day="2026-03-03")
    assert (order.voucher_code, order.voucher_discount) == ("SPRING", 5)
    lines = OrderLineFact.objects.filter(order=order).order_by("line_id")
    assert [(f.promotion_id, f.promotion_name, f.promotion_discount) for f in lines] == [
        (None, "", 0),
        (history["sale"].pk, "Tee sale", 5),
    ]


def test_a_checkout_keeps_the_promotion_and_the_voucher(api, shop):  # noqa: F811
    make_voucher("TENOFF", kind="fixed", value="10.00")
    cart = filled_cart(api, shop, lines=((0, 2), (1, 1)), voucher_code="tenoff")
    response = complete(api, cart, key="complete-1")
    assert response.status_code == 201, response.content
    order = Order.objects.get(public_id=response.json()["id"])
    sale = Promotion.objects.get(name="Tee sale")
    lines = order.lines.order_by("sku").values_list("sku", "promotion_id", "promotion_name")
    assert list(lines) == [("NOVEL", None, ""), ("TEE-M", sale.pk, "Tee sale")]
    run_tasks()
    fact = OrderFact.objects.get(order=order)
    assert (fact.voucher_code, str(fact.voucher_discount)) == ("TENOFF", "10.00")
    facts = OrderLineFact.objects.filter(order=fact).order_by("-promotion_discount")
    assert [(f.promotion_id, str(f.promotion_discount)) for f in facts] == [
        (sale.pk, "10.00"),
        (None, "0.00"),
    ]


def test_a_draft_keeps_the_promotion_of_its_lines(shop, actor):  # noqa: F811
    draft = phone_order(shop, actor)
    lines = draft.lines.order_by("sku").values_list("sku", "promotion_id", "promotion_name")
    sale = Promotion.objects.get(name="Tee sale")
    assert list(lines) == [("NOVEL", None, ""), ("TEE-M", sale.pk, "Tee sale")]


def _top(api, token) -> dict[str, tuple]:
    body = api.get_json(CATEGORIES, {**MARCH, "currency": "EUR"}, token=token).json()
    (block,) = body["currencies"]
    found = {g["name"]: (g["units"], g["net_sales"]["amount"]) for g in block["groups"]}
    return found | {"": (block["other"]["units"], block["other"]["net_sales"]["amount"])}


def test_a_product_moved_counts_in_its_new_category_once_the_chore_ran(api, analyst_token, history):
    before = _top(api, analyst_token)
    regroup_catalog()  # the first run: nothing says how the roll-ups were grouped yet
    assert _top(api, analyst_token) == before
    assert regroup_catalog() == 0  # summed by the catalog as it is
    books = Category.objects.get(name="Books")
    Product.objects.filter(name="Tee").update(category=books)
    Product.objects.filter(name="Mug").update(category=history["shirts"])
    assert _top(api, analyst_token) == before  # the roll-ups as the catalog was
    assert regroup_catalog() == 2  # February and March
    after = _top(api, analyst_token)
    tee = (
        before["Clothing"][0] - after["Clothing"][0] + after[""][0] - before[""][0],
        Decimal(before["Clothing"][1]) - Decimal(after["Clothing"][1]),
    )
    assert tee[0] > 0 and tee[1] > 0
    assert after["Books"][0] > before["Books"][0]
    assert after[""][0] < before[""][0]  # the mug is filed now
    assert regroup_catalog() == 0
    rows = sorted(DailyCatalogGroup.objects.values_list("day", "by", "key", "units", "orders"))
    call_command("rebuild_analytics", stdout=StringIO())
    assert sorted(DailyCatalogGroup.objects.values_list("day", "by", "key", "units", "orders")) == (
        rows
    )


def test_the_rebuild_sums_the_same_day_roll_ups(history):
    models = (DailyCatalogGroup, DailyDiscount, DailyPayments)

    def rows(model) -> list[tuple]:
        names = [f.name for f in model._meta.fields if f.name != "id"]
        return sorted(model.objects.values_list(*names))

    incremental = {model: rows(model) for model in models}
    assert all(incremental.values())
    call_command("rebuild_analytics", stdout=StringIO())
    assert {model: rows(model) for model in models} == incremental


@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        (CATEGORIES, {}, 5),  # the children, the roll-up's groups and totals
        (CATEGORIES, {"parent": "clothing"}, 6),  # and the parent
        (CATEGORIES, {"by": "collection", "currency": "USD"}, 6),  # the currency, the names
        (DISCOUNTS, {}, 6),  # the codes, the promotions, the promotions' names
        (DISCOUNTS, {"currency": "USD"}, 6),  # the currency; no promotion to name
    ],
)
def test_reports_run_a_fixed_number_of_queries(
    api, analyst_token, history, django_assert_num_queries, path, params, queries
):
    if params.get("parent") == "clothing":
        params = {**params, "parent": str(history["clothing"].public_id)}
    check_queries(api, analyst_token, path, {**MARCH, **params}, queries, django_assert_num_queries)


@pytest.mark.parametrize(
    ("path", "params", "code", "field"),
    [
        *range_errors(CATEGORIES),
        *range_errors(CATEGORIES, by="collection"),
        *range_errors(DISCOUNTS),
        (CATEGORIES, {**MARCH, "by": "brand"}, "validation_error", "by"),
        (CATEGORIES, {**MARCH, "parent": "clothing"}, "validation_error", "parent"),
        (CATEGORIES, {**MARCH, "parent": str(uuid4())}, "unknown_category", "parent"),
        (
            CATEGORIES,
            {**MARCH, "by": "collection", "parent": str(uuid4())},
            "parent_not_taken",
            "parent",
        ),
        (CATEGORIES, {**MARCH, "compare": "never"}, "validation_error", "compare"),
        (DISCOUNTS, {**MARCH, "compare": "never"}, "validation_error", "compare"),
        (DISCOUNTS, {**MARCH, "to": "March"}, "validation_error", "to"),
    ],
)
def test_bad_input_gets_a_problem(api, analyst_token, db, path, params, code, field):
    check_bad_input(api, analyst_token, path, params, code, field)


@pytest.mark.parametrize(("path", "params"), [(CATEGORIES, MARCH), (DISCOUNTS, MARCH)])
def test_reports_are_for_staff_with_the_analytics_permission(
    api, customer_token, staff_token_without_permissions, owner_token, db, path, params
):
    check_staff_only(
        api, path, params, customer=customer_token, no_permission=staff_token_without_permissions
    )
    assert api.get_json(path, params, token=owner_token).status_code == 200


# --- a property test: random histories against a recomputation from the orders tables -------

START = berlin(2026, 3, 27, 0)
CODES = ["", "SPRING", "WELCOME"]

random_lines = st.tuples(
    st.integers(0, 4),  # the product: tee, scarf, novel, mug, or a variant deleted since
    st.integers(100, 9_999),  # cents a unit
    st.integers(1, 3),  # quantity
    st.integers(0, 2),  # no promotion, or one of two
    st.integers(0, 30),  # voucher, percent of the line after its promotion
)
random_orders = st.fixed_dictionaries(
    {
        "minutes": st.integers(0, 5 * 24 * 60),
        "currency": st.sampled_from(["EUR", "USD"]),
        "lines": st.lists(random_lines, min_size=1, max_size=3),
        "code": st.sampled_from(CODES),
        "refund": st.integers(0, 40),  # percent of the total, a day later
        "cancelled": st.booleans(),
    }
)


@pytest.fixture
def catalog(db) -> dict:
    clothing = make_category("Clothing")
    shirts = make_category("Shirts", parent=clothing)
    books = make_category("Books")
    made = [
        make_product(name, category=category)
        for name, category in (
            ("Tee", shirts),
            ("Scarf", clothing),
            ("Novel", books),
            ("Mug", None),
        )
    ]
    make_collection("Summer", [made[0], made[2]])
    make_collection("Gifts", [made[0], made[3]])
    return {
        "clothing": clothing,
        "variants": [p.variants.get().pk for p in made] + [None],
        "promotions": [None, promotion("Tee sale"), promotion("Two for one")],
    }


def _random_history(catalog: dict, history: list[dict]) -> None:
    for spec in history:
        lines = []
        for product, cents, quantity, offer, voucher in spec["lines"]:
            listed = cents * quantity
            off = listed * 10 * offer // 100  # 10 % or 20 %
            share = (listed - off) * voucher // 100 if spec["code"] else 0
            promoted = catalog["promotions"][offer]
            lines.append(
                Line(
                    str(Decimal(cents) / 100),
                    quantity,
                    str(Decimal(off) / 100),
                    str(Decimal(share) / 100),
                    catalog["variants"][product],
                    promoted.pk if promoted else None,
                    promoted.name if promoted else "",
                )
            )
        placed_at = START + timedelta(minutes=spec["minutes"])
        order = place(
            at=placed_at, currency=spec["currency"], lines=lines, voucher_code=spec["code"]
        )
        pay(order)
        amount = (order.total_gross * spec["refund"] / 100).quantize(Decimal("0.01"))
        if amount:
            refund(order, str(amount), at=placed_at + timedelta(days=1))
        if spec["cancelled"]:
            cancel(order)
        run_tasks()


def _placed_lines(first: date, last: date):
    """(order, line) of the counted orders placed in the range."""
    counted = set(settings.ANALYTICS_COUNTED_STATUSES)
    orders = Order.objects.filter(status__in=counted).prefetch_related(
        "lines__variant__product__category", "lines__variant__product__collections"
    )
    for order in orders:
        assert order.placed_at is not None
        if first <= order.placed_at.astimezone(BERLIN).date() <= last:
            for line in order.lines.all():
                yield order, line


def _line_net(line) -> Decimal:
    return line.unit_price * line.quantity - line.promotion_discount - line.voucher_discount


def expected_catalog(first: date, last: date, by: str, parent=None) -> dict:
    """Per (currency, row name; None: other): [units, net sales, order ids]."""
    found: dict = defaultdict(lambda: [0, Decimal("0.00"), set()])
    for order, line in _placed_lines(first, last):
        product = line.variant.product if line.variant else None
        if by == "collection":
            names = [c.name for c in product.collections.all()] if product else []
        else:
            category = product.category if product else None
            path = category.path if category else ""
            if parent is not None and not path.startswith(parent.path):
                continue
            level = (parent.depth if parent else 0) + 1
            row = Category.objects.filter(path=path[: level * 4], depth=level).first()
            names = [row.name] if row else []
        for name in names or [None]:
            figures = found[order.currency, name]
            figures[0] += line.quantity
            figures[1] += _line_net(line)
            figures[2].add(order.pk)
    return {key: [units, net, len(ids)] for key, (units, net, ids) in found.items()}


def found_catalog(body: dict) -> dict:
    found = {}
    for block in body["currencies"]:
        for row in [*block["groups"], {**block["other"], "name": None}]:
            if row["units"]:
                found[block["currency"], row["name"]] = [
                    row["units"],
                    Decimal(row["net_sales"]["amount"]),
                    row["orders"],
                ]
    return found


def expected_discounts(first: date, last: date) -> tuple[dict, dict]:
    """Per (currency, code): [orders, discount, net sales]; per (currency, promotion id):
    [lines, units, discount, net sales]."""
    codes: dict = defaultdict(lambda: [0, Decimal("0.00"), Decimal("0.00")])
    offers: dict = defaultdict(lambda: [0, 0, Decimal("0.00"), Decimal("0.00")])
    seen = set()
    for order, line in _placed_lines(first, last):
        if order.voucher_code and order.pk not in seen:
            seen.add(order.pk)
            row = codes[order.currency, order.voucher_code]
            listed = sum(x.unit_price * x.quantity for x in order.lines.all())
            row[0] += 1
            row[1] += order.voucher_discount
            row[2] += listed - order.discount_total
        if line.promotion_id is not None:
            item = offers[order.currency, line.promotion_id]
            item[0] += 1
            item[1] += line.quantity
            item[2] += line.promotion_discount
            item[3] += _line_net(line)
    counted = set(settings.ANALYTICS_COUNTED_STATUSES)
    refunds = Transaction.objects.filter(
        kind="refund", success=True, payment__order__status__in=counted
    ).select_related("payment__order")
    for txn in refunds:
        order = txn.payment.order
        if order.voucher_code and first <= txn.created_at.astimezone(BERLIN).date() <= last:
            codes[order.currency, order.voucher_code][2] -= txn.amount
    return dict(codes), dict(offers)


@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(random_orders, min_size=1, max_size=5))
def test_reports_match_the_orders_tables(analyst_token, catalog, history):
    first, last = date(2026, 3, 27), date(2026, 3, 31)
    params = {"from": str(first), "to": str(last), "compare": "none"}
    api = ApiClient()
    with transaction.atomic():
        _random_history(catalog, history)
        asks = (("category", None), ("category", catalog["clothing"]), ("collection", None))
        for by, parent in asks:
            asked = {**params, "by": by}
            if parent is not None:
                asked["parent"] = str(parent.public_id)
            body = api.get_json(CATEGORIES, asked, token=analyst_token).json()
            assert found_catalog(body) == expected_catalog(first, last, by, parent), by
        body = api.get_json(DISCOUNTS, params, token=analyst_token).json()
        codes, offers = expected_discounts(first, last)
        found_codes = {
            (block["currency"], v["code"]): [
                v["orders"],
                Decimal(v["discount"]["amount"]),
                Decimal(v["net_sales"]["amount"]),
            ]
            for block in body["currencies"]
            for v in block["vouchers"]["codes"]
        }
        assert found_codes == codes
        found_offers = {
            (block["currency"], p["id"]): [
                p["lines"],
                p["units"],
                Decimal(p["discount"]["amount"]),
                Decimal(p["net_sales"]["amount"]),
            ]
            for block in body["currencies"]
            for p in block["promotions"]["items"]
        }
        assert found_offers == offers
        transaction.set_rollback(True)
