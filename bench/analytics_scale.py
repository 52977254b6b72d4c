"""Analytics at scale on PostgreSQL: generate a large shop history in bulk, time
`mercato rebuild-analytics`, then serve it and measure every report, the dashboard, the
storefront event endpoint and how soon a placed or refunded order shows in the overview.

    .venv/bin/python bench/analytics_scale.py [--scale 1.0] [--reuse] [--requests 20]

--scale 1 is issue 12's size: 1,000,000 orders over two years, ~3,000,000 lines over ~4,500
catalog variants, 20,000,000 storefront events. The script drops and creates the database
mercato_bench_analytics (DATABASE_URL's server, default postgres@127.0.0.1:5432), migrates,
fills the catalog with bench/catalog_data.py, and generates the rest in SQL
(bench/analytics_scale.sql: INSERT … SELECT over generate_series, deterministic per --seed
and end day). `--reuse` keeps a database made before (no generation, no drop);
`--generate-only` stops after generating; BENCH_DATABASE names another database.

Then: `mercato rebuild-analytics` (the real command, timed); a production server
(`mercato run --no-demo --workers 2`, DEBUG off, with its task worker; port --port, log in
/tmp/mercato-bench-analytics/server.log); every GET /api/admin/analytics/* report the
server's OpenAPI lists, for the last 30 days, 1 year and 2 years (each value of its required
choices, and each interval where it has one), --requests times in a row after one warm-up
(p50/p99); the dashboard /admin/ signed in as an Analyst; bench/analytics_events.py for the
event endpoint's rate; and placing (then refunding) an order through the services in this
process until the overview report counts it. It prints a table with the data sizes and the
load average. A benchmark, not a test: nothing fails when an aim is missed.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("BENCH_DATABASE", "mercato_bench_analytics")
SERVER = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SERVER = SERVER.rsplit("/", 1)[0]
DATABASE_URL = f"{SERVER}/{DATABASE}"
HOME = Path("/tmp/mercato-bench-analytics")
STAFF_EMAIL = "bench-analyst@example.com"
STAFF_PASSWORD = "bench-analyst-Passw0rd-42"
MERCATO = str(ROOT / ".venv" / "bin" / "mercato")
PYTHON = str(ROOT / ".venv" / "bin" / "python")

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("SHOP_TIME_ZONE", "Europe/Berlin")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercato.settings")
os.environ["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402
import psycopg  # noqa: E402

LOADS: list[tuple[str, float]] = []
FIGURES: list[tuple[str, str, str]] = []  # (what, figure, detail)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load(moment: str) -> None:
    LOADS.append((moment, os.getloadavg()[0]))


def figure(what: str, value: str, detail: str = "") -> None:
    FIGURES.append((what, value, detail))
    say(f"{what}: {value} {detail}".rstrip())


def admin_sql(statement: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def create_database() -> None:
    say(f"dropping and creating {DATABASE}")
    admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {DATABASE}")
    subprocess.run([MERCATO, "migrate", "-v", "0"], check=True, cwd=ROOT)


def statements(text: str) -> list[str]:
    """The SQL file's statements (each ends with ';' at the end of a line)."""
    found, current = [], []
    for line in text.splitlines():
        if not current and (not line.strip() or line.startswith("--")):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            found.append("\n".join(current))
            current = []
    return found


def substitute(statement: str, values: dict[str, str]) -> str:
    return re.sub(
        r"(?<!:):([a-z_]+)\b",
        lambda m: values[m.group(1)] if m.group(1) in values else m.group(0),
        statement,
    )


