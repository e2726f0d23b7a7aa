"""Diary reminder pages: the patient's settings, the browser's push subscription, and the
one-tap stop link (public: it works without logging in)."""

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.forms import add_model_errors
from clinic.roles import patient_required
from diaries.access import Diary
from diaries.forms import NudgeSettingsForm
from diaries.nudges import (
    StopLinkError,
    nudge_settings_for_link,
    nudge_settings_of,
    nudge_settings_save,
    nudges_stop,
    push_subscribe,
)
from patients.access import own_patient

BAD_SUBSCRIPTION = _("The browser sent a push subscription we cannot use: please try again.")


@patient_required
def reminders(request):
    """Daily and weekly diary reminders: on or off, when, and how."""
    patient = own_patient(request.user)
    current = nudge_settings_of(patient)
    expired_at = current.push_expired_at
    form = NudgeSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            nudge_settings_save(form.instance)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, gettext("Your reminder settings are saved."))
            return redirect("portal:reminders")
    audit.record_view(request, patient, "diary reminders")
    return render(
        request,
        "diaries/reminders.html",
        Diary(patient, staff=False).context(
            form=form,
            push_expired_at=expired_at,
            push_devices=patient.push_subscriptions.count(),
            vapid_public_key=settings.VAPID_PUBLIC_KEY,
        ),
    )


@patient_required
@require_POST
def push_subscription(request):
    """The settings page's script sends the Push API's subscription here (JSON)."""
    patient = own_patient(request.user)
    try:
        sent = json.loads(request.body)
        endpoint, keys = sent["endpoint"], sent["keys"]
        p256dh, auth = keys["p256dh"], keys["auth"]
        if not all(isinstance(value, str) for value in (endpoint, p256dh, auth)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": str(BAD_SUBSCRIPTION)}, status=400)
    try:
        push_subscribe(patient=patient, endpoint=endpoint, p256dh=p256dh, auth=auth)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"message": gettext("Notifications are on for this phone.")}, status=201)


def reminders_stop(request, token: str):
    """Public: the link in every reminder. GET shows one button; POST turns reminders off."""
    try:
        if request.method == "POST":
            nudges_stop(token)
            return render(request, "diaries/reminders_stopped.html")
        nudge_settings = nudge_settings_for_link(token)
    except StopLinkError as error:
        return render(request, "diaries/reminders_stop.html", {"why": str(error)}, status=410)
    return render(
        request, "diaries/reminders_stop.html", {"why": "", "nudge_settings": nudge_settings}
    )
