"""The portal's side-effect check-in: the patient's own sessions only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clinic import audit
from clinic.forms import add_model_errors
from clinic.roles import patient_required
from patients.access import own_patient
from treatments.checkin_forms import CheckInForm
from treatments.checkins import check_in_answer, check_in_window
from treatments.models import InjectionSession, SideEffectCheckIn


@patient_required
def check_in(request, session_id: int):
    """The side-effect check-in for one of the patient's own sessions, 2 to 4 weeks after it."""
    patient = own_patient(request.user)
    session = get_object_or_404(InjectionSession, patient=patient, pk=session_id)
    opens, closes = check_in_window(session)
    if SideEffectCheckIn.objects.filter(session=session).exists():
        messages.info(request, "Thank you: you already answered this check-in.")
        return redirect("portal:home")
    if not opens <= timezone.localdate() <= closes:
        messages.info(request, f"This check-in is open from {opens:%-d %B} to {closes:%-d %B %Y}.")
        return redirect("portal:home")
    form = CheckInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            events = check_in_answer(
                session=session,
                by=request.user,
                answers=form.answers(),
                severity=form.cleaned_data["severity"],
                onset_on=form.cleaned_data["onset_on"],
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            if any(event.serious for event in events):
                messages.warning(
                    request,
                    "Thank you. Your neurologist has been alerted and the clinic will contact "
                    "you. If you have trouble breathing, swallowing or speaking now, call 999.",
                )
            else:
                messages.success(request, "Thank you: your answers are with the clinic.")
            return redirect("portal:home")
    audit.record_view(request, patient, "side-effect check-in")
    return render(
        request, "treatments/check_in.html", {"form": form, "session": session, "patient": patient}
    )
