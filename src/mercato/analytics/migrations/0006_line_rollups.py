"""The line roll-ups and the line facts' first-in-order flags, and the roll-ups added since
0003 filled from the facts already there, so that an upgraded shop's reports are right
without a rebuild: the flags worked out from the line facts, the orders groups summed, and
every month and week with facts marked stale (the products report reads stale ones from the
facts, and the chore sums their roll-ups)."""

from django.db import migrations, models
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth, TruncWeek

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
    StaleRollup = apps.get_model("analytics", "StaleRollup")
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
    stale = []
    for span, trunc in (("month", TruncMonth), ("week", TruncWeek)):
        starts = OrderLineFact.objects.annotate(s=trunc("day")).values_list("s", flat=True)
        stale += [StaleRollup(span=span, start=s) for s in set(starts.distinct().order_by())]
    StaleRollup.objects.bulk_create(stale, ignore_conflicts=True)




class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0005_custcart'),
    ]

    operations = [
        migrations.CreateModel(
            name='StaleRollup',
            fields=[
                ('pk', models.CompositePrimaryKey('span', 'start', blank=True, editable=False, primary_key=True, serialize=False)),
                ('span', models.CharField(max_length=5)),
                ('start', models.DateField()),
            ],
        ),
        migrations.AddField(
            model_name='orderlinefact',
            name='product_orders',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='orderlinefact',
            name='variant_orders',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.CreateModel(
            name='LineSalesRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('span', models.CharField(max_length=5)),
                ('start', models.DateField()),
                ('currency', models.CharField(max_length=3)),
                ('by', models.CharField(max_length=7)),
                ('product_id', models.IntegerField(blank=True, null=True)),
                ('variant_id', models.IntegerField(blank=True, null=True)),
                ('units', models.PositiveIntegerField(default=0)),
                ('gross', models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                ('discounts', models.DecimalField(decimal_places=2, default=0, max_digits=12)),
                ('returned', models.PositiveIntegerField(default=0)),
                ('orders', models.PositiveIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['span', 'by', 'start', 'currency'], name='line_rollup_start_idx')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
