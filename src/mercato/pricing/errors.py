from mercato.core.errors import Conflict, InvalidInput, NotFound


class VoucherNotFound(NotFound):
    code, title = "voucher_not_found", "No such voucher"


class VoucherNotUsable(InvalidInput):
    """A voucher that exists but may not be used now; `code` says why (voucher_inactive,
    voucher_not_started, voucher_expired, voucher_min_subtotal, voucher_min_quantity)."""

    code, title = "voucher_not_usable", "The voucher cannot be used"


class VoucherUsedUp(Conflict):
    """voucher_used_up (the overall limit) or voucher_limit_per_customer."""

    code, title = "voucher_used_up", "The voucher has been used up"


class InUse(Conflict):
    code, title = "in_use", "It is still in use"
