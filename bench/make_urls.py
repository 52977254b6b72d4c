"""Write the request lists the wrk scripts replay, from the benchmark database.

    DATABASE_URL=postgres://… .venv/bin/python bench/make_urls.py [--out bench/out]

out/list.txt    product list, page of 24, one filter each: every category slug path (roots,
                middles, leaves) and every filterable choice value (attr=size:m), shuffled;
                facets are on (the API's default, also asked for explicitly)
out/list_nofacets.txt  the same lists with facets=false (shows what the facets cost)
out/detail.txt  product detail by slug, random visible products
out/search.txt  search: words and as-you-type prefixes taken from visible product names
out/dataset.env the dataset size (PRODUCTS, VISIBLE, VARIANTS), sourced by catalog_http.sh
"""

import argparse
import os
import random
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mercato.settings")
django.setup()

from mercato.catalog.models import AttributeValue, Category, Product, ProductVariant  # noqa: E402

LIST = "/api/store/products"


def list_urls(rng: random.Random, facets: bool = True) -> list[str]:
    filters = [("category", path) for path in Category.objects.values_list("slug_path", flat=True)]
    filters += [
        ("attr", f"{attribute}:{value}")
        for attribute, value in AttributeValue.objects.filter(
            attribute__is_filterable=True
        ).values_list("attribute__slug", "slug")
    ]
    rng.shuffle(filters)
    flag = "true" if facets else "false"
    return [
        f"{LIST}?{urlencode({'limit': 24, name: value, 'facets': flag})}" for name, value in filters
    ]


def sample_visible(rng: random.Random, count: int, field: str) -> list[str]:
    ids = list(Product.objects.visible().values_list("pk", flat=True))
    chosen = rng.sample(ids, min(count, len(ids)))
    return list(Product.objects.filter(pk__in=chosen).order_by("?").values_list(field, flat=True))


def search_urls(rng: random.Random, count: int) -> list[str]:
    urls = []
    for name in sample_visible(rng, count, "name"):
        words = [w.lower() for w in name.replace("-", " ").split() if len(w) >= 3]
        roll = rng.random()
        word = rng.choice(words)
        if roll < 0.55:  # a whole word
            query = word
        elif roll < 0.85:  # typing: a prefix of 3 to 5 letters
            query = word[: rng.randint(3, min(5, len(word)))]
        else:  # two words, the last one still being typed
            first, second = (words + words)[:2] if len(words) < 2 else rng.sample(words, 2)
            query = f"{first} {second[: max(3, len(second) - 2)]}"
        urls.append(f"{LIST}?{urlencode({'q': query, 'limit': 24})}")
    return urls


def main() -> int:
    parser = argparse.ArgumentParser(description="Write the benchmark's request lists.")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "out"))
    parser.add_argument("--detail", type=int, default=5000, help="how many product slugs")
    parser.add_argument("--search", type=int, default=2000, help="how many search queries")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    if not Product.objects.visible().exists():
        print("No visible products: run bench/catalog_data.py first.", file=sys.stderr)
        return 1
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    lists = {
        "list.txt": list_urls(random.Random(options.seed)),
        "list_nofacets.txt": list_urls(random.Random(options.seed), facets=False),
        "detail.txt": [
            f"{LIST}/{quote(slug)}" for slug in sample_visible(rng, options.detail, "slug")
        ],
        "search.txt": search_urls(rng, options.search),
    }
    for name, urls in lists.items():
        (out / name).write_text("\n".join(urls) + "\n")
        print(f"{out / name}: {len(urls)} URLs")
    (out / "dataset.env").write_text(
        f"PRODUCTS={Product.objects.count()}\n"
        f"VISIBLE={Product.objects.visible().count()}\n"
        f"VARIANTS={ProductVariant.objects.count()}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
