# The audit trail's hash chain (docs/audit.md, "Hash chain") and TRUNCATE refused.

from django.db import migrations, models

# The content hashed: every column of the event as a JSON array with the previous link's hash
# (unambiguous, and jsonb's text form is canonical), the time as seconds since 1970
# (independent of the session's zone).
HASH_FUNCTION = """
CREATE FUNCTION clinic_audit_hash(e clinic_auditevent, previous text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        e.id, extract(epoch FROM e.at), e.user_id, e.username, e.role, e.patient_id, e.action,
        e.object_type, e.object_id, e.changes, host(e.ip_address), e.path, previous
    )::text, 'UTF8')), 'hex')
$$;
"""
# Rows written before: chained in id order.
CHAIN_EXISTING = """
LOCK TABLE clinic_auditevent IN EXCLUSIVE MODE;
DO $$
DECLARE
    event clinic_auditevent;
    previous text := repeat('0', 64);
    sealed text;
BEGIN
    FOR event IN SELECT * FROM clinic_auditevent ORDER BY id LOOP
        sealed := clinic_audit_hash(event, previous);
        INSERT INTO clinic_auditlink (event_id, previous_hash, event_hash)
            VALUES (event.id, previous, sealed);
        previous := sealed;
    END LOOP;
END;
$$;
"""
# A deferred constraint trigger links each event as its transaction commits, under a
# transaction-level advisory lock: links follow one another in commit order, and the lock is
# held only from the commit's start to its end, after every row lock the transaction took, so
# it can never be one side of a deadlock. READ COMMITTED only: under the lock each statement
# sees the newest committed link.
CHAIN_TRIGGER = """
CREATE FUNCTION clinic_audit_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous text;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'The audit trail is written in READ COMMITTED transactions only';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('clinic_auditevent_chain'));
    SELECT event_hash INTO previous FROM clinic_auditlink ORDER BY id DESC LIMIT 1;
    previous := coalesce(previous, repeat('0', 64));
    INSERT INTO clinic_auditlink (event_id, previous_hash, event_hash)
        VALUES (NEW.id, previous, clinic_audit_hash(NEW, previous));
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER clinic_auditevent_chain
    AFTER INSERT ON clinic_auditevent DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION clinic_audit_chain();
"""
# TRUNCATE is refused like UPDATE and DELETE, on the trail and its chain (the test suite
# flushes with triggers off).
APPEND_ONLY = """
CREATE TRIGGER clinic_auditevent_no_truncate
    BEFORE TRUNCATE ON clinic_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION clinic_audit_refuse_change();
CREATE TRIGGER clinic_auditlink_append_only
    BEFORE UPDATE OR DELETE ON clinic_auditlink
    FOR EACH ROW EXECUTE FUNCTION clinic_audit_refuse_change();
CREATE TRIGGER clinic_auditlink_no_truncate
    BEFORE TRUNCATE ON clinic_auditlink
    FOR EACH STATEMENT EXECUTE FUNCTION clinic_audit_refuse_change();
"""
UNDO = """
DROP TRIGGER IF EXISTS clinic_auditevent_no_truncate ON clinic_auditevent;
DROP TRIGGER IF EXISTS clinic_auditevent_chain ON clinic_auditevent;
DROP TRIGGER IF EXISTS clinic_auditlink_append_only ON clinic_auditlink;
DROP TRIGGER IF EXISTS clinic_auditlink_no_truncate ON clinic_auditlink;
DROP FUNCTION IF EXISTS clinic_audit_chain();
DROP FUNCTION IF EXISTS clinic_audit_hash(clinic_auditevent, text);
"""


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0005_audit_indexes_by_id"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_id", models.BigIntegerField(editable=False, unique=True)),
                ("previous_hash", models.CharField(editable=False, max_length=64)),
                ("event_hash", models.CharField(editable=False, max_length=64)),
            ],
            options={"verbose_name": "audit chain link"},
        ),
        migrations.RunSQL(HASH_FUNCTION + CHAIN_EXISTING + CHAIN_TRIGGER + APPEND_ONLY, UNDO),
    ]
