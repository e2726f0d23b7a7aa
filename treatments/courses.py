"""A patient's course of treatment: the 12-week interval and what it implies.

Other apps (scheduling, diary, reviews) read sessions through these helpers so that every
screen counts the interval the same way (DOMAIN.md §1).
"""

from datetime import date, timedelta
from decimal import Decimal

INTERVAL_DAYS = 84


def next_due_on(performed_on: date) -> date:
    """The day the next session is due: 84 days after this one."""
    return performed_on + timedelta(days=INTERVAL_DAYS)


def previous_session(patient_id: int, day: date, exclude_pk: int | None = None):
    """The patient's latest session on or before `day` (other than `exclude_pk`), or None."""
    from treatments.models import InjectionSession

    sessions = InjectionSession.objects.filter(patient_id=patient_id, performed_on__lte=day)
    if exclude_pk:
        sessions = sessions.exclude(pk=exclude_pk)
    return sessions.order_by("-performed_on").first()


def heaviest_window_units(
    patient_id: int, day: date, units: Decimal, exclude_pk: int | None = None
) -> Decimal:
    """Most units in any 84-day window containing `day`, if `units` were given that day.

    A window holding `day` can always slide right until it starts on the earliest session it
    holds, so trying the windows that start on each session date up to `day` is enough.
    """
    from treatments.models import InjectionSession

    span = timedelta(days=INTERVAL_DAYS - 1)
    nearby = InjectionSession.objects.filter(
        patient_id=patient_id, performed_on__range=(day - span, day + span)
    )
    if exclude_pk:
        nearby = nearby.exclude(pk=exclude_pk)
    given = [*nearby.values_list("performed_on", "units_given"), (day, units)]
    starts = {on for on, _ in given if on <= day}
    return max(
        sum((amount for on, amount in given if start <= on <= start + span), Decimal(0))
        for start in starts
    )
