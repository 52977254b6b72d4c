"""The orders back office: the list with filters and search, and the order page with its
lines, parcels, returns and timeline (all read-only: what an order holds only changes through
the services). Staff act through the same services as the API: confirm (a bulk action and a
button on the order page), a note on the timeline from the order page's form, and pages of
their own (buttons on the order page) to pack a parcel and move it along (ship, deliver,
cancel, edit its tracking), to approve, reject and receive the order's returns, to edit the
lines of a draft or a not yet shipped order, to finalise a draft, and to create a draft order
for a customer (a button on the list).

What moves money is the payments app's: it registers the final order admin
(`payments.admin.order_actions`), which adds cancelling (bulk action and button), the
returns' refund step and the link to the order's payments (decision 0010).

- `forms`, `inlines`: the forms and the read-only tables of the pages.
- `base`: the helpers every page shares.
- `pages/`: fulfil, returns, lines, drafts.
- `order_admin`: `OrderAdmin`, the list and the order page, built from the pages.
"""

from django.contrib import admin

from mercato.orders.admin.order_admin import OrderAdmin
from mercato.orders.models import Order

admin.site.register(Order, OrderAdmin)

__all__ = ["OrderAdmin"]
