from records_in.commands import ImportCommand


class Command(ImportCommand):
    help = "Import a sessions CSV file (docs/migration-in.md): all rows or none."
    kind = "sessions"
