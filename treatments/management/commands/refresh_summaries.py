from django.core.management.base import BaseCommand
from django.utils import timezone

from treatments.review_queue import queue_patients
from treatments.summaries import refresh_courses, refresh_stale_progress


class Command(BaseCommand):
    help = (
        "Recompute the course and review-queue summaries that are out of date. Pages do this "
        "themselves when they need to; run it just after midnight (cron or a systemd timer) so "
        "that the first neurologist of the day does not wait for the whole queue's windows."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        courses = refresh_courses()
        progress = refresh_stale_progress(queue_patients(today), today)
        self.stdout.write(
            f"Summaries refreshed: {courses} courses, {progress} progress (as of {today})."
        )
