"""Writing the split of each refund over its order's rates (`RefundTaxPart`), with the
order's facts (docs/analytics.md, "Tax roll-ups"): one query reads the refunds of the orders
with what each order charged at each rate, `split_refund` splits them in Python, one bulk
insert writes the parts. The tax reports then sum the parts in the database."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import F, Sum

from mercato.analytics.models import RefundFact, RefundTaxPart
from mercato.analytics.reports.common import cents
from mercato.analytics.reports.taxes import ZERO, split_refund


def insert_refund_parts(orders: dict[str, Any]) -> int:
    """Write the tax parts of the refunds of the orders in `orders` (lookups on the order's
    id, as `insert_facts` takes them), whose facts are written and whose parts are not.
    Returns how many parts."""
    refunds = RefundFact.objects.filter(**{f"order_id__{k}": v for k, v in orders.items()})
    rows = (
        refunds.values(
            "pk",
            "order_id",
            "day",
            "currency",
            "amount",
            shipping_rate=F("order__shipping_tax_rate"),
            shipped=F("order__shipping_net") + F("order__shipping_tax"),
            line_rate=F("order__orderlinefacts__tax_rate"),
        )
        # what the order's lines charged at each rate, with tax (none without a line)
        .annotate(
            lines_net=Sum("order__orderlinefacts__net"), lines_tax=Sum("order__orderlinefacts__tax")
        )
        .order_by("pk")
    )
    charged: dict[int, dict[Decimal, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    found: dict[int, Any] = {}  # refund: its first row
    for row in rows:
        found.setdefault(row["pk"], row)
        if row["line_rate"] is not None:
            charged[row["pk"]][row["line_rate"]] += cents(row["lines_net"]) + cents(
                row["lines_tax"]
            )
    parts = []
    for pk, refund in found.items():
        rates = dict(charged[pk])
        rate = refund["shipping_rate"]
        rates[rate] = rates.get(rate, ZERO) + cents(refund["shipped"])
        for rate, part in split_refund(refund["amount"], rates).items():
            parts.append(
                RefundTaxPart(
                    refund_id=pk,
                    order_id=refund["order_id"],
                    day=refund["day"],
                    currency=refund["currency"],
                    rate=rate,
                    taxable=part.taxable,
                    tax=part.tax,
                )
            )
    return len(RefundTaxPart.objects.bulk_create(parts))
