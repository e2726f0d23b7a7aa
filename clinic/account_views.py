"""Account security pages: two-factor set-up, the code asked for after the password, and the
request for a password reset link."""

import logging
from base64 import b32encode
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models.functions import Now
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django_otp import login as otp_login
from procrastinate.contrib.django.models import ProcrastinateJob

from clinic.audit import client_ip
from clinic.forms import TokenForm
from clinic.tasks import send_password_reset
from clinic.two_factor import (
    SETUP_KEY,
    confirmed_device,
    pending_device,
    qr_code_svg,
    two_factor_done,
    two_factor_required,
)


def safe_next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
def account(request):
    """The user's own security settings: password and two-factor authentication."""
    return render(
        request,
        "accounts/account.html",
        {
            "device": confirmed_device(request.user),
            "required": two_factor_required(request.user),
        },
    )


@login_required
def two_factor(request):
    """Show whether two-factor is on; if not, set it up: scan the QR code, confirm a code."""
    if confirmed_device(request.user):
        messages.info(request, gettext("Two-factor authentication is already on for your account."))
        return redirect("account")
    device = pending_device(request)
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save()
        request.session.pop(SETUP_KEY, None)
        otp_login(request, device)
        two_factor_done(request)
        messages.success(
            request,
            gettext(
                "Two-factor authentication is on. You will be asked for a code each time you "
                "log in."
            ),
        )
        return redirect(safe_next(request))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_code_svg(device.config_url),
            "secret": device_secret(device),
            "required": two_factor_required(request.user),
            "next": safe_next(request, default=""),
        },
    )


def device_secret(device) -> str:
    """The key as people type it into an app by hand: base32 in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@login_required
def two_factor_verify(request):
    """After the password: ask for the current code from the user's app."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("two_factor")
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        two_factor_done(request)
        return redirect(safe_next(request))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": safe_next(request, "")}
    )


# Password reset requests (README "Security"): at most this many an hour for one email address
# (whether or not it has an account) and from one network address.
RESETS_PER_EMAIL_PER_HOUR = 3
RESETS_PER_ADDRESS_PER_HOUR = 10
logger = logging.getLogger(__name__)


def recent_reset_requests(**args) -> int:
    """Reset jobs deferred in the last hour (database time) whose arguments include `args`."""
    return (
        ProcrastinateJob.objects.filter(
            task_name=send_password_reset.name,
            args__contains=args,
            procrastinateevent__type="deferred",
            procrastinateevent__at__gte=Now() - timedelta(hours=1),
        )
        .distinct()
        .count()
    )


class PasswordResetRequestView(auth_views.PasswordResetView):
    """Django's reset request, but the lookup and the email happen in a job, so that a known
    and an unknown address get the same page as fast; over the hourly limits nothing is
    deferred and the page is still the same (it must not tell whether an address has an
    account, and a stranger learns nothing from being limited)."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        address = client_ip(self.request) or ""
        if (
            recent_reset_requests(email=email) >= RESETS_PER_EMAIL_PER_HOUR
            or recent_reset_requests(address=address) >= RESETS_PER_ADDRESS_PER_HOUR
        ):
            logger.warning("Password reset request over the hourly limit from %s", address)
        else:
            send_password_reset.defer(
                email=email,
                domain=self.request.get_host(),
                use_https=self.request.is_secure(),
                address=address,
            )
        return HttpResponseRedirect(self.get_success_url())
