"""Carts and checkout: lines that reserve stock, checkout details, prices from the pricing
pipeline, and `complete_checkout`, which turns a cart into an order in one transaction.

Payment is not part of completing: the order is placed unpaid ("not charged") and the
payments app authorises or captures it, before or after, as the shop's flow wants.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mercato.accounts.models import User
from mercato.catalog.models import Product, ProductVariant
from mercato.checkout.models import Cart, CartLine
from mercato.core import ratelimit
from mercato.core.addresses import clean_address
from mercato.core.errors import Conflict, DomainError, InvalidInput, NotFound
from mercato.inventory import services as inventory
from mercato.inventory.selectors import reservation_columns
from mercato.orders import services as orders
from mercato.orders.models import Order
from mercato.pricing import services as pricing_services
from mercato.pricing.lines import LinesToPrice, PricedLines, price_lines
from mercato.pricing.pipeline import (
    LineResult,
    PricingInput,
    PricingResult,
    ShippingResult,
    price_shipping,
)
from mercato.pricing.selectors import (
    CartLineSpec,
    PricingRules,
    pricing_rules,
    pricing_version_expression,
)
from mercato.pricing.vat import validate_vat_number
from mercato.shipping.errors import ShippingMethodUnavailable
from mercato.shipping.selectors import ShippingQuote, active_methods, offered_methods

CART_FIELDS = (
    "email",
    "shipping_address",
    "billing_address",
    "shipping_method_id",
    "voucher_code",
    "vat_number",
    "note",
)


class CartNotFound(NotFound):
    code, title = "cart_not_found", "No such cart"


class CartClosed(Conflict):
    code, title = "cart_closed", "This cart was already checked out"


class VariantNotPurchasable(InvalidInput):
    code, title = "variant_not_purchasable", "This variant cannot be bought"


class PriceChanged(Conflict):
    code, title = "price_changed", "Prices changed since the cart was filled"


class CartLineShort(Conflict):
    code, title = "cart_line_short", "Stock was taken back from lines of this cart"


class CheckoutIncomplete(InvalidInput):
    code, title = "checkout_incomplete", "The checkout is missing details"


def reservation_reference(cart: Cart) -> str:
    return f"cart:{cart.token}"


def _expiry() -> Any:
    return timezone.now() + timedelta(days=settings.CART_TTL_DAYS)


def create_cart(*, user: User | None = None, ip: str | None = None) -> Cart:
    """A new cart. `ip`: the caller's address, which may open RATE_LIMIT_CART_IP carts."""
    ratelimit.hit_rate("cart_create:ip", ip or "", settings.RATE_LIMIT_CART_IP)
    cart = Cart.objects.create(user=user, expires_at=_expiry(), email=user.email if user else "")
    cart.line_snapshot = []
    return cart


@dataclass(frozen=True)
class CartRef:
    """A cart named by its token, as the caller (`user`, None for a guest) reached it: what the
    store API hands to the services, which lock it by token in one query."""

    token: str
    user: User | None = None


def _reachable(cart: Cart | None, user: User | None) -> bool:
    return not (
        cart is None
        or (cart.user_id is not None and (user is None or cart.user_id != user.pk))
        or (cart.status == Cart.Status.OPEN and cart.expires_at <= timezone.now())
        or cart.status == Cart.Status.MERGED
    )


def get_cart(*, token: str, user: User | None) -> Cart:
    """A cart by its token. A customer's cart opens only for that customer; an unknown,
    expired or someone else's cart is simply not found."""
    cart = _with_version(Cart.objects).filter(token=str(token)[:64]).first()
    if not _reachable(cart, user):
        raise CartNotFound()
    return cart


def _with_version(carts: Any) -> Any:
    """Carts read with the pricing rules' version (`cart.pricing_version`), which pricing
    the cart then needs no query for."""
    return carts.annotate(pricing_version=pricing_version_expression())


