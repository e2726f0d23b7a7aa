"""Recording side effects of a session and acknowledging the serious ones (DOMAIN.md §1).

Serious events (any sign of spread of toxin effect) wait on every neurologist's home page
until one of them acknowledges the event with what was done; the chart, the session page and
the next session's checklist keep showing who acknowledged it, when, and the note.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.form_tokens import one_time
from treatments.models import AdverseEvent


def adverse_event_add(*, event: AdverseEvent, by, form_token=None) -> AdverseEvent:
    """Validate and record a side effect of its session, as recorded by `by`; a form posted
    twice (`form_token`) records it once (`clinic.form_tokens`)."""
    event.recorded_by = by
    event._history_user = by
    with one_time(form_token, AdverseEvent) as spend:
        event.full_clean()
        event.save()
        spend(event)
    return event


def adverse_event_acknowledge(*, event: AdverseEvent, by, note: str, now: datetime) -> AdverseEvent:
    """Record that `by` has seen the event at `now` and what was done (`note`, required);
    acknowledging it again changes nothing.

    The row is locked, so of two neurologists acknowledging at once the first one is kept.
    """
    if not note.strip():
        raise ValidationError({"note": "Say what was done about this side effect."})
    with transaction.atomic():
        locked = AdverseEvent.objects.select_for_update().get(pk=event.pk)
        if locked.acknowledged_at is None:
            locked.acknowledged_by = by
            locked.acknowledged_at = now
            locked.acknowledgement_note = note.strip()
            locked._history_user = by
            locked.full_clean()
            locked.save(
                update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"]
            )
    event.acknowledged_by, event.acknowledged_at = locked.acknowledged_by, locked.acknowledged_at
    event.acknowledgement_note = locked.acknowledgement_note
    return event
