from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from clinic import audit
from clinic.access_log import patient_events
from clinic.roles import Role, front_desk_required, neurologist_required, user_role
from patients.access import patient_for_user
from patients.chart import patient_header
from patients.models import Patient
from treatments.models import AdverseEvent
from treatments.review_queue import queue_context
from treatments.worklists import front_desk_worklists

EVENTS_PER_PAGE = 50

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
    serious = AdverseEvent.objects.awaiting_acknowledgement()
    return render(
        request,
        "clinic/neurologist_home.html",
        {
            "recent_patients": recent,
            "serious_events": serious,
            **queue_context(request.GET, timezone.localdate()),
        },
    )


@front_desk_required
def front_desk_home(request):
    referred = Patient.objects.filter(status=Patient.Status.REFERRED).order_by("registered_on")[:20]
    today = timezone.localdate()
    return render(
        request,
        "clinic/front_desk_home.html",
        {"referred": referred, "lists": front_desk_worklists(today), "today": today},
    )


def healthz(request):
    """Liveness probe for the load balancer: no database, no session."""
    return HttpResponse("ok", content_type="text/plain")


@neurologist_required
def patient_access_log(request, patient_id: int):
    """Everyone who viewed, changed or exported this patient's records, newest first."""
    patient = patient_for_user(request.user, patient_id, Patient.objects.prefetch_related("flags"))
    audit.record_view(request, patient, "access log")
    page = Paginator(patient_events(patient), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "clinic/patient_access_log.html", {**patient_header(patient), "page": page}
    )
