"""Ninety days of demo trade for the demo shop, made on this machine with a fixed seed, so that
the reports and the back-office dashboard have something to show on the first visit.

Demo customers (demo-customer-NN@example.com) register through the accounts services and keep
an address through the customers services; guests order as demo-guest-NNNN@example.com. Every
order goes the real way: a cart of one to three in-stock demo variants, an address and a
shipping method, completion (checkout services), the test card, captured (payments services),
and then, as the plan has it, a parcel shipped and delivered, a cancellation, a partial refund
by hand, or a return approved, received, restocked and refunded (orders and payments services).

The services stamp everything "now". Each step of an order is timed, and the rows it wrote
(order, timeline, parcels, returns, payments and their transactions, the cart, the voucher use,
a new customer) are then moved back to the step's demo moment with `.update()`: the order to its
demo day, the parcel a few hours later, a refund or return days later. Last, the analytics are
rebuilt from the tables, so the facts and roll-ups match.

It lives in analytics, the one app above both checkout and payments (docs/architecture.md: a
flow that spans apps lives in the highest app it touches), and it rebuilds the analytics.
"""

import logging
import math
import random
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Case, F, QuerySet, When
from django.test.utils import override_settings
from django.utils import timezone

from mercato.accounts import services as accounts
from mercato.accounts.models import User
from mercato.analytics.services import rebuild_analytics
from mercato.audit.services import Actor
from mercato.catalog.models import Product, ProductVariant
from mercato.checkout import services as checkout
from mercato.checkout.models import Cart
from mercato.checkout.selectors import shipping_options
from mercato.core.models import Event
from mercato.core.money import CENT
from mercato.customers import services as customers
from mercato.customers.models import Address
from mercato.inventory import services as inventory
from mercato.inventory.models import Allocation, Stock, Warehouse
from mercato.orders.models import Fulfilment, Order, OrderEvent, Return
from mercato.orders.services import fulfilment, returns
from mercato.payments import services as payments
from mercato.payments.models import Payment, Transaction
from mercato.pricing.models import Voucher, VoucherRedemption

ACTOR = Actor(label="demo-data", source="command")
VOUCHER = "WELCOME10"  # the demo voucher (pricing/demo.py): 10 % off from 50.00
VOUCHER_FROM = Decimal("60.00")  # a margin over its minimum, judged on the unit prices
POOL = 120  # how many in-stock variants the demo shoppers buy from
# orders a day on average: 2 (about 180 in 90 days) keeps the whole demo load of `mercato run`
# under a minute on SQLite; each order takes about 0.15 s through the services
ORDERS_PER_DAY = 2.0
STOCK_LEFT = 5  # units each bought variant keeps on hand once the history is placed

FIRST_NAMES = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas"]
FIRST_NAMES += ["Klara", "Leon", "Mia", "Noah", "Olivia", "Paul", "Rosa", "Sven", "Tara", "Yusuf"]
LAST_NAMES = ["Becker", "Dubois", "Fischer", "Jansen", "Koch", "Martin", "Meyer", "Novak"]
LAST_NAMES += ["Schmidt", "Smith", "Taylor", "Wagner", "Weber", "de Vries", "Huber", "Moreau"]
# (city, postal code, country, street), weighted towards the shop's own country
PLACES = [
    ("Berlin", "10115", "DE", "Invalidenstraße"),
    ("Hamburg", "20095", "DE", "Mönckebergstraße"),
    ("München", "80331", "DE", "Sendlinger Straße"),
    ("Köln", "50667", "DE", "Hohe Straße"),
    ("Leipzig", "04109", "DE", "Grimmaische Straße"),
    ("Frankfurt am Main", "60311", "DE", "Zeil"),
    ("Wien", "1010", "AT", "Kärntner Straße"),
    ("Paris", "75004", "FR", "Rue de Rivoli"),
    ("Amsterdam", "1012 JS", "NL", "Kalverstraat"),
    ("London", "EC1A 1BB", "GB", "King Edward Street"),
]
PLACE_WEIGHTS = [18, 10, 10, 8, 6, 8, 6, 5, 5, 4]
RETURN_REASONS = ["Too small", "Too large", "Not as pictured", "Changed my mind"]


@dataclass
class Buyer:
    """A demo shopper: a registered customer (`user` once registered) or a guest."""

    email: str
    address: dict[str, str]
    registered: bool
    user: User | None = None


