"""Recording side effects of a session and acknowledging the serious ones (DOMAIN.md §1).

Serious events (any sign of spread of toxin effect) wait on every neurologist's home page
until one of them acknowledges the event.
"""

from datetime import datetime

from django.db import transaction

from treatments.models import AdverseEvent


def adverse_event_add(*, event: AdverseEvent, by) -> AdverseEvent:
    """Validate and record a side effect of its session, as recorded by `by`."""
    event.recorded_by = by
    event._history_user = by
    with transaction.atomic():
        event.full_clean()
        event.save()
    return event


def adverse_event_acknowledge(*, event: AdverseEvent, by, now: datetime) -> AdverseEvent:
    """Record that `by` has seen the event at `now`; acknowledging it again changes nothing.

    The row is locked, so of two neurologists acknowledging at once the first one is kept.
    """
    with transaction.atomic():
        locked = AdverseEvent.objects.select_for_update().get(pk=event.pk)
        if locked.acknowledged_at is None:
            locked.acknowledged_by = by
            locked.acknowledged_at = now
            locked._history_user = by
            locked.full_clean()
            locked.save(update_fields=["acknowledged_by", "acknowledged_at"])
    event.acknowledged_by, event.acknowledged_at = locked.acknowledged_by, locked.acknowledged_at
    return event
