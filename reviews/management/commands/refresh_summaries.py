from django.core.management.base import BaseCommand
from django.utils import timezone

from reviews.summaries import refresh_summaries


class Command(BaseCommand):
    help = (
        "Recompute the review queue's progress summaries as of today. Run it just after "
        "midnight (cron or a systemd timer): the diary windows move with the date, and pages "
        "only read the summaries."
    )

    def handle(self, *args, **options):
        today = timezone.localdate()
        progress = refresh_summaries(today)
        self.stdout.write(f"Review queue summaries refreshed: {progress} (as of {today}).")
