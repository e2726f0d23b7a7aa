"""End sessions left idle: staff after STAFF_IDLE_MINUTES, the portal after PORTAL_IDLE_MINUTES."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver

from clinic.roles import Role, user_role

LAST_ACTIVITY_KEY = "last_activity"
# Write the timestamp at most once a minute, so most requests do not save the session.
REFRESH_SECONDS = 60


def idle_limit_seconds(user) -> int:
    minutes = (
        settings.PORTAL_IDLE_MINUTES
        if user_role(user) == Role.PATIENT
        else settings.STAFF_IDLE_MINUTES
    )
    return minutes * 60


def mark_active(request, user, now: int) -> None:
    request.session[LAST_ACTIVITY_KEY] = now
    request.session.set_expiry(idle_limit_seconds(user))


@receiver(user_logged_in)
def start_idle_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_active(request, user, int(time.time()))


class IdleSessionMiddleware:
    """Log out a user whose last request is older than their role's idle limit, and say why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            limit = idle_limit_seconds(request.user)
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - last > limit:
                logout(request)
                messages.info(
                    request,
                    f"You were logged out after {limit // 60} minutes without activity. "
                    "Log in again to carry on.",
                )
                return redirect_to_login(request.get_full_path())
            if last is None or now - last >= REFRESH_SECONDS:
                mark_active(request, request.user, now)
        return self.get_response(request)
