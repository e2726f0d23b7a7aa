"""Two-factor authentication with an authenticator app (TOTP, django-otp).

After the password, a user with a confirmed device must enter a code before any page; staff
(and administrators) must set a device up first when TWO_FACTOR_REQUIRED_FOR_STAFF is on.
What applies is worked out once at login and kept in the session, so pages cost no query.
"""

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from clinic.roles import STAFF_ROLES, user_role

PENDING_KEY = "two_factor_pending"  # "verify": enter a code; "setup": set a device up first
OPEN_URL_NAMES = {"login", "logout", "healthz", "two_factor", "two_factor_verify"}
# the pages a user may open while two-factor is pending

SETUP_KEY = "two_factor_setup_key"  # the key of a device being set up, until a code is tried


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(request) -> TOTPDevice:
    """The device being set up, one per user until confirmed with a code.

    Until a first code is tried its key lives in the session, so viewing the set-up page
    writes nothing; checking a code saves the device (unconfirmed), so wrong codes throttle.
    """
    existing = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if existing is not None:
        return existing
    key = request.session.setdefault(SETUP_KEY, random_hex())
    return TOTPDevice(user=request.user, name="Authenticator app", key=key, confirmed=False)


def two_factor_required(user) -> bool:
    if not settings.TWO_FACTOR_REQUIRED_FOR_STAFF:
        return False
    return user.is_staff or user.is_superuser or user_role(user) in STAFF_ROLES


def qr_code_svg(text: str) -> str:
    """An SVG QR code of `text`, drawn here (the secret never leaves the server)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@receiver(user_logged_in)
def note_pending_two_factor(sender, request, user, **kwargs):
    if confirmed_device(user):
        request.session[PENDING_KEY] = "verify"
    elif two_factor_required(user):
        request.session[PENDING_KEY] = "setup"


def two_factor_done(request) -> None:
    request.session.pop(PENDING_KEY, None)


class TwoFactorMiddleware:
    """Send a logged-in user who still owes a code (or a device) to the two-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        pending = request.session.get(PENDING_KEY)
        if pending is None or request.resolver_match.url_name in OPEN_URL_NAMES:
            return None
        target = "two_factor_verify" if pending == "verify" else "two_factor"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
