from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.audit_admin import AuditedHistoryAdmin, ReadOnlyAdminMixin
from treatments.models import (
    AdverseEvent,
    CostSettings,
    InjectedSite,
    InjectionSession,
    Protocol,
    ProtocolAddition,
    ProtocolSite,
    SessionAmendment,
)


class ProtocolSiteInline(admin.TabularInline):
    model = ProtocolSite
    extra = 1


class ProtocolAdditionInline(admin.TabularInline):
    model = ProtocolAddition
    extra = 0


@admin.register(Protocol)
class ProtocolAdmin(SimpleHistoryAdmin):
    """Neurologists define patterns (e.g. for tension-type or cluster headache) here."""

    list_display = ["name", "indication", "max_session_units", "max_additional_sites", "is_active"]
    list_filter = ["indication", "is_active"]
    inlines = [ProtocolSiteInline, ProtocolAdditionInline]


@admin.register(CostSettings)
class CostSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "price_per_unit", "administration_fee", "review_visit_fee"]

    def has_add_permission(self, request):
        return not CostSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class InjectedSiteInline(admin.TabularInline):
    model = InjectedSite
    extra = 0
    can_delete = False
    readonly_fields = ["protocol_site", "muscle_group", "side", "units", "skipped"]

    def has_add_permission(self, request, obj=None):
        return False


class SessionAmendmentInline(admin.TabularInline):
    model = SessionAmendment
    extra = 0
    can_delete = False
    readonly_fields = ["amended_by", "amended_at", "reason", "changes"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InjectionSession)
class InjectionSessionAdmin(ReadOnlyAdminMixin, AuditedHistoryAdmin):
    """Read-only here: sessions are recorded, signed and amended from the chart."""

    list_display = ["patient", "number", "performed_on", "units_given", "lot_number", "signed_at"]
    list_select_related = ["patient"]
    search_fields = ["patient__mrn", "patient__family_name", "lot_number"]
    date_hierarchy = "performed_on"
    inlines = [InjectedSiteInline, SessionAmendmentInline]


@admin.register(AdverseEvent)
class AdverseEventAdmin(AuditedHistoryAdmin):
    list_display = ["__str__", "session", "onset_on", "severity", "serious", "acknowledged_at"]
    list_filter = ["serious", "kind", "severity"]
    list_select_related = ["session__patient"]
    search_fields = ["session__patient__mrn", "session__patient__family_name"]

    def has_delete_permission(self, request, obj=None):
        return False
