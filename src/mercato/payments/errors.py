"""Why a payment operation is refused. Each has a stable code."""

from mercato.core.errors import Conflict, DomainError, InvalidInput, NotFound


class PaymentNotFound(NotFound):
    code, title = "payment_not_found", "No such payment"


class CardDataNotAccepted(InvalidInput):
    code, title = "card_data_not_accepted", "Card numbers are not accepted; send a token"


class InvalidAmount(InvalidInput):
    code, title = "invalid_amount", "The amount is not valid"


class AmountExceedsDue(InvalidInput):
    code, title = "amount_exceeds_due", "The amount is more than the order still owes"


class NothingToPay(Conflict):
    code, title = "nothing_to_pay", "The order owes nothing"


class CaptureExceedsAuthorized(InvalidInput):
    code, title = "capture_exceeds_authorized", "The amount is more than is left to capture"


class RefundExceedsCaptured(InvalidInput):
    code, title = "refund_exceeds_captured", "The amount is more than is left to refund"


class PaymentNotCapturable(Conflict):
    code, title = "payment_not_capturable", "The payment cannot be captured now"


class PaymentVoided(Conflict):
    code, title = "payment_voided", "The payment was voided"


class PaymentNotVoidable(Conflict):
    code, title = "payment_not_voidable", "Nothing of the payment is left to void"


class PaymentNotConfirmable(Conflict):
    code, title = "payment_not_confirmable", "The payment needs no confirmation"


class PaymentNotManual(Conflict):
    code, title = "payment_not_manual", "Only a manual payment can be marked paid"


class OrderRefunded(Conflict):
    code, title = "order_refunded", "The order's payments were refunded in full"


class OrderNotPayable(Conflict):
    code, title = "order_not_payable", "The order cannot take payments"


class IdempotencyKeyReused(InvalidInput):
    code, title = "idempotency_key_reused", "This idempotency key was used for another request"


class ProviderDeclined(DomainError):
    """The provider said no (a declined card, a refused capture): 402, as Stripe answers."""

    code, status, title = "payment_declined", 402, "The payment provider declined"
