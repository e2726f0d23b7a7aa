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
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from clinic import audit
from clinic.patient_language import DAY_MONTH_YEAR, in_language_of, shown
from patients.models import Eligibility, Patient

ARCHIVE_README = gettext_lazy(
    """Your records from %(clinic)s, exported on %(today)s.

record.json      your details, eligibility, medicines tried before, precautions, every
                 injection session with its sites and units, side effects, reviews and
                 appointments, with the clinic's names for each item and people by name
                 (in English, the language of the clinic's records)
diary.csv        your headache diary (one line per day; opens in a spreadsheet)
appointments.ics your appointments (opens in a calendar program)
after-care/      the after-care sheet of each injection session
"""
)

RowsProvider = Callable[[Patient], dict[str, list]]
# A file's content is text or bytes, or an iterable of chunks written to the zip as they come.
FilesProvider = Callable[[Patient, object], dict[str, str | bytes | Iterable[str | bytes]]]
# Internal fields a person has no use for: database ids, the patient (it is their archive),
# the portal account, one-time form tokens.
LEFT_OUT = {"id", "patient", "user", "form_token"}
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


def _label(field) -> str:
    name = str(field.verbose_name)
    return name[:1].upper() + name[1:]


def _readable_value(instance: Model, field):
    if field.choices:
        return getattr(instance, f"get_{field.name}_display")()
    value = getattr(instance, field.name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %b %Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%-d %b %Y}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Model):
        return str(value)  # a person by name, a protocol by its title
    return value


def readable(rows, *, leave_out: Iterable[str] = ()) -> list[dict]:
    """`rows` (a queryset) as a person reads them: the field's label for each key, choices by
    their label, people and other related rows by name, dates as "23 Nov 2026"; internal ids
    (`LEFT_OUT`, `leave_out`) left out. One query (related rows are joined)."""
    return list(readable_by(rows, None, leave_out=leave_out).get(None, []))


def readable_by(rows, group: str | None, *, leave_out: Iterable[str] = ()) -> dict:
    """`readable(rows)` grouped by the value of field `group` (e.g. each session's sites; "id":
    each row on its own, by its id)."""
    hidden = LEFT_OUT | set(leave_out) | {group}
    fields = [field for field in rows.model._meta.concrete_fields if field.name not in hidden]
    related = [field.name for field in fields if field.is_relation]
    attname = rows.model._meta.get_field(group).attname if group else None
    grouped: dict = {}
    for instance in rows.select_related(*related):
        key = getattr(instance, attname) if attname else None
        grouped.setdefault(key, []).append(
            {_label(field): _readable_value(instance, field) for field in fields}
        )
    return grouped


def patient_record(patient: Patient) -> dict:
    """The patient's records, grouped by kind, as a person reads them (a fixed number of
    queries)."""
    patients = Patient.objects.filter(pk=patient.pk)
    record = {
        "Patient": readable(patients)[0],
        "Eligibility": readable(Eligibility.objects.filter(patient=patient)),
        "Medicines tried before": readable(patient.prior_preventives.all()),
        "Precautions and contraindications": readable(patient.flags.all()),
    }
    for provider in _row_providers:
        record.update(provider(patient))
    return record


class _Sink(io.RawIOBase):
    """Where the zip writes: keeps what was written until it is taken (not seekable, so
    `zipfile` streams, with a data descriptor after each file)."""

    def __init__(self):
        self.written: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.written.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self.written)
        self.written.clear()
        return data


def archive_chunks(patient: Patient, request) -> Iterator[bytes]:
    """The zip, a file (or a chunk of a file) at a time: README, record.json, and each app's
    files (diary, calendar, after-care). Memory holds one chunk, not the archive."""
    today = timezone.localdate()
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        with in_language_of(patient):
            readme = ARCHIVE_README % {
                "clinic": settings.CLINIC_NAME,
                "today": shown(today, DAY_MONTH_YEAR),
            }
        archive.writestr("README.txt", readme)
        with translation.override(settings.LANGUAGE_CODE):  # the clinic's words for its records
            record = json.dumps(patient_record(patient), cls=DjangoJSONEncoder, indent=2)
        archive.writestr("record.json", record)
        yield sink.take()
        for provider in _file_providers:
            for name, content in provider(patient, request).items():
                with archive.open(name, "w") as entry:
                    for chunk in [content] if isinstance(content, str | bytes) else content:
                        entry.write(chunk.encode() if isinstance(chunk, str) else chunk)
                        yield sink.take()
                yield sink.take()
    yield sink.take()


def archive_response(request, patient: Patient) -> StreamingHttpResponse:
    """All the patient's records as a zip download, streamed as it is written, logged as an
    export."""
    response = StreamingHttpResponse(
        archive_chunks(patient, request), content_type="application/zip"
    )
    filename = f"records-{patient.mrn}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    audit.record_export(request, patient, "all records (zip)")
    return response
