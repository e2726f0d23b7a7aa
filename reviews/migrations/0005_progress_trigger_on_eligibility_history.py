from django.db import migrations

from reviews import triggers

# The reported baseline that stood on the as-of day comes from the eligibility's history.
TABLES = ["patients_historicaleligibility"]


class Migration(migrations.Migration):

    dependencies = [
        ("patients", "0003_search_indexes"),
        ("reviews", "0004_course_follows_decisions"),
    ]

    operations = [
        migrations.RunSQL(
            triggers.progress_install_sql(TABLES), triggers.progress_uninstall_sql(TABLES)
        ),
    ]
