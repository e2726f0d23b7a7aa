"""API clients in the admin: add one to issue its token (shown once), revoke with an action."""

from django.contrib import admin, messages
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from fhir_api.models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "scope", "token_hint", "created_by", "created_at", "active"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.list_display[:-1], "revoked_by", "revoked_at"]

    @admin.display(boolean=True)
    def active(self, client):
        return client.active

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit trail names the client

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing is edited after issuing
        obj.created_by = request.user
        token = obj.new_token()
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            f"The token of {obj.name} is {token} — copy it now into the client system: it is "
            "not shown again. Only its digest is kept; a lost token means a new client.",
        )

    @admin.action(description="Revoke the selected clients' tokens")
    def revoke(self, request, queryset):
        now = timezone.now()
        for client in queryset.filter(revoked_at__isnull=True):
            client.revoke(by=request.user, now=now)
        messages.success(request, "Revoked: those tokens are now refused.")
