"""The read-only FHIR R4 API: resources of every app below, for other systems and patients."""

from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "fhir_api"
    verbose_name = "FHIR API"
