"""PostgreSQL triggers that keep the review app's summaries true, whatever writes the data.

- The progress summary (`reviews.models.ProgressSummary`) is computed in Python
  (`reviews/progress.py`), so its triggers only delete what is out of date; `reviews/summaries.py`
  computes it again. `PROGRESS_SOURCES` are the tables the progress rules read.
- The review summary (`reviews.models.ReviewSummary`: the latest review and whether a review is
  pending) is recomputed in SQL by its triggers, in the writing transaction: the pending rule of
  `reviews/due.py` in SQL. `PENDING_SOURCES` are the tables it reads.
Each source maps to how to find the patient ids in a transition table.

`reviews/migrations` install this SQL; a change here needs a new migration that runs the
install SQL again (every statement is CREATE OR REPLACE).
"""

from clinic.triggers import statement_triggers, union_of
from reviews.models import Decision

REVIEW_AT_SESSIONS = 2  # a review is pending from the second session (DOMAIN.md §4)

PROGRESS_SOURCES = {
    "treatments_injectionsession": "SELECT patient_id FROM {rows}",
    "patients_eligibility": "SELECT patient_id FROM {rows}",
    "diaries_diaryday": "SELECT patient_id FROM {rows}",
    "diaries_diarydose": (
        "SELECT d.patient_id FROM {rows} x JOIN diaries_diaryday d ON d.id = x.day_id"
    ),
}
ACTION = (
    "IF EXISTS (SELECT 1 FROM reviews_progresssummary) THEN "
    "DELETE FROM reviews_progresssummary WHERE patient_id IN ({ids}); END IF;"
)


def _triggers(table: str, ids_sql: str) -> tuple[str, str]:
    def action(tables: tuple[str, ...]) -> str:
        return ACTION.format(ids=union_of(ids_sql, tables))

    return statement_triggers(f"reviews_progress_from_{table}", table, action)


def progress_install_sql() -> str:
    return "".join(_triggers(table, ids)[0] for table, ids in PROGRESS_SOURCES.items())


def progress_uninstall_sql() -> str:
    return "".join(_triggers(table, ids)[1] for table, ids in PROGRESS_SOURCES.items())


PENDING_SOURCES = {
    "reviews_review": "SELECT patient_id FROM {rows}",
    "scheduling_coursesummary": "SELECT patient_id FROM {rows}",
}
PENDING_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reviews_refresh_pending(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM reviews_reviewsummary r WHERE r.patient_id = ANY(ids) AND NOT EXISTS (
        SELECT 1 FROM scheduling_coursesummary c WHERE c.patient_id = r.patient_id
    );
    INSERT INTO reviews_reviewsummary AS r (
        patient_id, latest_decision, latest_reviewed_on, pending
    )
    SELECT c.patient_id, coalesce(latest.decision, ''), latest.reviewed_on,
           c.session_count >= {REVIEW_AT_SESSIONS} AND (latest.decision IS NULL OR (
               latest.decision = '{Decision.EXTEND.value}'
               AND latest.reviewed_on < c.last_session_on))
    FROM scheduling_coursesummary c
    LEFT JOIN LATERAL (
        SELECT decision, reviewed_on FROM reviews_review WHERE patient_id = c.patient_id
        ORDER BY reviewed_on DESC, id DESC LIMIT 1
    ) AS latest ON true
    WHERE c.patient_id = ANY(ids)
    ON CONFLICT (patient_id) DO UPDATE SET
        latest_decision = EXCLUDED.latest_decision,
        latest_reviewed_on = EXCLUDED.latest_reviewed_on,
        pending = EXCLUDED.pending;
$$;
"""


def _pending_triggers(table: str, ids_sql: str) -> tuple[str, str]:
    def action(tables: tuple[str, ...]) -> str:
        ids = union_of(ids_sql, tables)
        return f"PERFORM reviews_refresh_pending(ARRAY({ids})::bigint[]);"

    return statement_triggers(f"reviews_pending_from_{table}", table, action)


def pending_install_sql() -> str:
    triggers = "".join(_pending_triggers(t, ids)[0] for t, ids in PENDING_SOURCES.items())
    return PENDING_FUNCTION + triggers


def pending_uninstall_sql() -> str:
    triggers = "".join(_pending_triggers(t, ids)[1] for t, ids in PENDING_SOURCES.items())
    return triggers + "DROP FUNCTION IF EXISTS reviews_refresh_pending(bigint[]);"


RECOMPUTE_PENDING = (
    "SELECT reviews_refresh_pending(ARRAY(SELECT patient_id FROM scheduling_coursesummary));"
)
