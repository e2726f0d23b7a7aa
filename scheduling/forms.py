"""Forms for booking appointments and changing their status."""

from datetime import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.forms import DateInput
from scheduling.models import Appointment


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


def clinicians():
    """Clinicians who hold clinics, for choosing whom to book with."""
    return get_user_model().objects.filter(clinics__isnull=False).distinct()


class BookingForm(forms.Form):
    clinician = forms.ModelChoiceField(queryset=clinicians(), empty_label=None)
    kind = forms.ChoiceField(label="Type", choices=Appointment.Kind.choices)
    day = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(widget=TimeInput())
    minutes = forms.IntegerField(label="Length (minutes)", min_value=5, max_value=240, initial=20)
    early_reason = forms.CharField(
        label="Reason for booking before the due date",
        required=False,
        max_length=200,
        help_text="Needed only for an injection less than 84 days after the last one.",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    override_reason = forms.CharField(
        label="Reason to book anyway",
        required=False,
        max_length=200,
        help_text="Needed only when the warnings above apply (kept in the notes).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()
        self.helper = FormHelper()
        self.helper.form_tag = False

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(
            datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
        )

    def booking(self) -> dict:
        """The cleaned form as `scheduling.booking.appointment_book` keywords."""
        data = self.cleaned_data
        return {
            "clinician": data["clinician"],
            "kind": data["kind"],
            "starts_at": self.starts_at,
            "minutes": data["minutes"],
            "early_reason": data["early_reason"],
            "notes": data["notes"],
            "override_reason": data["override_reason"],
        }


class RescheduleForm(forms.Form):
    """The new time of a booking (a free slot's button sends it)."""

    clinician = forms.ModelChoiceField(queryset=clinicians())
    day = forms.DateField()
    time = forms.TimeField()
    override_reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(
            datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=200,
        error_messages={"required": "Give a reason for cancelling."},
    )


class DayForm(forms.Form):
    """Which day (or the week holding it) and whose clinic a calendar page shows."""

    date = forms.DateField(required=False, widget=DateInput())
    clinician = forms.ModelChoiceField(
        queryset=clinicians(), required=False, empty_label="Whole clinic"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()

    def day(self, today):
        """The day asked for, else `today` (a date: the field `date` shadows the type here)."""
        valid = self.is_valid()
        return (valid and self.cleaned_data["date"]) or today

    patient = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reschedule = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def chosen_clinician(self):
        return self.cleaned_data.get("clinician") if self.is_valid() else None


class RestartForm(forms.Form):
    """Restart treatment after a stop or a pause: a new course with a new baseline."""

    started_on = forms.DateField(
        label="New baseline date",
        required=False,  # `course_restart` says what is missing, with nothing saved
        widget=DateInput(),
        help_text="The new course starts this day: its baseline is the 28 days before its "
        "first session, and only sessions from this day on count.",
    )
    reason = forms.CharField(label="Why treatment restarts", widget=forms.Textarea, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
