from ninja import Router

store_router = Router(tags=["store: orders"])
admin_router = Router(tags=["admin: orders"])
