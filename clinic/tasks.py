"""Jobs of the kernel, run by the job runner (clinic/jobs.py)."""

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation

from clinic import jobs
from clinic.patient_language import in_language_of


class ResetEmailForm(PasswordResetForm):
    """Django's reset request form; a patient's email (subject and text) is in their language,
    anyone else's in the clinic's."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        patient = getattr(context["user"], "patient", None)  # a portal account's patient
        language = in_language_of(patient) if patient else translation.override(None)
        with language:
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


@jobs.task(name="clinic.send_password_reset")
def send_password_reset(*, email: str, domain: str, use_https: bool, address: str = "") -> None:
    """Look the address up and email each active account that uses it a reset link; an
    unknown address sends nothing. Done here, not in the request, so that the page answers
    alike whether or not the address has an account. `address` is the requester's, kept on
    the job for the per-address limit (clinic/account_views.py)."""
    form = ResetEmailForm({"email": email})
    if form.is_valid():
        form.save(
            domain_override=domain,
            use_https=use_https,
            extra_email_context={"clinic_name": settings.CLINIC_NAME},
        )
