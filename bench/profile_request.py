"""Profile store API requests in-process: queries (count, time, slowest SQL) and a pyinstrument
tree, through django.test.Client (the whole middleware stack), against the bench database.

    DATABASE_URL=postgres://…/mercato_bench .venv/bin/python bench/profile_request.py \
        '/api/store/products?limit=24&category=women' [--repeat 20] [--explain]

Runs with DEBUG off (as the benchmark's server does) and the store cache off
(STORE_CACHE_SECONDS=0 unless set), so the repeats measure the work, not the cache. With
several paths, each is profiled.
--explain prints EXPLAIN (ANALYZE, BUFFERS) of the slowest query of each path.

    … bench/profile_request.py --survey bench/out/list.txt [--limit 200]

times every path of a request list once (after one untimed request each) and prints the
distribution (median, p90, max, time in SQL) and the slowest paths.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercato.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-profile-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("STORE_CACHE_SECONDS", "0")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402


def profile(client: Client, path: str, repeat: int, explain: bool) -> None:
    response = client.get(path)  # warm: connection, caches, imports
    print(f"\n===== GET {path} -> {response.status_code}, {len(response.content)} bytes")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        client.get(path)
        total = time.perf_counter() - started
    sql_time = sum(float(q["time"]) for q in queries.captured_queries)
    print(f"one request: {total * 1000:.1f} ms, {len(queries)} queries, ", end="")
    print(f"{sql_time * 1000:.1f} ms in SQL")
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
    for query in slowest[:5]:
        print(f"  {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    timings = []
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        timings.append(time.perf_counter() - started)
    profiler.stop()
    timings.sort()
    print(
        f"{repeat} requests under the profiler: median {timings[len(timings) // 2] * 1000:.1f} ms"
    )
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if explain and slowest:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0]["sql"])
            print("EXPLAIN ANALYZE of the slowest query:")
            print("\n".join(row[0] for row in cursor.fetchall()))


def survey(client: Client, file: str, limit: int) -> None:
    with open(file) as lines:
        paths = [line.strip() for line in lines if line.strip()][:limit]
    rows = []
    for path in paths:
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            status = client.get(path).status_code
            total = time.perf_counter() - started
        sql = sum(float(q["time"]) for q in queries.captured_queries)
        rows.append((total, sql, len(queries), status, path))
    rows.sort()
    totals = [r[0] for r in rows]

    def at(p: float) -> float:
        return totals[min(len(totals) - 1, int(p * len(totals)))] * 1000

    sql_share = sum(r[1] for r in rows) / sum(totals)
    print(
        f"{len(rows)} paths from {file}, one request each: median {at(0.5):.0f} ms, "
        f"p90 {at(0.9):.0f} ms, max {totals[-1] * 1000:.0f} ms; {sql_share:.0%} of the time in SQL"
    )
    for total, sql, count, status, path in rows[::-1][:8]:
        print(
            f"  {total * 1000:6.0f} ms ({sql * 1000:4.0f} ms SQL, {count} queries) {status} {path}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description="Profile store API requests in-process.")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--survey", metavar="FILE", help="time every path of a request list")
    parser.add_argument("--limit", type=int, default=200, help="paths of --survey at most")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    options = parser.parse_args()
    client = Client()
    if options.survey:
        survey(client, options.survey, options.limit)
    for path in options.paths:
        profile(client, path, options.repeat, options.explain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