def generate(scale: float, seed: int, end_ts: datetime) -> dict[str, float]:
    """The catalog (bench/catalog_data.py), a warehouse, then the SQL file."""
    from django.db import connection

    from mercato.inventory.models import Warehouse

    timings: dict[str, float] = {}
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "bench/catalog_data.py", "--products", "1500", "--variants", "3"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    timings["catalog (1,500 products x 3 variants)"] = time.monotonic() - started
    warehouse = Warehouse.objects.create(name="Bench warehouse", slug="bench", country="DE")
    orders = max(1, round(1_000_000 * scale))
    values = {
        "seed": str(seed),
        "orders": str(orders),
        "customers": str(max(1, orders // 4)),
        "events": str(max(6, round(20_000_000 * scale))),
        "start_ts": f"'{(end_ts - timedelta(days=730)).isoformat()}'",
        "end_ts": f"'{end_ts.isoformat()}'",
        "tz": f"'{os.environ['SHOP_TIME_ZONE']}'",
        "warehouse": str(warehouse.pk),
    }
    text = (ROOT / "bench" / "analytics_scale.sql").read_text()
    with connection.cursor() as cursor:
        # the big tables' plain indexes (not those of a constraint) are built once at the end:
        # much faster than keeping them up to date row by row
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND NOT "
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
            "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)",
            [BULK_TABLES],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for statement in statements(text):
            if ":variants" in statement and "variants" not in values:
                cursor.execute("SELECT count(*) FROM pool")
                values["variants"] = str(cursor.fetchone()[0])
            sql = substitute(statement, values)
            first = next(line for line in sql.splitlines() if not line.startswith("--"))
            began = time.monotonic()
            cursor.execute(sql)
            took = time.monotonic() - began
            key = first[:70]
            timings[key] = timings.get(key, 0) + took
            if took > 1:
                say(f"  {took:7.1f} s  {key}")
        began = time.monotonic()
        for _, definition in indexes:
            cursor.execute(definition)
        timings["indexes"] = time.monotonic() - began
        say(f"  {timings['indexes']:7.1f} s  {len(indexes)} indexes built")
        began = time.monotonic()
        cursor.execute("VACUUM ANALYZE")
        timings["VACUUM ANALYZE"] = time.monotonic() - began
    timings["total"] = time.monotonic() - started
    return timings


BULK_TABLES = [
    "orders_order",
    "orders_orderline",
    "orders_fulfilment",
    "orders_fulfilmentline",
    "payments_payment",
    "payments_transaction",
    "analytics_storefrontevent",
]
SIZES = [
    ("orders", "orders_order"),
    ("order lines", "orders_orderline"),
    ("customers", "accounts_user"),
    ("variants", "catalog_productvariant"),
    ("payments", "payments_payment"),
    ("transactions", "payments_transaction"),
    ("returns", "orders_return"),
    ("storefront events", "analytics_storefrontevent"),
    ("order facts", "analytics_orderfact"),
    ("line facts", "analytics_orderlinefact"),
    ("refund facts", "analytics_refundfact"),
    ("daily sales", "analytics_dailysales"),
    ("daily traffic", "analytics_dailytraffic"),
    ("daily product traffic", "analytics_dailyproducttraffic"),
]


def sizes() -> list[tuple[str, int, str]]:
    from django.db import connection

    rows = []
    with connection.cursor() as cursor:
        for label, table in SIZES:
            cursor.execute(
                f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}"
            )
            count, size = cursor.fetchone()
            rows.append((label, count, size))
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        rows.append(("database", 0, cursor.fetchone()[0]))
    return rows


def history_counts() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE total_refunded > 0), count(*) FILTER (WHERE status"
            " = 'cancelled'), count(DISTINCT user_id), count(*) FILTER (WHERE user_id IS NOT"
            " NULL), min(placed_at), max(placed_at) FROM orders_order"
        )
        refunded, cancelled, buyers, by_customers, first, last = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM payments_payment WHERE status = 'failed'")
        (declined,) = cursor.fetchone()
    return (
        f"{refunded:,} orders refunded, {cancelled:,} cancelled, {declined:,} declined "
        f"payments, {by_customers:,} orders by {buyers:,} customers, {first:%Y-%m-%d} to "
        f"{last:%Y-%m-%d}"
    )


