"""Shared form pieces."""

from crispy_forms.helper import FormHelper
from django import forms
from django.template.defaultfilters import pluralize
from django.utils import timezone


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


WRONG_CODE = (
    "That code did not match. Codes change every 30 seconds: enter the one your app shows now."
)
THROTTLED = "Too many wrong codes in a row: wait {wait}, then try the current code."


class TokenForm(forms.Form):
    """A one-time code, checked against `device` (django-otp throttles repeated failures)."""

    token = forms.CharField(
        label="6-digit code from your authenticator app",
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
            wait = f"{seconds} second{pluralize(seconds)}"
            raise forms.ValidationError(THROTTLED.format(wait=wait))
        if not token.isdigit() or not self.device.verify_token(token):
            raise forms.ValidationError(WRONG_CODE)
        return token
