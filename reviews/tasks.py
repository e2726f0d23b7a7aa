"""Jobs of the review queue, run by the job runner (clinic/jobs.py)."""

from django.utils import timezone

from clinic import jobs
from reviews.summaries import refresh_summaries


@jobs.periodic(cron="5 * * * *", name="reviews.refresh_summaries")
def refresh_review_summaries(timestamp: int) -> str:
    """Just after midnight in the clinic's zone (cron runs in UTC, so it ticks hourly and acts
    at the local midnight hour, summer or winter): what `manage.py refresh_summaries` does."""
    local = timezone.localtime(jobs.tick_time(timestamp))
    if local.hour != 0:
        return "not the clinic's midnight hour"
    return f"{refresh_summaries(local.date())} summaries refreshed as of {local.date()}"
