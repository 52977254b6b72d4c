"""Example tax data: the classes standard, reduced and zero, the VAT rates of the 27 EU
countries (the standard rate and one common reduced rate, as in force in the second half of
2025; Denmark has no reduced rate, so its "reduced" is its standard rate), 0 % for the zero
class, and the tax settings row. Loaded by a migration; `load_eu_vat` may run again at any
time (it only adds what is missing).

Example data: check the rates that apply to your goods before you sell."""

from decimal import Decimal

from django.apps.registry import Apps

# country: (standard, reduced)
EU_VAT_2025 = {
    "AT": ("20", "10"),
    "BE": ("21", "6"),
    "BG": ("20", "9"),
    "CY": ("19", "5"),
    "CZ": ("21", "12"),
    "DE": ("19", "7"),
    "DK": ("25", "25"),
    "EE": ("24", "9"),
    "ES": ("21", "10"),
    "FI": ("25.5", "14"),
    "FR": ("20", "5.5"),
    "GR": ("24", "13"),
    "HR": ("25", "13"),
    "HU": ("27", "18"),
    "IE": ("23", "13.5"),
    "IT": ("22", "10"),
    "LT": ("21", "9"),
    "LU": ("17", "8"),
    "LV": ("21", "12"),
    "MT": ("18", "7"),
    "NL": ("21", "9"),
    "PL": ("23", "8"),
    "PT": ("23", "13"),
    "RO": ("21", "11"),
    "SE": ("25", "12"),
    "SI": ("22", "9.5"),
    "SK": ("23", "19"),
}
CLASSES = [("standard", "Standard rate"), ("reduced", "Reduced rate"), ("zero", "Zero rate")]


def load_eu_vat(apps: Apps) -> None:
    """Add the example classes, rates and settings row that are missing (`apps`: the app
    registry, or a migration's historical one)."""
    tax_class = apps.get_model("pricing", "TaxClass")
    tax_rate = apps.get_model("pricing", "TaxRate")
    tax_settings = apps.get_model("pricing", "TaxSettings")
    classes = {
        slug: tax_class.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in CLASSES
    }
    rows = []
    for country, (standard, reduced) in EU_VAT_2025.items():
        for slug, percent in (("standard", standard), ("reduced", reduced), ("zero", "0")):
            rate = (Decimal(percent) / 100).quantize(Decimal("0.0001"))
            rows.append(tax_rate(tax_class=classes[slug], country=country, rate=rate))
    tax_rate.objects.bulk_create(rows, ignore_conflicts=True)
    tax_settings.objects.get_or_create(pk=1, defaults={"shipping_tax_class": classes["standard"]})


def unload_eu_vat(apps: Apps) -> None:
    apps.get_model("pricing", "TaxSettings").objects.all().delete()
    apps.get_model("pricing", "TaxRate").objects.filter(country__in=EU_VAT_2025).delete()
