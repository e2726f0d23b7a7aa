from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import audit, form_tokens
from clinic.forms import add_model_errors
from clinic.roles import neurologist_required, staff_required, user_role
from patients import records
from patients.access import patient_for_user, staff_patient
from patients.access_log import patient_events
from patients.chart import chart_sections, patient_header
from patients.data_export import archive_response
from patients.duplicates import likely_duplicates
from patients.eligibility import assess_nice
from patients.forms import (
    ClinicalFlagForm,
    EligibilityForm,
    NewPatientForm,
    PatientForm,
    PatientSearchForm,
    PriorPreventiveForm,
)
from patients.merging import moved_rows
from patients.models import ClinicalFlag, Eligibility, Patient, PatientMerge

PATIENTS_PER_PAGE = 25
EVENTS_PER_PAGE = 50


@neurologist_required
def data_export(request, patient_id: int):
    """Everything held about the patient, for a subject access request."""
    return archive_response(request, patient_for_user(request.user, patient_id))


@staff_required
def patient_list(request):
    form = PatientSearchForm(request.GET or None)
    active_flags = Q(flags__resolved_on__isnull=True)
    patients = form.filter(Patient.objects.all()).annotate(
        active_flag_count=Count("flags", filter=active_flags)
    )
    page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
    if form.is_valid() and form.cleaned_data["q"]:
        # who searched for what, and how many were found; not who (the chart views say that)
        audit.record(
            action=audit.Action.VIEW,
            object_type="patient search",
            changes={"query": form.cleaned_data["q"], "results": page.paginator.count},
            request=request,
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "patients/patient_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_required
def patient_create(request):
    form = NewPatientForm(request.POST or None)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        candidate = form.save(commit=False)
        token = form.cleaned_data["form_token"]
        repeated = token is not None and form_tokens.saved_with(token, Patient) is not None
        if not (form.cleaned_data["different_person"] or repeated):
            duplicates = likely_duplicates(candidate)
    if request.method == "POST" and form.is_valid() and not duplicates:
        try:
            patient = records.patient_save(candidate, form_token=form.cleaned_data["form_token"])
        except form_tokens.AlreadySaved as repeat:
            messages.info(request, form_tokens.ALREADY_SAVED)
            return (
                redirect("patients:chart", repeat.saved.pk)
                if repeat.saved
                else redirect("patients:list")
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, f"Patient {patient.full_name} added with MRN {patient.mrn}.")
            return redirect("patients:chart", patient.pk)
    context = {"form": form, "creating": True, "duplicates": duplicates}
    return render(request, "patients/patient_form.html", context)


@staff_required
def patient_edit(request, patient_id: int):
    patient = staff_patient(request, patient_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            records.patient_save(form.save(commit=False))
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, "Patient details saved.")
            return redirect("patients:chart", patient.pk)
    audit.record_view(request, patient, "details form")
    return render(request, "patients/patient_form.html", {"form": form, **patient_header(patient)})


@staff_required
def patient_chart(request, patient_id: int):
    patient = patient_for_user(
        request.user,
        patient_id,
        Patient.objects.select_related("consent_taken_by", "eligibility").prefetch_related(
            "flags", "prior_preventives"
        ),
        merged=True,
    )
    if patient.status == Patient.Status.MERGED:
        return _merged_chart(request, patient)
    role = user_role(request.user)
    eligibility = getattr(patient, "eligibility", None)
    preventives = list(patient.prior_preventives.all())
    audit.record_view(request, patient, "chart")
    return render(
        request,
        "patients/chart.html",
        {
            **patient_header(patient),
            "eligibility": eligibility,
            "preventives": preventives,
            "nice": assess_nice(patient, eligibility, preventives, timezone.localdate()),
            "all_flags": list(patient.flags.all()),
            "sections": chart_sections(patient, role),
        },
    )


def _merged_chart(request, patient: Patient):
    """A record merged into another: where its rows went, and a link there."""
    merge = PatientMerge.objects.select_related("kept", "merged_by").get(merged=patient)
    audit.record_view(request, patient, "chart")
    return render(
        request,
        "patients/merged.html",
        {"patient": patient, "merge": merge, "moved": moved_rows(merge)},
    )


@neurologist_required
def eligibility_edit(request, patient_id: int):
    patient = staff_patient(request, patient_id)
    instance = Eligibility.objects.filter(patient=patient).first() or Eligibility(
        patient=patient, assessed_by=request.user
    )
    form = EligibilityForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            records.eligibility_save(eligibility=form.save(commit=False), by=request.user)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, "Eligibility saved.")
            return redirect("patients:chart", patient.pk)
    audit.record_view(request, patient, "eligibility form")
    return render(
        request,
        "patients/clinical_form.html",
        {"form": form, "title": "Eligibility (NICE TA260)", **patient_header(patient)},
    )


@neurologist_required
def preventive_edit(request, patient_id: int, preventive_id: int | None = None):
    patient = staff_patient(request, patient_id)
    instance = (
        get_object_or_404(patient.prior_preventives, pk=preventive_id) if preventive_id else None
    )
    form = PriorPreventiveForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        preventive = form.save(commit=False)
        preventive.patient = patient
        try:
            records.preventive_save(
                preventive=preventive, by=request.user, form_token=form.cleaned_data["form_token"]
            )
        except form_tokens.AlreadySaved:
            messages.info(request, form_tokens.ALREADY_SAVED)
            return redirect("patients:chart", patient.pk)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, f"Prior preventive {preventive.name} saved.")
            return redirect("patients:chart", patient.pk)
    title = "Edit prior preventive" if instance else "Add a prior preventive medicine"
    audit.record_view(request, patient, "prior preventive form")
    return render(
        request,
        "patients/clinical_form.html",
        {"form": form, "title": title, **patient_header(patient)},
    )


@neurologist_required
@require_POST
def preventive_delete(request, patient_id: int, preventive_id: int):
    patient = staff_patient(request, patient_id)
    preventive = get_object_or_404(patient.prior_preventives, pk=preventive_id)
    records.preventive_delete(preventive=preventive, by=request.user)
    messages.success(request, f"Prior preventive {preventive.name} removed.")
    return redirect("patients:chart", patient.pk)


@neurologist_required
def flag_add(request, patient_id: int):
    patient = staff_patient(request, patient_id)
    form = ClinicalFlagForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            flag = records.flag_add(flag=form.save(commit=False), by=request.user)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, f"{flag} recorded.")
            return redirect("patients:chart", patient.pk)
    audit.record_view(request, patient, "flag form")
    return render(
        request,
        "patients/clinical_form.html",
        {
            "form": form,
            "title": "Record a precaution or contraindication",
            **patient_header(patient),
        },
    )


@neurologist_required
@require_POST
def flag_resolve(request, patient_id: int, flag_id: int):
    patient = staff_patient(request, patient_id)
    flag = get_object_or_404(ClinicalFlag, patient=patient, pk=flag_id, resolved_on__isnull=True)
    try:
        records.flag_resolve(flag=flag, by=request.user, today=timezone.localdate())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{flag} marked as resolved.")
    return redirect("patients:chart", patient.pk)


@neurologist_required
def access_log(request, patient_id: int):
    """Everyone who viewed, changed or exported this patient's records, newest first (also of
    a record merged into another: what happened to it before)."""
    patient = patient_for_user(
        request.user, patient_id, Patient.objects.prefetch_related("flags"), merged=True
    )
    audit.record_view(request, patient, "access log")
    page = Paginator(patient_events(patient), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "patients/access_log.html", {**patient_header(patient), "page": page})
