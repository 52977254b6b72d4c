"""Cache busting: any saved or deleted catalog row bumps the catalog version."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from mercato.catalog.cache import bump_catalog_version
from mercato.catalog.models import Product, ProductMedia


def connect() -> None:
    for model in apps.get_app_config("catalog").get_models():
        if model.__name__ in {"CatalogState", "ProductImport"}:
            continue
        uid = f"mercato.catalog.bump.{model.__name__}"
        post_save.connect(bump_catalog_version, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(bump_catalog_version, sender=model, dispatch_uid=f"{uid}.delete")
    for through in (Product.collections.through, ProductMedia.variants.through):
        m2m_changed.connect(bump_catalog_version, sender=through, dispatch_uid=f"{through}.m2m")
