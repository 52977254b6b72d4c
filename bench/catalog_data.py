"""Fill an EMPTY database with a large, realistic catalog for the benchmark.

    DJANGO_SETTINGS_MODULE=mercato.settings DATABASE_URL=postgres://… \
        .venv/bin/python bench/catalog_data.py --products 100000 --variants 3

Categories, attributes, product types and collections go through the catalog services (few
rows, and the category tree's paths must be right). Products, variants, attribute values,
facet rows (ProductFacet), media and collection entries are bulk-inserted in batches, with the
denormalised price range set here, as `services.refresh_products` would; the catalog version
row (CatalogState) is made if missing and bumped; the search index is then built with
`search.rebuild_index()`, as `mercato rebuild_search_index` does. Deterministic for a given
--seed.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercato.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from mercato.audit.services import Actor  # noqa: E402
from mercato.catalog import search, services  # noqa: E402
from mercato.catalog.models import (  # noqa: E402
    AssignedAttribute,
    Attribute,
    AttributeValue,
    CatalogState,
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductFacet,
    ProductMedia,
    ProductType,
    ProductVariant,
)

ACTOR = Actor(label="bench-data", source="command")

SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
COLOURS = ["Black", "White", "Navy", "Red", "Green", "Sand", "Grey", "Burgundy"]
MATERIALS = [
    "Cotton",
    "Organic cotton",
    "Linen",
    "Wool",
    "Merino",
    "Recycled polyester",
    "Leather",
    "Ceramic",
    "Oak",
    "Stoneware",
]
FEATURES = ["Waterproof", "Breathable", "Vegan", "Handmade", "Fair trade", "Machine washable"]

# root → middle → leaves (4 + 12 + 48 = 64 categories); each leaf has a product type.
TREE = {
    "Women": {
        "Clothing": ["T-shirts", "Dresses", "Knitwear", "Trousers"],
        "Shoes": ["Sneakers", "Boots", "Sandals", "Heels"],
        "Accessories": ["Bags", "Scarves", "Hats", "Jewellery"],
    },
    "Men": {
        "Clothing": ["T-shirts", "Shirts", "Knitwear", "Trousers"],
        "Shoes": ["Sneakers", "Boots", "Loafers", "Sandals"],
        "Accessories": ["Bags", "Belts", "Hats", "Watches"],
    },
    "Kids": {
        "Girls": ["Tops", "Dresses", "Jackets", "Pyjamas"],
        "Boys": ["Tops", "Shorts", "Jackets", "Pyjamas"],
        "Baby": ["Bodysuits", "Blankets", "Rompers", "Socks"],
    },
    "Home": {
        "Kitchen": ["Mugs", "Plates", "Cookware", "Tea towels"],
        "Living": ["Cushions", "Throws", "Lamps", "Vases"],
        "Bedroom": ["Bedding", "Towels", "Rugs", "Candles"],
    },
}
MIDDLE_TYPE = {
    "Shoes": "footwear",
    "Kitchen": "homeware",
    "Living": "homeware",
    "Bedroom": "homeware",
}
NOUNS = {
    "T-shirts": ["Tee", "Crew Tee", "Pocket Tee", "Henley", "Polo"],
    "Dresses": ["Dress", "Wrap Dress", "Midi Dress", "Shirt Dress"],
    "Knitwear": ["Sweater", "Cardigan", "Jumper", "Turtleneck"],
    "Trousers": ["Chinos", "Jeans", "Joggers", "Cargo Trousers"],
    "Shirts": ["Oxford Shirt", "Flannel Shirt", "Linen Shirt", "Overshirt"],
    "Sneakers": ["Runner", "Court Sneaker", "Trail Shoe", "Slip-on"],
    "Boots": ["Chelsea Boot", "Hiking Boot", "Ankle Boot", "Work Boot"],
    "Sandals": ["Sandal", "Slide", "Espadrille"],
    "Heels": ["Pump", "Block Heel", "Mule"],
    "Loafers": ["Loafer", "Penny Loafer", "Driver"],
    "Bags": ["Tote", "Backpack", "Crossbody Bag", "Weekender"],
    "Scarves": ["Scarf", "Shawl", "Bandana"],
    "Hats": ["Beanie", "Cap", "Bucket Hat", "Fedora"],
    "Jewellery": ["Necklace", "Bracelet", "Earrings", "Ring"],
    "Belts": ["Belt", "Braided Belt"],
    "Watches": ["Field Watch", "Diver Watch", "Dress Watch"],
    "Tops": ["Top", "Tee", "Sweatshirt", "Hoodie"],
    "Jackets": ["Rain Jacket", "Puffer", "Fleece", "Parka"],
    "Pyjamas": ["Pyjama Set", "Nightshirt"],
    "Shorts": ["Shorts", "Cargo Shorts", "Swim Shorts"],
    "Bodysuits": ["Bodysuit", "Vest"],
    "Blankets": ["Blanket", "Swaddle"],
    "Rompers": ["Romper", "Dungarees"],
    "Socks": ["Socks", "Tights"],
    "Mugs": ["Mug", "Espresso Cup", "Travel Mug", "Tea Cup"],
    "Plates": ["Dinner Plate", "Side Plate", "Bowl", "Platter"],
    "Cookware": ["Skillet", "Casserole", "Saucepan", "Wok"],
    "Tea towels": ["Tea Towel", "Apron", "Oven Glove"],
    "Cushions": ["Cushion", "Floor Cushion", "Bolster"],
    "Throws": ["Throw", "Blanket"],
    "Lamps": ["Table Lamp", "Floor Lamp", "Pendant"],
    "Vases": ["Vase", "Planter", "Bud Vase"],
    "Bedding": ["Duvet Cover", "Pillowcase", "Fitted Sheet"],
    "Towels": ["Bath Towel", "Hand Towel", "Bath Mat"],
    "Rugs": ["Rug", "Runner Rug", "Doormat"],
    "Candles": ["Candle", "Tealights", "Candle Holder"],
}
ADJECTIVES = [
    "Classic",
    "Essential",
    "Everyday",
    "Heritage",
    "Urban",
    "Coastal",
    "Alpine",
    "Nordic",
    "Vintage",
    "Studio",
    "Weekend",
    "Summit",
    "Harbour",
    "Meadow",
    "Canyon",
    "Aurora",
    "Relaxed",
    "Tailored",
    "Softline",
    "Rugged",
    "Minimal",
    "Festival",
    "Midnight",
    "Ember",
    "Glacier",
    "Solstice",
    "Tidal",
    "Prairie",
    "Cobalt",
    "Juniper",
    "Saffron",
    "Granite",
]
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ner",
    "vik",
    "sa",
    "to",
    "ren",
    "bel",
    "dor",
    "fa",
    "gru",
    "hal",
    "is",
    "jen",
    "kor",
    "lun",
    "mar",
    "nor",
    "ost",
    "pel",
    "quin",
    "ros",
    "sta",
    "tur",
    "ulf",
    "ven",
    "wil",
    "yar",
    "zen",
]
PHRASES = [
    "Made to last, season after season.",
    "Designed in our studio and produced in small batches.",
    "A quiet favourite that goes with everything.",
    "Easy care: machine washable at 30 degrees.",
    "Crafted by a family workshop we have known for years.",
    "Cut generously for comfort.",
    "Finished by hand and checked twice.",
    "Part of our permanent collection.",
]


def brands(rng: random.Random, count: int = 600) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3]))).capitalize())
    return sorted(names)


def setup_catalog() -> dict:
    """Attributes, product types, categories, collections through the services."""
    size = services.create_attribute(
        actor=ACTOR, name="Size", input_type="single_choice", values=SIZES
    )
    colour = services.create_attribute(
        actor=ACTOR, name="Colour", input_type="single_choice", values=COLOURS
    )
    material = services.create_attribute(
        actor=ACTOR, name="Material", input_type="single_choice", values=MATERIALS
    )
    features = services.create_attribute(
        actor=ACTOR, name="Features", input_type="multiple_choice", values=FEATURES
    )
    for position, attribute in enumerate([size, colour, material, features]):
        services.update_attribute(
            actor=ACTOR, attribute=attribute, changes=services.AttributeChanges(sort_order=position)
        )
    types = {
        slug: services.save_product_type(
            actor=ACTOR,
            name=name,
            slug=slug,
            has_variants=True,
            product_attributes=["material", "features"],
            variant_attributes=variant,
        )
        for slug, name, variant in [
            ("apparel", "Apparel", ["size", "colour"]),
            ("footwear", "Footwear", ["size", "colour"]),
            ("homeware", "Homeware", ["colour"]),
        ]
    }
    leaves = []  # (category, product type slug, leaf name)
    for root_name, middles in TREE.items():
        root = services.create_category(
            actor=ACTOR, name=root_name, description=f"All of {root_name}."
        )
        for middle_name, children in middles.items():
            middle = services.create_category(actor=ACTOR, name=middle_name, parent=root)
            for child in children:
                leaf = services.create_category(actor=ACTOR, name=child, parent=middle)
                leaves.append((leaf, MIDDLE_TYPE.get(middle_name, "apparel"), child))
    collections = [
        services.save_collection(
            actor=ACTOR,
            changes=services.CollectionChanges(name=name, is_published=True, description=text),
        )
        for name, text in [
            ("New arrivals", "Just in."),
            ("Staff picks", "What we use ourselves."),
            ("Sale", "Reduced for a short time."),
        ]
    ]

    def values(attribute: Attribute) -> list[AttributeValue]:
        return list(attribute.values.order_by("sort_order"))

    return {
        "attributes": {a.slug: a for a in (size, colour, material, features)},
        "values": {a.slug: values(a) for a in (size, colour, material, features)},
        "types": types,
        "leaves": leaves,
        "collections": collections,
    }


def price(rng: random.Random) -> Decimal:
    """5 to 500, more cheap things than dear ones, ending in .99 or .00 or .50."""
    whole = int(5 * (100 ** rng.random()))  # log-uniform over 5..500
    cents = rng.choice([99, 99, 0, 50])
    return min(Decimal(f"{max(whole, 5)}.{cents:02d}"), Decimal("500.00"))


def facet_rows(assigned: list[AssignedAttribute]) -> list[ProductFacet]:
    """What `services.refresh_products` keeps: one row per distinct (product, choice value)
    over the product's own and its variants' attribute rows."""
    seen = {
        (row.product_id, row.attribute_id, row.value_id)
        for row in assigned
        if row.value_id is not None
    }
    return [
        ProductFacet(product_id=product_id, attribute_id=attribute_id, value_id=value_id)
        for product_id, attribute_id, value_id in sorted(seen)
    ]


def generate(products: int, variants: int, batch: int, seed: int) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    timings: list[tuple[str, float]] = []

    started = time.perf_counter()
    with transaction.atomic():
        setup = setup_catalog()
    timings.append(("setup (services)", time.perf_counter() - started))

    attributes, values = setup["attributes"], setup["values"]
    brand_names = brands(rng)
    collections = setup["collections"]
    collection_positions = {c.pk: 0 for c in collections}
    # Keep the created_at we choose (auto_now_add would stamp "now" on every row).
    created_field = Product._meta.get_field("created_at")
    created_field.auto_now_add = False

    started = time.perf_counter()
    made = 0
    while made < products:
        count = min(batch, products - made)
        with transaction.atomic():
            rows = []
            for number in range(made, made + count):
                category, type_slug, leaf_name = rng.choice(setup["leaves"])
                brand = rng.choice(brand_names)
                name = f"{brand} {rng.choice(ADJECTIVES)} {rng.choice(NOUNS[leaf_name])}"
                roll = rng.random()
                status = "published" if roll < 0.95 else ("draft" if roll < 0.99 else "archived")
                created = now - timedelta(seconds=rng.randint(3600, 2 * 365 * 86400))
                material = rng.choice(values["material"]).name
                product = Product(
                    name=name,
                    slug=f"{slugify(name)}-{number + 1}",
                    description=f"The {name} in {material.lower()}, from our {leaf_name.lower()} "
                    f"range. {' '.join(rng.sample(PHRASES, 2))}",
                    product_type=setup["types"][type_slug],
                    category=category,
                    status=status,
                    published_at=created + timedelta(minutes=5) if status == "published" else None,
                    seo_title=name,
                    created_at=created,
                )
                base = price(rng)
                sizes = rng.sample(values["size"], variants)
                combos = (
                    [(None, c) for c in rng.sample(values["colour"], variants)]
                    if type_slug == "homeware"
                    else [(s, rng.choice(values["colour"])) for s in sizes]
                )
                amounts = [
                    min(base + Decimal(i * 2), Decimal("500.00")) for i in range(len(combos))
                ]
                product.price_min, product.price_max = min(amounts), max(amounts)
                product._bench = (material, combos, amounts)
                rows.append(product)
            Product.objects.bulk_create(rows, batch_size=batch)

            variant_rows, assigned, media, entries = [], [], [], []
            for product in rows:
                material, combos, amounts = product._bench
                for position, ((size_value, colour_value), amount) in enumerate(
                    zip(combos, amounts, strict=True)
                ):
                    variant = ProductVariant(
                        product=product,
                        sku=f"BN{product.pk:07d}-{position + 1}",
                        name=" / ".join(v.name for v in (size_value, colour_value) if v),
                        price=amount,
                        compare_at_price=amount + Decimal(10) if rng.random() < 0.15 else None,
                        cost_price=(amount * Decimal("0.45")).quantize(Decimal("0.01")),
                        weight_grams=rng.randint(80, 2500),
                        barcode=f"{rng.randrange(10**12, 10**13)}",
                        sort_order=position,
                    )
                    variant._bench = (size_value, colour_value)
                    variant_rows.append(variant)
                assigned.append(
                    AssignedAttribute(
                        product=product,
                        attribute=attributes["material"],
                        value=next(v for v in values["material"] if v.name == material),
                    )
                )
                for value in rng.sample(values["features"], rng.randint(0, 3)):
                    assigned.append(
                        AssignedAttribute(
                            product=product, attribute=attributes["features"], value=value
                        )
                    )
                if rng.random() < 0.30:
                    media.append(
                        ProductMedia(
                            product=product,
                            alt=product.name,
                            external_url=f"https://images.example.com/products/{product.slug}.jpg",
                        )
                    )
                if rng.random() < 0.06:
                    collection = collections[rng.randrange(len(collections))]
                    collection_positions[collection.pk] += 1
                    entries.append(
                        CollectionProduct(
                            collection=collection,
                            product=product,
                            sort_order=collection_positions[collection.pk],
                        )
                    )
            ProductVariant.objects.bulk_create(variant_rows, batch_size=batch)
            for variant in variant_rows:
                for value in variant._bench:
                    if value is not None:
                        assigned.append(
                            AssignedAttribute(
                                product_id=variant.product_id,
                                variant=variant,
                                attribute_id=value.attribute_id,
                                value=value,
                            )
                        )
            AssignedAttribute.objects.bulk_create(assigned, batch_size=batch)
            ProductFacet.objects.bulk_create(facet_rows(assigned), batch_size=batch)
            ProductMedia.objects.bulk_create(media, batch_size=batch)
            CollectionProduct.objects.bulk_create(entries, batch_size=batch)
        made += count
        elapsed = time.perf_counter() - started
        print(f"  {made:>8} products  {elapsed:7.1f} s  ({made / elapsed:,.0f}/s)", flush=True)
    created_field.auto_now_add = True
    timings.append(
        ("products, variants, attributes, facets, media (bulk)", time.perf_counter() - started)
    )

    # The storefront cache keys on this row's version (the migration makes it; bulk inserts
    # send no signals, so nothing has bumped it for the products).
    CatalogState.objects.get_or_create(pk=1)
    CatalogState.objects.filter(pk=1).update(version=F("version") + 1)

    started = time.perf_counter()
    with transaction.atomic():
        indexed = search.rebuild_index()
    timings.append(
        (f"search index: rebuild_index() of {indexed} products", time.perf_counter() - started)
    )

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in (
                "catalog_product",
                "catalog_productvariant",
                "catalog_assignedattribute",
                "catalog_productfacet",
                "catalog_productmedia",
                "catalog_collectionproduct",
                "catalog_category",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    timings.append(
        (
            "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE",
            time.perf_counter() - started,
        )
    )

    print("\nTimings")
    for label, seconds in timings:
        print(f"  {label:<55} {seconds:8.1f} s")
    print(f"  {'total':<55} {sum(s for _, s in timings):8.1f} s")
    print("\nRows")
    for model in (
        Category,
        Attribute,
        AttributeValue,
        ProductType,
        Collection,
        Product,
        ProductVariant,
        AssignedAttribute,
        ProductFacet,
        ProductMedia,
        CollectionProduct,
    ):
        print(f"  {model.__name__:<20} {model.objects.count():>10,}")
    print(f"  {'visible products':<20} {Product.objects.visible().count():>10,}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--variants", type=int, default=3, help="per product, 1 to 6")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    options = parser.parse_args()
    if not 1 <= options.variants <= len(SIZES) or options.products < 1:
        parser.error("--products must be positive and --variants between 1 and 6")
    filled = [
        m.__name__
        for m in (Product, Category, Attribute, ProductType, Collection)
        if m.objects.exists()
    ]
    if filled:
        print(
            f"Refusing to run: the catalog is not empty ({', '.join(filled)}). Use a fresh one.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Generating {options.products:,} products x {options.variants} variants "
        f"on {connection.vendor} ({connection.settings_dict['NAME']})",
        flush=True,
    )
    generate(options.products, options.variants, options.batch, options.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
