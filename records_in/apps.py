"""Migration in: patients, treatment history and reported baselines from CSV files or a FHIR
Bundle, through the same domain functions as the forms (docs/migration-in.md)."""

from django.apps import AppConfig


class RecordsInConfig(AppConfig):
    name = "records_in"
    verbose_name = "Records in"
