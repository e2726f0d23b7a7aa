"""Admin for the clinic calendar: where the clinic's hours, closures, clinics and leave are set."""

from django.contrib import admin

from patients.audit_admin import AuditedAdmin, AuditedHistoryAdmin, ReadOnlyAdminMixin
from scheduling.models import (
    Appointment,
    CalendarFeed,
    ClinicianClinic,
    ClinicianLeave,
    Closure,
    CourseState,
    OpeningHours,
    Reminder,
)


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens_at", "closes_at"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["reason", "starts_on", "ends_on"]
    date_hierarchy = "starts_on"


@admin.register(ClinicianClinic)
class ClinicianClinicAdmin(admin.ModelAdmin):
    list_display = ["clinician", "weekday", "starts_at", "ends_at", "slot_minutes"]
    list_filter = ["clinician", "weekday"]


@admin.register(ClinicianLeave)
class ClinicianLeaveAdmin(admin.ModelAdmin):
    list_display = ["clinician", "starts_on", "ends_on", "reason"]
    list_filter = ["clinician"]


@admin.register(Appointment)
class AppointmentAdmin(AuditedHistoryAdmin):
    list_display = ["starts_at", "patient", "clinician", "kind", "status"]
    list_filter = ["status", "kind", "clinician"]
    date_hierarchy = "starts_at"
    search_fields = ["patient__family_name", "patient__mrn"]
    list_select_related = ["patient", "clinician"]
    raw_id_fields = ["patient"]


@admin.register(CourseState)
class CourseStateAdmin(ReadOnlyAdminMixin, AuditedHistoryAdmin):
    """Read only: decisions (the review) and restarts (the chart) change it, with their rules."""

    list_display = ["patient", "status", "since", "resume_on", "started_on", "changed_by"]
    list_filter = ["status"]
    list_select_related = ["patient", "changed_by"]
    search_fields = ["patient__family_name", "patient__mrn"]


@admin.register(Reminder)
class ReminderAdmin(AuditedAdmin):
    list_display = ["patient", "kind", "channel", "status", "response", "attempts", "sent_at"]
    list_filter = ["kind", "channel", "status", "response"]
    list_select_related = ["patient"]
    raw_id_fields = ["patient", "appointment", "session", "sent_by"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["clinician", "created_at"]
    readonly_fields = ["token"]
