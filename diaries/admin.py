from django.contrib import admin

from diaries.models import (
    Attack,
    DiaryDay,
    DiaryDose,
    DiaryNudge,
    DiaryNudgeSettings,
    PatientMedicine,
    PortalInvitation,
)
from patients.audit_admin import AuditedAdmin, AuditedHistoryAdmin


class DiaryDoseInline(admin.TabularInline):
    model = DiaryDose
    extra = 0
    autocomplete_fields = ["medicine"]


@admin.register(DiaryDay)
class DiaryDayAdmin(AuditedHistoryAdmin):
    list_display = ["day", "patient", "headache", "severity", "source", "late"]
    list_filter = ["headache", "severity", "source", "late"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    date_hierarchy = "day"
    inlines = [DiaryDoseInline]


@admin.register(Attack)
class AttackAdmin(AuditedHistoryAdmin):
    list_display = ["started_at", "ended_at", "peak_severity", "patient"]
    list_filter = ["peak_severity"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]
    date_hierarchy = "started_at"


@admin.register(PatientMedicine)
class PatientMedicineAdmin(AuditedHistoryAdmin):
    list_display = ["name", "medicine_class", "usual_dose", "patient", "active"]
    list_filter = ["medicine_class", "active"]
    search_fields = ["name", "patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]


@admin.register(PortalInvitation)
class PortalInvitationAdmin(AuditedAdmin):
    list_display = ["patient", "email", "sent_by", "sent_at", "expires_at", "used_at", "revoked_at"]
    list_select_related = ["patient", "sent_by"]
    readonly_fields = ["token_hash"]
    search_fields = ["patient__mrn", "email"]


@admin.register(DiaryNudgeSettings)
class DiaryNudgeSettingsAdmin(AuditedHistoryAdmin):
    list_display = ["patient", "daily", "daily_at", "weekly", "weekday", "channel"]
    list_filter = ["channel", "daily", "weekly"]
    list_select_related = ["patient"]
    autocomplete_fields = ["patient"]


@admin.register(DiaryNudge)
class DiaryNudgeAdmin(AuditedAdmin):
    list_display = ["for_day", "patient", "kind", "channel", "status", "attempts", "error"]
    list_filter = ["status", "kind", "channel"]
    date_hierarchy = "for_day"
    list_select_related = ["patient"]
    readonly_fields = ["patient", "kind", "for_day", "sent_at"]
