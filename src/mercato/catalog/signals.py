"""Catalog signals: cache busting (any saved or deleted catalog row bumps the catalog
version), and `products_refreshed`, sent when the derived columns of products were recomputed
so that the app that knows stock (inventory) can set their in-stock flag."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from mercato.catalog.cache import bump_catalog_version
from mercato.catalog.models import Product, ProductMedia

# Sent by services.refresh_products inside its transaction, with product_ids=<list[int]>.
# A receiver answers with catalog.services.set_in_stock(); with none, the flag stays as it is.
products_refreshed = Signal()


def connect() -> None:
    for model in apps.get_app_config("catalog").get_models():
        if model.__name__ in {"CatalogState", "ProductImport"}:
            continue
        uid = f"mercato.catalog.bump.{model.__name__}"
        post_save.connect(bump_catalog_version, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(bump_catalog_version, sender=model, dispatch_uid=f"{uid}.delete")
    for through in (Product.collections.through, ProductMedia.variants.through):
        m2m_changed.connect(bump_catalog_version, sender=through, dispatch_uid=f"{through}.m2m")
