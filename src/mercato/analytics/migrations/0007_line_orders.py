"""The line facts' first-in-order flags, and the roll-ups added since 0003 filled from the
facts already there, so that an upgraded shop's reports are right without a rebuild: the
flags worked out from the line facts, the orders groups summed, and every month with facts
marked stale (the products report reads stale months from the facts, and the chore sums
their monthly roll-ups)."""

from django.db import migrations, models
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth

FIRST = """
UPDATE analytics_orderlinefact SET {column} = CASE WHEN EXISTS (
    SELECT 1 FROM analytics_orderlinefact AS earlier
    WHERE earlier.order_id = analytics_orderlinefact.order_id
    AND earlier.{key} = analytics_orderlinefact.{key}
    AND earlier.line_id < analytics_orderlinefact.line_id
) THEN 0 ELSE 1 END
"""
BREAKDOWNS = ("status", "country", "shipping_method", "payment_provider")


def fill(apps, schema_editor):
    OrderFact = apps.get_model("analytics", "OrderFact")
    RefundFact = apps.get_model("analytics", "RefundFact")
    OrderLineFact = apps.get_model("analytics", "OrderLineFact")
    DailyOrderGroup = apps.get_model("analytics", "DailyOrderGroup")
    StaleMonth = apps.get_model("analytics", "StaleMonth")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FIRST.format(column="product_orders", key="product_id"))
        cursor.execute(FIRST.format(column="variant_orders", key="variant_id"))
    DailyOrderGroup.objects.all().delete()
    groups = []
    for by in BREAKDOWNS:
        placed = OrderFact.objects.filter(counted=True).values("day", "currency", key=F(by))
        for row in placed.annotate(n=Count("pk"), g=Sum("gross"), d=Sum("discounts")).order_by():
            groups.append(
                DailyOrderGroup(
                    day=row["day"],
                    currency=row["currency"],
                    by=by,
                    key=row["key"],
                    orders=row["n"],
                    gross=row["g"],
                    discounts=row["d"],
                )
            )
        refunded = RefundFact.objects.filter(counted=True)
        refunded = refunded.values("day", "currency", key=F(f"order__{by}"))
        for row in refunded.annotate(r=Sum("amount")).order_by():
            groups.append(
                DailyOrderGroup(
                    day=row["day"],
                    currency=row["currency"],
                    by=by,
                    key=row["key"],
                    refunds=row["r"],
                )
            )
    DailyOrderGroup.objects.bulk_create(groups, batch_size=1000)
    months = OrderLineFact.objects.annotate(m=TruncMonth("day")).values_list("m", flat=True)
    StaleMonth.objects.bulk_create(
        [StaleMonth(month=month) for month in set(months.distinct().order_by())],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0006_monthly_lines"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderlinefact",
            name="product_orders",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="orderlinefact",
            name="variant_orders",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
