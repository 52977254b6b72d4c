"""A realistic demo shop, made on this machine (no downloads): a category tree, attributes,
product types, collections and a few hundred products with variants and generated images.
Everything goes through the catalog services, as staff would do it."""

import hashlib
import io
import random
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from mercato.audit.services import Actor
from mercato.catalog import services
from mercato.catalog.models import Category, Product, ProductType
from mercato.catalog.services.inputs import AttributeValue, VariantChanges

ACTOR = Actor(label="demo-data", source="command")

ATTRIBUTES = [
    ("Size", "single_choice", "", ["XS", "S", "M", "L", "XL", "XXL"]),
    ("Colour", "single_choice", "", ["Black", "White", "Navy", "Red", "Green", "Sand", "Grey"]),
    ("Shoe size", "single_choice", "", [str(n) for n in range(36, 47)]),
    (
        "Material",
        "single_choice",
        "",
        [
            "Cotton",
            "Organic cotton",
            "Linen",
            "Wool",
            "Recycled polyester",
            "Leather",
            "Ceramic",
            "Paper",
        ],
    ),
    ("Fit", "single_choice", "", ["Slim", "Regular", "Relaxed"]),
    ("Capacity", "number", "ml", []),
    ("Pages", "number", "pages", []),
    ("Author", "text", "", []),
    ("Dishwasher safe", "boolean", "", []),
    (
        "Features",
        "multiple_choice",
        "",
        ["Waterproof", "Breathable", "Vegan", "Handmade", "Fair trade"],
    ),
]

# type: (product attributes, variant attributes, has_variants)
TYPES = {
    "T-shirt": (["material", "fit", "features"], ["size", "colour"], True),
    "Hoodie": (["material", "fit", "features"], ["size", "colour"], True),
    "Trousers": (["material", "fit", "features"], ["size", "colour"], True),
    "Sneakers": (["material", "features"], ["shoe-size", "colour"], True),
    "Mug": (["material", "capacity", "dishwasher-safe"], ["colour"], True),
    "Book": (["author", "pages"], [], False),
    "Poster": (["material"], ["size"], True),
}

TREE: dict[str, dict[str, list[str]]] = {
    "Men": {"Clothing": ["T-shirts", "Hoodies", "Trousers"], "Shoes": ["Sneakers"]},
    "Women": {"Clothing": ["T-shirts", "Hoodies", "Trousers"], "Shoes": ["Sneakers"]},
    "Kids": {"Clothing": ["T-shirts", "Hoodies"]},
    "Home": {"Kitchen": ["Mugs"], "Wall art": ["Posters"]},
    "Books": {"Fiction": [], "Non-fiction": [], "Cookbooks": []},
}

LEAF_TYPE = {
    "T-shirts": "t-shirt",
    "Hoodies": "hoodie",
    "Trousers": "trousers",
    "Sneakers": "sneakers",
    "Mugs": "mug",
    "Posters": "poster",
    "Fiction": "book",
    "Non-fiction": "book",
    "Cookbooks": "book",
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
]
NOUNS = {
    "t-shirt": ["Tee", "Crew Tee", "Pocket Tee", "Graphic Tee", "Henley"],
    "hoodie": ["Hoodie", "Zip Hoodie", "Sweatshirt", "Fleece"],
    "trousers": ["Chinos", "Joggers", "Cargo Trousers", "Jeans"],
    "sneakers": ["Runner", "Court Sneaker", "Trail Shoe", "Slip-on"],
    "mug": ["Mug", "Espresso Cup", "Travel Mug", "Tea Cup"],
    "poster": ["Print", "Poster", "Art Print"],
    "book": ["Tales", "Handbook", "Stories", "Guide", "Kitchen", "Journal"],
}
BASE_PRICE = {
    "t-shirt": 19,
    "hoodie": 49,
    "trousers": 59,
    "sneakers": 89,
    "mug": 12,
    "poster": 24,
    "book": 18,
}
AUTHORS = ["Ada Byron", "Jon Fosse", "Mira Okafor", "Lena Berg", "Tomás Ruiz", "Hana Sato"]
PALETTE = {
    "black": "#1f2937",
    "white": "#f3f4f6",
    "navy": "#1e3a8a",
    "red": "#b91c1c",
    "green": "#15803d",
    "sand": "#d6c29a",
    "grey": "#6b7280",
}


