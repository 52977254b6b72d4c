"""Small helpers for building querysets."""

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def filter_given(queryset: QuerySet[M], **lookups: object) -> QuerySet[M]:
    """`queryset` narrowed by each lookup whose value is given (not empty): the optional
    filters of a list, where an empty value means "any"."""
    given = {lookup: value for lookup, value in lookups.items() if value}
    return queryset.filter(**given) if given else queryset