def _locked(cart: Cart | CartRef) -> Cart:
    """The cart row locked for a change (one query): by token for a CartRef, with
    get_cart's rules (an unreachable cart is not found), else by primary key."""
    if isinstance(cart, CartRef):
        found = (
            _with_version(Cart.objects.select_for_update())
            .filter(token=str(cart.token)[:64])
            .first()
        )
        if not _reachable(found, cart.user):
            raise CartNotFound()
        return found
    return _with_version(Cart.objects.select_for_update()).get(pk=cart.pk)


def _check_open(cart: Cart) -> Cart:
    if cart.status != Cart.Status.OPEN:
        raise CartClosed()
    return cart


def _open(cart: Cart | CartRef) -> Cart:
    """The cart locked for a change, which must still be open."""
    return _check_open(_locked(cart))


def _quantity(value: Any, field: str = "quantity", *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= (settings.CART_MAX_LINE_QUANTITY)
    ):
        raise InvalidInput(
            f"A quantity is a whole number from {low} to {settings.CART_MAX_LINE_QUANTITY}.",
            code="invalid_quantity",
            field=field,
        )
    return value


# What the checkout reads of a line's variant and its product (pricing, the response, the
# order's snapshot), read with the line: the other columns are left in the database (the
# query tests catch a new use of one, which would cost a query per line).
VARIANT_FIELDS = (
    "id",
    "public_id",
    "product_id",
    "sku",
    "name",
    "price",
    "currency",
    "weight_grams",
    "track_inventory",
    "product__id",
    "product__name",
    "product__status",
    "product__published_at",
    "product__category_id",
    "product__product_type_id",
)


def _purchasable(variant_public_id: UUID | str) -> ProductVariant:
    try:
        public_id = UUID(str(variant_public_id))
    except ValueError:
        public_id = None
    variant = (
        ProductVariant.objects.select_related("product")
        .only(*VARIANT_FIELDS)
        .filter(public_id=public_id)
        .first()
        if public_id
        else None
    )
    if variant is None or not _visible(variant.product, timezone.now()):
        raise VariantNotPurchasable("No published product has this variant.", field="variant_id")
    return variant


def _touch(cart: Cart, *, saved: bool = False, renew: bool = True) -> None:
    """The shopper is active: the cart and its reservations live on. `saved`: the caller
    writes the cart row itself (with the new expiry set here). `renew`: False when the cart
    holds no reservation older than this call."""
    cart.expires_at, cart.updated_at = _expiry(), timezone.now()
    if not saved:
        Cart.objects.filter(pk=cart.pk).update(
            expires_at=cart.expires_at, updated_at=cart.updated_at
        )
    if renew:
        inventory.renew_reservations(reference=reservation_reference(cart))


def _reserve(cart: Cart, variant: ProductVariant, quantity: int) -> None:
    inventory.reserve_stock(reference=reservation_reference(cart), lines=[(variant.pk, quantity)])


def _set_line(cart: Cart, variant: ProductVariant, quantity: int, add: bool) -> None:
    """set_line's work on the locked, open cart; keeps `cart.line_snapshot` current."""
    lines = _lines(cart)
    line = next((x for x in lines if x.variant_id == variant.pk), None)
    total = (line.quantity if line and add else 0) + quantity
    if total:
        _quantity(total)
    if line is None and total and len(lines) >= settings.CART_MAX_LINES:
        raise InvalidInput(
            f"A cart holds at most {settings.CART_MAX_LINES} lines.", code="cart_full"
        )
    _reserve(cart, variant, total)
    if not total:
        if line:
            line.delete()
            lines.remove(line)
    elif line is None:
        line = CartLine.objects.create(
            cart=cart, variant=variant, quantity=total, unit_price=variant.price
        )
        lines.append(line)
    else:
        CartLine.objects.filter(pk=line.pk).update(quantity=total)
        line.quantity = total
    if line is not None:  # reserved in full just now
        line.quantity_reserved, line.quantity_short = total, 0
    # the other lines' reservations live on; this one was just made
    _touch(cart, renew=any(x.variant_id != variant.pk for x in lines))
    cart.line_snapshot = lines


