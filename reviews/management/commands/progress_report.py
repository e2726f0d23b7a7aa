from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinic import audit, csv_safety
from clinic.batches import BATCH
from patients.models import Patient
from reviews.progress_report import (
    CSV_COLUMNS,
    json_array,
    json_lines,
    report_records,
    window_rows,
)


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--as-of must be a date like 2026-11-23, not {text!r}.") from error


class Command(BaseCommand):
    help = (
        "Print each patient's progress toward the review (baseline, cycles, reductions, the "
        "suggested verdict, medication overuse, the diagnosis, the latest decision and the "
        "course: its state, next injection and review due) as JSON (an array, or JSON lines), or "
        "as CSV with one row per window, written batch by batch in constant memory."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=["json", "jsonl", "csv"],
            default="json",
            help="json: one array; jsonl: one record a line; csv: one row per window. Written "
            f"as computed, {BATCH} patients at a time.",
        )
        parser.add_argument("--mrn", help="Only this patient.")
        parser.add_argument("--as-of", help="Compute as of this date (YYYY-MM-DD; default today).")

    def handle(self, *args, format: str, mrn: str | None, as_of: str | None, **options):
        day = iso_date(as_of) if as_of else timezone.localdate()
        patients = Patient.objects.order_by("mrn")
        if mrn:
            patients = patients.filter(mrn=mrn)
            if not patients.exists():
                raise CommandError(f"No patient with MRN {mrn}.")
        audit.record(
            action=audit.Action.EXPORT,
            object_type="progress report",
            changes={"format": format, "mrn": mrn or "", "as_of": day.isoformat()},
        )
        found = report_records(patients, day)
        if format in ("json", "jsonl"):
            write = json_array if format == "json" else json_lines
            for text in write(record for record, _ in found):
                self.stdout.write(text, ending="")
            return
        writer = csv_safety.DictWriter(self.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for record, progress in found:
            writer.writerows(window_rows(record, progress))
