"""Staff cut stock below what carts reserved: the oldest cart still completes, the newest
shows its line short and is refused with `cart_line_short`, nobody else can take units that
are not there, and once stock is back the short cart reserves again."""

from mercato.checkout.tests.conftest import CARTS, add, checkout_state, complete, filled_cart
from mercato.checkout.tests.conftest import new_cart as empty_cart
from mercato.inventory import selectors as inventory
from mercato.inventory.models import Reservation
from mercato.inventory.tests.conftest import put_stock
from mercato.orders.models import Order


def lines_of(api, cart: str) -> list[dict]:
    response = api.get_json(f"{CARTS}/{cart}")
    assert response.status_code == 200, response.content
    return response.json()["lines"]


def cut_below_two_carts(api, shop) -> tuple[str, str]:
    """An old cart holding 4 tees and a newer one holding 5; then staff count 6 on the shelf."""
    old = filled_cart(api, shop, lines=((0, 4),))
    new = filled_cart(api, shop, lines=((0, 5), (1, 1)))
    put_stock(shop.tee, shop.warehouse, 6)
    return old, new


def test_a_line_that_holds_its_units_is_not_short(api, shop):
    cart = filled_cart(api, shop, lines=((0, 2),))

    (line,) = lines_of(api, cart)

    assert (line["short"], line["quantity_short"]) == (False, 0)


def test_the_older_cart_completes_and_the_newer_shows_its_line_short(api, shop):
    old, new = cut_below_two_carts(api, shop)

    old_lines = lines_of(api, old)
    tee, novel = lines_of(api, new)
    placed = complete(api, old)

    assert [(x["short"], x["quantity_short"]) for x in old_lines] == [(False, 0)]
    assert (tee["sku"], tee["quantity"], tee["short"], tee["quantity_short"]) == (
        "TEE-M",
        5,
        True,
        3,
    )
    assert (novel["short"], novel["quantity_short"]) == (False, 0)
    assert placed.status_code == 201, placed.content
    assert Order.objects.get().lines.get().quantity == 4


def test_the_short_cart_is_refused_with_a_clear_code_and_nothing_changes(api, shop):
    old, new = cut_below_two_carts(api, shop)
    assert complete(api, old).status_code == 201
    before = checkout_state()

    refused = complete(api, new)

    assert (refused.status_code, refused.json()["code"]) == (409, "cart_line_short")
    (short,) = refused.json()["lines"]
    assert (short["sku"], short["quantity"], short["reserved"]) == ("TEE-M", 5, 2)
    assert short["line_id"] == lines_of(api, new)[0]["id"]
    assert checkout_state() == before
    assert Order.objects.count() == 1


def test_the_short_cart_is_refused_even_before_the_older_one_completes(api, shop):
    old, new = cut_below_two_carts(api, shop)

    refused = complete(api, new)

    assert (refused.status_code, refused.json()["code"]) == (409, "cart_line_short")
    assert complete(api, old).status_code == 201


def test_a_third_cart_cannot_reserve_what_is_not_there(api, shop):
    cut_below_two_carts(api, shop)
    before = checkout_state()

    response = add(api, empty_cart(api), shop.tee, 1)

    assert (response.status_code, response.json()["code"]) == (409, "insufficient_stock")
    assert response.json()["available"] == 0
    after = checkout_state()
    assert after["inventory.Reservation"] == before["inventory.Reservation"]


def test_available_never_goes_negative(api, shop):
    cut_below_two_carts(api, shop)
    put_stock(shop.tee, shop.warehouse, 1)

    state = inventory.availability([shop.tee.pk])[shop.tee.pk]

    assert (state.on_hand, state.reserved, state.available) == (1, 1, 0)
    assert min(Reservation.objects.values_list("quantity", flat=True)) >= 0


def test_once_stock_is_back_the_short_cart_reserves_again_on_its_next_change(api, shop):
    old, new = cut_below_two_carts(api, shop)
    assert complete(api, old).status_code == 201
    tee_line = lines_of(api, new)[0]["id"]
    # still short: raising the line again is refused, and the line stays short
    refused = api.patch_json(f"{CARTS}/{new}/lines/{tee_line}", {"quantity": 5})
    assert (refused.status_code, refused.json()["code"]) == (409, "insufficient_stock")
    assert lines_of(api, new)[0]["short"] is True

    put_stock(shop.tee, shop.warehouse, 10)  # 4 went to the order: 6 on the shelf
    changed = api.patch_json(f"{CARTS}/{new}/lines/{tee_line}", {"quantity": 5})

    assert changed.status_code == 200, changed.content
    assert (changed.json()["lines"][0]["short"], changed.json()["lines"][0]["quantity_short"]) == (
        False,
        0,
    )
    assert Reservation.objects.get(reference=f"cart:{new}", variant=shop.tee).quantity == 5
    assert complete(api, new).status_code == 201


def test_once_stock_is_back_completing_the_short_cart_reserves_again(api, shop):
    old, new = cut_below_two_carts(api, shop)
    put_stock(shop.tee, shop.warehouse, 9)

    placed = complete(api, new)

    assert placed.status_code == 201, placed.content
    assert complete(api, old).status_code == 201
    assert inventory.availability([shop.tee.pk])[shop.tee.pk].on_hand == 9


def test_lowering_a_short_line_to_what_is_there_clears_it(api, shop):
    _, new = cut_below_two_carts(api, shop)
    tee_line = lines_of(api, new)[0]["id"]

    changed = api.patch_json(f"{CARTS}/{new}/lines/{tee_line}", {"quantity": 2})

    assert changed.status_code == 200, changed.content
    assert changed.json()["lines"][0]["short"] is False
    assert complete(api, new).status_code == 201
