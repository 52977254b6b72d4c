"""Complete guest purchases per second over HTTP: create a cart, add two lines, set email and a
German address, read the shipping methods, pick one, complete with an Idempotency-Key.

    bench/checkout_flow.py prepare --out FILE [--stock 1000000]
        (Django, the bench database) every tracked variant of a published product gets
        `--stock` units in the first active warehouse that ships to DE, through
        inventory.services.adjust_stock (so the ledger agrees); their public ids go to FILE.
    bench/checkout_flow.py run --base-url URL --variants FILE [--clients 16] [--duration 30]
                               [--warmup 5] [--result FILE]
        (stdlib only: asyncio streams, HTTP/1.1 keep-alive when the server allows it) C
        clients each loop over the whole flow; a flow counts only when `complete` answers 201.
        A flow that started before the end runs to its end (its order exists), but only flows
        completed inside the measured window count towards orders/s and the percentiles.
    bench/checkout_flow.py verify --result FILE
        (Django) the orders in the database are exactly the flows that got a 201, one per cart.
    bench/checkout_flow.py profile --variants FILE [--flows 30]
        (Django, in-process through tests.support.ApiClient, DEBUG off) queries and time per
        call of the same flow, the slowest SQL, and a pyinstrument tree of `--flows` flows.

bench/run_checkout.sh runs all of it on a fresh PostgreSQL database.
"""

import argparse
import asyncio
import contextlib
import json
import os
import pathlib
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from urllib.parse import urlsplit

STEPS = ("create", "line1", "line2", "address", "methods", "shipping", "complete")
ADDRESS = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "line1": "Invalidenstraße 117",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "phone": "+49 30 1234567",
}


# --- HTTP ------------------------------------------------------------------------------------


class HttpError(Exception):
    """A transport failure (no complete response)."""


