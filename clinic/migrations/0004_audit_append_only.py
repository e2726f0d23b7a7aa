"""Make the audit trail append-only in PostgreSQL itself: UPDATE and DELETE raise an error.

TRUNCATE is left to the table's owner (the test runner empties tables with it, and archiving
drops whole partitions; see docs/audit.md). The application's database role should not own it.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION clinic_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit trail is append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER clinic_auditevent_append_only
    BEFORE UPDATE OR DELETE ON clinic_auditevent
    FOR EACH ROW EXECUTE FUNCTION clinic_audit_refuse_change();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS clinic_auditevent_append_only ON clinic_auditevent;
DROP FUNCTION IF EXISTS clinic_audit_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_audit_event")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
