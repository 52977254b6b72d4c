from typing import Any

from django.http import HttpRequest

from mercato.core.errors import InvalidInput
from mercato.core.schemas import problems
from mercato.pricing.api.common import store_router
from mercato.pricing.schemas import VatNumberIn, VatNumberOut
from mercato.pricing.vat import validate_vat_number


@store_router.post(
    "/pricing/vat-number/validate", response={200: VatNumberOut, **problems(422)}, auth=None
)
def validate_vat(request: HttpRequest, payload: VatNumberIn) -> dict[str, Any]:
    """Whether a VAT number has the format of its EU country (no lookup in VIES)."""
    try:
        country, normalized = validate_vat_number(payload.number)
    except InvalidInput:
        return {"valid": False, "country": None, "normalized": None}
    return {"valid": True, "country": country, "normalized": normalized}