@dataclass
class Planned:
    """One demo order as the plan has it; `steps` are (moment, what happens then)."""

    placed_at: datetime
    buyer: Buyer
    lines: list[tuple[ProductVariant, int]]
    voucher: bool
    method: int  # which of the offered shipping methods (0: the first, if there is one more)
    fate: str  # open, fulfilled, cancelled, refunded (in part, by hand), returned
    shipped_at: datetime | None = None
    later_at: datetime | None = None  # the cancellation, refund or return
    refund_share: Decimal = Decimal("0")
    reason: str = ""
    steps: list[tuple[datetime, datetime]] = field(default_factory=list)  # (real, demo) starts


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth), for the orders of one day."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _address(rng: random.Random) -> dict[str, str]:
    city, postal_code, country, street = rng.choices(PLACES, weights=PLACE_WEIGHTS)[0]
    return {
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "company": "",
        "line1": f"{street} {rng.randint(1, 120)}",
        "line2": "",
        "city": city,
        "region": "",
        "postal_code": postal_code,
        "country": country,
        "phone": "",
    }


def _variant_pool(warehouse: Warehouse, rng: random.Random) -> list[ProductVariant]:
    """Up to POOL variants of visible products in stock in the main warehouse, in SKU order
    and then shuffled by the seed (the first ones sell best)."""
    in_stock = Stock.objects.filter(warehouse=warehouse, quantity__gt=0).values("variant_id")
    variants = list(
        ProductVariant.objects.filter(
            pk__in=in_stock,
            track_inventory=True,
            product__in=Product.objects.visible(),
        ).order_by("sku")
    )
    rng.shuffle(variants)
    return variants[:POOL]


def _fate(rng: random.Random, placed_at: datetime, now: datetime, planned: Planned) -> None:
    """What becomes of the order after it is paid, and when."""
    age = now - placed_at
    roll = rng.random()
    if roll < 0.03:
        planned.fate = "cancelled"
        planned.later_at = placed_at + min(timedelta(hours=rng.uniform(0.2, 6)), age / 2)
        return
    if age < timedelta(days=1) or (age < timedelta(days=2) and rng.random() < 0.5):
        planned.fate = "open"  # still to fulfil: the dashboard's to-do panel has some
        return
    planned.shipped_at = placed_at + timedelta(hours=rng.uniform(3, 30))
    after = planned.shipped_at + timedelta(days=rng.uniform(1, 12))
    planned.later_at = min(after, planned.shipped_at + (now - planned.shipped_at) / 2)
    if roll < 0.045 and age > timedelta(days=10):
        planned.fate, planned.reason = "returned", rng.choice(RETURN_REASONS)
    elif roll < 0.095:
        planned.fate = "refunded"
        planned.refund_share = Decimal(rng.choice([10, 15, 20, 25, 30])) / 100
    else:
        planned.fate, planned.later_at = "fulfilled", None


def plan_history(
    *,
    variants: list[ProductVariant],
    now: datetime,
    days: int,
    orders_per_day: float,
    customers: int,
    rng: random.Random,
) -> list[Planned]:
    """The demo orders of the last `days` days and today (until now), oldest first: about
    `orders_per_day` a day, weekends busier, a little growth; a third by returning customers."""
    zone = ZoneInfo(settings.SHOP_TIME_ZONE)
    today = now.astimezone(zone).date()
    people = [
        Buyer(f"demo-customer-{n + 1:02d}@example.com", _address(rng), registered=True)
        for n in range(customers)
    ]
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(variants))]
    mean_factor = 8 / 7  # five weekdays at 1, Saturday and Sunday at 1.5
    plan: list[Planned] = []
    bought: list[Buyer] = []
    guests = 0
    for back in range(days, -1, -1):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(0), tzinfo=zone)
        busy = 1.5 if day.weekday() >= 5 else 1.0
        trend = 0.85 + 0.3 * (days - back) / max(days, 1)
        # today only until now
        share = min(1.0, (now - start) / timedelta(days=1))
        count = _poisson(rng, orders_per_day * busy / mean_factor * trend * share)
        moments = sorted(
            start
            + timedelta(hours=rng.uniform(7, 23) if share == 1 else rng.uniform(0, 24) * share)
            for _ in range(count)
        )
        for placed_at in moments:
            if bought and rng.random() < 1 / 3:
                buyer = rng.choice(bought)
            elif len(bought) < len(people) and rng.random() < 0.45:
                buyer = people[len(bought)]
                bought.append(buyer)
            else:
                guests += 1
                buyer = Buyer(f"demo-guest-{guests:04d}@example.com", _address(rng), False)
            picked = rng.choices(variants, weights=weights, k=rng.choice([1, 1, 1, 2, 2, 3]))
            lines = [(v, 2 if rng.random() < 0.2 else 1) for v in dict.fromkeys(picked)]
            value = sum((v.price * n for v, n in lines), Decimal("0"))
            planned = Planned(
                placed_at=placed_at,
                buyer=buyer,
                lines=lines,
                voucher=value >= VOUCHER_FROM and rng.random() < 0.15,
                method=0 if rng.random() < 0.8 else 1,
                fate="fulfilled",
            )
            _fate(rng, placed_at, now, planned)
            plan.append(planned)
    return plan


