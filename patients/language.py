"""The language a page is shown in (issue 16), and the portal's language switcher.

A logged-in patient reads the portal in `Patient.language`; staff always read English
(`LANGUAGE_CODE`); a page nobody is logged in to (login, password reset, an invitation, a
reminder's answer link) follows Django's language cookie, then the browser's Accept-Language
among `LANGUAGES`, then English.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from clinic.roles import Role, user_role
from patients.access import own_patient_or_none
from patients.models import Patient

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def unknown_language() -> str:
    return gettext("We do not have the portal in that language. Choose English or Español.")


def request_language(request) -> str:
    """The language code `request` is answered in (the rules above)."""
    if not request.user.is_authenticated:
        return translation.get_language_from_request(request)
    if user_role(request.user) != Role.PATIENT:
        return settings.LANGUAGE_CODE
    patient = own_patient_or_none(request.user)
    return settings.LANGUAGE_CODE if patient is None else patient.language


class LanguageMiddleware:
    """Activate the request's language for the view and its templates (after
    AuthenticationMiddleware, which gives `request.user`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request_language(request)
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response


@transaction.atomic
def patient_language_save(*, patient: Patient, language: str, by) -> Patient:
    """Set the language the patient reads the portal, emails and printouts in (kept in the
    patient's history); a code not in LANGUAGES is a ValidationError and nothing is saved."""
    if language not in LANGUAGE_CODES:
        raise ValidationError(unknown_language())
    if patient.language != language:
        patient.language = language
        patient._history_user = by
        patient.save(update_fields=["language"])
    return patient


@require_POST
def language_switch(request):
    """The switcher's form: a patient's choice is saved on their record, anyone's goes in the
    language cookie; then back to the page the form was on."""
    language = request.POST.get("language", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    if language not in LANGUAGE_CODES:
        messages.error(request, unknown_language())
        return redirect(back)
    if user_role(request.user) == Role.PATIENT:
        patient = own_patient_or_none(request.user)
        if patient is not None:
            patient_language_save(patient=patient, language=language, by=request.user)
    with translation.override(language):  # said in the language chosen: its catalogue names it
        messages.success(request, gettext("The portal is now in English."))
    response = redirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response
