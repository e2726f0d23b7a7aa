"""Reviews in the admin, and progress columns and a verdict filter on its patient list.

The same `progress_for_patients` as the pages: a fixed number of queries per changelist page.
"""

from django.contrib import admin
from django.utils import timezone

from diaries.metrics import rounded
from patients.admin import PatientAdmin
from patients.audit_admin import AuditedHistoryAdmin
from patients.models import Patient
from reviews.models import Review, Verdict
from reviews.progress import progress_for_patients


class VerdictFilter(admin.SimpleListFilter):
    title = "suggested verdict"
    parameter_name = "verdict"

    def lookups(self, request, model_admin):
        return Verdict.choices

    def queryset(self, request, queryset):
        if self.value() not in Verdict.values:
            return queryset
        ids = list(queryset.values_list("pk", flat=True))
        progress = progress_for_patients(ids, timezone.localdate())
        return queryset.filter(
            pk__in=[pk for pk, item in progress.items() if item.verdict == self.value()]
        )


class ProgressColumnsMixin:
    """Adds `sessions`, `latest_reduction` and `verdict` columns to a Patient admin."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        patients = list(changelist.result_list)
        progress = progress_for_patients([p.pk for p in patients], timezone.localdate())
        for patient in patients:
            patient.progress = progress[patient.pk]
        return changelist

    @admin.display(description="sessions")
    def sessions(self, patient):
        return len(patient.progress.sessions)

    @admin.display(description="latest reduction")
    def latest_reduction(self, patient):
        value = rounded(patient.progress.latest_reduction)
        return "–" if value is None else f"{value}%"

    @admin.display(description="suggested verdict")
    def verdict(self, patient):
        return patient.progress.verdict_label


admin.site.unregister(Patient)


@admin.register(Patient)
class PatientWithProgressAdmin(ProgressColumnsMixin, PatientAdmin):
    list_display = [*PatientAdmin.list_display, "sessions", "latest_reduction", "verdict"]
    list_filter = [*PatientAdmin.list_filter, VerdictFilter]


@admin.register(Review)
class ReviewAdmin(AuditedHistoryAdmin):
    list_display = ["patient", "reviewed_on", "decision", "suggested_verdict", "reviewed_by"]
    list_filter = ["decision", "suggested_verdict"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient", "reviewed_by"]
    autocomplete_fields = ["patient"]