def _top_up(plan: list[Planned], warehouse: Warehouse) -> None:
    """Put enough stock in the main warehouse for every planned unit (through the inventory
    service, with its ledger movement), leaving STOCK_LEFT of each."""
    needed: dict[int, int] = defaultdict(int)
    variants: dict[int, ProductVariant] = {}
    for planned in plan:
        for variant, quantity in planned.lines:
            needed[variant.pk] += quantity
            variants[variant.pk] = variant
    stocks = Stock.objects.filter(warehouse=warehouse, variant_id__in=list(needed))
    free = {s.variant_id: s.quantity - s.quantity_allocated for s in stocks}
    for pk in sorted(needed):
        missing = needed[pk] + STOCK_LEFT - free.get(pk, 0)
        if missing > 0:
            inventory.adjust_stock(
                variant=variants[pk],
                warehouse=warehouse,
                delta=missing,
                reason="demo history: stock for the demo orders",
                actor=ACTOR,
            )


def _register(buyer: Buyer) -> User:
    """The demo customer's account and address book entry, made at their first order."""
    if buyer.user is None:
        # one machine registering many shoppers: the per-caller limits do not apply
        with override_settings(RATE_LIMITS_ENABLED=False):
            user = accounts.register_customer(
                email=buyer.email,
                password=secrets.token_urlsafe(16),
                first_name=buyer.address["first_name"],
                last_name=buyer.address["last_name"],
                ip="",
            )
        assert user is not None  # a new email: demo history loads only on an empty shop
        changes: dict[str, Any] = {k: v for k, v in buyer.address.items() if v}
        customers.create_address(user=user, changes=customers.AddressChanges(**changes))
        buyer.user = user
    return buyer.user


def _step(planned: Planned, demo_moment: datetime) -> None:
    planned.steps.append((timezone.now(), demo_moment))


def _fulfil(order: Order) -> list[Fulfilment]:
    """A parcel per warehouse the order's stock was allocated in, shipped and delivered."""
    lines = {line.reference: line for line in order.lines.all()}
    by_warehouse: dict[int, list[fulfilment.ParcelLine]] = defaultdict(list)
    allocations = Allocation.objects.filter(order_reference=order.reference).order_by("pk")
    for reference, warehouse_id, quantity in allocations.values_list(
        "line_reference", "stock__warehouse_id", "quantity"
    ):
        by_warehouse[warehouse_id].append(fulfilment.ParcelLine(lines[reference], quantity))
    parcels = []
    for n, (warehouse_id, parcel_lines) in enumerate(sorted(by_warehouse.items()), start=1):
        parcel = fulfilment.create_fulfilment(
            order=order,
            warehouse=Warehouse.objects.get(pk=warehouse_id),
            lines=parcel_lines,
            carrier="DHL",
            tracking_number=f"DEMO{order.number}{n}",
            actor=ACTOR,
            notify=False,
        )
        fulfilment.mark_shipped(fulfilment=parcel, actor=ACTOR, notify=False)
        parcels.append(fulfilment.mark_delivered(fulfilment=parcel, actor=ACTOR))
    return parcels


def _return(order: Order, parcel: Fulfilment, reason: str) -> None:
    """One unit of the first line sent back, approved, received into stock and refunded."""
    line = order.lines.order_by("pk").first()
    assert line is not None
    asked = returns.request_return(
        order=order, lines=[returns.ReturnItem(line, 1, reason)], reason=reason, actor=ACTOR
    )
    returns.approve_return(order_return=asked, actor=ACTOR)
    received = returns.receive_return(
        order_return=asked, restock={line.public_id: True}, warehouse=parcel.warehouse, actor=ACTOR
    )
    payments.refund_return(order_return=received, actor=ACTOR)


def place_planned(planned: Planned, *, voucher: bool) -> Order:
    """The planned order, through the real services, its steps timed for `move_back`."""
    buyer = planned.buyer
    _step(planned, planned.placed_at)
    user = _register(buyer) if buyer.registered else None
    cart = checkout.create_cart(user=user)
    for variant, quantity in planned.lines:
        cart = checkout.set_line(cart=cart, variant_id=variant.public_id, quantity=quantity)
    cart = checkout.update_checkout(
        cart=cart,
        details=checkout.CheckoutDetails(email=buyer.email, shipping_address=buyer.address),
    )
    options = shipping_options(cart)
    option = options[min(planned.method, len(options) - 1)]
    cart = checkout.update_checkout(
        cart=cart,
        details=checkout.CheckoutDetails(
            shipping_method_id=str(option.quote.method_id),
            voucher_code=VOUCHER if voucher and planned.voucher else "",
        ),
    )
    order = checkout.complete_checkout(cart=cart)
    payment = payments.start_payment(
        order=order, provider="test", token="tok_visa", actor=ACTOR, capture=True
    )
    if planned.fate == "cancelled":
        assert planned.later_at is not None
        _step(planned, planned.later_at)
        payments.cancel_order(order=order, actor=ACTOR, note="The customer changed their mind.")
        return order
    if planned.shipped_at is None:
        return order
    _step(planned, planned.shipped_at)
    parcels = _fulfil(order)
    if planned.later_at is None:
        return order
    _step(planned, planned.later_at)
    if planned.fate == "returned":
        _return(order, parcels[0], planned.reason)
    else:
        amount = (order.total_gross * planned.refund_share).quantize(CENT, ROUND_HALF_UP)
        payments.refund_payment(
            payment=payment, amount=amount, actor=ACTOR, reason="Goodwill: a late delivery."
        )
    return order


