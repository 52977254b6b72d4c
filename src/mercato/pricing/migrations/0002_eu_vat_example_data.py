"""Example tax data: see mercato.pricing.eu_vat."""

from django.db import migrations

from mercato.pricing.eu_vat import load_eu_vat, unload_eu_vat


def load(apps, schema_editor):
    load_eu_vat(apps)


def unload(apps, schema_editor):
    unload_eu_vat(apps)


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
