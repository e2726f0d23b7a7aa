"""Jobs of the FHIR API, run by the job runner (clinic/jobs.py)."""

from fhir_api.bulk import bulk_export

__all__ = ["bulk_export"]  # $export files (fhir_api/bulk.py)