class Connection:
    """One HTTP/1.1 connection, reopened when the server closes it (gunicorn's sync workers
    close after every response)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: object = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        data = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Accept: application/json",
            "Connection: keep-alive",
            f"Content-Length: {len(data)}",
        ]
        if body is not None:
            head.append("Content-Type: application/json")
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        for attempt in range(2):
            reused = self.writer is not None
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.wait_for(
                        asyncio.open_connection(self.host, self.port), self.timeout
                    )
                    self.opened += 1
                self.writer.write(raw)
                return await asyncio.wait_for(self._response(), self.timeout)
            except (ConnectionError, asyncio.IncompleteReadError, HttpError) as exc:
                await self.close()
                # A kept-alive connection the server closed meanwhile: nothing was read,
                # sending again is safe. Anything else is a real failure.
                if reused and attempt == 0 and getattr(exc, "nothing_read", False):
                    continue
                raise HttpError(f"{type(exc).__name__}: {exc}") from exc
            except (TimeoutError, OSError) as exc:
                await self.close()
                raise HttpError(f"{type(exc).__name__}: {exc}") from exc
        raise HttpError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        assert self.reader is not None
        status_line = await self.reader.readline()
        if not status_line:
            error = HttpError("connection closed before a response")
            error.nothing_read = True  # type: ignore[attr-defined]
            raise error
        parts = status_line.decode("latin-1").split(" ", 2)
        status = int(parts[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readline()
            body = b"".join(chunks)
        else:
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body


# --- the flow --------------------------------------------------------------------------------


class FlowFailed(Exception):
    def __init__(self, step: str, status: int | str, code: str) -> None:
        super().__init__(f"{step}: {status} {code}")
        self.step, self.status, self.code = step, status, code


class Stats:
    def __init__(self) -> None:
        self.flows: list[tuple[float, float]] = []  # (finished at, seconds) of 201 flows
        self.steps: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self.errors: Counter[tuple[str, str, str]] = Counter()
        self.failed_flows: list[float] = []
        self.unknown_completes = 0  # complete got no answer even after a retry
        self.replayed = 0


def _code(body: bytes) -> str:
    try:
        return str(json.loads(body).get("code", "-"))
    except (ValueError, AttributeError):
        return "-"


async def _call(
    conn: Connection,
    stats: Stats,
    step: str,
    method: str,
    path: str,
    body: object = None,
    *,
    expect: int = 200,
    headers: dict[str, str] | None = None,
) -> object:
    started = time.perf_counter()
    try:
        status, data = await conn.request(method, path, body, headers)
    except HttpError as exc:
        raise FlowFailed(step, "transport", str(exc).split(":")[0]) from exc
    finished = time.perf_counter()
    stats.steps[step].append((finished, finished - started))
    if status != expect:
        raise FlowFailed(step, status, _code(data))
    return json.loads(data)


async def one_flow(conn: Connection, stats: Stats, variants: list[str], rng: random.Random):
    """The whole purchase as a guest; returns the seconds it took (complete answered 201)."""
    started = time.perf_counter()
    cart = await _call(conn, stats, "create", "POST", "/api/store/carts", expect=201)
    base = f"/api/store/carts/{cart['token']}"
    first, second = rng.sample(variants, 2)
    await _call(conn, stats, "line1", "POST", f"{base}/lines", {"variant_id": first})
    await _call(conn, stats, "line2", "POST", f"{base}/lines", {"variant_id": second})
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    await _call(
        conn, stats, "address", "PATCH", base, {"email": email, "shipping_address": ADDRESS}
    )
    methods = await _call(conn, stats, "methods", "GET", f"{base}/shipping-methods")
    if not methods:
        raise FlowFailed("methods", 200, "no_method_offered")
    await _call(conn, stats, "shipping", "PATCH", base, {"shipping_method_id": methods[0]["id"]})
    key = {"Idempotency-Key": f"bench-{uuid.uuid4()}"}
    for attempt in range(3):  # no answer: retry with the same key (it must not place twice)
        try:
            path = f"{base}/complete"
            await _call(conn, stats, "complete", "POST", path, expect=201, headers=key)
            break
        except FlowFailed as exc:
            if exc.status == 409 and exc.code == "idempotency_request_in_progress":
                await asyncio.sleep(0.2)
                continue
            if exc.status != "transport" or attempt == 2:
                if exc.status == "transport":
                    stats.unknown_completes += 1
                raise
            stats.errors[("complete", "transport", exc.code + " (retried)")] += 1
    else:
        raise FlowFailed("complete", 409, "idempotency_request_in_progress (3 tries)")
    return time.perf_counter() - started


async def client(
    index: int,
    stats: Stats,
    variants: list[str],
    host: str,
    port: int,
    stop_at: float,
    timeout: float,
    connections: Counter,
) -> None:
    rng = random.Random(1000 + index)
    conn = Connection(host, port, timeout)
    try:
        while time.perf_counter() < stop_at:
            try:
                seconds = await one_flow(conn, stats, variants, rng)
            except FlowFailed as exc:
                stats.errors[(exc.step, str(exc.status), exc.code)] += 1
                stats.failed_flows.append(time.perf_counter())
                continue
            stats.flows.append((time.perf_counter(), seconds))
    finally:
        connections[index] = conn.opened
        await conn.close()


def cpu_snapshot(server_sid: int | None, database: str | None) -> dict[str, float]:
    """CPU seconds so far (Linux /proc): the server's process session, the PostgreSQL
    backends of `database`, this process, and the whole machine (busy and total)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "postgres": 0.0, "client": time.process_time()}
    for entry in os.listdir("/proc") if server_sid or database else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / tick
            if server_sid and int(fields[3]) == server_sid:
                out["server"] += seconds
            elif database:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
                if cmdline.startswith("postgres: ") and f" {database} " in cmdline:
                    out["postgres"] += seconds
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    with open("/proc/stat") as handle:
        ticks = [int(v) for v in handle.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle + iowait
    out["machine_total"] = sum(ticks[:8]) / tick
    out["machine_busy"] = (sum(ticks[:8]) - idle) / tick
    return out


async def _snapshot_at(moment: float, server_sid, database, into: list) -> None:
    await asyncio.sleep(max(moment - time.perf_counter(), 0))
    into.append(cpu_snapshot(server_sid, database))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(int(-(-p * len(ordered) // 100)) - 1, 0)  # nearest rank
    return ordered[min(rank, len(ordered) - 1)]


def _ms(values: list[float]) -> str:
    if not values:
        return "     -"
    return "  ".join(
        f"{name} {percentile(values, p) * 1000:7.1f}"
        for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
    )


async def run_load(args: argparse.Namespace) -> dict:
    with open(args.variants) as handle:
        variants = json.load(handle)["variants"]
    if len(variants) < 2:
        sys.exit("the variant list needs at least two variants")
    url = urlsplit(args.base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    stats = Stats()
    connections: Counter = Counter()
    begin = time.perf_counter()
    window_start = begin + args.warmup
    window_end = window_start + args.duration
    cpu_before = time.process_time()
    snapshots: list[dict[str, float]] = []
    await asyncio.gather(
        _snapshot_at(window_start, args.server_sid, args.database, snapshots),
        _snapshot_at(window_end, args.server_sid, args.database, snapshots),
        *(
            client(i, stats, variants, host, port, window_end, args.timeout, connections)
            for i in range(args.clients)
        ),
    )
    drained = time.perf_counter()
    cpu = time.process_time() - cpu_before
    cpu_window = {name: snapshots[1][name] - snapshots[0][name] for name in snapshots[0]}

    def inside(finished: float) -> bool:
        return window_start <= finished < window_end

    measured = [seconds for finished, seconds in stats.flows if inside(finished)]
    failed = sum(1 for finished in stats.failed_flows if inside(finished))
    per_step = {
        step: [seconds for finished, seconds in stats.steps[step] if inside(finished)]
        for step in STEPS
    }
    intervals = []
    edge = window_start
    while edge < window_end - 1e-9:
        top = min(edge + args.interval, window_end)
        done = sum(1 for finished, _ in stats.flows if edge <= finished < top)
        intervals.append(round(done / (top - edge), 1))
        edge = top
    requests = sum(len(per_step[step]) for step in STEPS)
    result = {
        "base_url": args.base_url,
        "clients": args.clients,
        "warmup_s": args.warmup,
        "duration_s": args.duration,
        "variants_in_pool": len(variants),
        "orders_per_s": len(measured) / args.duration,
        "requests_per_s": requests / args.duration,
        "flows_completed_measured": len(measured),
        "flows_failed_measured": failed,
        "flow_ms": {p: percentile(measured, p) * 1000 for p in (50, 90, 99, 100)},
        "step_ms": {
            step: {p: percentile(values, p) * 1000 for p in (50, 90, 99, 100)}
            for step, values in per_step.items()
        },
        "orders_per_s_by_interval": intervals,
        "interval_s": args.interval,
        # everything the server was asked to place, warm-up and drain included (for verify)
        "completes_201_total": len(stats.flows),
        "flows_failed_total": len(stats.failed_flows),
        "complete_unknown_total": stats.unknown_completes,
        "errors": [
            {"step": step, "status": status, "code": code, "count": count}
            for (step, status, code), count in sorted(stats.errors.items())
        ],
        "connections_opened": sum(connections.values()),
        "client_cpu_s": cpu,
        "drain_s": drained - window_end,
        # CPU seconds spent inside the measured window (Linux /proc; 10 ms ticks)
        "cpu_window_s": cpu_window,
        "cpus": os.cpu_count(),
    }
    print_result(result, per_step, measured)
    return result


def print_result(result: dict, per_step: dict[str, list[float]], measured: list[float]) -> None:
    print(
        f"{result['clients']} clients, {result['duration_s']} s measured after a "
        f"{result['warmup_s']} s warm-up, {result['variants_in_pool']} variants in the pool"
    )
    print(
        f"completed orders/s: {result['orders_per_s']:.1f}   "
        f"({result['flows_completed_measured']} flows with complete = 201, "
        f"{result['flows_failed_measured']} failed; {result['requests_per_s']:.0f} requests/s)"
    )
    print(f"whole flow (ms)      {_ms(measured)}")
    for step in STEPS:
        print(f"  {step:<9} (ms)     {_ms(per_step[step])}")
    print(
        f"orders/s per {result['interval_s']:g} s: "
        + " ".join(f"{v:g}" for v in result["orders_per_s_by_interval"])
    )
    if result["errors"]:
        print("errors (step, status, code: count), warm-up and drain included:")
        for error in result["errors"]:
            print(f"  {error['step']}, {error['status']}, {error['code']}: {error['count']}")
    else:
        print("errors: none")
    cpu, orders = result["cpu_window_s"], max(result["flows_completed_measured"], 1)
    capacity = result["cpus"] * result["duration_s"]
    other = cpu["machine_busy"] - cpu["server"] - cpu["postgres"] - cpu["client"]
    print(
        f"CPU in the measured window ({result['cpus']} CPUs = {capacity:.0f} CPU-s): machine "
        f"busy {cpu['machine_busy']:.1f} CPU-s ({cpu['machine_busy'] / capacity:.0%}); "
        f"server {cpu['server']:.1f}, PostgreSQL (this database) {cpu['postgres']:.1f}, "
        f"client {cpu['client']:.1f}, everything else on the machine {other:.1f}"
    )
    per_order = (cpu["server"] + cpu["postgres"] + cpu["client"]) / orders
    print(
        f"CPU per completed order: server {cpu['server'] / orders * 1000:.0f} ms, "
        f"PostgreSQL {cpu['postgres'] / orders * 1000:.0f} ms, "
        f"client {cpu['client'] / orders * 1000:.0f} ms -> with the {result['cpus']} CPUs to "
        f"itself this flow could reach about {result['cpus'] / per_order:.1f} orders/s"
        if result["flows_completed_measured"]
        else "CPU per completed order: no order completed"
    )
    print(
        f"all 201 completes (warm-up and drain included): {result['completes_201_total']}; "
        f"completes without an answer: {result['complete_unknown_total']}; "
        f"connections opened: {result['connections_opened']}; "
        f"client CPU {result['client_cpu_s']:.1f} s"
    )


# --- Django side: prepare, verify, profile ---------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercato.settings")
    import django

    django.setup()


def prepare(args: argparse.Namespace) -> None:
    _django()
    from django.db import transaction

    from mercato.audit.services import Actor
    from mercato.catalog.models import Product, ProductVariant
    from mercato.inventory import services as inventory
    from mercato.inventory.models import Warehouse

    actor = Actor(label="bench-checkout", source="command")
    warehouse = next(
        (
            w
            for w in Warehouse.objects.filter(is_active=True).order_by("priority", "pk")
            if w.ships_to("DE")
        ),
        None,
    )
    if warehouse is None:
        sys.exit("no active warehouse ships to DE (load the demo inventory first)")
    variants = list(
        ProductVariant.objects.filter(
            product__in=Product.objects.visible(), track_inventory=True, price__gt=0
        ).order_by("pk")
    )
    started = time.perf_counter()
    for variant in variants:
        with transaction.atomic():
            inventory.adjust_stock(
                variant=variant,
                warehouse=warehouse,
                actor=actor,
                reason="checkout benchmark",
                quantity=args.stock,
            )
    with open(args.out, "w") as handle:
        json.dump({"variants": [str(v.public_id) for v in variants]}, handle)
    products = Product.objects.visible().count()
    print(
        f"{len(variants)} tracked variants of {products} published products set to "
        f"{args.stock:,} units in {warehouse.name} in {time.perf_counter() - started:.1f} s "
        f"-> {args.out}"
    )


def verify(args: argparse.Namespace) -> None:
    _django()
    from django.db.models import Count

    from mercato.checkout.models import Cart
    from mercato.orders.models import Order

    with open(args.result) as handle:
        result = json.load(handle)
    orders = Order.objects.count() - args.orders_before
    expected = result["completes_201_total"]
    unknown = result["complete_unknown_total"]
    duplicated = (
        Order.objects.values("checkout_token").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    completed_carts = (
        Cart.objects.filter(status=Cart.Status.COMPLETED).count() - args.completed_carts_before
    )
    print(
        f"orders placed by this run: {orders}; flows answered 201: {expected}; "
        f"completes without an answer: {unknown}; completed carts: {completed_carts}; "
        f"carts with more than one order: {duplicated}"
    )
    if duplicated or completed_carts != orders or not expected <= orders <= expected + unknown:
        sys.exit("MISMATCH: the orders placed are not the flows that completed")
    print("orders match the completed flows")


TRANSACTION_SQL = {"BEGIN", "COMMIT", "ROLLBACK"}
SRC = os.sep + os.path.join("src", "mercato") + os.sep


def _origin() -> str:
    """The innermost function of src/mercato that is running a query ("app.module:function")."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if SRC in path:
            module = path.split(SRC, 1)[1].removesuffix(".py").replace(os.sep, ".")
            return f"{module}:{frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


def _aligned(captured: list[dict], timed: list[tuple[str, float]]) -> list[dict]:
    """The captured statements, each with its time in seconds (from the wrapper when a cursor
    ran it)."""
    out, cursor_times = [], iter(timed)
    for query in captured:
        if query["sql"] in TRANSACTION_SQL:
            out.append({"sql": query["sql"], "time": float(query["time"])})
        else:
            out.append({"sql": query["sql"], "time": next(cursor_times)[1]})
    return out


def profile(args: argparse.Namespace) -> None:
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("RATE_LIMITS_ENABLED", "false")  # one client, many carts
    _django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # tests/support
    from tests.support import ApiClient

    with open(args.variants) as handle:
        variants = json.load(handle)["variants"]
    rng = random.Random(7)
    api = ApiClient()

    def flow(record: dict | None = None) -> None:
        def call(step: str, method: str, path: str, body=None, expect=200, headers=None):
            if record is None:
                response = api.call(method, path, body, headers=headers)
            else:
                timed: list[tuple[str, float]] = []

                def timer(execute, sql, params, many, context):
                    origins[step][_origin()] += 1
                    started = time.perf_counter()
                    try:
                        return execute(sql, params, many, context)
                    finally:
                        timed.append((sql, time.perf_counter() - started))

                with (
                    CaptureQueriesContext(connection) as queries,
                    connection.execute_wrapper(timer),
                ):
                    started = time.perf_counter()
                    response = api.call(method, path, body, headers=headers)
                    seconds = time.perf_counter() - started
                # CaptureQueriesContext counts (and keeps the SQL with its parameters, and the
                # BEGIN/COMMIT that no cursor runs); the wrapper times each cursor statement to
                # the microsecond (the context rounds to the millisecond).
                record[step] = (seconds, _aligned(queries.captured_queries, timed))
            assert response.status_code == expect, (step, response.status_code, response.content)
            return response.json()

        cart = call("create", "post", "/api/store/carts", expect=201)
        base = f"/api/store/carts/{cart['token']}"
        first, second = rng.sample(variants, 2)
        call("line1", "post", f"{base}/lines", {"variant_id": first})
        call("line2", "post", f"{base}/lines", {"variant_id": second})
        call("address", "patch", base, {"email": "p@example.com", "shipping_address": ADDRESS})
        methods = call("methods", "get", f"{base}/shipping-methods")
        call("shipping", "patch", base, {"shipping_method_id": methods[0]["id"]})
        call(
            "complete",
            "post",
            f"{base}/complete",
            expect=201,
            headers={"Idempotency-Key": f"profile-{uuid.uuid4()}"},
        )

    origins: dict[str, Counter[str]] = defaultdict(Counter)
    for _ in range(3):  # warm: imports, connection, caches
        flow()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 0"
        )
        backend_pid = cursor.fetchone()[0]

    def backend_cpu() -> float:
        """CPU seconds of the PostgreSQL backend serving this connection (same machine)."""
        try:
            with open(f"/proc/{backend_pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")

    cpu_flows = max(args.flows, 20)
    wall, cpu, pg_cpu = time.perf_counter(), time.process_time(), backend_cpu()
    for _ in range(cpu_flows):
        flow()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    pg_cpu = backend_cpu() - pg_cpu
    print(
        f"{cpu_flows} flows in-process: {wall / cpu_flows * 1000:.1f} ms wall per flow, "
        f"{cpu / cpu_flows * 1000:.1f} ms CPU in Python (Django, this process), "
        f"{pg_cpu / cpu_flows * 1000:.1f} ms CPU in the PostgreSQL backend (10 ms ticks)\n"
        f"-> one CPU fully busy places at most {cpu_flows / (cpu + pg_cpu):.1f} orders/s "
        f"(without HTTP, gunicorn, the client)"
    )
    samples = []
    for _ in range(args.flows):
        record: dict = {}
        flow(record)
        samples.append(record)
    print(f"per call, median of {args.flows} flows (in-process, no HTTP, DEBUG off):")
    print(f"  {'call':<9} {'ms':>7} {'SQL ms':>7} {'queries':>7}")
    totals = [0.0, 0.0, 0]
    for step in STEPS:
        ms = sorted(s[step][0] * 1000 for s in samples)[len(samples) // 2]
        sql = sorted(sum(q["time"] for q in s[step][1]) * 1000 for s in samples)[len(samples) // 2]
        count = sorted(len(s[step][1]) for s in samples)[len(samples) // 2]
        totals[0] += ms
        totals[1] += sql
        totals[2] += count
        print(f"  {step:<9} {ms:7.1f} {sql:7.1f} {count:7d}")
    print(f"  {'flow':<9} {totals[0]:7.1f} {totals[1]:7.1f} {totals[2]:7d}")
    last = samples[-1]
    for step in args.show_sql:
        print(f"\n--- queries of {step} (last flow):")
        for query in last[step][1]:
            print(f"  {query['time'] * 1000:6.2f} ms  {query['sql'][: args.sql_width]}")
    grouped: Counter[str] = Counter()
    for step in STEPS:
        for query in last[step][1]:
            sql = query["sql"]
            table = sql.split(" FROM ", 1)[-1].split()[0] if " FROM " in sql else ""
            verb = sql.split()[0]
            if verb == "INSERT":
                table = sql.split()[2]
            elif verb == "UPDATE":
                table = sql.split()[1]
            grouped[f"{verb} {table}"] += 1
    print("\nqueries of one flow by statement and table:")
    for name, count in grouped.most_common(25):
        print(f"  {count:3d}  {name}")
    print(f"\nwhere the queries of one flow come from (cursor statements, mean of {args.flows}):")
    for step in STEPS:
        shown = ", ".join(
            f"{name} {count / args.flows:g}" for name, count in origins[step].most_common()
        )
        print(f"  {step:<9} {shown}")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.flows):
        flow()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--out", required=True)
    p.add_argument("--stock", type=int, default=1_000_000)
    r = sub.add_parser("run")
    r.add_argument("--base-url", default="http://127.0.0.1:8898")
    r.add_argument("--variants", required=True)
    r.add_argument("--clients", type=int, default=16)
    r.add_argument("--duration", type=float, default=30)
    r.add_argument("--warmup", type=float, default=5)
    r.add_argument("--interval", type=float, default=5)
    r.add_argument("--timeout", type=float, default=60)
    r.add_argument("--result")
    r.add_argument("--server-sid", type=int, help="session id of the server (CPU accounting)")
    r.add_argument("--database", help="PostgreSQL database name (CPU of its backends)")
    v = sub.add_parser("verify")
    v.add_argument("--result", required=True)
    v.add_argument("--orders-before", type=int, default=0)
    v.add_argument("--completed-carts-before", type=int, default=0)
    f = sub.add_parser("profile")
    f.add_argument("--variants", required=True)
    f.add_argument("--flows", type=int, default=30)
    f.add_argument("--show-sql", nargs="*", default=[], choices=STEPS)
    f.add_argument("--sql-width", type=int, default=220)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args)
    elif args.command == "run":
        result = asyncio.run(run_load(args))
        if args.result:
            with open(args.result, "w") as handle:
                json.dump(result, handle, indent=1)
    elif args.command == "verify":
        verify(args)
    else:
        profile(args)


if __name__ == "__main__":
    main()
