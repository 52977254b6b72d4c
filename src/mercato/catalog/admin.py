from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from mercato.audit.admin import AuditedModelAdmin, admin_actor
from mercato.catalog import services
from mercato.catalog.models import (
    VARIANT_DETAIL_FIELDS,
    AssignedAttribute,
    Attribute,
    AttributeValue,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductImport,
    ProductMedia,
    ProductType,
    ProductTypeAttribute,
    ProductVariant,
)
from mercato.core.admin import ReadOnlyAdmin
from mercato.core.errors import DomainError
from mercato.core.urls_safety import UnsafeUrl, check_public_url

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ProductCount(TypedDict):
    products_n: int  # the list's annotation


class VariantCount(TypedDict):
    variants_n: int


class NamedAdmin(AuditedModelAdmin):
    """An object found by name or slug, its slug made from the name, its public id shown."""

    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("public_id",)


class AttributeValueInline(TabularInline):
    model = AttributeValue
    extra = 0
    fields = ("name", "slug", "sort_order")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Attribute)
class AttributeAdmin(NamedAdmin):
    list_display = ("name", "slug", "input_type", "unit", "is_filterable", "sort_order")
    list_filter = ("input_type", "is_filterable")
    inlines = [AttributeValueInline]


class ProductTypeAttributeInline(TabularInline):
    model = ProductTypeAttribute
    extra = 0
    fields = ("attribute", "variant_attribute", "sort_order")
    autocomplete_fields = ("attribute",)


@admin.register(ProductType)
class ProductTypeAdmin(NamedAdmin):
    list_display = ("name", "slug", "has_variants", "product_count")
    inlines = [ProductTypeAttributeInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(products_n=Count("products"))

    @display(description="Products", ordering="products_n")
    def product_count(self, obj: "WithAnnotations[ProductType, ProductCount]") -> int:
        return obj.products_n


class CategoryForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        Category.objects.all(), required=False, help_text="Empty: a top-level category."
    )
    position = forms.ChoiceField(
        choices=[("last-child", "Last child of the parent"), ("first-child", "First child")],
        initial="last-child",
    )

    class Meta:
        model = Category
        fields = ("name", "slug", "description", "seo_title", "seo_description", "metadata")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            # a category cannot move under itself or its descendants
            parent = cast(forms.ModelChoiceField, self.fields["parent"])
            parent.queryset = Category.objects.exclude(path__startswith=self.instance.path)


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    """The tree in order, indented by depth. Saving goes through the catalog services, which
    keep slug paths right and write the audit log."""

    form = CategoryForm
    list_display = ("indented_name", "slug_path", "product_count")
    search_fields = ("name", "slug_path")
    readonly_fields = ("public_id", "slug_path")
    ordering = ("path",)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(products_n=Count("products"))

    @display(description="Category", ordering="path")
    def indented_name(self, obj: Category) -> str:
        return format_html(
            '<span style="padding-left:{}rem">{}</span>', (obj.depth - 1) * 1.5, obj.name
        )

    @display(description="Products", ordering="products_n")
    def product_count(self, obj: Category) -> int:
        return obj.products_n

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        actor = admin_actor(request)
        data = {name: form.cleaned_data[name] for name in CategoryForm.Meta.fields}
        parent = form.cleaned_data.get("parent")
        try:
            if not change:
                created = services.create_category(actor=actor, parent=parent, **data)
                obj.pk = created.pk
                return
            changes = services.CategoryChanges(**data)
            category = services.update_category(actor=actor, category=obj, changes=changes)
            current_parent = category.get_parent()
            if (current_parent.pk if current_parent else None) != (parent.pk if parent else None):
                services.move_category(
                    actor=actor,
                    category=category,
                    target=parent,
                    position=form.cleaned_data["position"],
                )
        except DomainError as exc:
            messages.error(request, str(exc))

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        try:
            services.delete_category(actor=admin_actor(request), category=obj)
        except DomainError as exc:
            messages.error(request, str(exc))


class CollectionProductInline(TabularInline):
    model = CollectionProduct
    extra = 0
    fields = ("product", "sort_order")
    autocomplete_fields = ("product",)


@admin.register(Collection)
class CollectionAdmin(NamedAdmin):
    list_display = ("name", "slug", "is_published", "created_at")
    list_filter = ("is_published",)
    inlines = [CollectionProductInline]


class VariantInline(TabularInline):
    model = ProductVariant
    extra = 0
    fields = ("sku", "name", *VARIANT_DETAIL_FIELDS, "sort_order")
    show_change_link = True


class MediaForm(forms.ModelForm):
    external_url = forms.URLField(max_length=1000, required=False, assume_scheme="https")

    class Meta:
        model = ProductMedia
        fields = ("image", "external_url", "alt", "sort_order")

    def clean_external_url(self) -> str:
        """A link only to a public http(s) host, as through the API (core/urls_safety.py)."""
        url = self.cleaned_data.get("external_url") or ""
        if not url:
            return url
        try:
            return check_public_url(url, field="external_url")
        except UnsafeUrl as exc:
            raise forms.ValidationError(str(exc), code=exc.code) from exc


