"""Diary CSV imports too big to run within the request: the job runner does them while the
page shows how far they are (diaries/tasks.py, templates/diaries/partials/import_progress.html).

A file of up to IMPORT_IN_BACKGROUND_ROWS days is imported inline, as before; a bigger one
(up to `exchange.MAX_IMPORT_ROWS`) is stored on a `DiaryImport`, imported by a job with the
same rules (all rows or none), and the file is dropped once it is imported.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import jobs
from diaries.exchange import MAX_IMPORT_ROWS, ImportResult, count_rows, decode, import_csv
from diaries.models import DiaryImport
from patients.models import Patient

IMPORT_IN_BACKGROUND_ROWS = 200


def import_or_queue(patient: Patient, data: bytes, *, by) -> ImportResult | DiaryImport:
    """Import a small file now; queue a big one for the job runner (its `DiaryImport`)."""
    try:
        rows = count_rows(decode(data))
    except ValidationError:
        rows = 0  # import_csv says what is wrong
    if IMPORT_IN_BACKGROUND_ROWS < rows <= MAX_IMPORT_ROWS:
        return start_import(patient, data, rows=rows, by=by)
    return import_csv(patient, data, by=by)


@transaction.atomic
def start_import(patient: Patient, data: bytes, *, rows: int, by) -> DiaryImport:
    """Keep the file and queue its import (the job exists only if this commits)."""
    diary_import = DiaryImport.objects.create(patient=patient, uploaded_by=by, rows=rows, data=data)
    import_diary.defer(import_id=diary_import.pk)
    return diary_import


def _set(diary_import: DiaryImport, **fields) -> None:
    """Save progress at once, outside the import's transaction, so the page sees it."""
    for name, value in fields.items():
        setattr(diary_import, name, value)
    diary_import.save(update_fields=list(fields))


def run_import(import_id: int) -> ImportResult | None:
    """Import a queued file; a second run of an import that ended does nothing (one that
    failed, e.g. the database went away, is run again by the job's retry)."""
    diary_import = DiaryImport.objects.select_related("patient", "uploaded_by").get(pk=import_id)
    if diary_import.finished:
        return None
    _set(diary_import, status=DiaryImport.Status.CHECKING)
    try:
        result = import_csv(
            diary_import.patient,
            bytes(diary_import.data),
            by=diary_import.uploaded_by,
            before_saving=lambda: _set(diary_import, status=DiaryImport.Status.SAVING),
        )
    except Exception:
        _set(diary_import, status=DiaryImport.Status.FAILED)  # a retry starts it again
        raise
    _set(
        diary_import,
        status=DiaryImport.Status.REFUSED if result.errors else DiaryImport.Status.DONE,
        added=result.added,
        unchanged=result.unchanged,
        medicines_added=result.medicines_added,
        errors=result.errors,
        data=b"",
    )
    return result


@jobs.task(name="diaries.import_diary")
def import_diary(*, import_id: int) -> str:
    result = run_import(import_id)
    if result is None:
        return "already finished"
    return f"{result.added} added, {len(result.errors)} problems"
