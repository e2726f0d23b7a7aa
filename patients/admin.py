from django.contrib import admin

from patients.audit_admin import (  # (importing it registers the trail)
    AuditedAdmin,
    AuditedHistoryAdmin,
    ReadOnlyAdminMixin,
)
from patients.models import ClinicalFlag, Eligibility, Patient, PatientMerge, PriorPreventive


class PriorPreventiveInline(admin.TabularInline):
    model = PriorPreventive
    extra = 0


class ClinicalFlagInline(admin.TabularInline):
    model = ClinicalFlag
    extra = 0
    autocomplete_fields = ["recorded_by"]


@admin.register(Patient)
class PatientAdmin(AuditedHistoryAdmin):
    list_display = [
        "mrn",
        "family_name",
        "given_name",
        "date_of_birth",
        "primary_diagnosis",
        "status",
        "registered_on",
    ]
    list_filter = ["status", "primary_diagnosis", "sex", "preferred_contact"]
    search_fields = ["mrn", "family_name", "given_name", "email", "phone"]
    date_hierarchy = "registered_on"
    autocomplete_fields = ["user", "consent_taken_by"]
    inlines = [PriorPreventiveInline, ClinicalFlagInline]


@admin.register(Eligibility)
class EligibilityAdmin(AuditedHistoryAdmin):
    list_display = [
        "patient",
        "chronic_migraine_criteria_met",
        "medication_overuse_managed",
        "assessed_on",
        "assessed_by",
    ]
    list_filter = ["chronic_migraine_criteria_met", "medication_overuse_managed"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient", "assessed_by"]
    autocomplete_fields = ["patient", "assessed_by"]


@admin.register(PriorPreventive)
class PriorPreventiveAdmin(AuditedHistoryAdmin):
    list_display = ["name", "patient", "started_on", "stopped_on", "stop_reason"]
    list_filter = ["stop_reason"]
    search_fields = ["name", "patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]


@admin.register(ClinicalFlag)
class ClinicalFlagAdmin(AuditedHistoryAdmin):
    list_display = ["kind", "patient", "noted_on", "resolved_on", "recorded_by"]
    list_filter = ["kind", "resolved_on"]
    search_fields = ["patient__mrn", "patient__family_name", "note"]
    list_select_related = ["patient", "recorded_by"]
    autocomplete_fields = ["patient", "recorded_by"]


@admin.register(PatientMerge)
class PatientMergeAdmin(ReadOnlyAdminMixin, AuditedAdmin):
    """Records merged into others (patients/merging.py): made from the kept record's chart."""

    list_display = ["merged", "kept", "merged_by", "merged_at"]
    search_fields = ["kept__mrn", "merged__mrn", "reason"]
    list_select_related = ["kept", "merged", "merged_by"]
