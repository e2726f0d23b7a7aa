"""PostgreSQL triggers that keep the course summaries (`scheduling.models.CourseSummary`) true.

Every statement that writes a table the summary is computed from (`SOURCES`), whatever sent it
(forms, admin, imports, COPY), recomputes the summaries of the patients it touched, in the same
transaction: readers never refresh anything. Statement-level triggers read the touched patients
from the transition tables, so a COPY of thousands of rows recomputes once. The course state
(`scheduling.models.courses`) is a source too: a stop or pause moves the due date at once.

`scheduling/migrations` install this SQL (`INSTALL`, `UNINSTALL`); a change here needs a new
migration that runs `INSTALL` again (every statement is CREATE OR REPLACE).
"""

from django.conf import settings

from clinic.triggers import statement_triggers, union_of
from patients.models import Patient
from scheduling.models import Appointment, CourseStatus
from treatments.courses import INTERVAL_DAYS

# The tables the summary reads, and how to find the patient ids in a transition table.
SOURCES = {
    "treatments_injectionsession": "SELECT patient_id FROM {rows}",
    "scheduling_appointment": "SELECT patient_id FROM {rows}",
    "patients_patient": "SELECT id FROM {rows}",
    "scheduling_coursestate": "SELECT patient_id FROM {rows}",
}

# One row per patient: the due-date rule (`scheduling.due_dates`) in SQL. A stopped course has
# no injection due; a paused one not before its resume date. Sessions count from the current
# course's start (a restart).
REFRESH_FUNCTION = """
CREATE OR REPLACE FUNCTION scheduling_refresh_courses(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO scheduling_coursesummary AS c (
        patient_id, active, status, resume_on, course_started_on, session_count,
        last_session_on, last_injection_on, injection_due_on, booked_injection_at,
        booked_review_at
    )
    SELECT p.id, p.status = '{active}', coalesce(cs.status, '{course_active}'), cs.resume_on,
           cs.started_on, s.n, s.last_on, i.last_on,
           CASE WHEN cs.status = '{stopped}' THEN NULL
                WHEN cs.status = '{paused}' THEN greatest(i.last_on + {interval}, cs.resume_on)
                ELSE i.last_on + {interval} END,
           b.injection_at, b.review_at
    FROM patients_patient p
    LEFT JOIN scheduling_coursestate cs ON cs.patient_id = p.id
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE performed_on >= coalesce(cs.started_on, '-infinity'))
                   AS n,
               max(performed_on) AS last_on
        FROM treatments_injectionsession WHERE patient_id = p.id
    ) AS s
    CROSS JOIN LATERAL (
        SELECT greatest(s.last_on, max((starts_at AT TIME ZONE '{zone}')::date)) AS last_on
        FROM scheduling_appointment
        WHERE patient_id = p.id AND kind = '{injection}' AND status = '{completed}'
    ) AS i
    CROSS JOIN LATERAL (
        SELECT max(starts_at) FILTER (WHERE kind = '{injection}') AS injection_at,
               max(starts_at) FILTER (WHERE kind = '{review}') AS review_at
        FROM scheduling_appointment
        WHERE patient_id = p.id AND status IN ('{booked}', '{arrived}')
    ) AS b
    WHERE p.id = ANY(ids)
    ON CONFLICT (patient_id) DO UPDATE SET
        active = EXCLUDED.active,
        status = EXCLUDED.status,
        resume_on = EXCLUDED.resume_on,
        course_started_on = EXCLUDED.course_started_on,
        session_count = EXCLUDED.session_count,
        last_session_on = EXCLUDED.last_session_on,
        last_injection_on = EXCLUDED.last_injection_on,
        injection_due_on = EXCLUDED.injection_due_on,
        booked_injection_at = EXCLUDED.booked_injection_at,
        booked_review_at = EXCLUDED.booked_review_at;
$$;
"""


def _triggers(table: str, ids_sql: str) -> tuple[str, str]:
    def action(tables: tuple[str, ...]) -> str:
        ids = union_of(ids_sql, tables)
        return f"PERFORM scheduling_refresh_courses(ARRAY({ids})::bigint[]);"

    return statement_triggers(f"scheduling_courses_from_{table}", table, action)


def install_sql() -> str:
    """The function and every trigger; run by migrations, safe to run again."""
    function = REFRESH_FUNCTION.format(
        interval=INTERVAL_DAYS,
        zone=settings.TIME_ZONE,
        active=Patient.Status.ACTIVE.value,
        course_active=CourseStatus.ACTIVE.value,
        paused=CourseStatus.PAUSED.value,
        stopped=CourseStatus.STOPPED.value,
        injection=Appointment.Kind.INJECTION.value,
        review=Appointment.Kind.REVIEW.value,
        completed=Appointment.Status.COMPLETED.value,
        booked=Appointment.Status.BOOKED.value,
        arrived=Appointment.Status.ARRIVED.value,
    )
    return function + "".join(_triggers(t, ids)[0] for t, ids in SOURCES.items())


def uninstall_sql() -> str:
    triggers = "".join(_triggers(t, ids)[1] for t, ids in SOURCES.items())
    return triggers + "DROP FUNCTION IF EXISTS scheduling_refresh_courses(bigint[]);"


# Every patient at once: run by the migration that installs the triggers.
RECOMPUTE_ALL = "SELECT scheduling_refresh_courses(ARRAY(SELECT id FROM patients_patient));"
