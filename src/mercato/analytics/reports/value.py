"""The customer value report: lifetime value, the top customers and RFM segments, per
currency, from the order and refund facts grouped by customer in SQL (two queries: the
segments, and the top customers with their accounts). Scores are quintiles (NTILE) taken
by window functions, which PostgreSQL and SQLite (3.25 on) both have."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import connection

from mercato.analytics.models import OrderFact, RefundFact
from mercato.analytics.reports.common import cents, currencies
from mercato.core.money import quantize

ZERO = Decimal("0.00")

# The segments by recency (R) and frequency (F) score, as docs/analytics.md draws them; the
# first that matches. Every (R, F) pair has one.
SEGMENTS = (
    ("champions", "r = 5 AND f >= 4"),
    ("loyal", "r >= 3 AND f >= 4"),
    ("potential_loyalists", "r >= 4 AND f >= 2"),
    ("new", "r = 5"),
    ("promising", "r = 4"),
    ("need_attention", "r = 3 AND f = 3"),
    ("about_to_sleep", "r = 3"),
    ("cannot_lose", "f = 5"),
    ("at_risk", "f >= 3"),
    ("hibernating", "1 = 1"),
)
SEGMENT_NAMES = tuple(name for name, _ in SEGMENTS)


def _scored_sql(currency: str | None) -> str:
    """Per (currency, customer): orders, first and last order day, net, the R, F and M
    scores and the segment; parameters start, end, counted (and currency)."""
    orders = OrderFact._meta.db_table
    refunds = RefundFact._meta.db_table
    only = "AND o.currency = %(currency)s" if currency else ""
    segment = " ".join(f"WHEN {rule} THEN '{name}'" for name, rule in SEGMENTS)
    # ties share a score: the lowest tile their value reaches
    return f"""
    WITH refunds AS (
        SELECT r.order_id, SUM(r.amount) AS amount
        FROM {refunds} r JOIN {orders} o ON o.order_id = r.order_id
        WHERE r.counted = %(counted)s AND r.day <= %(end)s
            AND o.day BETWEEN %(start)s AND %(end)s {only}
        GROUP BY r.order_id
    ), customers AS (
        SELECT o.currency, o.customer_id, COUNT(*) AS orders,
            MIN(o.day) AS first_day, MAX(o.day) AS last_day,
            ROUND(SUM(o.gross - o.discounts - COALESCE(f.amount, 0)), 2) AS net
        FROM {orders} o LEFT JOIN refunds f ON f.order_id = o.order_id
        WHERE o.counted = %(counted)s AND o.customer_id IS NOT NULL
            AND o.day BETWEEN %(start)s AND %(end)s {only}
        GROUP BY o.currency, o.customer_id
    ), tiles AS (
        SELECT c.*,
            NTILE(5) OVER (PARTITION BY currency ORDER BY last_day, customer_id) AS r_tile,
            NTILE(5) OVER (PARTITION BY currency ORDER BY orders, customer_id) AS f_tile,
            NTILE(5) OVER (PARTITION BY currency ORDER BY net, customer_id) AS m_tile
        FROM customers c
    ), scored AS (
        SELECT t.*,
            MIN(r_tile) OVER (PARTITION BY currency, last_day) AS r,
            MIN(f_tile) OVER (PARTITION BY currency, orders) AS f,
            MIN(m_tile) OVER (PARTITION BY currency, net) AS m
        FROM tiles t
    ), segmented AS (
        SELECT s.*, CASE {segment} END AS segment FROM scored s
    )"""  # noqa: S608  (table names and the rules above, no input)


@dataclass
class Segment:
    name: str
    customers: int = 0
    orders: int = 0
    net: Decimal = ZERO


@dataclass
class TopCustomer:
    public_id: str | None
    email: str | None
    orders: int
    net: Decimal
    first_day: date
    last_day: date
    scores: tuple[int, int, int]  # R, F, M
    segment: str


@dataclass
class CustomerValue:
    """One currency: the customers with a counted order in the range, by segment, and the
    top ones by net."""

    currency: str
    segments: dict[str, Segment] = field(
        default_factory=lambda: {name: Segment(name) for name in SEGMENT_NAMES}
    )
    top: list[TopCustomer] = field(default_factory=list)

    @property
    def customers(self) -> int:
        return sum(s.customers for s in self.segments.values())

    @property
    def orders(self) -> int:
        return sum(s.orders for s in self.segments.values())

    @property
    def net(self) -> Decimal:
        return sum((s.net for s in self.segments.values()), ZERO)

    @property
    def net_per_customer(self) -> Decimal | None:
        return quantize(self.net / self.customers) if self.customers else None

    @property
    def orders_per_customer(self) -> Decimal | None:
        return quantize(Decimal(self.orders) / self.customers) if self.customers else None

    @property
    def average_order_value(self) -> Decimal | None:
        return quantize(self.net / self.orders) if self.orders else None


def _day(value: Any) -> date:
    """A day as the database gives it back (SQLite: text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def get_customer_value(
    *, start: date, end: date, limit: int = 10, currency: str | None = None
) -> list[CustomerValue]:
    """Per currency, the customers with a counted order placed from `start` to `end`: their
    net (gross less discounts of those orders, less their refunds made by `end`), RFM
    segments as of `end`, and the `limit` with the most net."""
    params: dict[str, Any] = {"start": start, "end": end, "counted": True, "limit": limit}
    if currency:
        params["currency"] = currency
    scored = _scored_sql(currency)
    users = get_user_model()._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{scored}
            SELECT currency, segment, COUNT(*), SUM(orders), SUM(net)
            FROM segmented GROUP BY currency, segment""",  # noqa: S608
            params,
        )
        segments = cursor.fetchall()
        cursor.execute(
            f"""{scored}
            SELECT x.currency, u.public_id, u.email, x.orders, x.net, x.first_day,
                x.last_day, x.r, x.f, x.m, x.segment
            FROM (
                SELECT s.*, ROW_NUMBER() OVER (
                    PARTITION BY currency ORDER BY net DESC, customer_id
                ) AS place
                FROM segmented s
            ) x LEFT JOIN {users} u ON u.id = x.customer_id
            WHERE x.place <= %(limit)s
            ORDER BY x.currency, x.place""",  # noqa: S608
            params,
        )
        top = cursor.fetchall()
    found = {code: CustomerValue(code) for code in currencies({r[0] for r in segments}, currency)}
    for code, name, customers, orders, net in segments:
        found[code].segments[name] = Segment(name, customers, int(orders), cents(net))
    for code, public_id, email, orders, net, first, last, r, f, m, segment in top:
        found[code].top.append(
            TopCustomer(
                public_id=None if public_id is None else str(UUID(str(public_id))),  # SQLite: hex
                email=email,
                orders=orders,
                net=cents(net),
                first_day=_day(first),
                last_day=_day(last),
                scores=(r, f, m),
                segment=segment,
            )
        )
    return list(found.values())
