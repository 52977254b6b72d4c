from mercato.core.errors import Conflict


class InsufficientStock(Conflict):
    code, title = "insufficient_stock", "Not enough stock"