def set_line(
    *, cart: Cart | CartRef, variant_id: UUID | str, quantity: int, add: bool = False
) -> Cart:
    """Put `quantity` of a variant in the cart (or add that many with `add`). Quantity 0
    removes the line. Stock is reserved for the new quantity, or the change is refused.
    The cart returned carries `line_snapshot`: its lines after the change."""
    with transaction.atomic():
        cart = _locked(cart)
        _quantity(quantity, allow_zero=not add)
        variant = _purchasable(variant_id)
        _set_line(_check_open(cart), variant, quantity, add)
    return cart


def remove_line(*, cart: Cart | CartRef, line_id: UUID | str) -> Cart:
    with transaction.atomic():
        cart = _open(cart)
        _remove_line(cart, _line(cart, line_id))
    return cart


def _remove_line(cart: Cart, line: CartLine) -> None:
    inventory.release_reservations(
        reference=reservation_reference(cart), variant_ids=[line.variant_id]
    )
    line.delete()
    _touch(cart)


def set_line_quantity(*, cart: Cart | CartRef, line_id: UUID | str, quantity: int) -> Cart:
    """Set a line's quantity; 0 removes it (also the line of a variant no longer sold)."""
    with transaction.atomic():
        cart = _locked(cart)
        line = _line(cart, line_id)
        if _quantity(quantity, allow_zero=True) == 0:
            _remove_line(_check_open(cart), line)
        else:
            variant = _purchasable(line.variant.public_id)
            _set_line(_check_open(cart), variant, quantity, add=False)
    return cart


def _line(cart: Cart, line_id: UUID | str) -> CartLine:
    try:
        public_id = UUID(str(line_id))
    except ValueError:
        public_id = None
    line = (
        CartLine.objects.select_related("variant").filter(cart=cart, public_id=public_id).first()
        if public_id
        else None
    )
    if line is None:
        raise NotFound("No such line in this cart.", code="cart_line_not_found")
    return line


