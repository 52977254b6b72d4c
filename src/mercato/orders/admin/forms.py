"""The forms of the order pages: the timeline note, the confirm dialogs, a parcel and its
tracking, a draft order, line edits."""

from typing import Any

from django import forms
from unfold.forms import BaseDialogForm
from unfold.widgets import (
    UnfoldAdminEmailInputWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from mercato.accounts.models import User
from mercato.catalog.models import ProductVariant
from mercato.core.addresses import ADDRESS_FIELDS
from mercato.inventory.models import Warehouse
from mercato.orders.models import Order, OrderLine
from mercato.orders.services.fulfilment import ParcelLine
from mercato.shipping.models import ShippingMethod


class OrderForm(forms.ModelForm):
    """Every column of an order is read-only here; the one thing typed on the page is a
    staff note for the timeline."""

    new_note = forms.CharField(
        label="Add a note to the timeline",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Staff only; the customer never sees it.",
    )

    class Meta:
        model = Order
        fields: tuple[str, ...] = ()


class ConfirmDialogForm(BaseDialogForm):
    """Nothing to type: the dialog asks to confirm a step (posted with the CSRF token)."""


def _text(label: str, *, required: bool = False, max_length: int = 200, **kw: Any):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=UnfoldAdminTextInputWidget(),
        **kw,
    )


def _units(label: str, *, initial: int = 0, max_value: int = 10_000, min_value: int = 0):
    return forms.IntegerField(
        label=label,
        initial=initial,
        min_value=min_value,
        max_value=max_value,
        required=False,
        widget=UnfoldAdminIntegerFieldWidget(),
    )


class FulfilForm(forms.Form):
    """A parcel: the warehouse it leaves, its tracking, and how many units of each line go in
    (by default what is left to fulfil; 0 leaves a line out)."""

    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.order_by("name"), widget=UnfoldAdminSelectWidget()
    )
    carrier = _text("Carrier", max_length=100)
    tracking_number = _text("Tracking number", max_length=100)
    tracking_url = _text("Tracking URL", max_length=500)

    def __init__(self, *args: Any, lines: list[OrderLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            left = line.quantity - line.quantity_fulfilled
            self.fields[f"line_{line.pk}"] = _units(
                f"{line.sku} · {line.product_name} {line.variant_name}".strip()
                + f" ({left} of {line.quantity} left)",
                initial=left,
            )

    def line_fields(self) -> list[forms.BoundField]:
        return [self[f"line_{line.pk}"] for line in self.lines]

    def head_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("warehouse", "carrier", "tracking_number", "tracking_url")]

    def chosen(self) -> list[ParcelLine]:
        return [
            ParcelLine(line, self.cleaned_data[f"line_{line.pk}"])
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]


class TrackingForm(forms.Form):
    """A parcel's carrier and tracking; the service checks the values (the URL's scheme)."""

    carrier = _text("Carrier", max_length=100)
    tracking_number = _text("Tracking number", max_length=100)
    tracking_url = _text("Tracking URL", max_length=500)


DRAFT_LINE_ROWS = 5


class DraftForm(forms.Form):
    """A draft order for a customer (a phone order): who, where to, how, and what (SKUs)."""

    email = forms.EmailField(
        label="Customer email", required=False, widget=UnfoldAdminEmailInputWidget()
    )
    customer_id = forms.IntegerField(
        label="Customer account id",
        required=False,
        min_value=1,
        widget=UnfoldAdminIntegerFieldWidget(),
        help_text="Optional; the email is taken from the account when left empty.",
    )
    shipping_method = forms.ModelChoiceField(
        queryset=ShippingMethod.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=UnfoldAdminSelectWidget(),
    )
    voucher_code = _text("Voucher code", max_length=64)
    note = forms.CharField(
        label="Customer note",
        required=False,
        max_length=5000,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ADDRESS_FIELDS:
            self.fields[f"ship_{name}"] = _text(
                "Shipping " + name.replace("_", " ").replace("line", "address line "),
                max_length=200,
            )
        for i in range(1, DRAFT_LINE_ROWS + 1):
            self.fields[f"sku_{i}"] = _text(f"SKU {i}", max_length=100)
            self.fields[f"quantity_{i}"] = _units(f"Quantity {i}", initial=1, min_value=1)

    def customer_fields(self) -> list[forms.BoundField]:
        names = ("email", "customer_id", "shipping_method", "voucher_code", "note")
        return [self[name] for name in names]

    def address_fields(self) -> list[forms.BoundField]:
        return [self[f"ship_{name}"] for name in ADDRESS_FIELDS]

    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"sku_{i}"], self[f"quantity_{i}"]) for i in range(1, DRAFT_LINE_ROWS + 1)]

    def clean_customer_id(self) -> User | None:
        pk = self.cleaned_data.get("customer_id")
        if pk is None:
            return None
        user = User.objects.filter(pk=pk).first()
        if user is None:
            raise forms.ValidationError("No customer account with this id.")
        return user

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        skus = {
            i: data.get(f"sku_{i}", "").strip()
            for i in range(1, DRAFT_LINE_ROWS + 1)
            if data.get(f"sku_{i}", "").strip()
        }
        found = {
            v.sku: v
            for v in ProductVariant.objects.filter(sku__in=skus.values()).select_related("product")
        }
        lines = []
        for i, sku in skus.items():
            if sku not in found:
                self.add_error(f"sku_{i}", "No variant with this SKU.")
            elif data.get(f"quantity_{i}") is None:
                self.add_error(f"quantity_{i}", "How many?")
            else:
                lines.append((found[sku], data[f"quantity_{i}"]))
        data["lines"] = lines
        address = {name: data.get(f"ship_{name}", "").strip() for name in ADDRESS_FIELDS}
        data["shipping_address"] = (
            {k: v for k, v in address.items() if v} if any(address.values()) else None
        )
        if not data.get("email") and not data.get("customer_id"):
            self.add_error("email", "Give the customer's email or account id.")
        return data


class LineQuantityForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput())
    quantity = _units("Quantity", min_value=1)


class AddLineForm(forms.Form):
    sku = _text("SKU", required=True, max_length=100)
    quantity = _units("Quantity", initial=1, min_value=1)
