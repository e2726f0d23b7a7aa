import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic import audit, csv_safety
from patients.models import Patient
from reviews.progress import progress_for_patients
from reviews.progress_report import CSV_COLUMNS, course_records, patient_record, window_rows


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--as-of must be a date like 2026-11-23, not {text!r}.") from error


class Command(BaseCommand):
    help = (
        "Print each patient's progress toward the review (baseline, cycles, reductions, the "
        "suggested verdict, medication overuse, the diagnosis, the latest decision and the "
        "course: its state, next injection and review due) as JSON, or as CSV with one row "
        "per window."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--mrn", help="Only this patient.")
        parser.add_argument("--as-of", help="Compute as of this date (YYYY-MM-DD; default today).")

    def handle(self, *args, format: str, mrn: str | None, as_of: str | None, **options):
        day = iso_date(as_of) if as_of else timezone.localdate()
        patients = Patient.objects.order_by("mrn")
        if mrn:
            patients = patients.filter(mrn=mrn)
            if not patients.exists():
                raise CommandError(f"No patient with MRN {mrn}.")
        mrns = dict(patients.values_list("pk", "mrn"))
        progress = progress_for_patients(mrns, day, with_overuse=True)
        courses = course_records(mrns, day)
        records = [
            {
                **patient_record(mrns[pk], progress[pk]),
                "diagnosis": progress[pk].diagnosis,
                **courses[pk],
            }
            for pk in mrns
        ]
        audit.record(
            action=audit.Action.EXPORT,
            object_type="progress report",
            changes={"format": format, "mrn": mrn or "", "as_of": day.isoformat()},
        )
        if format == "json":
            self.stdout.write(json.dumps(records, indent=2))
            return
        writer = csv_safety.DictWriter(self.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for pk, record in zip(mrns, records, strict=True):
            writer.writerows(window_rows(record, progress[pk]))
