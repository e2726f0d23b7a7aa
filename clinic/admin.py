from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from clinic.models import User


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role_names(self, user):
        return ", ".join(group.name for group in user.groups.all()) or "—"
