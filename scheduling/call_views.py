"""The worklist row's call log form: one POST records an attempt and returns to the worklist
(or to the reminders page it came from)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic.roles import staff_required
from patients.access import patient_for_user
from scheduling.calls import record_call
from scheduling.models import CallAttempt


class CallForm(forms.Form):
    outcome = forms.ChoiceField(choices=CallAttempt.Outcome.choices)
    note = forms.CharField(max_length=200, required=False)


@staff_required
@require_POST
def call_record(request, patient_id: int):
    patient = patient_for_user(request.user, patient_id)
    form = CallForm(request.POST)
    if form.is_valid():
        try:
            record_call(patient=patient, by=request.user, now=timezone.now(), **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Call to {patient.full_name} logged.")
    else:
        messages.error(request, "Choose what happened on the call.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("home")
