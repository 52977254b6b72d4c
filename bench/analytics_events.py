"""Storefront events per second over HTTP: C clients each post batches of B events
(product views, a search, adds to cart, a checkout started) to
`POST /api/store/analytics/events` for D seconds, with keep-alive; prints events/s, batches/s
and the latency percentiles of a batch.

    bench/analytics_events.py --base-url http://127.0.0.1:8000 [--clients 8] [--batch 50]
                              [--duration 10] [--products FILE]

(stdlib only.) The server must let one address send that many batches: start it with
`RATE_LIMIT_ANALYTICS_IP=off`. `--products` names a file of product public ids, one a line
(without it, random ids: the events are stored without a product). Only 202 answers count.
"""

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

PATH = "/api/store/analytics/events"


def batch(size: int, products: list[str]) -> bytes:
    visitor, session, cart = str(uuid.uuid4()), str(uuid.uuid4()), uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    events = []
    for index in range(size):
        common = {"visitor_id": visitor, "session_id": session, "at": now}
        kind = index % 10
        if kind == 0:
            events.append({**common, "type": "search", "term": "shirt", "result_count": 3})
        elif kind == 8:
            product = random.choice(products)
            events.append(
                {**common, "type": "added_to_cart", "product_id": product, "cart_token": cart}
            )
        elif kind == 9:
            events.append({**common, "type": "checkout_started", "cart_token": cart})
        else:
            events.append(
                {**common, "type": "product_viewed", "product_id": random.choice(products)}
            )
    return json.dumps({"consent": True, "events": events}).encode()


def client(url, size, products, until, latencies, counts, lock) -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    mine, accepted, failed = [], 0, 0
    while time.monotonic() < until:
        body = batch(size, products)
        started = time.monotonic()
        try:
            connection.request("POST", PATH, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
            failed += 1
            continue
        if response.status == 202:
            accepted += json.loads(payload)["accepted"]
            mine.append(time.monotonic() - started)
        else:
            failed += 1
            if failed == 1:
                print(f"{response.status}: {payload[:300]!r}", file=sys.stderr)
    with lock:
        latencies.extend(mine)
        counts["events"] += accepted
        counts["failed"] += failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--products", help="a file of product public ids, one a line")
    args = parser.parse_args()
    if args.products:
        with open(args.products) as lines:
            products = [line.strip() for line in lines if line.strip()]
    else:
        products = [str(uuid.uuid4()) for _ in range(100)]
    latencies: list[float] = []
    counts = {"events": 0, "failed": 0}
    lock = threading.Lock()
    started = time.monotonic()
    until = started + args.duration
    threads = [
        threading.Thread(
            target=client,
            args=(args.base_url, args.batch, products, until, latencies, counts, lock),
        )
        for _ in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    print(
        f"{counts['events'] / elapsed:.0f} events/s, {len(latencies) / elapsed:.1f} batches/s "
        f"of {args.batch} ({args.clients} clients, {elapsed:.1f} s, {counts['failed']} failed)"
    )
    if len(latencies) >= 2:
        cuts = statistics.quantiles(latencies, n=100)
        print(f"batch latency p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
