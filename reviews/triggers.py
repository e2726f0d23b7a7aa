"""PostgreSQL triggers that drop a patient's progress summary when an input of it changes.

The summary (`reviews.models.ProgressSummary`) is computed in Python (`reviews/progress.py`),
so the triggers only delete what is out of date, whatever wrote it (forms, admin, imports,
COPY); `reviews/summaries.py` computes it again. `SOURCES` are the tables the progress rules
read, and how to find the patient ids in a transition table.

`reviews/migrations` install this SQL; a change here needs a new migration that runs
`install_sql()` again (every statement is CREATE OR REPLACE).
"""

from clinic.triggers import statement_triggers, union_of

SOURCES = {
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


def install_sql() -> str:
    return "".join(_triggers(table, ids)[0] for table, ids in SOURCES.items())


def uninstall_sql() -> str:
    return "".join(_triggers(table, ids)[1] for table, ids in SOURCES.items())
