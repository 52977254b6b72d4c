"""Admin: the category tree."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.catalog import selectors, services
from mercato.catalog.api.common import actor, admin, get
from mercato.catalog.models import Category
from mercato.catalog.schemas import AdminCategoryOut, CategoryIn, CategoryMoveIn, CategoryPatch

CHANGE = "catalog.change_category"


@admin.operation("get", "/catalog/categories", out=list[AdminCategoryOut])
def list_categories(request: HttpRequest):
    """Every category in tree order (depth tells the level)."""
    return selectors.list_categories()


@admin.create("/catalog/categories", out=AdminCategoryOut, permission="catalog.add_category")
def create_category(request: HttpRequest, payload: CategoryIn):
    data = payload.dict()
    parent = selectors.get_category_for_input(data.pop("parent"), field="parent")
    return Status(201, services.create_category(actor=actor(request), parent=parent, **data))


@admin.update("/catalog/categories/{category_id}", out=AdminCategoryOut, permission=CHANGE)
def update_category(request: HttpRequest, category_id: UUID, payload: CategoryPatch):
    category = get(Category, category_id, "category_not_found")
    changes = services.CategoryChanges(**payload.dict(exclude_unset=True))
    return services.update_category(actor=actor(request), category=category, changes=changes)


@admin.update(
    "/catalog/categories/{category_id}/move", method="post", out=AdminCategoryOut, permission=CHANGE
)
def move_category(request: HttpRequest, category_id: UUID, payload: CategoryMoveIn):
    """Move a category with its subtree under (or beside) another, or to the top level."""
    category = get(Category, category_id, "category_not_found")
    target = selectors.get_category_for_input(payload.target, field="target")
    return services.move_category(
        actor=actor(request), category=category, target=target, position=payload.position
    )


@admin.delete(
    "/catalog/categories/{category_id}", permission="catalog.delete_category", errors=(404, 409)
)
def delete_category(request: HttpRequest, category_id: UUID):
    category = get(Category, category_id, "category_not_found")
    services.delete_category(actor=actor(request), category=category)
