"""Merging a duplicate record into the one whose chart this is: pick, preview, confirm."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import audit
from clinic.forms import add_model_errors
from clinic.roles import neurologist_required
from patients.access import patient_for_user
from patients.chart import patient_header
from patients.duplicates import likely_duplicates
from patients.forms import MergeForm, MergeSearchForm
from patients.merging import merge_plan, merge_records
from patients.models import Patient, PatientMerge

FOUND_SHOWN = 20


@neurologist_required
def merge(request, patient_id: int):
    """GET: find the other record (the likely duplicates, or a search); with `other`, the
    preview. POST: the merge, with a reason."""
    kept = patient_for_user(
        request.user, patient_id, Patient.objects.select_related("user").prefetch_related("flags")
    )
    search = MergeSearchForm(request.GET)
    if request.method != "POST" and not (search.is_valid() and search.cleaned_data["other"]):
        return _pick(request, kept, search)
    if request.method == "POST":
        form = MergeForm(request.POST)
        if not form.is_valid() and "other" in form.errors:
            raise Http404("No such record.")
        other_id = form.cleaned_data["other"]
    else:
        other_id = search.cleaned_data["other"]
        form = MergeForm(initial={"other": other_id})
    merged = patient_for_user(
        request.user,
        other_id,
        Patient.objects.select_related("user").prefetch_related("flags"),
        merged=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            merge_records(
                kept=kept,
                merged=merged,
                by=request.user,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
            )
        except ValidationError as error:
            if PatientMerge.objects.filter(kept=kept, merged=merged).exists():  # sent twice
                messages.info(request, f"{merged} was already merged into this record.")
                return redirect("patients:chart", kept.pk)
            add_model_errors(form, error)
        else:
            messages.success(request, f"{merged} was merged into this record.")
            return redirect("patients:chart", kept.pk)
    plan = merge_plan(kept, merged)
    audit.record_view(request, kept, "merge preview")
    if merged.pk != kept.pk:
        audit.record_view(request, merged, "merge preview")
    return render(
        request,
        "patients/merge_preview.html",
        {**patient_header(kept), "merged": merged, "plan": plan, "form": form},
    )


def _pick(request, kept: Patient, search: MergeSearchForm):
    query = search.cleaned_data["q"] if search.is_valid() else ""
    found = []
    if query:
        found = list(
            Patient.objects.search(query)
            .exclude(pk=kept.pk)
            .exclude(status=Patient.Status.MERGED)
            .order_by("family_name", "given_name", "mrn")[:FOUND_SHOWN]
        )
    audit.record_view(request, kept, "merge: find the duplicate")
    return render(
        request,
        "patients/merge_pick.html",
        {
            **patient_header(kept),
            "search": search,
            "query": query,
            "found": found,
            "duplicates": likely_duplicates(kept),
        },
    )
