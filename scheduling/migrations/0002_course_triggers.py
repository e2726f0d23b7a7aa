from django.db import migrations

from scheduling import triggers


class Migration(migrations.Migration):

    dependencies = [
        ("scheduling", "0001_tables_from_treatments"),
        ("treatments", "0011_models_moved"),
    ]

    operations = [
        migrations.RunSQL(triggers.install_sql(), triggers.uninstall_sql()),
        migrations.RunSQL(triggers.RECOMPUTE_ALL, migrations.RunSQL.noop),
    ]
