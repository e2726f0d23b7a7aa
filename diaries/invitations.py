"""Portal invitations: a one-time link, emailed, to set a password (valid 7 days)."""

import hashlib
import secrets

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clinic.patient_language import in_language_of
from clinic.roles import GROUP_NAMES, Role
from diaries.models import PortalInvitation
from patients.models import Patient


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_send(*, patient: Patient, by, build_absolute_uri) -> PortalInvitation:
    """Email a fresh link to the patient; earlier unused links stop working.

    `build_absolute_uri` turns a path into a full URL (the request's method).
    """
    if not patient.email:
        raise ValidationError("Add the patient's email address before inviting them.")
    now = timezone.now()
    patient.invitations.filter(used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation.objects.create(
        patient=patient,
        email=patient.email,
        token_hash=token_hash(token),
        sent_by=by,
        sent_at=now,
        expires_at=now + PortalInvitation.VALID_FOR,
    )
    link = build_absolute_uri(reverse("portal:accept_invitation", args=[token]))
    with in_language_of(patient):
        send_mail(
            subject=_("Your headache diary: set your password"),
            message=_(
                "Dear %(name)s,\n\n"
                "The clinic has invited you to its patient portal, where you keep your headache "
                "diary. Open this link to choose your password (it works once, for 7 days):\n\n"
                "%(link)s\n\n"
                "If you did not expect this email, you can ignore it."
            )
            % {"name": patient.given_name, "link": link},
            from_email=None,
            recipient_list=[patient.email],
        )
    return invitation


def usable_invitation(token: str) -> PortalInvitation | None:
    """The invitation behind `token` if it can still be used (not used, replaced or expired)."""
    invitation = (
        PortalInvitation.objects.select_related("patient__user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None or not invitation.is_usable():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: PortalInvitation, user_form):
    """Save the new password (and the account, if new), link it to the patient, use up the link."""
    locked = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_usable():
        raise ValidationError("This link was already used.")
    user = user_form.save()
    user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[Role.PATIENT])[0])
    patient = locked.patient
    if patient.user_id != user.pk:
        patient.user = user
        patient.save(update_fields=["user"])
    locked.used_at = timezone.now()
    locked.save(update_fields=["used_at"])
    return user
