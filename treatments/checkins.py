"""The side-effect check-in the portal asks 2 to 4 weeks after each session.

Each answer becomes an adverse event on that session; swallowing and breathing trouble are
serious kinds, so they wait on every neurologist's home page until acknowledged.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from patients.models import Patient
from treatments.models import AdverseEvent, InjectionSession, SideEffectCheckIn
from treatments.side_effects import adverse_event_add

ALREADY_ANSWERED = gettext_lazy("Thank you: you already answered this check-in.")
CHECK_IN_FROM_DAYS = 14
CHECK_IN_UNTIL_DAYS = 28

# What the check-in asks, and the adverse event each answer records.
QUESTIONS = {
    "neck": (gettext_lazy("Neck pain or weakness"), AdverseEvent.Kind.NECK_PAIN),
    "eyelid": (gettext_lazy("A drooping eyelid"), AdverseEvent.Kind.PTOSIS),
    "swallowing": (gettext_lazy("Trouble swallowing"), AdverseEvent.Kind.DYSPHAGIA),
    "breathing": (gettext_lazy("Trouble breathing"), AdverseEvent.Kind.BREATHING),
}


@dataclass(frozen=True)
class Answer:
    kind: str
    description: str = ""


def check_in_window(session: InjectionSession) -> tuple[date, date]:
    return (
        session.performed_on + timedelta(days=CHECK_IN_FROM_DAYS),
        session.performed_on + timedelta(days=CHECK_IN_UNTIL_DAYS),
    )


def check_in_due(patient: Patient, today: date) -> InjectionSession | None:
    """The session 2 to 4 weeks ago whose check-in is still unanswered, if any."""
    return (
        InjectionSession.objects.filter(
            patient=patient,
            performed_on__range=(
                today - timedelta(days=CHECK_IN_UNTIL_DAYS),
                today - timedelta(days=CHECK_IN_FROM_DAYS),
            ),
            check_in__isnull=True,
        )
        .order_by("-performed_on")
        .first()
    )


def check_in_closed(*, session: InjectionSession, today: date) -> str | None:
    """Why the check-in after `session` cannot be answered `today`; None while it is open."""
    opens, closes = check_in_window(session)
    if SideEffectCheckIn.objects.filter(session=session).exists():
        return ALREADY_ANSWERED
    if not opens <= today <= closes:
        return gettext("This check-in is open from %(opens)s to %(closes)s.") % {
            "opens": date_format(opens, "MONTH_DAY_FORMAT"),
            "closes": date_format(closes, gettext("j F Y")),
        }
    return None


def check_in_answer(
    *,
    session: InjectionSession,
    by,
    answers: list[Answer],
    severity: str,
    onset_on: date,
    now: datetime,
) -> list[AdverseEvent]:
    """Record the check-in and an adverse event per answer, all or nothing; return the events."""
    check_in = SideEffectCheckIn(
        session=session, answered_by=by, answered_at=now, nothing_to_report=not answers
    )
    check_in._history_user = by
    with transaction.atomic():
        check_in.full_clean(validate_unique=False)  # the unique session is the insert's to check
        try:
            with transaction.atomic():
                check_in.save()
        except IntegrityError as error:  # the same check-in sent twice at the same moment
            raise ValidationError(ALREADY_ANSWERED) from error
        return [
            adverse_event_add(
                event=AdverseEvent(
                    session=session,
                    kind=answer.kind,
                    description=answer.description,
                    onset_on=onset_on,
                    severity=severity,
                    notes="Reported by the patient in the portal check-in.",
                ),
                by=by,
            )
            for answer in answers
        ]
