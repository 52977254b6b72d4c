"""Admin: warehouses."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.inventory import selectors, services
from mercato.inventory.api.common import operation, request_actor
from mercato.inventory.schemas import WarehouseIn, WarehouseOut, WarehousePatch


@operation(
    "get", "/inventory/warehouses", out=list[WarehouseOut], permission="inventory.view_warehouse"
)
def list_warehouses(request: HttpRequest):
    return list(selectors.list_warehouses())


@operation(
    "post",
    "/inventory/warehouses",
    out=WarehouseOut,
    status=201,
    errors=(409, 422),
    permission="inventory.add_warehouse",
)
def create_warehouse(request: HttpRequest, payload: WarehouseIn):
    return Status(
        201,
        services.save_warehouse(
            actor=request_actor(request), changes=services.WarehouseChanges(**payload.dict())
        ),
    )


@operation(
    "patch",
    "/inventory/warehouses/{warehouse_id}",
    out=WarehouseOut,
    errors=(404, 409, 422),
    permission="inventory.change_warehouse",
)
def update_warehouse(request: HttpRequest, warehouse_id: UUID, payload: WarehousePatch):
    return services.save_warehouse(
        actor=request_actor(request),
        warehouse=selectors.get_warehouse(public_id=warehouse_id),
        changes=services.WarehouseChanges(**payload.dict(exclude_unset=True)),
    )


@operation(
    "delete",
    "/inventory/warehouses/{warehouse_id}",
    out=None,
    status=204,
    errors=(404, 409),
    permission="inventory.delete_warehouse",
)
def delete_warehouse(request: HttpRequest, warehouse_id: UUID):
    """Only a warehouse that never held stock can go (409 `warehouse_in_use`)."""
    services.delete_warehouse(
        actor=request_actor(request), warehouse=selectors.get_warehouse(public_id=warehouse_id)
    )
    return Status(204, None)
