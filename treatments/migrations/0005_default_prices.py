from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("treatments", "CostSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("treatments", "0004_scheduling")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
