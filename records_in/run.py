"""One entry point for the commands and the upload page: a kind of file, its bytes, who."""

from records_in.csv_in import KINDS
from records_in.fhir_in import import_fhir
from records_in.importing import Outcome, import_csv

FHIR = "fhir"


def import_file(kind: str, files: list[tuple[str, bytes]], *, by, dry_run=False) -> Outcome:
    """Import `files` (name, content) of `kind` ("patients", "sessions", "baselines" or
    "fhir"), all or nothing."""
    if kind == FHIR:
        return import_fhir(files, by=by, dry_run=dry_run)
    (name, data), *others = files
    if others:
        return Outcome(errors=["Give one CSV file at a time."], dry_run=dry_run)
    return import_csv(KINDS[kind], data, by=by, dry_run=dry_run)