def rebuild() -> None:
    from mercato.analytics.services import placed_orders

    orders = placed_orders().count()
    load("rebuild start")
    started = time.monotonic()
    subprocess.run([MERCATO, "rebuild-analytics"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    took = time.monotonic() - started
    load("rebuild end")
    figure("rebuild-analytics", f"{took:.1f} s", f"{orders / took:,.0f} orders/s ({orders:,})")


class Server:
    """`mercato run` in a process group of its own; stopped with SIGTERM to the group."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        HOME.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "bench-analytics-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MERCATO_HOME": str(HOME),
            "RATE_LIMITS_ENABLED": "false",
            "RATE_LIMIT_ANALYTICS_IP": "off",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",  # plain HTTP on this machine
            "CSRF_COOKIE_SECURE": "false",
        }
        log = open(HOME / "server.log", "w")  # noqa: SIM115 (kept open while the server runs)
        self.process = subprocess.Popen(
            [MERCATO, "run", "--no-demo", "--workers", "2", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited: see {HOME / 'server.log'}")
            try:
                with urllib.request.urlopen(self.base + "/health/ready", timeout=5):
                    say(f"server ready at {self.base}")
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(1)
        raise SystemExit("the server did not get ready within 120 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
            say("server stopped")


def make_staff() -> None:
    from mercato.accounts.models import User
    from mercato.accounts.services import create_staff_user
    from mercato.audit.services import Actor

    if not User.objects.filter(email=STAFF_EMAIL).exists():
        create_staff_user(
            email=STAFF_EMAIL,
            password=STAFF_PASSWORD,
            groups=["Analyst"],
            actor=Actor(label="bench", source="command"),
        )


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.token = ""

    def call(self, method: str, path: str, body=None, form=None, headers=None):
        data, sent = None, dict(headers or {})
        if body is not None:
            data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.token and path.startswith("/api/admin"):
            sent["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def sign_in(self) -> None:
        status, body = self.call(
            "POST", "/api/admin/auth/login", {"email": STAFF_EMAIL, "password": STAFF_PASSWORD}
        )
        if status != 200:
            raise SystemExit(f"admin API login: {status} {body[:300]!r}")
        self.token = json.loads(body)["access_token"]
        status, page = self.call("GET", "/admin/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if not match:
            raise SystemExit(f"no CSRF token on /admin/login/ ({status})")
        status, page = self.call(
            "POST",
            "/admin/login/?next=/admin/",
            form={
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": STAFF_EMAIL,
                "password": STAFF_PASSWORD,
                "next": "/admin/",
            },
            headers={"Referer": self.base + "/admin/login/"},
        )
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            raise SystemExit(f"the admin login did not sign in ({status})")


def timed(client: Client, path: str, count: int) -> tuple[list[float], int]:
    """One warm-up, then `count` requests in a row: their latencies (s), last status."""
    status, _ = client.call("GET", path)
    latencies = []
    for _ in range(count):
        began = time.monotonic()
        status, _ = client.call("GET", path)
        latencies.append(time.monotonic() - began)
    return latencies, status


def quantiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0] * 1000, values[0] * 1000
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def report_requests(client: Client, today: date) -> list[tuple[str, str, str]]:
    """(report, variant, query string) for every GET /api/admin/analytics/* report."""
    status, body = client.call("GET", "/api/openapi.json")
    if status != 200:
        raise SystemExit(f"/api/openapi.json: {status}")
    schema = json.loads(body)
    ranges = {
        "30 days": (today - timedelta(days=29), today),
        "1 year": (today - timedelta(days=364), today),
        "2 years": (today - timedelta(days=729), today),
    }
    quarter = f"{today.year - 1}-Q{(today.month - 1) // 3 + 1}"
    found = []
    for path, operations in sorted(schema["paths"].items()):
        if not path.startswith("/api/admin/analytics/") or "get" not in operations:
            continue
        parameters = operations["get"].get("parameters", [])
        names = {p["name"]: p for p in parameters if p.get("in") == "query"}
        choices: list[list[tuple[str, str]]] = []
        for name, parameter in names.items():
            options = _enum(parameter.get("schema", {}), schema)
            if options and (parameter.get("required") or name == "interval"):
                choices.append([(name, option) for option in options])
        combos: list[list[tuple[str, str]]] = [[]]
        for options in choices:
            combos = [[*combo, option] for combo in combos for option in options]
        if "from" in names:
            spans = [
                (label, [("from", str(a)), ("to", str(b))]) for label, (a, b) in ranges.items()
            ]
        elif "quarter" in names:
            spans = [(f"quarter {quarter}", [("quarter", quarter)])]
        else:
            spans = [("", [])]
        for label, span in spans:
            for combo in combos:
                variant = ", ".join([label] + [f"{k}={v}" for k, v in combo]).strip(", ")
                found.append((path, variant, urllib.parse.urlencode(span + combo)))
    return found


def _enum(parameter_schema: dict, schema: dict) -> list[str]:
    if "$ref" in parameter_schema:
        name = parameter_schema["$ref"].rsplit("/", 1)[1]
        parameter_schema = schema["components"]["schemas"][name]
    for option in parameter_schema.get("allOf", []) + parameter_schema.get("anyOf", []):
        found = _enum(option, schema)
        if found:
            return found
    return list(parameter_schema.get("enum", []))


def measure_reports(client: Client, count: int, today: date) -> list[tuple]:
    rows = []
    load("reports start")
    for path, variant, query in report_requests(client, today):
        latencies, status = timed(client, f"{path}?{query}", count)
        p50, p99 = quantiles(latencies)
        rows.append((path.removeprefix("/api/admin/analytics/"), variant, status, p50, p99))
        print(f"  {rows[-1][0]:<22} {variant:<34} {status} p50 {p50:7.1f} p99 {p99:7.1f} ms")
    load("reports end")
    latencies, status = timed(client, "/admin/", count)
    p50, p99 = quantiles(latencies)
    rows.append(("dashboard /admin/", "", status, p50, p99))
    print(f"  dashboard /admin/ {status} p50 {p50:.1f} p99 {p99:.1f} ms")
    return rows


def measure_events(base: str, duration: float) -> None:
    from mercato.catalog.models import Product

    products = HOME / "products.txt"
    ids = Product.objects.order_by("pk").values_list("public_id", flat=True)[:500]
    products.write_text("".join(f"{public_id}\n" for public_id in ids))
    load("events start")
    output = subprocess.run(
        [
            PYTHON,
            "bench/analytics_events.py",
            "--base-url",
            base,
            "--clients",
            "8",
            "--batch",
            "50",
            "--duration",
            str(duration),
            "--products",
            str(products),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    load("events end")
    lines = output.strip().splitlines()
    rate = lines[0].split(" events/s")[0] if lines else "?"
    figure("storefront events", f"{rate} events/s", " / ".join(lines))


def overview(client: Client, day: date) -> dict:
    status, body = client.call("GET", f"/api/admin/analytics/overview?from={day}&to={day}")
    if status != 200:
        raise SystemExit(f"overview: {status} {body[:300]!r}")
    return json.loads(body)


def eur(answer: dict, key: str) -> str:
    for item in answer.get("currencies", []):
        if item.get("currency") == "EUR":
            return json.dumps(item.get(key if key in item else "current", item))
    return json.dumps(answer)


def wait_until(client: Client, day: date, before: str, key: str, limit: float) -> float | None:
    began = time.monotonic()
    while time.monotonic() - began < limit:
        if eur(overview(client, day), key) != before:
            return time.monotonic() - began
        time.sleep(0.1)
    return None


def measure_freshness(client: Client, rounds: int) -> None:
    """Place an order through the orders services and pay it (test card), then refund 1.00
    of it through the payments services; each time poll the overview of today until it
    changes (the task worker dispatches the events)."""
    from mercato.analytics.services import local_day
    from mercato.audit.services import SYSTEM
    from mercato.catalog.models import ProductVariant
    from mercato.orders.models import Order
    from mercato.orders.services import LineSnapshot, place_order
    from mercato.orders.services.inputs import OrderDetails, OrderTotals, ShippingChoice
    from mercato.payments import services as payments

    variant = ProductVariant.objects.select_related("product").order_by("pk").first()
    rate, price = Decimal("0.19"), variant.price
    tax = (price * rate / (1 + rate)).quantize(Decimal("0.01"))
    address = {
        "first_name": "Bench",
        "last_name": "Shopper",
        "company": "",
        "line1": "Invalidenstraße 1",
        "line2": "",
        "city": "Berlin",
        "region": "",
        "postal_code": "10115",
        "country": "DE",
        "phone": "",
    }
    placed, refunded = [], []
    for _ in range(rounds):
        day = local_day(datetime.now(ZoneInfo("UTC")))
        before = eur(overview(client, day), "current")
        started = time.monotonic()
        order = place_order(
            user=None,
            email="bench-freshness@example.com",
            currency="EUR",
            lines=[
                LineSnapshot(
                    variant_id=variant.pk,
                    product_name=variant.product.name,
                    variant_name=variant.name,
                    sku=variant.sku,
                    quantity=1,
                    unit_price=price,
                    unit_price_discounted=price,
                    promotion_discount=Decimal("0"),
                    voucher_discount=Decimal("0"),
                    total_net=price - tax,
                    total_tax=tax,
                    total_gross=price,
                    tax_rate=rate,
                    tax_class="standard",
                )
            ],
            totals=OrderTotals(
                subtotal=price,
                voucher_discount=Decimal("0"),
                shipping_price=Decimal("0"),
                subtotal_net=price - tax,
                subtotal_gross=price,
                discount_total=Decimal("0"),
                tax_total=tax,
                total_net=price - tax,
                total_gross=price,
                shipping_net=Decimal("0"),
                shipping_tax=Decimal("0"),
                shipping_gross=Decimal("0"),
                shipping_tax_rate=rate,
            ),
            shipping_address=address,
            billing_address=address,
            shipping=ShippingChoice(method_name="Standard"),
            details=OrderDetails(),
        )
        seen = wait_until(client, day, before, "current", 60 - (time.monotonic() - started))
        placed.append(None if seen is None else time.monotonic() - started)
        payments.start_payment(order=order, provider="test", token="tok_visa", capture=True)
        time.sleep(1.5)  # let the payment's events be dispatched first
        before = eur(overview(client, day), "current")
        order = Order.objects.get(pk=order.pk)
        started = time.monotonic()
        payments.refund_order(order=order, amount=Decimal("1.00"), actor=SYSTEM)
        seen = wait_until(client, day, before, "current", 60)
        refunded.append(None if seen is None else time.monotonic() - started)

    def show(values: list[float | None]) -> str:
        return ", ".join("never (60 s)" if v is None else f"{v:.2f}" for v in values)

    figure("placed → overview", f"max {_max(placed)}", f"({show(placed)} s)")
    figure("refunded → overview", f"max {_max(refunded)}", f"({show(refunded)} s)")


def _max(values: list[float | None]) -> str:
    if any(v is None for v in values):
        return "> 60 s"
    return f"{max(v for v in values if v is not None):.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1: 1,000,000 orders")
    parser.add_argument("--reuse", action="store_true", help="keep the database made before")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=20, help="per report and range")
    parser.add_argument("--events-duration", type=float, default=10)
    parser.add_argument("--freshness-rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8897)
    parser.add_argument("--skip-rebuild", action="store_true", help="with --reuse")
    parser.add_argument("--generate-only", action="store_true", help="stop after generating")
    args = parser.parse_args()

    load("start")
    if not args.reuse:
        create_database()
    django.setup()
    from mercato.orders.models import Order

    if not args.reuse:
        if Order.objects.exists():
            raise SystemExit(f"{DATABASE} has orders already")
        end = datetime.now(ZoneInfo("UTC")).replace(minute=0, second=0, microsecond=0)
        say(f"generating --scale {args.scale} (history up to {end:%Y-%m-%d %H:%M} UTC)")
        load("generation start")
        timings = generate(args.scale, args.seed, end)
        load("generation end")
        figure("generation", f"{timings['total']:.1f} s", "(catalog, SQL, VACUUM ANALYZE)")
    elif not Order.objects.exists():
        raise SystemExit(f"--reuse: {DATABASE} has no orders")
    else:
        args.scale = round(Order.objects.count() / 1_000_000, 4)  # as it was generated
    say(history_counts())
    if args.generate_only:
        for label, count, size in sizes():
            print(f"  {label:<22} {count:>12,} {size:>10}")
        return 0
    if not args.skip_rebuild:
        rebuild()
    make_staff()
    from django.db import connection

    connection.close()  # the server and this process share nothing

    server = Server(args.port)
    rows: list[tuple] = []
    try:
        server.start()
        client = Client(server.base)
        client.sign_in()
        today = datetime.now(ZoneInfo(os.environ["SHOP_TIME_ZONE"])).date()
        rows = measure_reports(client, args.requests, today)
        measure_events(server.base, args.events_duration)
        measure_freshness(client, args.freshness_rounds)
    finally:
        server.stop()
    load("end")

    print(f"\n== Analytics at scale {args.scale} ({args.requests} requests each, one client)")
    print("\n| data | rows | size |\n|---|---:|---:|")
    for label, count, size in sizes():
        print(f"| {label} | {count:,} | {size} |" if count else f"| {label} | | {size} |")
    print("\n| report | range, choices | status | p50 ms | p99 ms |\n|---|---|---:|---:|---:|")
    for name, variant, status, p50, p99 in rows:
        print(f"| {name} | {variant} | {status} | {p50:.1f} | {p99:.1f} |")
    worst = max((row for row in rows if row[0] != "dashboard /admin/"), key=lambda r: r[4])
    print(f"\nslowest report p99: {worst[4]:.0f} ms ({worst[0]}, {worst[1]})")
    print("\n| figure | value | detail |\n|---|---|---|")
    for what, value, detail in FIGURES:
        print(f"| {what} | {value} | {detail} |")
    print("\nload average (1 min): " + ", ".join(f"{m} {v:.2f}" for m, v in LOADS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
