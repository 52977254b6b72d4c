from mercato.core.errors import Conflict, DomainError, InvalidInput, NotFound


class ProductNotFound(NotFound):
    code, title = "product_not_found", "No such product"


class SlugTaken(Conflict):
    code, title = "slug_taken", "Another object already uses this slug"


class SkuTaken(Conflict):
    code, title = "sku_taken", "Another variant already uses this SKU"


class InvalidPrice(InvalidInput):
    code, title = "invalid_price", "The price is not valid"


class InvalidAttributeValue(InvalidInput):
    code, title = "invalid_attribute_value", "The value does not belong to the attribute"


class InvalidCategoryMove(InvalidInput):
    code, title = "invalid_category_move", "A category cannot move under itself or a descendant"


class InUse(Conflict):
    code, title = "in_use", "It is still in use"


class ImageTooLarge(DomainError):
    code, status, title = "image_too_large", 413, "The image file is too large"
