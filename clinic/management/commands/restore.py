from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clinic.backup import BackupError, Database, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database: the configured "
        "one, or --database NAME on the same server (created if missing, under a temporary "
        "name until the restore succeeded). A database that already has tables is refused; "
        "an encrypted .dump.gpg must be decrypted first (gpg --decrypt)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .dump file to restore.")
        parser.add_argument("--database", help="Restore into this database instead.")

    def handle(self, *args, file: Path, database: str | None, **options):
        target = Database.from_settings(connection.settings_dict, name=database)
        connection.close()  # the restore must not wait on our own session
        try:
            restore(file, target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {file} into {target.name}."))
