"""Admin: warehouses."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from mercato.accounts.authentication import AdminAuth
from mercato.core.schemas import problems
from mercato.inventory import selectors, services
from mercato.inventory.api.common import request_actor
from mercato.inventory.schemas import WarehouseIn, WarehouseOut, WarehousePatch

admin_router = Router(tags=["admin: inventory"])


@admin_router.get(
    "/inventory/warehouses",
    response={200: list[WarehouseOut], **problems(401, 403)},
    auth=AdminAuth("inventory.view_warehouse"),
    operation_id="mercato_inventory_api_list_warehouses",
)
def list_warehouses(request: HttpRequest):
    return list(selectors.list_warehouses())


@admin_router.post(
    "/inventory/warehouses",
    response={201: WarehouseOut, **problems(401, 403, 409, 422)},
    auth=AdminAuth("inventory.add_warehouse"),
    operation_id="mercato_inventory_api_create_warehouse",
)
def create_warehouse(request: HttpRequest, payload: WarehouseIn):
    return Status(
        201,
        services.save_warehouse(
            actor=request_actor(request), changes=services.WarehouseChanges(**payload.dict())
        ),
    )


@admin_router.patch(
    "/inventory/warehouses/{warehouse_id}",
    response={200: WarehouseOut, **problems(401, 403, 404, 409, 422)},
    auth=AdminAuth("inventory.change_warehouse"),
    operation_id="mercato_inventory_api_update_warehouse",
)
def update_warehouse(request: HttpRequest, warehouse_id: UUID, payload: WarehousePatch):
    return services.save_warehouse(
        actor=request_actor(request),
        warehouse=selectors.get_warehouse(public_id=warehouse_id),
        changes=services.WarehouseChanges(**payload.dict(exclude_unset=True)),
    )


@admin_router.delete(
    "/inventory/warehouses/{warehouse_id}",
    response={204: None, **problems(401, 403, 404, 409)},
    auth=AdminAuth("inventory.delete_warehouse"),
    operation_id="mercato_inventory_api_delete_warehouse",
)
def delete_warehouse(request: HttpRequest, warehouse_id: UUID):
    """Only a warehouse that never held stock can go (409 `warehouse_in_use`)."""
    services.delete_warehouse(
        actor=request_actor(request), warehouse=selectors.get_warehouse(public_id=warehouse_id)
    )
    return Status(204, None)
