"""Cursor pagination: every row once, in order, ties broken by id, forged cursors refused."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from mercato.audit.models import AuditLogEntry
from mercato.core.errors import InvalidInput
from mercato.core.pagination import PageParams, paginate
from mercato.core.tests.helpers import assert_problem

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def entry(label: str, at: datetime) -> AuditLogEntry:
    row = AuditLogEntry.objects.create(
        actor_label=label, action="action", verb="test.row", object_type="test",
        object_id=label, object_repr=label, source="tests",
    )  # fmt: skip
    AuditLogEntry.objects.filter(pk=row.pk).update(created_at=at)
    return row


@pytest.fixture
def rows(db) -> dict[str, AuditLogEntry]:
    """Seven rows, four of them sharing one timestamp and two another."""
    later, earlier = T0 + timedelta(minutes=1), T0 - timedelta(minutes=1)
    at = {"a": T0, "b": T0, "c": T0, "d": later, "e": earlier, "f": T0, "g": later}
    return {label: entry(label, when) for label, when in at.items()}


def labels_of(page) -> list[str]:
    return [row.actor_label for row in page["items"]]


def walk(queryset, limit: int, **kwargs) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = paginate(queryset, params=PageParams(limit=limit, cursor=cursor), **kwargs)
        pages.append(labels_of(page))
        cursor = page["next"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8, 100])
def test_pages_cover_every_row_once_newest_first_with_ties_by_id(rows, limit):
    pages = walk(AuditLogEntry.objects.all(), limit)

    assert [label for page in pages for label in page] == ["g", "d", "f", "c", "b", "a", "e"]
    assert all(len(page) == limit for page in pages[:-1])
    assert pages[-1]


def test_ascending_order_pages_the_other_way(rows):
    pages = walk(AuditLogEntry.objects.all(), 3, ordering=("created_at", "id"))

    assert pages == [["e", "a", "b"], ["c", "f", "d"], ["g"]]


def test_rows_added_while_paging_do_not_shift_later_pages(rows):
    first = paginate(AuditLogEntry.objects.all(), params=PageParams(limit=3))
    entry("new", T0 + timedelta(hours=1))

    second = paginate(AuditLogEntry.objects.all(), params=PageParams(limit=3, cursor=first["next"]))

    assert labels_of(first) == ["g", "d", "f"]
    assert labels_of(second) == ["c", "b", "a"]


def test_an_empty_queryset_is_one_empty_page(db):
    page = paginate(AuditLogEntry.objects.all(), params=PageParams())

    assert page == {"items": [], "next": None}


def test_transform_shapes_each_item(rows):
    page = paginate(
        AuditLogEntry.objects.all(), params=PageParams(limit=2), transform=lambda r: r.object_id
    )

    assert page["items"] == ["g", "d"]


def test_one_page_is_one_query(rows, django_assert_num_queries):
    first = paginate(AuditLogEntry.objects.all(), params=PageParams(limit=2))
    with django_assert_num_queries(1):
        paginate(AuditLogEntry.objects.all(), params=PageParams(limit=2, cursor=first["next"]))


def test_the_limit_is_capped_by_the_setting(rows, settings):
    settings.API_PAGE_MAX_LIMIT = 3

    page = paginate(AuditLogEntry.objects.all(), params=PageParams(limit=100))

    assert labels_of(page) == ["g", "d", "f"]
    assert page["next"] is not None


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_a_limit_out_of_range_is_refused_by_the_api(api, owner_token, limit):
    response = api.get_json("/api/admin/audit-log", {"limit": limit}, token=owner_token)

    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "limit"


def encoded(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


AWARE = {"dt": T0.isoformat()}
BAD_CURSORS = {
    "not-base64": "%%%not-base64%%%",
    "not-json": base64.urlsafe_b64encode(b"\x00\xffgarbage").decode(),
    "not-a-list": encoded({"created_at": 1}),
    "too-short": encoded([AWARE]),
    "too-long": encoded([AWARE, 1, 2]),
    "bad-date": encoded([{"dt": "yesterday"}, 1]),
    "date-not-a-string": encoded([{"dt": 5}, 1]),
    "naive-date": encoded([{"dt": "2030-01-01T12:00:00"}, 1]),
    "wrong-types": encoded(["abc", "xyz"]),
    "id-not-a-number": encoded([AWARE, "x"]),
    "nulls": encoded([None, None]),
    "nested": encoded([[1], {"a": 1}]),
}


@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
def test_a_forged_cursor_is_invalid_input(rows, cursor):
    with pytest.raises(InvalidInput) as caught:
        paginate(AuditLogEntry.objects.all(), params=PageParams(cursor=cursor))

    assert caught.value.code == "invalid_cursor"
    assert caught.value.extra["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("cursor", BAD_CURSORS.values(), ids=BAD_CURSORS.keys())
def test_a_forged_cursor_is_a_422_problem_through_the_api(api, owner_token, cursor):
    response = api.get_json("/api/admin/audit-log", {"cursor": cursor}, token=owner_token)

    assert_problem(response, 422, "invalid_cursor")


def test_the_api_pages_through_every_row_with_next(api, owner_token, rows):
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "object_type": "test"} | ({"cursor": cursor} if cursor else {})
        body = api.get_json("/api/admin/audit-log", params, token=owner_token).json()
        seen += [item["object_id"] for item in body["items"]]
        if not (cursor := body["next"]):
            break

    assert seen == ["g", "d", "f", "c", "b", "a", "e"]
