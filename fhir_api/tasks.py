"""Jobs of the FHIR API, run by the job runner (clinic/jobs.py)."""

from clinic import jobs
from fhir_api.bulk import bulk_export, prune_exports

__all__ = ["bulk_export", "prune_bulk_exports"]  # $export files (fhir_api/bulk.py)


@jobs.periodic(cron="20 * * * *", name="fhir_api.prune_exports")
def prune_bulk_exports(timestamp: int) -> str:
    """Every hour: delete the files of the bulk exports older than FHIR_EXPORT_KEEP_DAYS."""
    return f"{prune_exports(jobs.tick_time(timestamp))} expired export files deleted"
