"""Everything the clinic holds about one patient, in one zip: the patient's right of access.

The same archive serves the patient (portal download) and staff answering a subject access
request. Clinical rows are exported as they are stored; the diary uses the import/export CSV
format and the appointments the .ics calendar, so both open in other programs.

Each app above adds its own rows and files (`contribute_rows`, `contribute_files`, called
from its `AppConfig.ready()`), so this module imports none of them.
"""

import io
import json
import zipfile
from collections.abc import Callable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

from clinic import audit
from patients.models import Eligibility, Patient

ARCHIVE_README = """Your records from {clinic}, exported on {today}.

record.json      your details, eligibility, medicines tried before, precautions, every
                 injection session with its sites and units, side effects, reviews and
                 appointments, exactly as the clinic stores them
diary.csv        your headache diary (one line per day; opens in a spreadsheet)
appointments.ics your appointments (opens in a calendar program)
after-care/      the after-care sheet of each injection session
"""

RowsProvider = Callable[[Patient], dict[str, list]]
FilesProvider = Callable[[Patient, object], dict[str, str]]
_row_providers: list[RowsProvider] = []
_file_providers: list[FilesProvider] = []


def contribute_rows(provider: RowsProvider) -> None:
    """`provider(patient)` returns more keys of record.json (lists of stored rows)."""
    if provider not in _row_providers:
        _row_providers.append(provider)


def contribute_files(provider: FilesProvider) -> None:
    """`provider(patient, request)` returns more files of the zip, by name."""
    if provider not in _file_providers:
        _file_providers.append(provider)


def patient_record(patient: Patient) -> dict:
    """The patient's stored rows, grouped by kind (a fixed number of queries)."""
    details = Patient.objects.filter(pk=patient.pk).values().get()
    details.pop("user_id")
    record = {
        "patient": details,
        "eligibility": list(Eligibility.objects.filter(patient=patient).values()),
        "prior_preventives": list(patient.prior_preventives.values()),
        "precautions_and_contraindications": list(patient.flags.values()),
    }
    for provider in _row_providers:
        record.update(provider(patient))
    return record


def patient_archive(patient: Patient, request) -> bytes:
    """The zip: README, record.json, and each app's files (diary, calendar, after-care)."""
    today = timezone.localdate()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            ARCHIVE_README.format(clinic=settings.CLINIC_NAME, today=f"{today:%-d %B %Y}"),
        )
        record = json.dumps(patient_record(patient), cls=DjangoJSONEncoder, indent=2)
        archive.writestr("record.json", record)
        for provider in _file_providers:
            for name, content in provider(patient, request).items():
                archive.writestr(name, content)
    return buffer.getvalue()


def archive_response(request, patient: Patient) -> HttpResponse:
    """All the patient's records as a zip download, logged as an export."""
    response = HttpResponse(patient_archive(patient, request), content_type="application/zip")
    filename = f"records-{patient.mrn}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit.record_export(request, patient, "all records (zip)")
    return response
