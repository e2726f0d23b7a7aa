from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from diaries.exchange import import_csv
from patients.models import Patient


class Command(BaseCommand):
    help = (
        "Import a diary CSV file for the patient with this MRN. Every row is checked first; "
        "nothing is imported unless all rows are valid. Importing the same file again changes "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("mrn", help="The patient's medical record number.")
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8, at most 10 MB).")

    def handle(self, *args, mrn: str, file: Path, **options):
        patient = Patient.objects.filter(mrn=mrn.strip().upper()).first()
        if patient is None:
            raise CommandError(f"No patient has the MRN {mrn}.")
        try:
            if file.stat().st_size > settings.MAX_UPLOAD_SIZE:
                raise CommandError(f"{file} is larger than 10 MB. Split it into smaller files.")
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        result = import_csv(patient, data)
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"Nothing imported: {len(result.errors)} problem(s) in {file}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.added} day(s) for {patient.mrn}; {result.unchanged} already "
                f"in the diary unchanged; {result.medicines_added} medicine(s) added."
            )
        )
