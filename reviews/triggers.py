"""PostgreSQL triggers that keep the review app's summaries true, whatever writes the data.

- The progress summary (`reviews.models.ProgressSummary`) is computed in Python
  (`reviews/progress.py`), so its triggers only delete what is out of date; `reviews/summaries.py`
  computes it again. `PROGRESS_SOURCES` are the tables the progress rules read.
- The review summary (`reviews.models.ReviewSummary`: the latest decision and since when a review
  is due) is recomputed in SQL by its triggers, in the writing transaction: the review-due rule
  of `reviews/due.py` in SQL. `PENDING_SOURCES` are the tables it reads.
Each source maps to how to find the patient ids in a transition table.

`reviews/migrations` install this SQL; a change here needs a new migration that runs the
install SQL again (every statement is CREATE OR REPLACE). The SQL reads today's tables, so a
migration made before a table existed installs nothing that needs it (see 0003, 0004).
"""

from django.conf import settings
from django.db import connection

from clinic.triggers import statement_triggers, union_of
from reviews.due import TURNING_VERDICTS, DueKind
from reviews.models import Decision
from scheduling.models import CourseStatus
from treatments.courses import INTERVAL_DAYS

PROGRESS_SOURCES = {
    "treatments_injectionsession": "SELECT patient_id FROM {rows}",
    "patients_eligibility": "SELECT patient_id FROM {rows}",
    # The reported baseline as of a day is read from the eligibility's history.
    "patients_historicaleligibility": "SELECT patient_id FROM {rows}",
    "diaries_diaryday": "SELECT patient_id FROM {rows}",
    "diaries_diarydose": (
        "SELECT d.patient_id FROM {rows} x JOIN diaries_diaryday d ON d.id = x.day_id"
    ),
    "scheduling_coursestate": "SELECT patient_id FROM {rows}",  # a restart: a new baseline
}
ACTION = (
    "IF EXISTS (SELECT 1 FROM reviews_progresssummary) THEN "
    "DELETE FROM reviews_progresssummary WHERE patient_id IN ({ids}); END IF;"
)


def _triggers(table: str, ids_sql: str) -> tuple[str, str]:
    def action(tables: tuple[str, ...]) -> str:
        return ACTION.format(ids=union_of(ids_sql, tables))

    return statement_triggers(f"reviews_progress_from_{table}", table, action)


def progress_install_sql(tables=None) -> str:
    """The triggers on `tables` (default: every source; a migration names those of its day)."""
    chosen = PROGRESS_SOURCES if tables is None else tables
    return "".join(_triggers(table, PROGRESS_SOURCES[table])[0] for table in chosen)


def progress_uninstall_sql(tables=None) -> str:
    chosen = PROGRESS_SOURCES if tables is None else tables
    return "".join(_triggers(table, PROGRESS_SOURCES[table])[1] for table in chosen)


