"""Shared form pieces."""

from axes.handlers.proxy import AxesProxyHandler
from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clinic import login_throttle
from clinic.audit import client_ip


class DateInput(forms.DateInput):
    """A native date picker; browsers send ISO dates."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StaffForm(forms.ModelForm):
    """A model form rendered by crispy without its own <form> tag (templates add it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def add_model_errors(form: forms.BaseForm, error) -> None:
    """Show a model ValidationError on `form`: on its field when the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


WRONG_CODE = _(
    "That code did not match. Codes change every 30 seconds: enter the one your app shows now."
)
THROTTLED = _("Too many wrong codes in a row: wait %(wait)s, then try the current code.")


class TokenForm(forms.Form):
    """A one-time code, checked against `device` (django-otp throttles repeated failures)."""

    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        allowed, details = self.device.verify_is_allowed()
        if not allowed:
            seconds = max(1, round((details["locked_until"] - timezone.now()).total_seconds()))
            raise forms.ValidationError(THROTTLED % {"wait": spoken_seconds(seconds)})
        if not token.isdigit() or not self.device.verify_token(token):
            raise forms.ValidationError(WRONG_CODE)
        return token


SLOWED_DOWN = _(
    "Too many failed logins for this account or from this network: wait %(wait)s, then try again."
)


def spoken_seconds(seconds: int) -> str:
    """A wait as people say it: 1 second, 30 seconds, 1 minute."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}


class LoginForm(AuthenticationForm):
    """Django's login form, slowed down after many failures (clinic/login_throttle.py)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Your username and password did not match. Please try again."),
    }

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        locked = username and AxesProxyHandler.is_locked(self.request, {"username": username})
        if username and password and not locked:  # a locked pair: django-axes' lockout page
            wait = login_throttle.wait_seconds(username, client_ip(self.request), timezone.now())
            if wait:
                raise forms.ValidationError(
                    SLOWED_DOWN % {"wait": spoken_seconds(wait)}, code="slowed_down"
                )
        return super().clean()


class ResetPasswordForm(SetPasswordForm):
    """The new password from an emailed reset link; it also unlocks the account's logins."""

    def save(self, commit=True):
        user = super().save(commit)
        login_throttle.unlock(user.get_username())
        return user
