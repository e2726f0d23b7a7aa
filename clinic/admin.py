from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.template.defaultfilters import pluralize

from clinic import login_throttle
from clinic.models import User


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "role_names", "is_active"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]
    actions = ["unlock_logins"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="role")
    def role_names(self, user):
        return ", ".join(group.name for group in user.groups.all()) or "—"

    @admin.action(description="Unlock logging in (forget failed logins from every address)")
    def unlock_logins(self, request, users):
        for user in users:
            login_throttle.unlock(user.get_username())
        count = len(users)
        self.message_user(request, f"Logging in unlocked for {count} user{pluralize(count)}.")
