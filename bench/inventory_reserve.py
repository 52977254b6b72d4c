"""Reservations per second: `inventory.services.reserve_stock` under concurrent clients.

    DATABASE_URL=postgres://…/mercato_bench_inv .venv/bin/python bench/inventory_reserve.py \
        [--clients 16] [--duration 20] [--variants 10000] [--modes hot cold]

Needs a migrated, EMPTY database (bench/run_inventory.sh makes one, runs this, then
`mercato check-stock`, and drops it). Creates 2 warehouses and N + 1 tracked variants (bulk):
N cold ones with a stock row per warehouse (1,000 units) and a matching `import` movement per
row (bulk), so the ledger agrees with the stock rows, and the hot one, whose stock (1,000,000
per warehouse) goes through `services.adjust_stock`.

Then, per mode, C client processes (each with its own database connection) call
`reserve_stock(reference=<unique cart>, lines=[(variant, 1)])` in a closed loop for a fixed
time: "hot" always on the one hot variant, "cold" on one of the N variants chosen at random.
A short warm-up is run first and not counted. Prints reservations/s, latency percentiles per
reservation, errors by kind, the rate per interval (to show a trend), and checks that every
reservation reported made exactly one row.
"""

import argparse
import math
import multiprocessing
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercato.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from mercato.audit.services import Actor  # noqa: E402
from mercato.catalog import services as catalog_services  # noqa: E402
from mercato.catalog.models import Product, ProductVariant  # noqa: E402
from mercato.inventory import services  # noqa: E402
from mercato.inventory.models import Reservation, Stock, StockMovement, Warehouse  # noqa: E402

ACTOR = Actor(label="bench-inventory", source="command")
VARIANTS_PER_PRODUCT = 4
COLD_STOCK = 1000  # per variant and warehouse: 2,000 units, far more than a run reserves
HOT_STOCK = 1_000_000  # per warehouse (the most a stock row may hold)
TABLES = [
    "catalog_product",
    "catalog_productvariant",
    "inventory_warehouse",
    "inventory_stock",
    "inventory_stockmovement",
    "inventory_reservation",
]


def setup_data(cold_variants: int, batch: int = 5000) -> tuple[int, list[int]]:
    """Warehouses, products, the hot variant and `cold_variants` more, stock rows and their
    movements. Returns (hot variant id, cold variant ids)."""
    variants = cold_variants + 1
    started = time.perf_counter()
    with transaction.atomic():
        warehouses = [
            services.save_warehouse(
                actor=ACTOR, changes={"name": name, "country": country, "priority": priority}
            )
            for name, country, priority in [("Bench North", "DE", 10), ("Bench South", "IT", 20)]
        ]
        product_type = catalog_services.save_product_type(
            actor=ACTOR,
            name="Bench goods",
            slug="bench-goods",
            has_variants=True,
            product_attributes=[],
            variant_attributes=[],
        )
        products = Product.objects.bulk_create(
            [
                Product(
                    name=f"Bench product {n}",
                    slug=f"bench-product-{n}",
                    product_type=product_type,
                    status=Product.Status.PUBLISHED,
                    price_min=Decimal("10.00"),
                    price_max=Decimal("10.00"),
                )
                for n in range(1, -(-variants // VARIANTS_PER_PRODUCT) + 1)
            ],
            batch_size=batch,
        )
        rows = ProductVariant.objects.bulk_create(
            [
                ProductVariant(
                    product=products[n // VARIANTS_PER_PRODUCT],
                    sku=f"INV{n + 1:07d}",
                    name=f"Option {n % VARIANTS_PER_PRODUCT + 1}",
                    price=Decimal("10.00"),
                    sort_order=n % VARIANTS_PER_PRODUCT,
                    track_inventory=True,
                )
                for n in range(variants)
            ],
            batch_size=batch,
        )
        hot, cold = rows[0], rows[1:]
        stocks = Stock.objects.bulk_create(
            [Stock(warehouse=w, variant=v, quantity=COLD_STOCK) for v in cold for w in warehouses],
            batch_size=batch,
        )
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    stock=stock,
                    kind=StockMovement.Kind.IMPORT,
                    quantity_delta=COLD_STOCK,
                    quantity_before=0,
                    quantity_after=COLD_STOCK,
                    allocated_delta=0,
                    allocated_before=0,
                    allocated_after=0,
                    reason="benchmark data",
                    actor_label=ACTOR.label,
                )
                for stock in stocks
            ],
            batch_size=batch,
        )
        for warehouse in warehouses:
            services.adjust_stock(
                variant=hot,
                warehouse=warehouse,
                actor=ACTOR,
                reason="benchmark data",
                quantity=HOT_STOCK,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"setup: {time.perf_counter() - started:.1f} s", flush=True)
    return hot.pk, [v.pk for v in cold]


