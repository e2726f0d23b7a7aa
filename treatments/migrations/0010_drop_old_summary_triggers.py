# The summaries move to the scheduling and reviews apps, whose own trigger modules replace
# these triggers (scheduling/triggers.py, reviews/triggers.py). Dropped first, before the
# tables they name are renamed.

from django.db import migrations

DROP = """
DROP TRIGGER IF EXISTS course_stale_from_treatments_injectionsession_ins ON treatments_injectionsession;
DROP TRIGGER IF EXISTS course_stale_from_treatments_injectionsession_del ON treatments_injectionsession;
DROP TRIGGER IF EXISTS course_stale_from_treatments_injectionsession_upd ON treatments_injectionsession;
DROP TRIGGER IF EXISTS course_stale_from_treatments_appointment_ins ON treatments_appointment;
DROP TRIGGER IF EXISTS course_stale_from_treatments_appointment_del ON treatments_appointment;
DROP TRIGGER IF EXISTS course_stale_from_treatments_appointment_upd ON treatments_appointment;
DROP TRIGGER IF EXISTS course_stale_from_treatments_review_ins ON treatments_review;
DROP TRIGGER IF EXISTS course_stale_from_treatments_review_del ON treatments_review;
DROP TRIGGER IF EXISTS course_stale_from_treatments_review_upd ON treatments_review;
DROP TRIGGER IF EXISTS progress_stale_from_treatments_injectionsession_ins ON treatments_injectionsession;
DROP TRIGGER IF EXISTS progress_stale_from_treatments_injectionsession_del ON treatments_injectionsession;
DROP TRIGGER IF EXISTS progress_stale_from_treatments_injectionsession_upd ON treatments_injectionsession;
DROP TRIGGER IF EXISTS progress_stale_from_patients_eligibility_ins ON patients_eligibility;
DROP TRIGGER IF EXISTS progress_stale_from_patients_eligibility_del ON patients_eligibility;
DROP TRIGGER IF EXISTS progress_stale_from_patients_eligibility_upd ON patients_eligibility;
DROP TRIGGER IF EXISTS progress_stale_from_diaries_diaryday_ins ON diaries_diaryday;
DROP TRIGGER IF EXISTS progress_stale_from_diaries_diaryday_del ON diaries_diaryday;
DROP TRIGGER IF EXISTS progress_stale_from_diaries_diaryday_upd ON diaries_diaryday;
DROP TRIGGER IF EXISTS progress_stale_from_diaries_diarydose_ins ON diaries_diarydose;
DROP TRIGGER IF EXISTS progress_stale_from_diaries_diarydose_del ON diaries_diarydose;
DROP TRIGGER IF EXISTS progress_stale_from_diaries_diarydose_upd ON diaries_diarydose;
DROP TRIGGER IF EXISTS course_stale_from_patients_patient_ins ON patients_patient;
DROP TRIGGER IF EXISTS course_stale_from_patients_patient_upd ON patients_patient;
DROP FUNCTION IF EXISTS course_stale_from_treatments_injectionsession();
DROP FUNCTION IF EXISTS course_stale_from_treatments_appointment();
DROP FUNCTION IF EXISTS course_stale_from_treatments_review();
DROP FUNCTION IF EXISTS progress_stale_from_treatments_injectionsession();
DROP FUNCTION IF EXISTS progress_stale_from_patients_eligibility();
DROP FUNCTION IF EXISTS progress_stale_from_diaries_diaryday();
DROP FUNCTION IF EXISTS progress_stale_from_diaries_diarydose();
DROP FUNCTION IF EXISTS course_stale_from_patients_patient();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("diaries", "0004_diary_patient_index"),
        ("patients", "0003_search_indexes"),
        ("treatments", "0009_course_bookings"),
    ]

    operations = [migrations.RunSQL(DROP, migrations.RunSQL.noop)]
