import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from treebeard.mp_tree import MP_Node

from mercato.core.money import MAX_AMOUNT

MAX_PRICE = MAX_AMOUNT  # what a price column (DecimalField(12, 2)) holds
# A variant's own fields after its SKU and name, as the back office's variant rows and the
# CSV columns list them.
VARIANT_DETAIL_FIELDS = (
    "price",
    "compare_at_price",
    "cost_price",
    "weight_grams",
    "barcode",
    "track_inventory",
)


def private_storage():
    """Files that must never be public (imports hold cost prices): STORAGES["private"]."""
    return storages["private"]


class Attribute(models.Model):
    """A property products or variants have: material (text), weight (number with unit),
    organic (boolean), size or colour (a choice among ordered values)."""

    class InputType(models.TextChoices):
        TEXT = "text"
        NUMBER = "number"
        BOOLEAN = "boolean"
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    input_type = models.CharField(max_length=20, choices=InputType.choices)
    unit = models.CharField(max_length=20, blank=True, help_text="For numbers: g, cm, ml …")
    is_filterable = models.BooleanField(default=True, help_text="Offered as a storefront facet.")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_choices(self) -> bool:
        return self.input_type in {self.InputType.SINGLE_CHOICE, self.InputType.MULTIPLE_CHOICE}


class AttributeValue(models.Model):
    """One value of a choice attribute (size M, colour Red), in the attribute's order."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["attribute_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "slug"], name="attribute_value_slug_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.attribute.name}: {self.name}"


class ProductType(models.Model):
    """What kind of thing a product is: which attributes it has, and which of them tell its
    variants apart (a T-shirt: variant attributes size and colour)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    has_variants = models.BooleanField(default=True)
    attributes = models.ManyToManyField(
        Attribute, through="ProductTypeAttribute", related_name="product_types"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductTypeAttribute(models.Model):
    product_type = models.ForeignKey(
        ProductType, on_delete=models.CASCADE, related_name="type_attributes"
    )
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="+")
    variant_attribute = models.BooleanField(
        default=False, help_text="Set per variant (size, colour) rather than per product."
    )
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product_type", "attribute"], name="product_type_attribute_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_type}: {self.attribute}"


class Category(MP_Node):
    """A node of the category tree (any depth). `slug_path` is the slugs from the root
    ("men/shirts/casual"); siblings keep the order staff give them."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    slug_path = models.CharField(max_length=1000, unique=True, editable=False)
    description = models.TextField(blank=True)
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    steplen = 4

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.slug_path or self.name


class Collection(models.Model):
    """A hand-picked, ordered list of products ("Summer sale", "Staff picks")."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=False)
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet["Product"]):
    def visible(self) -> "ProductQuerySet":
        """What shoppers may see: published, with a publish date that has come."""
        return self.filter(status=Product.Status.PUBLISHED).filter(
            Q(published_at__isnull=True) | Q(published_at__lte=timezone.now())
        )


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        ARCHIVED = "archived"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.TextField(blank=True)
    product_type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    collections = models.ManyToManyField(
        Collection, through="CollectionProduct", related_name="products", blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a published product becomes visible (empty: at once).",
    )
    seo_title = models.CharField(max_length=200, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="Public: storefronts see it.")
    private_metadata = models.JSONField(default=dict, blank=True, help_text="Staff and apps only.")
    # Kept by the services from the variants, for sorting and filtering by price.
    price_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, editable=False)
    price_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, editable=False)
    # Kept by the inventory services: whether any variant can be bought now.
    in_stock = models.BooleanField(default=True, editable=False)
    # Kept by the search services (PostgreSQL full-text vector; SQLite uses an FTS5 table).
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="product_status_new_idx"),
            models.Index(fields=["status", "price_min", "id"], name="product_status_price_idx"),
            models.Index(fields=["status", "name", "id"], name="product_status_name_idx"),
            models.Index(fields=["category", "status"], name="product_category_status_idx"),
            # The storefront's products (published, with a price): a narrow index the list and
            # its facet queries can read instead of the table (INCLUDE is PostgreSQL-only).
            models.Index(
                fields=["category", "id"],
                include=["price_min", "price_max", "published_at", "in_stock"],
                condition=Q(status="published", price_min__isnull=False),
                name="product_shoppable_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED and (
            self.published_at is None or self.published_at <= timezone.now()
        )


class CollectionProduct(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "product"], name="collection_product_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection}: {self.product}"


class ProductVariant(models.Model):
    """What is actually sold and stocked: one SKU with its price."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=250, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    cost_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default=settings.STORE_CURRENCY)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    barcode = models.CharField(max_length=64, blank=True, help_text="EAN, UPC or ISBN.")
    track_inventory = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_gte_0"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gte=0),
                name="variant_compare_at_price_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(cost_price__isnull=True) | Q(cost_price__gte=0),
                name="variant_cost_price_gte_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}".strip()


class AssignedAttribute(models.Model):
    """A value of an attribute on a product (variant is null) or on one variant. A multiple
    choice has one row per chosen value; text, number and boolean use their own column."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attribute_values")
    variant = models.ForeignKey(
        ProductVariant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attribute_values",
    )
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="+")
    value = models.ForeignKey(
        AttributeValue, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(max_length=500, blank=True)
    number = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    boolean = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["value", "product"], name="assigned_value_product_idx"),
            models.Index(fields=["product", "variant"], name="assigned_product_variant_idx"),
        ]

    def __str__(self) -> str:
        value = self.value or self.text or self.number
        return f"{self.attribute}: {value if value is not None else self.boolean}"


class ProductFacet(models.Model):
    """Which choice values a product has, on itself or on any of its variants: one row per
    (product, value). Kept by the services; the storefront filters and counts facets here."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")
    value = models.ForeignKey(AttributeValue, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "value"], name="product_facet_uniq")
        ]
        indexes = [models.Index(fields=["value", "product"], name="product_facet_value_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.value_id}"


class CatalogState(models.Model):
    """One row: a version number bumped after every change a shopper could see, so cached
    storefront responses are never served stale."""

    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"catalog version {self.version}"


class ProductMedia(models.Model):
    """An image of a product, uploaded (Django storage: local or S3-compatible) or linked."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    image = models.ImageField(upload_to="products/%Y/%m/", blank=True)
    external_url = models.URLField(max_length=1000, blank=True)
    alt = models.CharField(max_length=250, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    variants = models.ManyToManyField(ProductVariant, blank=True, related_name="media")

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "product media"
        constraints = [
            models.CheckConstraint(
                condition=~Q(image="") | ~Q(external_url=""), name="media_image_or_url"
            )
        ]

    def __str__(self) -> str:
        return self.alt or self.external_url or self.image.name or ""

    @property
    def url(self) -> str:
        return self.image.url if self.image else self.external_url


class ProductImport(models.Model):
    """A CSV import of products and variants, run by the worker. The report lists each row
    that failed with its errors; every other row is in the catalog."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to="imports/%Y/%m/", storage=private_storage)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="[{row, sku, errors}] (first 1,000)"
    )
    error = models.TextField(blank=True, help_text="Why the whole file was refused, if it was.")
    created_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.public_id} ({self.status})"
