from django.db import migrations

from reviews import triggers

# The progress rules' inputs when this was made (0004 adds the course state).
FIRST_SOURCES = [
    "treatments_injectionsession",
    "patients_eligibility",
    "diaries_diaryday",
    "diaries_diarydose",
]


class Migration(migrations.Migration):

    dependencies = [
        ("reviews", "0001_tables_from_treatments"),
        ("diaries", "0005_side_effect_check_in_moved_to_treatments"),
        ("treatments", "0011_models_moved"),
    ]

    operations = [
        migrations.RunSQL(
            triggers.progress_install_sql(FIRST_SOURCES),
            triggers.progress_uninstall_sql(FIRST_SOURCES),
        ),
        # Every summary is computed again as of the day (refresh_summaries, or the next write).
        migrations.RunSQL("DELETE FROM reviews_progresssummary;", migrations.RunSQL.noop),
    ]
