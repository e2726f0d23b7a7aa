from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from clinic.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the clinic's database to a timestamped pg_dump file (custom format) under "
        "var/backups, or --dir: the file 0600 in a 0700 folder, encrypted with GnuPG to the "
        "public key file BACKUP_PUBLIC_KEY when set (.dump.gpg). Restore it with "
        "`manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=settings.VAR_DIR / "backups")

    def handle(self, *args, dir: Path, **options):
        try:
            path = backup(dir)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size_mb = path.stat().st_size / 1_000_000
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path} ({size_mb:.1f} MB)."))
