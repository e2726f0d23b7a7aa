from django.db import migrations

from scheduling import triggers


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0001_tables_from_treatments"),
        ("treatments", "0011_models_moved"),
    ]

    operations = [
        # The summary's SQL now reads the course state, made in 0003, which installs it (a
        # database migrated before then keeps this migration's version until 0003).
        migrations.RunSQL(migrations.RunSQL.noop, triggers.uninstall_sql()),
    ]
