"""Admin: warehouses."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.inventory import selectors, services
from mercato.inventory.api.common import operation, request_actor
from mercato.inventory.schemas import WarehouseIn, WarehouseOut, WarehousePatch

WAREHOUSES = "/inventory/warehouses"
WAREHOUSE = "/inventory/warehouses/{warehouse_id}"
VIEW, ADD, CHANGE, DELETE = (
    f"inventory.{verb}_warehouse" for verb in ("view", "add", "change", "delete")
)


@operation("get", WAREHOUSES, out=list[WarehouseOut], permission=VIEW)
def list_warehouses(request: HttpRequest):
    return list(selectors.list_warehouses())


@operation("post", WAREHOUSES, out=WarehouseOut, status=201, errors=(409, 422), permission=ADD)
def create_warehouse(request: HttpRequest, payload: WarehouseIn):
    return Status(
        201,
        services.save_warehouse(
            actor=request_actor(request), changes=services.WarehouseChanges(**payload.dict())
        ),
    )


@operation("patch", WAREHOUSE, out=WarehouseOut, errors=(404, 409, 422), permission=CHANGE)
def update_warehouse(request: HttpRequest, warehouse_id: UUID, payload: WarehousePatch):
    return services.save_warehouse(
        actor=request_actor(request),
        warehouse=selectors.get_warehouse(public_id=warehouse_id),
        changes=services.WarehouseChanges(**payload.dict(exclude_unset=True)),
    )


@operation("delete", WAREHOUSE, out=None, status=204, errors=(404, 409), permission=DELETE)
def delete_warehouse(request: HttpRequest, warehouse_id: UUID):
    """Only a warehouse that never held stock can go (409 `warehouse_in_use`)."""
    services.delete_warehouse(
        actor=request_actor(request), warehouse=selectors.get_warehouse(public_id=warehouse_id)
    )
    return Status(204, None)