def _image(text: str, colour: str) -> ContentFile:
    """A 600 by 600 PNG: the colour, a darker band and the product's initials."""
    image = Image.new("RGB", (600, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 420, 600, 600), fill="#111827")
    initials = "".join(word[0] for word in text.split()[:3]).upper()
    draw.text((40, 460), initials, fill="#ffffff", font_size=96)
    draw.text(
        (40, 40),
        text[:40],
        fill="#111827" if colour in {"#f3f4f6", "#d6c29a"} else "#ffffff",
        font_size=32,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    digest = hashlib.sha1(text.encode()).hexdigest()[:10]  # noqa: S324 (a file name)
    return ContentFile(buffer.getvalue(), name=f"demo-{digest}.png")


def _categories() -> dict[str, list[Category]]:
    leaves: dict[str, list[Category]] = {}
    for top, middles in TREE.items():
        root = services.create_category(actor=ACTOR, name=top, description=f"Everything in {top}.")
        for middle, children in middles.items():
            node = services.create_category(actor=ACTOR, name=middle, parent=root)
            if not children:
                leaves.setdefault(middle, []).append(node)
            for child in children:
                leaf = services.create_category(actor=ACTOR, name=child, parent=node)
                leaves.setdefault(child, []).append(leaf)
    return leaves


def load_demo_catalog(
    *,
    products: int = 520,
    seed: int = 42,
    images: bool = True,
    on_product: Callable[[], None] | None = None,
) -> int:
    """Create the demo catalog on an empty catalog. Returns the number of products made;
    `on_product` is called after each one (progress)."""
    if Product.objects.exists():
        return 0
    rng = random.Random(seed)
    with transaction.atomic():
        for position, (name, input_type, unit, values) in enumerate(ATTRIBUTES):
            attribute = services.create_attribute(
                actor=ACTOR, name=name, input_type=input_type, unit=unit, values=values
            )
            services.update_attribute(
                actor=ACTOR,
                attribute=attribute,
                changes=services.AttributeChanges(sort_order=position),
            )
        for name, (plain, variant, has_variants) in TYPES.items():
            services.save_product_type(
                actor=ACTOR,
                name=name,
                has_variants=has_variants,
                product_attributes=plain,
                variant_attributes=variant,
            )
        leaves = _categories()
        collections = [
            services.save_collection(
                actor=ACTOR,
                changes=services.CollectionChanges(name=name, is_published=True, description=text),
            )
            for name, text in [
                ("New arrivals", "Just in."),
                ("Staff picks", "What we wear and use."),
                ("Gift ideas", "For someone nice."),
            ]
        ]
    leaf_names = list(LEAF_TYPE)
    made = 0
    picks: dict[int, list[int]] = {c.pk: [] for c in collections}
    for number in range(products):
        leaf_name = leaf_names[number % len(leaf_names)]
        type_slug = LEAF_TYPE[leaf_name]
        category = rng.choice(leaves[leaf_name])
        adjective = rng.choice(ADJECTIVES)
        name = f"{adjective} {rng.choice(NOUNS[type_slug])} {number + 1:03d}"
        base = Decimal(BASE_PRICE[type_slug] + rng.choice([0, 5, 10, 15])) - Decimal("0.01")
        attributes, variants = _attributes_and_variants(type_slug, name, base, rng)
        status = "published" if number % 13 else "draft"
        with transaction.atomic():
            product = services.create_product(
                actor=ACTOR,
                changes=services.ProductChanges(
                    name=name,
                    product_type=_type(type_slug),
                    category=category,
                    status=status,
                    description=f"The {name.lower()}: {adjective.lower()} design, made to last. "
                    f"Part of our {category.name.lower()} range.",
                    seo_title=name,
                    attributes=attributes,
                    variants=variants,
                ),
            )
            if images:
                colour = PALETTE[rng.choice(list(PALETTE))]
                services.add_media(
                    actor=ACTOR, product=product, image=_image(name, colour), alt=name
                )
        made += 1
        if on_product:
            on_product()
        if number % 7 == 0:
            picks[collections[number % len(collections)].pk].append(product.pk)
    for collection in collections:
        services.set_collection_products(
            actor=ACTOR, collection=collection, product_ids=picks[collection.pk]
        )
    return made


def _type(slug: str) -> ProductType:
    return ProductType.objects.get(slug=slug)


def _attributes_and_variants(
    type_slug: str, name: str, base: Decimal, rng: random.Random
) -> tuple[dict[str, AttributeValue], list[VariantChanges]]:
    sku_base = f"{type_slug[:3].upper()}-{hashlib.sha1(name.encode()).hexdigest()[:6].upper()}"  # noqa: S324
    if type_slug == "book":
        attributes: dict[str, AttributeValue] = {
            "author": rng.choice(AUTHORS),
            "pages": rng.randint(120, 640),
        }
        return attributes, [
            VariantChanges(sku=sku_base, price=base, weight_grams=rng.randint(200, 900))
        ]
    if type_slug == "mug":
        attributes = {
            "material": "ceramic",
            "capacity": rng.choice([250, 330, 450]),
            "dishwasher-safe": rng.random() > 0.3,
        }
        colours = rng.sample(["black", "white", "navy", "green"], 2)
        return attributes, [
            VariantChanges(
                sku=f"{sku_base}-{c.upper()}",
                price=base,
                weight_grams=350,
                attributes={"colour": c},
            )
            for c in colours
        ]
    if type_slug == "poster":
        return {"material": "paper"}, [
            VariantChanges(
                sku=f"{sku_base}-{s}",
                price=base + extra,
                weight_grams=150,
                attributes={"size": s.lower()},
            )
            for s, extra in (("S", 0), ("M", 10), ("L", 20))
        ]
    materials = {
        "sneakers": ["leather", "recycled-polyester"],
        "trousers": ["cotton", "linen"],
        "hoodie": ["organic-cotton", "cotton", "wool"],
        "t-shirt": ["cotton", "organic-cotton", "linen"],
    }
    attributes = {
        "material": rng.choice(materials[type_slug]),
        "features": rng.sample(["waterproof", "breathable", "vegan", "handmade", "fair-trade"], 2),
    }
    if type_slug != "sneakers":
        attributes["fit"] = rng.choice(["slim", "regular", "relaxed"])
    sizes = [str(n) for n in range(38, 45, 2)] if type_slug == "sneakers" else ["s", "m", "l", "xl"]
    size_attribute = "shoe-size" if type_slug == "sneakers" else "size"
    colours = rng.sample(["black", "white", "navy", "red", "green", "sand", "grey"], 2)
    variants = [
        VariantChanges(
            sku=f"{sku_base}-{colour.upper()}-{size.upper()}",
            price=base + (Decimal(5) if size in {"xl", "44"} else 0),
            compare_at_price=base + 10 if rng.random() < 0.2 else None,
            weight_grams=900 if type_slug == "sneakers" else 300,
            attributes={size_attribute: size, "colour": colour},
        )
        for colour in colours
        for size in sizes
    ]
    return attributes, variants
