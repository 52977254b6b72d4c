"""The category tree: create, rename, move (with the subtree) and delete categories."""

from django.db import IntegrityError, transaction
from treebeard.exceptions import InvalidMoveToDescendant

from mercato.audit.services import Actor, record_change, record_save, snapshot
from mercato.catalog.cache import bump_catalog_version
from mercato.catalog.errors import InUse, InvalidCategoryMove, SlugTaken
from mercato.catalog.models import Category, Product
from mercato.catalog.services.common import (
    audited_change,
    locked,
    make_slug,
    record_deletion,
    set_given,
)
from mercato.catalog.services.inputs import CategoryChanges
from mercato.core.errors import InvalidInput


def _refresh_slug_paths(category: Category) -> None:
    """Recompute slug_path for the category and its whole subtree."""
    bump_catalog_version()
    nodes = [category, *Category.objects.get_tree(category)[1:]]
    by_path: dict[str, str] = {}
    for node in nodes:
        node.refresh_from_db(fields=["path", "depth"])
        parent_path = node.path[: -Category.steplen]
        parent_slug = by_path.get(parent_path)
        if parent_slug is None and node.depth > 1:
            parent_slug = Category.objects.get(path=parent_path).slug_path
        node.slug_path = f"{parent_slug}/{node.slug}" if parent_slug else node.slug
        by_path[node.path] = node.slug_path
    # Two passes so that swapping paths never trips the unique constraint midway.
    for node in nodes:
        Category.objects.filter(pk=node.pk).update(slug_path=f"~{node.pk}~{node.slug_path}")
    for node in nodes:
        Category.objects.filter(pk=node.pk).update(slug_path=node.slug_path)


def create_category(
    *,
    actor: Actor,
    name: str,
    slug: str = "",
    parent: Category | None = None,
    description: str = "",
    seo_title: str = "",
    seo_description: str = "",
    metadata: dict | None = None,
) -> Category:
    slug = make_slug(slug or name)
    slug_path = f"{parent.slug_path}/{slug}" if parent else slug
    if Category.objects.filter(slug_path=slug_path).exists():
        raise SlugTaken(f"A category {slug_path!r} exists already.", field="slug")
    fields = dict(
        name=name,
        slug=slug,
        slug_path=slug_path,
        description=description,
        seo_title=seo_title,
        seo_description=seo_description,
        metadata=metadata or {},
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                if parent is None:
                    category = Category.objects.add_root(create_kwargs=fields)
                else:
                    parent = Category.objects.get(pk=parent.pk)
                    category = Category.objects.add_child(parent, create_kwargs=fields)
        except IntegrityError as exc:
            raise SlugTaken(f"A category {slug_path!r} exists already.", field="slug") from exc
        record_save(actor=actor, obj=category, before=None)
    return category


def update_category(*, actor: Actor, category: Category, changes: CategoryChanges) -> Category:
    given = changes.given()
    with audited_change(category, actor=actor) as category:
        set_given(
            category, given, ("name", "description", "seo_title", "seo_description", "metadata")
        )
        slug_changed = "slug" in given and make_slug(given["slug"]) != category.slug
        if slug_changed:
            category.slug = make_slug(given["slug"])
        category.save()
        if slug_changed:
            try:
                with transaction.atomic():
                    _refresh_slug_paths(category)
            except IntegrityError as exc:
                raise SlugTaken("A sibling category uses this slug.", field="slug") from exc
            category.refresh_from_db()
    return category


MOVE_POSITIONS = {"first-child", "last-child", "left", "right"}


def move_category(
    *, actor: Actor, category: Category, target: Category | None, position: str = "last-child"
) -> Category:
    """Move a category (and its subtree) under `target` (None: to the top level), or beside
    it (position left/right)."""
    if position not in MOVE_POSITIONS:
        raise InvalidInput(f"position is one of {sorted(MOVE_POSITIONS)}.", field="position")
    with transaction.atomic():
        category = locked(category)
        before = snapshot(category)
        if target is not None and (
            target.pk == category.pk or target.path.startswith(category.path)
        ):
            raise InvalidCategoryMove()
        try:
            with transaction.atomic():
                if target is None:
                    last_root = Category.objects.get_last_root_node()
                    if last_root.pk != category.pk:
                        Category.objects.move(category, last_root, "right")
                else:
                    Category.objects.move(category, Category.objects.get(pk=target.pk), position)
                category.refresh_from_db()
                _refresh_slug_paths(category)
        except InvalidMoveToDescendant as exc:
            raise InvalidCategoryMove() from exc
        except IntegrityError as exc:
            raise SlugTaken(
                "A category with this slug exists at the destination.", field="slug"
            ) from exc
        category.refresh_from_db()
        record_change(
            actor=actor,
            action="update",
            obj=category,
            verb="category.move",
            before=before,
            after=snapshot(category),
        )
    return category


def delete_category(*, actor: Actor, category: Category) -> None:
    """Delete an empty leaf category; its products lose their category."""
    with transaction.atomic():
        category = locked(category)
        if Category.objects.get_children_count(category):
            raise InUse("Move or delete the subcategories first.", code="category_has_children")
        before = snapshot(category)
        Product.objects.filter(category=category).update(category=None)
        category.delete()
        record_deletion(category, actor=actor, before=before)
