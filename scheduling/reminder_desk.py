"""The desk's side of reminders: who confirmed, who asked to change, who cannot be reached and
what failed, with counts; the batch of letters to print and the reminder calls to make.

Only reminders still wanted count (`scheduling.reminders.still_wanted`): an appointment not yet
begun and still booked, or a check-in still open. Each list is one query, whatever its size,
and reads only the reminders made in the last `RECENT_DAYS` (an index range), not every
reminder ever sent.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from patients.models import Patient
from scheduling.calls import calls_first, with_calls
from scheduling.models import Reminder
from scheduling.reminders import still_wanted
from scheduling.worklists import ROWS

Status = Reminder.Status
Response = Reminder.Response
FAILED = [Status.FAILED, Status.GAVE_UP]
# Reminders are made days before their appointment, prompts at most 28 days after a session.
RECENT_DAYS = 60
# The desk's lists: name → (what a row of it is, its order).
LISTS = {
    "asked_to_change": (Q(response=Response.CHANGE), "responded_at"),
    "unreachable": (Q(status=Status.UNREACHABLE), "updated_at"),
    "failed": (Q(status__in=FAILED), "updated_at"),
    "to_call": (Q(status=Status.TO_CALL), "pk"),
    "confirmed": (Q(response=Response.CONFIRMED), "-responded_at"),
}
COUNTED = {
    **{name: condition for name, (condition, _) in LISTS.items()},
    "sent": Q(status=Status.SENT),
    "to_print": Q(status=Status.TO_PRINT),
    "waiting": Q(status=Status.PENDING),
}


@dataclass
class ReminderDesk:
    counts: dict
    asked_to_change: list
    unreachable: list
    failed: list
    to_call: list
    confirmed: list
    rows: int = ROWS


def current_reminders(now: datetime):
    return (
        Reminder.objects.filter(created_at__gte=now - timedelta(days=RECENT_DAYS))
        .filter(still_wanted(now))
        .exclude(patient__status=Patient.Status.DISCHARGED)
        .select_related("patient", "appointment__clinician", "session")
    )


def reminder_counts(now: datetime) -> dict[str, int]:
    """How many current reminders each list has, and how many were sent, wait to be printed
    or to be sent: one query."""
    return current_reminders(now).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in COUNTED.items()}
    )


def reminder_desk(now: datetime) -> ReminderDesk:
    current = current_reminders(now)
    lists = {
        name: current.filter(condition).order_by(order, "pk")
        for name, (condition, order) in LISTS.items()
    }
    lists["to_call"] = calls_first(with_calls(lists["to_call"], "patient", now), "pk")
    return ReminderDesk(
        counts=reminder_counts(now), **{name: list(rows[:ROWS]) for name, rows in lists.items()}
    )


def letters_to_print(now: datetime) -> list[Reminder]:
    """The letters waiting to be printed, by family name."""
    return list(
        current_reminders(now)
        .filter(status=Status.TO_PRINT)
        .order_by("patient__family_name", "patient__given_name", "pk")
    )


def letters_printed(*, reminder_ids: list[int], by, now: datetime) -> int:
    """Record that `by` printed these letters at `now`; those already recorded (by someone
    else, even a moment ago: the UPDATE rechecks the status of a row it waited for) are left
    as they are. Returns how many were recorded."""
    letters = Reminder.objects.filter(pk__in=reminder_ids, status=Status.TO_PRINT)
    return letters.update(status=Status.SENT, sent_at=now, sent_by=by, updated_at=now)
