from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from clinic.roles import Role, front_desk_required, neurologist_required, user_role
from patients.models import Patient

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


@neurologist_required
def neurologist_home(request):
    recent = Patient.objects.order_by("-updated_at")[:10]
    return render(request, "clinic/neurologist_home.html", {"recent_patients": recent})


@front_desk_required
def front_desk_home(request):
    referred = Patient.objects.filter(status=Patient.Status.REFERRED).order_by("registered_on")[:20]
    return render(request, "clinic/front_desk_home.html", {"referred": referred})


def healthz(request):
    """Liveness probe for the load balancer: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")
