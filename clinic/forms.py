"""Shared form pieces."""

from crispy_forms.helper import FormHelper
from django import forms


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
