"""The import commands: a file (or, for FHIR, several), who imports, a dry run."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from records_in.run import import_file


class ImportCommand(BaseCommand):
    kind = ""
    many = False

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+" if self.many else 1, type=Path)
        parser.add_argument(
            "--by",
            required=True,
            help="Username of the administrator the records are recorded by (the audit trail).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and save nothing."
        )

    def handle(self, *args, files, by, dry_run, **options):
        user = get_user_model().objects.filter(username=by).first()
        if user is None:
            raise CommandError(f"No user {by}.")
        try:
            contents = [(path.name, path.read_bytes()) for path in files]
        except OSError as error:
            raise CommandError(str(error)) from error
        outcome = import_file(self.kind, contents, by=user, dry_run=dry_run)
        for error in outcome.errors:
            self.stderr.write(error)
        if outcome.errors:
            raise CommandError(outcome.summary())
        self.stdout.write(outcome.summary())
