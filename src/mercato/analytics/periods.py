"""Report periods: shop days grouped into intervals, and the period a report compares with.
Pure date arithmetic, no queries, no settings."""

from datetime import date, timedelta
from typing import Literal

Interval = Literal["day", "week", "month", "quarter", "year"]
Compare = Literal["previous_period", "previous_year", "none"]
INTERVALS: tuple[Interval, ...] = ("day", "week", "month", "quarter", "year")


def bucket_start(day: date, interval: Interval) -> date:
    """The first day of the interval holding `day` (weeks start on Monday, ISO 8601)."""
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def _next_start(start: date, interval: Interval) -> date:
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[interval]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def buckets(start: date, end: date, interval: Interval) -> list[tuple[date, date]]:
    """The intervals from `start` to `end` (both included) as (first day, last day), the
    first and the last cut to the range."""
    found = []
    current = bucket_start(start, interval)
    while current <= end:
        following = _next_start(current, interval)
        found.append((max(current, start), min(following - timedelta(days=1), end)))
        current = following
    return found


def shift_year(day: date, years: int = -1) -> date:
    """The same day `years` years away; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def shifted(start: date, end: date, compare: Compare, length: int) -> tuple[date, date]:
    """(start, end) moved back as `compare` says: by `length` days (the report's range, for
    the previous period) or by a year."""
    if compare == "previous_year":
        return shift_year(start), shift_year(end)
    return start - timedelta(days=length), end - timedelta(days=length)


def days_in(start: date, end: date) -> int:
    return (end - start).days + 1
