"""When each patient's next injection is due: 84 days after their last one (DOMAIN.md §1).

The last injection is the later of the last recorded session and the last completed injection
appointment (front desk may complete the appointment before the session is written up).
"""

from datetime import date

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, TruncDate

from treatments.courses import next_due_on
from treatments.models import Appointment, InjectionSession


def with_injection_due(patients: QuerySet) -> QuerySet:
    """Annotate `last_injection_on` (None if never injected) and `session_count`, in SQL."""
    last_session = InjectionSession.objects.filter(patient=OuterRef("pk")).order_by("-performed_on")
    last_completed = (
        Appointment.objects.filter(
            patient=OuterRef("pk"),
            kind=Appointment.Kind.INJECTION,
            status=Appointment.Status.COMPLETED,
        )
        .order_by("-starts_at")
        .annotate(day=TruncDate("starts_at"))
    )
    session_count = (
        InjectionSession.objects.filter(patient=OuterRef("pk"))
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return patients.annotate(
        # PostgreSQL's GREATEST ignores NULLs: it is NULL only if both are.
        last_injection_on=Greatest(
            Subquery(last_session.values("performed_on")[:1]),
            Subquery(last_completed.values("day")[:1]),
        ),
        session_count=Coalesce(Subquery(session_count, output_field=IntegerField()), Value(0)),
    )


def injection_due_on(patient) -> date | None:
    """The day the patient's next injection is due, or None before their first."""
    from patients.models import Patient

    last = with_injection_due(Patient.objects.filter(pk=patient.pk)).values_list(
        "last_injection_on", flat=True
    )[0]
    return next_due_on(last) if last else None
