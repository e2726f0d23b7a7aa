"""The home pages, composed of the sections each app contributes (`clinic.sections`)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import sections
from clinic.roles import Role, front_desk_required, neurologist_required, user_role

HOME_BY_ROLE = {
    Role.NEUROLOGIST: "neurologist_home",
    Role.FRONT_DESK: "front_desk_home",
    Role.PATIENT: "portal:home",
}


@login_required
def home(request):
    """Send each user to their role's home page; superusers without a role go to the admin."""
    role = user_role(request.user)
    if role in HOME_BY_ROLE:
        return redirect(HOME_BY_ROLE[role])
    if request.user.is_superuser:
        return redirect("admin:index")
    raise PermissionDenied("Your account has no role yet. Ask the clinic administrator.")


def _home(request, page: str, template: str):
    today = timezone.localdate()
    found = sections.sections(page, request=request, today=today)
    return render(request, template, {"sections": found, "today": today})


@neurologist_required
def neurologist_home(request):
    return _home(request, sections.NEUROLOGIST_HOME, "clinic/neurologist_home.html")


@front_desk_required
def front_desk_home(request):
    return _home(request, sections.FRONT_DESK_HOME, "clinic/front_desk_home.html")


def healthz(request):
    """Liveness probe for the load balancer: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")
