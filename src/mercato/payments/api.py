from ninja import Router

store_router = Router(tags=["store: payments"])
admin_router = Router(tags=["admin: payments"])
webhook_router = Router(tags=["payment webhooks"])