PENDING_SOURCES = {
    "reviews_review": "SELECT patient_id FROM {rows}",
    "scheduling_coursesummary": "SELECT patient_id FROM {rows}",
    "treatments_injectionsession": "SELECT patient_id FROM {rows}",
    "reviews_progresssummary": "SELECT patient_id FROM {rows}",
}
# The review-due rule of `reviews/due.py`, in SQL: each candidate day with its kind, the
# earliest wins (ties: by kind). Arrays are 1-based. The re-review interval is the setting's
# when the function is installed (`install_if_changed` reinstalls it after `migrate`).
PENDING_FUNCTION = """
CREATE OR REPLACE FUNCTION reviews_re_review_after_sessions() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT {after_sessions} $$;
CREATE OR REPLACE FUNCTION reviews_refresh_pending(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM reviews_reviewsummary r WHERE r.patient_id = ANY(ids) AND NOT EXISTS (
        SELECT 1 FROM scheduling_coursesummary c WHERE c.patient_id = r.patient_id
    );
    INSERT INTO reviews_reviewsummary AS r (
        patient_id, latest_decision, latest_reviewed_on, due_since, due_kind
    )
    SELECT c.patient_id, coalesce(latest.decision, ''), latest.reviewed_on, due.since,
           coalesce(due.kind, '')
    FROM scheduling_coursesummary c
    LEFT JOIN LATERAL (
        SELECT decision, reviewed_on FROM reviews_review
        WHERE patient_id = c.patient_id
          AND reviewed_on >= coalesce(c.course_started_on, '-infinity')
        ORDER BY reviewed_on DESC, id DESC LIMIT 1
    ) AS latest ON true
    CROSS JOIN LATERAL (
        SELECT array_agg(performed_on ORDER BY performed_on) AS days,
               array_agg(performed_on ORDER BY performed_on)
                   FILTER (WHERE performed_on > latest.reviewed_on) AS after,
               array_agg(performed_on ORDER BY performed_on)
                   FILTER (WHERE performed_on >= latest.reviewed_on) AS since
        FROM treatments_injectionsession
        WHERE patient_id = c.patient_id
          AND performed_on >= coalesce(c.course_started_on, '-infinity')
    ) AS s
    LEFT JOIN reviews_progresssummary p ON p.patient_id = c.patient_id
    LEFT JOIN LATERAL (
        SELECT since, kind FROM (VALUES
            (CASE WHEN c.status = '{paused}' THEN c.resume_on END, '{pause_ended}'),
            (CASE WHEN c.status = '{active}' AND latest.decision IS NULL
                  THEN least(s.days[3], s.days[2] + {interval}) END, '{cycle_2}'),
            (CASE WHEN c.status = '{active}' AND latest.decision = '{continue_}'
                  THEN s.after[reviews_re_review_after_sessions()] END, '{re_review}'),
            (CASE WHEN c.status = '{active}' AND latest.decision = '{continue_}'
                       AND p.verdict IN ({turning})
                       AND p.cycle_complete_on > latest.reviewed_on
                  THEN p.cycle_complete_on END, p.verdict),
            (CASE WHEN c.status = '{active}' AND latest.decision = '{extend}'
                  THEN least(s.since[2], s.since[1] + {interval}) END, '{extend_kind}')
        ) AS candidate (since, kind)
        WHERE since IS NOT NULL ORDER BY since, kind LIMIT 1
    ) AS due ON true
    WHERE c.patient_id = ANY(ids)
    ON CONFLICT (patient_id) DO UPDATE SET
        latest_decision = EXCLUDED.latest_decision,
        latest_reviewed_on = EXCLUDED.latest_reviewed_on,
        due_since = EXCLUDED.due_since,
        due_kind = EXCLUDED.due_kind;
$$;
"""


def pending_function() -> str:
    """The rule's SQL with this clinic's values."""
    return PENDING_FUNCTION.format(
        after_sessions=int(settings.RE_REVIEW_AFTER_SESSIONS),
        interval=INTERVAL_DAYS,
        paused=CourseStatus.PAUSED.value,
        active=CourseStatus.ACTIVE.value,
        continue_=Decision.CONTINUE.value,
        extend=Decision.EXTEND.value,
        turning=", ".join(f"'{verdict.value}'" for verdict in TURNING_VERDICTS),
        pause_ended=DueKind.PAUSE_ENDED.value,
        cycle_2=DueKind.CYCLE_2.value,
        re_review=DueKind.RE_REVIEW.value,
        extend_kind=DueKind.EXTEND.value,
    )


def _pending_triggers(table: str, ids_sql: str) -> tuple[str, str]:
    def action(tables: tuple[str, ...]) -> str:
        ids = union_of(ids_sql, tables)
        return f"PERFORM reviews_refresh_pending(ARRAY({ids})::bigint[]);"

    return statement_triggers(f"reviews_pending_from_{table}", table, action)


def pending_install_sql() -> str:
    triggers = "".join(_pending_triggers(t, ids)[0] for t, ids in PENDING_SOURCES.items())
    return pending_function() + triggers


def pending_uninstall_sql() -> str:
    triggers = "".join(_pending_triggers(t, ids)[1] for t, ids in PENDING_SOURCES.items())
    return triggers + (
        "DROP FUNCTION IF EXISTS reviews_refresh_pending(bigint[]);"
        "DROP FUNCTION IF EXISTS reviews_re_review_after_sessions();"
    )


RECOMPUTE_PENDING = (
    "SELECT reviews_refresh_pending(ARRAY(SELECT patient_id FROM scheduling_coursesummary));"
)


def install_if_changed(**kwargs) -> None:
    """After `migrate`: if `RE_REVIEW_AFTER_SESSIONS` changed since the rule was installed,
    install it again and recompute every review summary."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regproc('reviews_re_review_after_sessions')")
        if cursor.fetchone()[0] is None:
            return  # the migrations have not installed it yet
        cursor.execute("SELECT reviews_re_review_after_sessions()")
        if cursor.fetchone()[0] != settings.RE_REVIEW_AFTER_SESSIONS:
            cursor.execute(pending_install_sql())
            cursor.execute(RECOMPUTE_PENDING)
