"""The shoppers' path over HTTP: the store's event batch in, and the funnel and search-term
reports out (docs/analytics.md, "Storefront events")."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt, model_validator

from mercato.analytics.funnel import STEPS, Funnel, SearchTerm, SearchTerms
from mercato.analytics.schemas import AnalyticsPeriod, AnalyticsRangeParams, period_out
from mercato.analytics.selectors import Period
from mercato.core.schemas import InputSchema, IsoDateTime

MAX_EVENTS_PER_BATCH = 100
EventType = Literal["product_viewed", "list_viewed", "search", "added_to_cart", "checkout_started"]
# What each type needs (one of a tuple's names is enough), and what it may carry besides.
NEEDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "product_viewed": (("product_id", "variant_id"),),
    "list_viewed": (("list_name",),),
    "search": (("term",), ("result_count",)),
    "added_to_cart": (("product_id", "variant_id"),),
    "checkout_started": (("cart_token",),),
}
MAY_CARRY: dict[str, frozenset[str]] = {
    "product_viewed": frozenset({"product_id", "variant_id", "list_name"}),
    "list_viewed": frozenset({"list_name"}),
    "search": frozenset({"term", "result_count"}),
    "added_to_cart": frozenset({"product_id", "variant_id", "list_name", "cart_token"}),
    "checkout_started": frozenset({"cart_token"}),
}
OPTIONAL = ("product_id", "variant_id", "list_name", "term", "result_count", "cart_token")


class StorefrontEventIn(InputSchema):
    """One thing a shopper did. `visitor_id` (kept in the browser) and `session_id` (new
    after 30 minutes without activity) are UUIDs the store makes; nothing in them may point
    at a person."""

    type: EventType
    visitor_id: UUID
    session_id: UUID
    at: IsoDateTime = Field(description="When it happened, with its offset (the store's clock).")
    product_id: UUID | None = Field(None, description="The product's public id.")
    variant_id: UUID | None = Field(None, description="The variant's public id.")
    list_name: str | None = Field(None, min_length=1, max_length=100)
    term: str | None = Field(None, min_length=1, max_length=100, description="What was searched.")
    result_count: StrictInt | None = Field(
        None, ge=0, le=2_147_483_647, description="How many results it found."
    )
    cart_token: str | None = Field(None, pattern="^[A-Za-z0-9_-]{16,64}$")

    @model_validator(mode="after")
    def _fits_its_type(self) -> "StorefrontEventIn":
        given = {name for name in OPTIONAL if getattr(self, name) is not None}
        for names in NEEDS[self.type]:
            if not given & set(names):
                raise ValueError(f"A {self.type} event needs {' or '.join(names)}.")
        if extra := given - MAY_CARRY[self.type]:
            raise ValueError(f"A {self.type} event has no {', '.join(sorted(extra))}.")
        return self


class StorefrontEventBatchIn(InputSchema):
    consent: StrictBool = Field(
        description="Whether the shopper agreed to be measured; false stores nothing."
    )
    events: list[StorefrontEventIn] = Field(min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class StorefrontEventsAccepted(Schema):
    accepted: int = Field(description="How many events were stored (0 without consent).")


class AnalyticsSearchParams(AnalyticsRangeParams):
    limit: int = Field(20, ge=1, le=100, description="How many terms each list shows.")


class FunnelStep(Schema):
    step: Literal["sessions", "product_views", "add_to_cart", "checkout", "order"]
    sessions: int
    conversion: str | None = Field(
        description="Percent of the step before (one decimal); null for the first step or "
        "when the step before has no session."
    )
    overall: str | None = Field(description="Percent of all sessions (one decimal).")


class FunnelFigures(Schema):
    steps: list[FunnelStep]


class AnalyticsFunnel(Schema):
    period: AnalyticsPeriod
    current: FunnelFigures
    previous: FunnelFigures | None


class SearchTermOut(Schema):
    term: str
    searches: int
    no_result: int = Field(description="Searches for it that found nothing.")


class AnalyticsSearchTerms(Schema):
    period: AnalyticsPeriod
    searches: int
    no_result_searches: int
    previous_searches: int | None = Field(description="In the compared range (null: none).")
    previous_no_result_searches: int | None
    top_terms: list[SearchTermOut]
    no_result_terms: list[SearchTermOut] = Field(
        description="The terms searched most often without a result."
    )


def _percent(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def funnel_figures_out(funnel: Funnel) -> FunnelFigures:
    counts = funnel.counts
    return FunnelFigures(
        steps=[
            FunnelStep(
                step=step,  # type: ignore[arg-type]  # STEPS are the Literal's values
                sessions=count,
                conversion=_percent(count, counts[index - 1]) if index else None,
                overall=_percent(count, counts[0]),
            )
            for index, (step, count) in enumerate(zip(STEPS, counts, strict=True))
        ]
    )


def funnel_out(period: Period, current: Funnel, previous: Funnel | None) -> AnalyticsFunnel:
    return AnalyticsFunnel(
        period=period_out(period),
        current=funnel_figures_out(current),
        previous=funnel_figures_out(previous) if previous else None,
    )


def _term_out(term: SearchTerm) -> SearchTermOut:
    return SearchTermOut(term=term.term, searches=term.searches, no_result=term.no_result)


def search_terms_out(period: Period, found: SearchTerms) -> AnalyticsSearchTerms:
    return AnalyticsSearchTerms(
        period=period_out(period),
        searches=found.searches,
        no_result_searches=found.no_result_searches,
        previous_searches=found.previous_searches,
        previous_no_result_searches=found.previous_no_result_searches,
        top_terms=[_term_out(t) for t in found.top_terms],
        no_result_terms=[_term_out(t) for t in found.no_result_terms],
    )
