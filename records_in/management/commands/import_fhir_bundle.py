from records_in.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "Import a FHIR R4 Bundle (JSON) or the NDJSON files of a $export, given together "
        "(docs/migration-in.md): everything or nothing."
    )
    kind = "fhir"
    many = True
