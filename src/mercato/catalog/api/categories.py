"""Admin: the category tree."""

from uuid import UUID

from django.http import HttpRequest
from ninja.responses import Status

from mercato.catalog import selectors, services
from mercato.catalog.api.common import actor, admin_delete, admin_operation, get, no_content
from mercato.catalog.models import Category
from mercato.catalog.schemas import AdminCategoryOut, CategoryIn, CategoryMoveIn, CategoryPatch


@admin_operation("get", "/catalog/categories", out=list[AdminCategoryOut])
def list_categories(request: HttpRequest):
    """Every category in tree order (depth tells the level)."""
    return selectors.list_categories()


@admin_operation(
    "post",
    "/catalog/categories",
    out=AdminCategoryOut,
    status=201,
    errors=(409, 422),
    permission="catalog.add_category",
)
def create_category(request: HttpRequest, payload: CategoryIn):
    data = payload.dict()
    parent = selectors.get_category_for_input(data.pop("parent"), field="parent")
    return Status(201, services.create_category(actor=actor(request), parent=parent, **data))


@admin_operation(
    "patch",
    "/catalog/categories/{category_id}",
    out=AdminCategoryOut,
    errors=(404, 409, 422),
    permission="catalog.change_category",
)
def update_category(request: HttpRequest, category_id: UUID, payload: CategoryPatch):
    category = get(Category, category_id, "category_not_found")
    changes = services.CategoryChanges(**payload.dict(exclude_unset=True))
    return services.update_category(actor=actor(request), category=category, changes=changes)


@admin_operation(
    "post",
    "/catalog/categories/{category_id}/move",
    out=AdminCategoryOut,
    errors=(404, 409, 422),
    permission="catalog.change_category",
)
def move_category(request: HttpRequest, category_id: UUID, payload: CategoryMoveIn):
    """Move a category with its subtree under (or beside) another, or to the top level."""
    category = get(Category, category_id, "category_not_found")
    target = selectors.get_category_for_input(payload.target, field="target")
    return services.move_category(
        actor=actor(request), category=category, target=target, position=payload.position
    )


@admin_delete(
    "/catalog/categories/{category_id}", permission="catalog.delete_category", errors=(404, 409)
)
def delete_category(request: HttpRequest, category_id: UUID):
    category = get(Category, category_id, "category_not_found")
    services.delete_category(actor=actor(request), category=category)
    return no_content()
