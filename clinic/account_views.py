"""Account security pages: two-factor set-up and the code asked for after the password."""

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from clinic.forms import TokenForm
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
        messages.info(request, "Two-factor authentication is already on for your account.")
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
            "Two-factor authentication is on. You will be asked for a code each time you log in.",
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
