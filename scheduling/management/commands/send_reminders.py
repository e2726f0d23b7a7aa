from django.core.management.base import BaseCommand
from django.utils import timezone

from scheduling.reminders import DEFAULT_DAYS_BEFORE, reminders_queue, reminders_send


class Command(BaseCommand):
    help = (
        "Remind patients of each booked appointment a number of days before it, by their "
        "preferred contact (email, text message, a letter to print, or a call for the desk). "
        "Safe to run as often as you like, even twice at once: each reminder is sent once; "
        "failed ones are retried on the next run. The job runner runs it every 15 minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days-before",
            type=int,
            default=DEFAULT_DAYS_BEFORE,
            help=f"Remind this many days ahead (default {DEFAULT_DAYS_BEFORE}).",
        )

    def handle(self, *args, days_before: int, **options):
        if days_before < 0:
            self.stderr.write("--days-before cannot be negative.")
            raise SystemExit(2)
        now = timezone.now()
        queued = reminders_queue(days_before=days_before, now=now)
        run = reminders_send(now=now)
        self.stdout.write(f"Reminders: {queued} new, {run}.")
