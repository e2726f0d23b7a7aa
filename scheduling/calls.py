"""The desk's call log: recording an attempt to reach a patient, and the worklists' view of it.

An attempt counts on the worklists for `CALL_WINDOW_DAYS`: rows tried fewer times, and longer
ago, come first, so a "no answer" moves the patient down the list until the others have been
tried. A patient spoken to or booked drops to the bottom of the list the same way; booking
takes them off the list altogether.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from patients.models import Patient
from scheduling.models import CallAttempt, Reminder

CALL_WINDOW_DAYS = 14
CHOICES = CallAttempt.Outcome.choices
# A call that reached the patient, or left them a message, gives them their reminder.
REACHED = [CallAttempt.Outcome.CALLED, CallAttempt.Outcome.LEFT_MESSAGE, CallAttempt.Outcome.BOOKED]


@transaction.atomic
def record_call(*, patient: Patient, outcome: str, note: str, by, now: datetime) -> CallAttempt:
    """Log one attempt to reach `patient` (an `CallAttempt.Outcome`), made by `by` at `now`.
    A call that reached them marks their reminders waiting for a call (`scheduling.reminders`)
    given, by `by`."""
    attempt = CallAttempt(
        patient=patient, outcome=outcome, note=note.strip(), made_by=by, made_at=now
    )
    attempt.full_clean()
    attempt.save()
    if outcome in REACHED:
        Reminder.objects.filter(patient=patient, status=Reminder.Status.TO_CALL).update(
            status=Reminder.Status.SENT, sent_at=now, sent_by=by, updated_at=now
        )
    return attempt


def with_calls(queryset, patient_field: str, now: datetime):
    """Annotate rows of `queryset` (patients, or rows with a `patient_field`) with `calls_tried`,
    `last_call_at` and `last_call_outcome` of the last `CALL_WINDOW_DAYS`, in the same query."""
    recent = CallAttempt.objects.filter(
        patient=OuterRef(patient_field), made_at__gte=now - timedelta(days=CALL_WINDOW_DAYS)
    )
    latest = recent.order_by("-made_at")
    tried = recent.order_by().values("patient").annotate(n=Count("pk")).values("n")
    return queryset.annotate(
        calls_tried=Coalesce(Subquery(tried, output_field=IntegerField()), Value(0)),
        last_call_at=Subquery(latest.values("made_at")[:1]),
        last_call_outcome=Subquery(latest.values("outcome")[:1]),
    ).annotate(
        last_call_label=Case(
            *(When(last_call_outcome=value, then=Value(label)) for value, label in CHOICES),
            output_field=CharField(),
        )
    )


def calls_first(queryset, *order):
    """Least-tried, longest-ago first, then `order`."""
    return queryset.order_by("calls_tried", F("last_call_at").asc(nulls_first=True), *order)