def merge_guest_cart(*, guest_token: str, user: User) -> Cart:
    """At login: move a guest cart's lines into the customer's open cart (made if needed).
    Quantities add up; a line that can no longer be reserved in full keeps what can be."""
    with transaction.atomic():
        guest = (
            Cart.objects.select_for_update()
            .filter(token=guest_token, user__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if guest is None or guest.status != Cart.Status.OPEN:
            raise CartNotFound()
        target = (
            Cart.objects.select_for_update()
            .filter(user=user, status=Cart.Status.OPEN, expires_at__gt=timezone.now())
            .order_by("-updated_at")
            .first()
        ) or create_cart(user=user)
        for line in guest.lines.select_related("variant"):
            existing = CartLine.objects.filter(cart=target, variant=line.variant).first()
            wanted = min(
                (existing.quantity if existing else 0) + line.quantity,
                settings.CART_MAX_LINE_QUANTITY,
            )
            inventory.release_reservations(
                reference=reservation_reference(guest), variant_ids=[line.variant_id]
            )
            try:
                with transaction.atomic():
                    _reserve(target, line.variant, wanted)
            except inventory.InsufficientStock as exc:
                wanted = min(wanted, exc.extra.get("available", 0))
                if wanted <= (existing.quantity if existing else 0):
                    continue
                _reserve(target, line.variant, wanted)
            if existing:
                CartLine.objects.filter(pk=existing.pk).update(quantity=wanted)
            else:
                CartLine.objects.create(
                    cart=target, variant=line.variant, quantity=wanted, unit_price=line.unit_price
                )
        for name in CART_FIELDS:
            if getattr(guest, name) and not getattr(target, name):
                setattr(target, name, getattr(guest, name))
        target.email = user.email
        target.expires_at = _expiry()
        target.save()
        guest.status = Cart.Status.MERGED
        guest.save(update_fields=["status", "updated_at"])
    return target


def _count_voucher_attempt(cart: Cart, code: str, ip: str | None) -> None:
    """A new voucher code on the cart is one attempt per cart and per IP (an unknown code as
    much as a good one), so codes cannot be guessed quickly. The same code again is free."""
    if code and code.upper() != cart.voucher_code.upper():
        ratelimit.hit_rate("voucher:cart", cart.token, settings.RATE_LIMIT_VOUCHER_CART)
        ratelimit.hit_rate("voucher:ip", ip or "", settings.RATE_LIMIT_VOUCHER_IP)


def update_checkout(
    *, cart: Cart | CartRef, changes: dict[str, Any], ip: str | None = None
) -> Cart:
    """Set checkout details: email, addresses (checked per country), shipping method, voucher
    code, VAT number, note. What can only be judged with prices (does the method serve this
    address and weight, does the voucher apply) is checked when pricing and completing.
    A new voucher code counts against RATE_LIMIT_VOUCHER_CART and, from `ip`, against
    RATE_LIMIT_VOUCHER_IP (429 `rate_limited`, nothing changed)."""
    unknown = set(changes) - set(CART_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        cart = _open(cart)
        for name in ("shipping_address", "billing_address"):
            if name in changes and changes[name] is not None:
                try:
                    changes[name] = clean_address(dict(changes[name]))
                except InvalidInput as exc:
                    for error in exc.extra.get("errors", []):
                        error["field"] = f"{name}.{error['field']}"
                    raise
        if changes.get("vat_number"):
            try:
                _country, normalized = validate_vat_number(changes["vat_number"])
            except InvalidInput as exc:
                raise InvalidInput(str(exc), code=exc.code, field="vat_number") from exc
            changes["vat_number"] = normalized
        if "voucher_code" in changes:
            changes["voucher_code"] = (changes["voucher_code"] or "").strip()
            _count_voucher_attempt(cart, changes["voucher_code"], ip)
        for name, value in changes.items():
            setattr(
                cart,
                name,
                value
                if value is not None
                else ("" if name not in {"shipping_address", "billing_address"} else None),
            )
        _touch(cart, saved=True)
        try:
            cart.save()
        except IntegrityError as exc:  # pragma: no cover - columns are free-form
            raise InvalidInput("The checkout details are not valid.") from exc
        cart.line_snapshot = _lines(cart)
    return cart


# --- prices ---------------------------------------------------------------------------------


def vat_number_problem(
    result: PricingResult, *, vat_number: str, destination: str | None, origin: str
) -> dict[str, str] | None:
    """Why the cart's VAT number gives no reverse charge ({code, detail}), or None."""
    code = result.reverse_charge_refused
    if not code:
        return None
    destination, business = (destination or origin).upper(), vat_number[:2].upper()
    business = "GR" if business == "EL" else business
    details = {
        "vat_number_not_destination": (
            f"Reverse charge needs a VAT number of {destination}, where the goods go (the "
            f"intra-EU acquisition is taxed there); this one is of {business}, so VAT is "
            "charged."
        ),
        "vat_number_origin_country": (
            f"A VAT number of {origin}, the shop's own country, gives no reverse charge; VAT "
            "is charged."
        ),
        "reverse_charge_domestic": (
            f"A sale within {origin} carries VAT whatever the VAT number; reverse charge is "
            "for deliveries to another EU country."
        ),
        "reverse_charge_not_intra_eu": (
            "Reverse charge is for deliveries between EU countries; this sale carries the "
            "destination's tax."
        ),
    }
    return {"code": code, "detail": details.get(code, "Not a VAT number; VAT is charged.")}


@dataclass(frozen=True)
class PricedCheckout:
    """A cart's prices from the pricing pipeline, with what keeps it from completing, and
    why its VAT number gives no reverse charge (`vat_number_problem`, which does not)."""

    result: PricingResult
    shipping: ShippingQuote | None
    weight_grams: int
    lines: list[CartLine]
    voucher_problem: dict[str, str] | None = None
    shipping_problem: dict[str, str] | None = None
    rules: PricingRules | None = None
    pricing_input: PricingInput | None = None
    vat_number_problem: dict[str, str] | None = None


@dataclass(frozen=True)
class ShippingOption:
    """A method that serves the cart, with what choosing it costs (`shipping`: the
    pipeline's ShippingResult, in the destination's tax treatment, with the voucher)."""

    quote: ShippingQuote
    shipping: ShippingResult


LINE_FIELDS = ("id", "public_id", "cart_id", "variant_id", "quantity", "unit_price", "created_at")


def _lines(cart: Cart) -> list[CartLine]:
    """The cart's lines in order, with what pricing and the response need of their variants,
    and what the cart's reservation holds of each (`quantity_reserved`, `quantity_short`:
    units lost to a stock cut); one query."""
    return list(
        cart.lines.select_related("variant__product")
        .only(*LINE_FIELDS, *(f"variant__{name}" for name in VARIANT_FIELDS))
        .annotate(**reservation_columns(reservation_reference(cart)))
        .order_by("created_at", "id")
    )


SHIPPING_METHODS = "checkout.shipping_methods"


def _shipping_methods(rules: PricingRules) -> list:
    """The active shipping methods, kept in memory with the pricing rules (checkout/apps.py
    bumps their version when a zone, method or bracket changes)."""
    return rules.memo(SHIPPING_METHODS, active_methods)


def price_checkout(
    cart: Cart, *, strict: bool = False, lines: list[CartLine] | None = None
) -> PricedCheckout:
    """Price the cart now (current prices, running promotions, the voucher, shipping to the
    address, tax). Without `strict`, a voucher or shipping method that no longer applies is
    left out and reported; with it (completing), it is refused. `lines`: the cart's lines,
    if the caller has them already (as `_lines` reads them).

    Store-wide rules (tax, promotions, shipping methods) come from the per-process cache of
    `pricing_rules` (one query to check its version); the lines' variants come with them."""
    lines = _lines(cart) if lines is None else lines
    # the version read with the cart row serves once: a Cart kept longer asks again
    version = cart.__dict__.pop("pricing_version", None)
    rules = pricing_rules(version=version) if version is not None else pricing_rules()
    country = (cart.shipping_address or {}).get("country") or None
    weight = sum((line.variant.weight_grams or 0) * line.quantity for line in lines)
    priced = price_lines(
        LinesToPrice(
            lines=[
                CartLineSpec(
                    key=str(line.public_id), variant_id=line.variant_id, quantity=line.quantity
                )
                for line in lines
            ],
            weight_grams=weight,
            currency=cart.currency,
            country=country,
            vat_number=cart.vat_number,
            user_id=cart.user_id,
            email=cart.email,
            voucher_code=cart.voucher_code,
            shipping_method_id=cart.shipping_method_id,
            shipping_methods=lambda: _shipping_methods(rules),
            variants={line.variant_id: line.variant for line in lines},
            rules=rules,
            only_used_targets=True,
        )
    )
    if strict:
        _refuse(priced)
    return PricedCheckout(
        priced.result,
        priced.quote,
        weight,
        lines,
        _problem(priced.voucher_error) or _problem(priced.voucher_refusal("cart")),
        _problem(priced.shipping_error),
        rules,
        pricing_input=priced.pricing_input,
        vat_number_problem=vat_number_problem(
            priced.result,
            vat_number=cart.vat_number,
            destination=country,
            origin=rules.tax_settings.origin_country,
        ),
    )


def _problem(error: DomainError | None) -> dict[str, str] | None:
    return {"code": error.code, "detail": str(error)} if error is not None else None


def _refuse(priced: PricedLines) -> None:
    """Completing: a voucher or shipping method that does not apply is refused."""
    if priced.voucher_error is not None:
        raise priced.voucher_error
    if refusal := priced.voucher_refusal("cart"):
        raise refusal
    if (error := priced.shipping_error) is not None:  # named after the checkout's field
        raise ShippingMethodUnavailable(str(error), field="shipping_method_id") from error


def shipping_options(cart: Cart, *, lines: list[CartLine] | None = None) -> list[ShippingOption]:
    """The methods that serve the cart's address, weight and value, each with what it will
    cost on this cart: taxed for the destination (an export drops the origin's VAT, as the
    order does) and with a free-shipping voucher (no query beyond pricing the cart)."""
    country = (cart.shipping_address or {}).get("country")
    if not country:
        raise CheckoutIncomplete("Set a shipping address first.", field="shipping_address")
    priced = price_checkout(cart, lines=lines)
    quotes = offered_methods(
        _shipping_methods(priced.rules),
        country=country,
        weight_grams=priced.weight_grams,
        subtotal=priced.result.subtotal - priced.result.voucher_discount,
    )
    return [
        ShippingOption(
            quote,
            price_shipping(
                priced.pricing_input, priced.result, quote.price, quote.tax_class_slug or None
            ),
        )
        for quote in quotes
    ]


# --- completing -----------------------------------------------------------------------------


def _price_changes(lines: list[CartLine]) -> list[dict[str, str]]:
    """Note the current price on every line whose price changed since it was added (so the
    shopper sees it), and say what changed."""
    changed = [line for line in lines if line.unit_price != line.variant.price]
    for line in changed:
        CartLine.objects.filter(pk=line.pk).update(unit_price=line.variant.price)
    return [
        {
            "line_id": str(line.public_id),
            "sku": line.variant.sku,
            "old_price": str(line.unit_price),
            "new_price": str(line.variant.price),
        }
        for line in changed
    ]


def complete_checkout(*, cart: Cart | CartRef) -> Order:
    """Turn the cart into an order, in one transaction: everything is checked again, stock is
    allocated (the cart's reservations become the allocation), the voucher use is counted, and
    the order is written with snapshots of names, SKUs, prices, tax rates and addresses. It
    succeeds whole or changes nothing. Completing a completed cart returns its order.

    A price that changed since its line was added is refused with `price_changed`; the new
    price is kept on the cart (that change is committed), so completing again accepts it.

    Inventory and vouchers refer to the order by `order.reference` (its number)."""
    with transaction.atomic():
        cart = _locked(cart)
        if cart.status == Cart.Status.COMPLETED and cart.order_id:
            return cart.order
        if cart.status != Cart.Status.OPEN:
            raise CartClosed()
        lines = _lines(cart)
        changes = _price_changes(lines)
        if not changes:
            return _place_order(cart, lines)
    raise PriceChanged(
        "Some prices changed since they were put in the cart; check the new total.",
        lines=changes,
    )


def _place_order(cart: Cart, lines: list[CartLine]) -> Order:
    """complete_checkout's work, inside its transaction, on the locked cart."""
    _check_complete(cart, lines)
    _check_not_short(cart, lines)
    priced = price_checkout(cart, strict=True, lines=lines)
    if priced.shipping is None:
        raise CheckoutIncomplete("Choose a shipping method.", field="shipping_method_id")
    result = priced.result
    by_key = {line.key: line for line in result.lines}
    snapshots = [_snapshot(line, by_key[str(line.public_id)]) for line in lines]
    order = orders.place_order(
        user=cart.user,
        email=cart.email,
        currency=result.currency,
        lines=snapshots,
        shipping_address=cart.shipping_address,
        billing_address=cart.billing_address or cart.shipping_address,
        totals=orders.priced_totals(result),
        shipping={
            "shipping_method_id": str(priced.shipping.method_id),
            "shipping_method_name": priced.shipping.name,
        },
        details={
            "voucher_code": result.voucher_code if result.voucher_applied else "",
            "vat_number": cart.vat_number,
            "reverse_charge": result.reverse_charge,
            "tax_note": result.legal_note,
            "customer_note": cart.note,
            "checkout_token": cart.token,
        },
    )
    if result.voucher_applied and result.voucher_id:
        pricing_services.redeem_voucher(
            voucher_id=result.voucher_id,
            user_id=cart.user_id,
            email=cart.email,
            order_reference=order.reference,
        )
    inventory.allocate_order(
        order_reference=order.reference,
        lines=[
            inventory.OrderLine(str(public_id), variant_id, quantity)
            for public_id, variant_id, quantity in order.lines.order_by("pk").values_list(
                "public_id", "variant_id", "quantity"
            )
        ],
        country=cart.shipping_address["country"],
        reservation_reference=reservation_reference(cart),
    )
    cart.status = Cart.Status.COMPLETED
    cart.order = order
    cart.save(update_fields=["status", "order", "updated_at"])
    return order


def _snapshot(line: CartLine, priced: LineResult) -> orders.LineSnapshot:
    return orders.LineSnapshot(
        variant_id=line.variant_id,
        product_name=line.variant.product.name,
        variant_name=line.variant.name,
        sku=line.variant.sku,
        quantity=line.quantity,
        unit_price=priced.unit_price,
        unit_price_discounted=priced.unit_price_discounted,
        promotion_discount=priced.promotion_discount,
        voucher_discount=priced.voucher_discount,
        total_net=priced.net,
        total_tax=priced.tax,
        total_gross=priced.gross,
        tax_rate=priced.tax_rate,
        tax_class=priced.tax_class,
    )


def _check_complete(cart: Cart, lines: list[CartLine]) -> None:
    if not lines:
        raise CheckoutIncomplete("The cart is empty.", code="cart_empty")
    missing = [
        name
        for name, value in (
            ("email", cart.email),
            ("shipping_address", cart.shipping_address),
            ("shipping_method_id", cart.shipping_method_id),
        )
        if not value
    ]
    if missing:
        raise CheckoutIncomplete(
            f"Missing: {', '.join(missing)}.",
            errors=[{"field": name, "message": "This field is required."} for name in missing],
        )
    now = timezone.now()
    for line in lines:
        if not _visible(line.variant.product, now):
            raise VariantNotPurchasable(
                f"{line.variant.sku} can no longer be bought; remove it from the cart.",
                field=f"lines.{line.public_id}",
            )


def _check_not_short(cart: Cart, lines: list[CartLine]) -> None:
    """Lines whose reservation lost units to a stock cut (`quantity_short`) reserve their
    quantity again, if the stock is back; else the cart is refused with `cart_line_short`,
    naming each such line and what it still holds."""
    short = [line for line in lines if getattr(line, "quantity_short", 0)]
    if not short:
        return
    try:
        inventory.reserve_stock(
            reference=reservation_reference(cart),
            lines=[(line.variant_id, line.quantity) for line in short],
        )
    except inventory.InsufficientStock:
        raise CartLineShort(
            "Stock was counted again and some lines can no longer be had in full; lower or "
            "remove them.",
            lines=[
                {
                    "line_id": str(line.public_id),
                    "sku": line.variant.sku,
                    "quantity": line.quantity,
                    "reserved": line.quantity_reserved,
                }
                for line in short
            ],
        ) from None
    for line in short:
        line.quantity_reserved, line.quantity_short = line.quantity, 0


def _visible(product: Product, now: Any) -> bool:
    """Product.objects.visible() for a loaded product: published, its publish date come."""
    return product.status == Product.Status.PUBLISHED and (
        product.published_at is None or product.published_at <= now
    )
