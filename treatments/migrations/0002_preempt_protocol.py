from django.db import migrations

from treatments.protocols import PREEMPT_NAME, install_preempt


def forwards(apps, schema_editor):
    install_preempt(
        apps.get_model("treatments", "Protocol"),
        apps.get_model("treatments", "ProtocolSite"),
        apps.get_model("treatments", "ProtocolAddition"),
    )


def backwards(apps, schema_editor):
    apps.get_model("treatments", "Protocol").objects.filter(name=PREEMPT_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
