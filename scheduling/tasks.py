"""Jobs of the front desk, run by the job runner (clinic/jobs.py)."""

from django.utils import timezone

from clinic import jobs
from scheduling.reminders import (
    DEFAULT_DAYS_BEFORE,
    check_in_prompts_queue,
    reminders_queue,
    reminders_send,
)

# Reminders go out in the clinic's day, as the old crontab did (07:00–20:45 local time).
REMINDER_HOURS = range(7, 21)


@jobs.periodic(cron="*/15 * * * *", name="scheduling.send_reminders")
def send_reminders(timestamp: int) -> str:
    """Every 15 minutes in the clinic's day: what `manage.py send_reminders` does."""
    now = jobs.tick_time(timestamp)
    if timezone.localtime(now).hour not in REMINDER_HOURS:
        return "outside the clinic's day"
    queued = reminders_queue(days_before=DEFAULT_DAYS_BEFORE, now=now)
    run = reminders_send(now=now)
    return f"{queued} new, {run}"


@jobs.periodic(cron="0 9 * * *", name="scheduling.prompt_check_ins")
def prompt_check_ins(timestamp: int) -> str:
    """Each morning (09:00 UTC, in the clinic's day): ask each patient whose side-effect
    check-in is open and unanswered to answer it, once, by their preferred channel; the
    reminder job's next run retries what failed."""
    now = jobs.tick_time(timestamp)
    queued = check_in_prompts_queue(today=timezone.localdate(now))
    run = reminders_send(now=now)
    return f"{queued} new check-in prompts, {run}"