class MediaInline(TabularInline):
    model = ProductMedia
    form = MediaForm
    extra = 0
    fields = ("preview", "image", "external_url", "alt", "sort_order")
    readonly_fields = ("preview",)

    @display(description="")
    def preview(self, obj: ProductMedia) -> str:
        if not obj.pk or not obj.url:
            return ""
        return format_html('<img src="{}" style="height:48px;border-radius:4px" alt="">', obj.url)


class AssignedAttributeForm(forms.ModelForm):
    class Meta:
        model = AssignedAttribute
        fields = ("attribute", "value", "text", "number", "boolean")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        attribute, value = data.get("attribute"), data.get("value")
        if attribute and value and value.attribute_id != attribute.pk:
            raise forms.ValidationError(f"{value.name} is not a value of {attribute.name}.")
        if attribute and attribute.has_choices and not value:
            raise forms.ValidationError(f"Choose a value of {attribute.name}.")
        return data


class ProductAttributeInline(TabularInline):
    model = AssignedAttribute
    form = AssignedAttributeForm
    fk_name = "product"
    extra = 0
    verbose_name = "attribute"
    verbose_name_plural = "attributes (product level)"
    fields = ("attribute", "value", "text", "number", "boolean")
    autocomplete_fields = ("attribute", "value")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(variant__isnull=True)


@admin.register(Product)
class ProductAdmin(AuditedModelAdmin):
    list_display = (
        "thumbnail",
        "name",
        "status",
        "category",
        "product_type",
        "price_min",
        "variant_count",
        "updated_at",
    )
    list_display_links = ("thumbnail", "name")
    list_filter = ("status", "product_type", "category", "collections", "in_stock")
    search_fields = ("name", "slug", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = (
        "public_id",
        "price_min",
        "price_max",
        "in_stock",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("category",)
    date_hierarchy = "created_at"
    list_select_related = ("category", "product_type")
    inlines = [VariantInline, ProductAttributeInline, MediaInline]
    actions = ["publish", "unpublish", "archive"]
    fieldsets = (
        (
            None,
            {"fields": ("public_id", "name", "slug", "product_type", "category", "description")},
        ),
        ("Publishing", {"fields": ("status", "published_at")}),
        ("SEO", {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)}),
        ("Metadata", {"fields": ("metadata", "private_metadata"), "classes": ("collapse",)}),
        (
            "Computed",
            {"fields": ("price_min", "price_max", "in_stock", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(variants_n=Count("variants", distinct=True))
            .prefetch_related("media")
        )

    @display(description="")
    def thumbnail(self, obj: Product) -> str:
        media = list(obj.media.all())
        if not media:
            return "—"
        return format_html(
            '<img src="{}" style="height:36px;border-radius:4px" alt="">', media[0].url
        )

    @display(description="Variants", ordering="variants_n")
    def variant_count(self, obj: "WithAnnotations[Product, VariantCount]") -> int:
        return obj.variants_n

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.refresh_products([form.instance.pk])

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        count = services.bulk_set_status(
            actor=admin_actor(request), products=list(queryset), status=status
        )
        messages.success(request, f"{count} product(s) now {status}.")

    @action(description="Publish the selected products", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Product.Status.PUBLISHED)

    @action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Product.Status.DRAFT)

    @action(description="Archive the selected products", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_status(request, queryset, Product.Status.ARCHIVED)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        services.bulk_delete_products(actor=admin_actor(request), products=list(queryset))

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        services.delete_product(actor=admin_actor(request), product=obj)


@admin.register(AttributeValue)
class AttributeValueAdmin(ModelAdmin):
    """Only for the value pickers (autocomplete) of the product page."""

    search_fields = ("name", "slug", "attribute__name")
    list_display = ("attribute", "name", "slug", "sort_order")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ProductImport)
class ProductImportAdmin(ReadOnlyAdmin):
    """Imports are made by an upload and run by the worker; staff may only delete one."""

    list_display = (
        "created_at",
        "status",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_failed",
        "created_by_label",
    )
    list_filter = ("status",)
    readonly_fields = [f.name for f in ProductImport._meta.fields]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return ModelAdmin.has_delete_permission(self, request, obj)


@admin.register(ProductVariant)
class ProductVariantAdmin(ReadOnlyAdmin):
    """Every SKU in one searchable list (and the SKU picker of other pages). Variants are
    edited on their product's page."""

    list_display = ("sku", "name", "product", "price", "track_inventory")
    list_filter = ("track_inventory", "product__product_type")
    search_fields = ("sku", "name", "product__name", "barcode")
    list_select_related = ("product",)
