"""The breakdown reports (docs/analytics.md): each reads the facts of its range (and of the
range it compares with) grouped in the database, through the facts' (day, currency) indexes,
and never the orders tables. Amounts are per currency."""
