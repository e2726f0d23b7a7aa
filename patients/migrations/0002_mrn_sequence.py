"""A PostgreSQL sequence for generated medical record numbers (HC000001, …)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("patients", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE patients_mrn_seq START 1;",
            "DROP SEQUENCE patients_mrn_seq;",
        )
    ]
