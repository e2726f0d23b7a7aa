from django.shortcuts import render

from clinic import audit
from clinic.roles import patient_required
from patients.access import own_patient


@patient_required
def portal_home(request):
    patient = own_patient(request.user)
    audit.record_view(request, patient, "portal home")
    return render(request, "diaries/portal_home.html", {"patient": patient})
