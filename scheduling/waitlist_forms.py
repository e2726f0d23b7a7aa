"""Forms of the waitlist: putting a patient on it, offering a free slot."""

from datetime import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from scheduling.forms import TimeInput, clinicians
from scheduling.models import Appointment, WaitlistEntry, Weekday


def booking_label(appointment: Appointment) -> str:
    when = timezone.localtime(appointment.starts_at)
    kind = appointment.get_kind_display()
    return f"{kind} on {when:%a %-d %b %Y at %H:%M} with {appointment.clinician}"


class WaitlistForm(forms.Form):
    kind = forms.ChoiceField(label="Type", choices=WaitlistEntry.Kind.choices)
    clinician = forms.ModelChoiceField(
        queryset=clinicians(), required=False, empty_label="Any clinician"
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="Days",
        choices=Weekday.choices[:5],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for any day.",
    )
    times = forms.ChoiceField(
        label="Times of day", choices=WaitlistEntry.Times.choices, widget=forms.RadioSelect
    )
    from_time = forms.TimeField(
        label="From", required=False, widget=TimeInput(), help_text="Only for “Between two times”."
    )
    until_time = forms.TimeField(label="Until", required=False, widget=TimeInput())
    appointment = forms.ModelChoiceField(
        label="Booking to bring forward",
        queryset=Appointment.objects.none(),
        required=False,
        empty_label="None (the next booking of this type, if any)",
    )
    notes = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, bookings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()
        self.fields["appointment"].queryset = bookings
        self.fields["appointment"].label_from_instance = booking_label
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if data.get("times") == WaitlistEntry.Times.BETWEEN:
            start, end = data.get("from_time"), data.get("until_time")
            if not (start and end and end > start):
                self.add_error("until_time", "Give both times, the second after the first.")
        return data


class RemoveForm(forms.Form):
    reason = forms.CharField(label="Why", max_length=200, required=False)


class OfferForm(forms.Form):
    """A free slot of the waitlist page and the waiting entries ticked for it."""

    clinician = forms.ModelChoiceField(queryset=clinicians())
    starts_at = forms.DateTimeField()
    ends_at = forms.DateTimeField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians()

    @property
    def slot(self) -> tuple[object, datetime, datetime]:
        data = self.cleaned_data
        return data["clinician"], data["starts_at"], data["ends_at"]