def dataset() -> str:
    return (
        f"{Warehouse.objects.count()} warehouses, {ProductVariant.objects.count():,} variants "
        f"(all tracked), {Stock.objects.count():,} stock rows, "
        f"{StockMovement.objects.count():,} movements, "
        f"{Reservation.objects.count():,} reservations"
    )


def client(
    number: int,
    mode: str,
    variant_ids: list[int],
    start: float,
    warm_until: float,
    stop_at: float,
    ready: "multiprocessing.synchronize.Barrier",
    results: "multiprocessing.Queue",
) -> None:
    """One client in a closed loop from `start` to `stop_at`; what finishes before
    `warm_until` is not measured. Sends back (number, latencies, finish times, errors,
    successful calls including the warm-up, (CPU seconds of this process, CPU seconds of its
    PostgreSQL backend) over the measured window)."""
    connections.close_all()  # never share the parent's socket
    with connection.cursor() as cursor:  # open this process's own connection before the start
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    rng = random.Random(number)
    latencies: list[float] = []
    finished: list[float] = []
    errors: Counter = Counter()
    succeeded = 0
    ready.wait()
    time.sleep(max(0.0, start - time.time()))
    calls = 0
    cpu_start = None
    while time.time() < stop_at:
        if cpu_start is None and time.time() >= warm_until:
            cpu_start = (time.process_time(), backend_cpu(backend))
        variant = variant_ids[0] if mode == "hot" else rng.choice(variant_ids)
        calls += 1
        reference = f"bench-{mode}-{number}-{calls}"
        started = time.perf_counter()
        try:
            services.reserve_stock(reference=reference, lines=[(variant, 1)])
        except Exception as exc:  # counted and reported; the run goes on
            errors[f"{type(exc).__name__}:{getattr(exc, 'code', '')}".rstrip(":")] += 1
            continue
        elapsed = time.perf_counter() - started
        succeeded += 1
        if warm_until <= (now := time.time()) < stop_at:
            latencies.append(elapsed)
            finished.append(now)
    cpu = (0.0, 0.0)
    if cpu_start is not None:
        cpu = (time.process_time() - cpu_start[0], backend_cpu(backend) - cpu_start[1])
    connections.close_all()
    results.put((number, latencies, finished, dict(errors), succeeded, cpu))


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a PostgreSQL backend on this machine has used; 0 when it
    cannot be read (another machine, no permission)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def run(mode: str, variant_ids: list[int], clients: int, duration: float, warmup: float) -> dict:
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    # Leave every client time to start and connect before the clock starts.
    start = time.time() + 3 + clients * 0.05
    warm_until, stop_at = start + warmup, start + warmup + duration
    workers = [
        ctx.Process(
            target=client,
            args=(n, mode, variant_ids, start, warm_until, stop_at, ready, results),
            daemon=True,
        )
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    ready.wait(timeout=60)
    load_before = os.getloadavg()[0]
    collected = [results.get(timeout=duration + warmup + 120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    load_after = os.getloadavg()[0]
    latencies = sorted(x for _, lat, *_ in collected for x in lat)
    finished = sorted(x for _, _, fin, *_ in collected for x in fin)
    errors: Counter = Counter()
    for _, _, _, errs, *_ in collected:
        errors.update(errs)
    succeeded = sum(c[4] for c in collected)
    client_cpu = sum(c[5][0] for c in collected)
    backend_cpu_ = sum(c[5][1] for c in collected)
    made = Reservation.objects.filter(reference__startswith=f"bench-{mode}-").count()
    per_client = sorted(len(lat) for _, lat, *_ in collected)
    step = max(1.0, duration / 5)
    buckets = []
    t = warm_until
    while t < stop_at - 1e-6:
        end = min(t + step, stop_at)
        buckets.append(sum(t <= f < end for f in finished) / (end - t))
        t = end
    return {
        "mode": mode,
        "count": len(latencies),
        "rate": len(latencies) / duration,
        "p50": percentile(latencies, 50) * 1000,
        "p90": percentile(latencies, 90) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "max": (latencies[-1] if latencies else float("nan")) * 1000,
        "mean": (statistics.fmean(latencies) if latencies else float("nan")) * 1000,
        "errors": dict(errors),
        "succeeded": succeeded,
        "rows": made,
        "per_client": (per_client[0], per_client[-1]) if per_client else (0, 0),
        "buckets": buckets,
        "step": step,
        "load": (load_before, load_after),
        "cpu_ms": (
            client_cpu * 1000 / max(len(latencies), 1),
            backend_cpu_ * 1000 / max(len(latencies), 1),
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds measured per mode")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds run, not counted")
    parser.add_argument("--variants", type=int, default=10_000, help="cold ones (+1 hot)")
    parser.add_argument("--modes", nargs="+", choices=["hot", "cold"], default=["hot", "cold"])
    parser.add_argument(
        "--hot-backlog",
        type=int,
        default=0,
        help="active reservations (other carts) on the hot variant before the run, as a busy "
        "shop has within one reservation TTL",
    )
    options = parser.parse_args()
    if Warehouse.objects.exists() or ProductVariant.objects.exists():
        print("Refusing to run: the database is not empty. Use a fresh one.", file=sys.stderr)
        return 1
    print(
        f"reserve_stock benchmark on {connection.vendor} ({connection.settings_dict['NAME']}), "
        f"{options.clients} client processes, {options.duration:g} s per mode "
        f"(+{options.warmup:g} s warm-up), {os.cpu_count()} CPUs",
        flush=True,
    )
    hot, cold = setup_data(options.variants)
    if options.hot_backlog:
        expires = timezone.now() + timedelta(seconds=settings.RESERVATION_TTL)
        Reservation.objects.bulk_create(
            (
                Reservation(
                    reference=f"backlog-{n}", variant_id=hot, quantity=1, expires_at=expires
                )
                for n in range(options.hot_backlog)
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE inventory_reservation")
    print(f"dataset: {dataset()}", flush=True)
    reports = []
    for mode in options.modes:
        ids = [hot] if mode == "hot" else cold
        print(f"\n== {mode}: {len(ids):,} variant(s) ...", flush=True)
        report = run(mode, ids, options.clients, options.duration, options.warmup)
        reports.append(report)
        trend = " ".join(f"{r:.0f}" for r in report["buckets"])
        print(
            f"  {report['count']:,} reservations in {options.duration:g} s: "
            f"{report['rate']:.1f}/s; latency p50 {report['p50']:.1f} ms, p90 "
            f"{report['p90']:.1f} ms, p99 {report['p99']:.1f} ms, max {report['max']:.1f} ms; "
            f"errors {sum(report['errors'].values())} {report['errors'] or ''}\n"
            f"  per {report['step']:g} s: {trend} /s; per client {report['per_client'][0]} to "
            f"{report['per_client'][1]}; load 1-min {report['load'][0]:.2f}→"
            f"{report['load'][1]:.2f}\n"
            f"  CPU per reservation: {report['cpu_ms'][0]:.1f} ms in the client (Python), "
            f"{report['cpu_ms'][1]:.1f} ms in its PostgreSQL backend\n"
            f"  rows: {report['rows']:,} reservations made, {report['succeeded']:,} reported "
            f"(warm-up included)",
            flush=True,
        )
    print(f"\ndataset after: {dataset()}")
    print(f"\n{'mode':<6} {'variants':>9} {'res/s':>8} {'p50_ms':>8} {'p90_ms':>8} ", end="")
    print(f"{'p99_ms':>8} {'max_ms':>8} {'errors':>7} {'cpu_ms py+pg':>13}")
    for report in reports:
        variants = 1 if report["mode"] == "hot" else len(cold)
        print(
            f"{report['mode']:<6} {variants:>9,} {report['rate']:>8.1f} {report['p50']:>8.1f} "
            f"{report['p90']:>8.1f} {report['p99']:>8.1f} {report['max']:>8.1f} "
            f"{sum(report['errors'].values()):>7} "
            f"{report['cpu_ms'][0]:>6.1f}+{report['cpu_ms'][1]:<6.1f}"
        )
    wrong = [r["mode"] for r in reports if r["rows"] != r["succeeded"]]
    if wrong:
        print(f"MISMATCH: reservation rows differ from successes in {wrong}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
