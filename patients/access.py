"""Fetch patients only where the logged-in user may see them."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from clinic.roles import STAFF_ROLES, Role, user_role
from patients.models import Patient


def patient_for_user(user, patient_id: int, queryset=None, merged=False) -> Patient:
    """Staff see any patient; a patient only themself. Anything else is a 404 (nothing leaks).

    `queryset` lets a view add its select_related/prefetch_related to the one query. A record
    merged into another (patients/merging.py) is a 404 but where `merged` says a page shows it.
    """
    role = user_role(user)
    patients = Patient.objects.all() if queryset is None else queryset
    if not merged:
        patients = patients.exclude(status=Patient.Status.MERGED)
    if role == Role.PATIENT:
        patients = patients.filter(user=user)
    elif role not in STAFF_ROLES:
        patients = patients.none()
    return get_object_or_404(patients, pk=patient_id)


def own_patient_or_none(user) -> Patient | None:
    """The patient record behind a portal account, or None; fetched once per request (kept on
    the user object: the language middleware asks first, the view again)."""
    if not hasattr(user, "_own_patient"):
        patients = Patient.objects.exclude(status=Patient.Status.MERGED)
        user._own_patient = patients.filter(user=user).first()
    return user._own_patient


def own_patient(user) -> Patient:
    """The patient record behind a portal account (404 if the account has none)."""
    patient = own_patient_or_none(user)
    if patient is None:
        raise Http404("No patient record for this account.")
    return patient


def staff_patient(request, patient_id: int) -> Patient:
    """The patient with flags prefetched, for pages that show the warning header."""
    return patient_for_user(request.user, patient_id, Patient.objects.prefetch_related("flags"))