def _rows_of(order: Order, user: User | None) -> list[QuerySet[Any]]:
    """Every row the steps of an order may have written, that has a time worth moving."""
    rows: list[QuerySet[Any]] = [
        Order.objects.filter(pk=order.pk),
        OrderEvent.objects.filter(order=order),
        Fulfilment.objects.filter(order=order),
        Return.objects.filter(order=order),
        Payment.objects.filter(order=order),
        Transaction.objects.filter(payment__order=order),
        Cart.objects.filter(order=order),
        VoucherRedemption.objects.filter(order_reference=order.reference),
    ]
    if user is not None:
        rows += [User.objects.filter(pk=user.pk), Address.objects.filter(user=user)]
    return rows


def _time_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]


def move_back(order: Order, planned: Planned) -> None:
    """Move each time an order's step wrote (while it ran: from its start to the next step's)
    by as much as the step's demo moment lies before its real start."""
    order.refresh_from_db(fields=["placed_at"])
    assert order.placed_at is not None
    real_start, demo_start = planned.steps[0]
    # the order lands on its demo moment exactly (its day does not depend on the clock)
    planned.steps[0] = (real_start, demo_start - (order.placed_at - real_start))
    ends = [start for start, _ in planned.steps[1:]] + [timezone.now() + timedelta(seconds=1)]
    windows = [
        (start, end, demo - start) for (start, demo), end in zip(planned.steps, ends, strict=True)
    ]
    for queryset in _rows_of(order, planned.buyer.user):
        queryset.update(**{name: _moved(name, windows) for name in _time_fields(queryset.model)})


def _moved(name: str, windows: list[tuple[datetime, datetime, timedelta]]) -> Case:
    """The time in `name`, shifted by the window it falls in (unchanged in none)."""
    return Case(
        *(
            When(**{f"{name}__gte": start, f"{name}__lt": end}, then=F(name) + shift)
            for start, end, shift in windows
        ),
        default=F(name),
    )


def main_warehouse() -> Warehouse | None:
    """The warehouse allocation tries first that ships everywhere."""
    return next((w for w in Warehouse.objects.filter(is_active=True) if not w.countries), None)


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Hold back a logger's INFO lines (one a payment) while the history is placed."""
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        log.setLevel(level)


def load_demo_history(
    *,
    orders_per_day: float = ORDERS_PER_DAY,
    customers: int = 40,
    days: int = 90,
    seed: int = 90,
    now: datetime | None = None,
    on_start: Callable[[int], Callable[[], None]] | None = None,
) -> int:
    """Place the demo history on a shop that has the demo catalog, stock and shipping and no
    order yet. Returns the number of orders placed (0: there were orders, or nothing to sell).
    `on_start` is called with the number of orders planned and returns what to call after
    each one is placed (progress)."""
    warehouse = main_warehouse()
    if Order.objects.exists() or warehouse is None:
        return 0
    rng = random.Random(seed)
    variants = _variant_pool(warehouse, rng)
    if not variants:
        return 0
    plan = plan_history(
        variants=variants,
        now=now or timezone.now(),
        days=days,
        orders_per_day=orders_per_day,
        customers=customers,
        rng=rng,
    )
    _top_up(plan, warehouse)
    voucher = Voucher.objects.filter(code=VOUCHER).exists()
    step = on_start(len(plan)) if on_start else None
    started = timezone.now()
    with _quiet("mercato.payments.services"):
        for planned in plan:
            order = place_planned(planned, voucher=voucher)
            move_back(order, planned)
            if step:
                step()
    _history_told(since=started)
    rebuild_analytics()
    return len(plan)


def _history_told(*, since: datetime) -> None:
    """The demo's domain events are history: mark them dispatched, so that the worker does not
    email the demo customers about orders "placed" months ago (the analytics, their other
    subscriber, are rebuilt at once instead)."""
    Event.objects.filter(dispatched_at__isnull=True, created_at__gte=since).update(
        dispatched_at=timezone.now()
    )
