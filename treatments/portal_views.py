"""The portal's side-effect check-in: the patient's own sessions only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from clinic import audit
from clinic.forms import add_model_errors
from clinic.roles import patient_required
from patients.access import own_patient
from treatments.checkin_forms import CheckInForm
from treatments.checkins import check_in_answer, check_in_closed
from treatments.models import AdverseEvent, InjectionSession

SERIOUS_THANKS = gettext_lazy(
    "Thank you. Your neurologist has been alerted and the clinic will contact "
    "you. If you have trouble breathing, swallowing or speaking now, call 999."
)


@patient_required
def check_in(request, session_id: int):
    """The side-effect check-in for one of the patient's own sessions, 2 to 4 weeks after it."""
    patient = own_patient(request.user)
    session = get_object_or_404(InjectionSession, patient=patient, pk=session_id)
    closed = check_in_closed(session=session, today=timezone.localdate())
    if closed:
        messages.info(request, closed)
        return redirect("portal:home")
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            events = _answer(request, session, form)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            _thank(request, events)
            return redirect("portal:home")
    audit.record_view(request, patient, "side-effect check-in")
    return render(
        request, "treatments/check_in.html", {"form": form, "session": session, "patient": patient}
    )


def _answer(request, session: InjectionSession, form: CheckInForm) -> list[AdverseEvent]:
    return check_in_answer(
        session=session,
        by=request.user,
        answers=form.answers(),
        severity=form.cleaned_data["severity"],
        onset_on=form.cleaned_data["onset_on"],
        now=timezone.now(),
    )


def _thank(request, events: list[AdverseEvent]) -> None:
    """Thank the patient; if anything reported is serious, say what happens next."""
    if any(event.serious for event in events):
        messages.warning(request, SERIOUS_THANKS)
    else:
        messages.success(request, gettext("Thank you: your answers are with the clinic."))
