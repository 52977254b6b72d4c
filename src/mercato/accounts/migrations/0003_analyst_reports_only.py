"""The Analyst role sees reports and nothing else: take back the view permissions on
customers, orders, catalog and inventory that earlier versions granted it. (The role sync
after every migrate only adds permissions, so a narrower pattern needs this once.)"""

from django.db import migrations


def narrow_the_analyst(apps, schema_editor):
    analyst = apps.get_model("auth", "Group").objects.filter(name="Analyst").first()
    if analyst is None:
        return
    wider = analyst.permissions.exclude(
        content_type__app_label="analytics", codename__startswith="view_"
    )
    analyst.permissions.remove(*wider)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_staff_roles")]

    operations = [migrations.RunPython(narrow_the_analyst, migrations.RunPython.noop)]
