"""FHIR Bulk Data export (`$export`): a client system asks, the job runner writes one NDJSON
file per resource type, the client polls the status and downloads the files.

The files hold the records as the job finds them (everything changed before the request's
instant, its `transactionTime`, is in), diary windows as of the day of the request; the same
builders as the API (`fhir_api.resources`), so every line is a validated resource.
"""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clinic import jobs
from fhir_api.models import ApiClient, BulkExport, BulkExportFile
from fhir_api.outcomes import FhirError, invalid
from fhir_api.resources import TYPES
from patients.models import Patient

NDJSON = "application/fhir+ndjson"
FILE_LINES = 10_000  # resources per file: bounds the memory a job and a download take
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}


def requested_types(params) -> list[str]:
    """`_type` (comma-separated, repeatable) or every type we serve; other parameters that
    change what is exported are refused rather than ignored."""
    unsupported = sorted(set(params) - {"_type", "_outputFormat"})
    if unsupported:
        raise invalid(f"$export does not support {', '.join(unsupported)} here.")
    output_format = params.get("_outputFormat", NDJSON)
    if output_format not in OUTPUT_FORMATS:
        raise invalid(f"_outputFormat={output_format}: only {NDJSON} is written.")
    asked = [name for text in params.getlist("_type") for name in text.split(",") if name]
    unknown = [name for name in asked if name not in TYPES]
    if unknown:
        raise invalid(f"_type: {', '.join(unknown)} is not a type this server serves.")
    return list(dict.fromkeys(asked)) or list(TYPES)


def start_export(
    client: ApiClient, *, patient: Patient | None, types: list[str], url: str, now
) -> BulkExport:
    """Record the request and queue its job, in one transaction."""
    with transaction.atomic():
        export = BulkExport.objects.create(
            client=client,
            patient=patient,
            types=types,
            requested_at=now,
            as_of=timezone.localdate(now),
            request_url=url[:500],
        )
        bulk_export.defer(export_id=str(export.pk))
    return export


def run_export(export_id: str) -> BulkExport | None:
    """Write the files of a queued export; a finished one is left alone (a failed one is
    written again from the start by the job's retry)."""
    export = BulkExport.objects.get(pk=export_id)
    if export.status == BulkExport.Status.DONE:
        return None
    _set(export, status=BulkExport.Status.RUNNING)
    try:
        with transaction.atomic():
            export.files.all().delete()
            patient_ids = None if export.patient_id is None else [export.patient_id]
            for name in export.types:
                resources = TYPES[name].every(patient_ids, export.as_of)
                for part, lines in enumerate(ndjson_files(resources), start=1):
                    BulkExportFile.objects.create(
                        export=export,
                        resource_type=name,
                        part=part,
                        count=len(lines),
                        ndjson="".join(lines),
                    )
    except Exception:
        _set(export, status=BulkExport.Status.FAILED)
        raise
    _set(export, status=BulkExport.Status.DONE, finished_at=timezone.now())
    return export


def ndjson_files(resources: Iterator[dict]) -> Iterator[list[str]]:
    """The lines of each file: `FILE_LINES` resources at most, one JSON object a line."""
    lines = []
    for resource in resources:
        lines.append(json.dumps(resource, separators=(",", ":")) + "\n")
        if len(lines) == FILE_LINES:
            yield lines
            lines = []
    if lines:
        yield lines


def _set(export: BulkExport, **fields) -> None:
    for name, value in fields.items():
        setattr(export, name, value)
    export.save(update_fields=list(fields))


def manifest(export: BulkExport, file_url) -> dict:
    """The status answer of a finished export (Bulk Data's manifest)."""
    return {
        "transactionTime": timezone.localtime(export.requested_at).isoformat(),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": file.resource_type, "url": file_url(file), "count": file.count}
            for file in export.files.only("resource_type", "part", "count", "export_id")
        ],
        "error": [],
    }


def expires_at(export: BulkExport) -> datetime:
    return export.finished_at + timedelta(days=settings.FHIR_EXPORT_KEEP_DAYS)


def refuse_expired(export: BulkExport, now: datetime) -> None:
    """A finished export is served for `FHIR_EXPORT_KEEP_DAYS` days, then its files are
    deleted (`prune_exports`): from then on its status and files answer 404, whether or not
    the job has run yet."""
    if export.status == BulkExport.Status.DONE and expires_at(export) <= now:
        when = timezone.localtime(expires_at(export))
        raise FhirError(
            404,
            "deleted",
            f"Export {export.pk} expired on {when:%-d %b %Y %H:%M}: its files are deleted "
            f"{settings.FHIR_EXPORT_KEEP_DAYS} days after they were written. Ask for a new export.",
        )


def prune_exports(now: datetime) -> int:
    """Delete the files of the exports that have expired by `now`; the exports themselves
    are kept (the audit trail names them). Returns how many files were deleted."""
    cutoff = now - timedelta(days=settings.FHIR_EXPORT_KEEP_DAYS)
    files = BulkExportFile.objects.filter(
        export__status=BulkExport.Status.DONE, export__finished_at__lte=cutoff
    )
    return files.delete()[0]


@jobs.task(name="fhir_api.bulk_export")
def bulk_export(*, export_id: str) -> str:
    export = run_export(export_id)
    if export is None:
        return "already done"
    files = export.files.values_list("resource_type", "count")
    return ", ".join(f"{name} {count}" for name, count in files)
