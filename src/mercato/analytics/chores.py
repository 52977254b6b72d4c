from mercato.analytics import cart_rollups, rollups, tracking
from mercato.core.housekeeping import chore


@chore("analytics_traffic_days_rolled_up")
def roll_up_traffic() -> int:
    """The traffic roll-ups of the days that got storefront events since the last run."""
    return tracking.roll_up_new_events()


@chore("analytics_events_pruned")
def prune_storefront_events() -> int:
    """Raw storefront events older than ANALYTICS_EVENT_RETENTION_DAYS (roll-ups stay)."""
    return tracking.prune_events()


@chore("analytics_line_rollups_summed")
def roll_up_lines() -> int:
    """The line roll-ups of the months and weeks whose facts changed since they were summed."""
    return rollups.roll_up_stale()


@chore("analytics_carts_rolled_up")
def roll_up_carts() -> int:
    """The carts roll-ups of the days whose carts may still change (the last CART_TTL_DAYS)."""
    return cart_rollups.roll_up_carts()


@chore("analytics_catalog_regrouped")
def regroup_catalog() -> int:
    """The categories and collections roll-ups of every day summed again when the catalog
    files its products otherwise since they were summed."""
    return rollups.regroup_catalog()
