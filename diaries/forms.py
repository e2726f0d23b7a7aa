from datetime import time

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.forms import DateInput, StaffForm
from clinic.uploads import validate_upload_size
from diaries.entries import Dose
from diaries.models import (
    DiaryDay,
    DiaryNudgeSettings,
    NudgeChannel,
    PatientMedicine,
    Severity,
)
from diaries.nudges import TIMES
from patients.models import Diagnosis, Patient

HEADACHE_DETAILS = [
    "severity",
    "pain_score",
    "hours",
    "attacks",
    *DiaryDay.FEATURES,
    "relief",
    *DiaryDay.IMPACTS,
    "trigger_note",
]


def medicine_details(medicine: PatientMedicine) -> str:
    """The medicine's class and usual dose, e.g. "Triptan, usually 50 mg"."""
    kind = medicine.get_medicine_class_display()
    if not medicine.usual_dose:
        return str(kind)
    return gettext("%(kind)s, usually %(dose)s") % {"kind": kind, "dose": medicine.usual_dose}


class DiaryDayForm(forms.ModelForm):
    """One day: two big choices first; the details only matter when there was a headache.

    Each active medicine on the patient's list gets a "doses" field (0 = not taken); only the
    patient's own medicines are offered, so no other id can be submitted.
    """

    headache = forms.TypedChoiceField(
        label=_("Did you have a headache?"),
        choices=[(False, _("No headache")), (True, _("I had a headache"))],
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
    )
    severity = forms.ChoiceField(
        label=_("Worst pain"),
        choices=[c for c in Severity.choices if c[0] != Severity.NONE],
        widget=forms.RadioSelect,
        required=False,
    )
    menstruation = forms.NullBooleanField(
        label=_("Did you have your period?"),
        help_text=_("Optional: it helps to tell menstrual migraine."),
        widget=forms.RadioSelect(
            choices=[("", _("Not saying")), ("True", _("Yes")), ("False", _("No"))]
        ),
        required=False,
    )

    class Meta:
        model = DiaryDay
        fields = ["day", "headache", *HEADACHE_DETAILS, "menstruation", "note"]
        labels = {"day": _("Day"), "note": _("Note")}
        widgets = {
            "day": DateInput(),
            "note": forms.Textarea(attrs={"rows": 2}),
            "relief": forms.RadioSelect,
            "hours": forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            "pain_score": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "attacks": forms.NumberInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, medicines: list[PatientMedicine], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relief"].choices = [
            ("", _("Took nothing / not sure")),
            *self.fields["relief"].choices[1:],
        ]
        self.fields["day"].widget.attrs["max"] = timezone.localdate().isoformat()
        if self.instance.pk:
            del self.fields["day"]  # a day's date is fixed once entered
        patient = self.instance.patient
        if patient.primary_diagnosis != Diagnosis.CLUSTER:
            del self.fields["attacks"]  # asked of cluster patients; kept if a file gave it
        if patient.sex == Patient.Sex.MALE:
            del self.fields["menstruation"]
        taken = (
            {dose.medicine_id: dose.doses for dose in self.instance.doses.all()}
            if self.instance.pk
            else {}
        )
        self.medicines = [m for m in medicines if m.active or m.pk in taken]
        for medicine in self.medicines:
            self.fields[f"dose_{medicine.pk}"] = forms.IntegerField(
                label=medicine.name,
                help_text=medicine_details(medicine),
                min_value=0,
                max_value=20,
                required=False,
                initial=taken.get(medicine.pk, 0),
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "form-control"}),
            )

    def dose_fields(self):
        return [self[f"dose_{medicine.pk}"] for medicine in self.medicines]

    def asked(self) -> dict:
        """The bound fields only some patients are asked (attacks, menstruation), by name; None
        for one this patient is not asked."""
        names = ("attacks", "menstruation")
        return {name: self[name] if name in self.fields else None for name in names}

    def feature_fields(self):
        return [self[name] for name in DiaryDay.FEATURES]

    def impact_fields(self):
        return [self[name] for name in DiaryDay.IMPACTS]

    def clean(self):
        data = super().clean()
        if data.get("headache") is False:
            # The short form: a headache-free day keeps nothing but its note.
            for name in HEADACHE_DETAILS:
                if name in self.fields:
                    data[name] = self.fields[name].to_python("")
                else:  # attacks a file gave a patient not asked them go with the headache
                    setattr(self.instance, name, None)
            data["severity"] = Severity.NONE
            for name in DiaryDay.FEATURES + DiaryDay.IMPACTS:
                data[name] = False
        elif data.get("headache") and not data.get("severity"):
            self.add_error("severity", _("Choose how bad the worst pain was."))
        return data

    def doses(self) -> list[Dose]:
        if not self.cleaned_data.get("headache"):
            return []
        return [
            Dose(medicine, self.cleaned_data[f"dose_{medicine.pk}"])
            for medicine in self.medicines
            if self.cleaned_data.get(f"dose_{medicine.pk}")
        ]


class MedicineForm(StaffForm):
    class Meta:
        model = PatientMedicine
        fields = ["name", "medicine_class", "usual_dose", "active"]
        labels = {"name": _("Name"), "active": _("Active")}

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.patient = patient
        if self.instance.pk is None:
            del self.fields["active"]


class DateRangeForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The last day is before the first."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Diary CSV file"),
        validators=[validate_upload_size],
        help_text=_("UTF-8 CSV with the header shown above, at most 10 MB."),
    )


class PortalAccountForm(UserCreationForm):
    """A new portal account: the patient picks a username (their email is offered)."""

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username"]


class AttackForm(forms.Form):
    """A tap of "Headache started" or "It ended": the time is now unless given."""

    at = forms.DateTimeField(
        label=_("At"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    peak_severity = forms.ChoiceField(
        label=_("Worst pain"),
        choices=[("", "—"), *(c for c in Severity.choices if c[0] != Severity.NONE)],
        required=False,
    )


class NudgeSettingsForm(forms.ModelForm):
    """The patient's diary reminders; the model checks the channel has an address."""

    daily_at = forms.TypedChoiceField(
        label=_("Time of day"),
        choices=[(f"{at:%H:%M}", f"{at:%H:%M}") for at in TIMES],
        coerce=lambda text: time.fromisoformat(text),
        error_messages={
            "invalid_choice": _("Choose a time on the quarter hour, e.g. 19:00 or 19:15."),
            "required": _("Choose a time of day."),
        },
    )
    channel = forms.ChoiceField(
        label=_("Send them by"),
        choices=NudgeChannel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": _("Choose email, a text message or notifications on this phone."),
            "required": _("Choose email, a text message or notifications on this phone."),
        },
    )

    class Meta:
        model = DiaryNudgeSettings
        fields = ["daily", "daily_at", "channel", "weekly", "weekday"]
        labels = {
            "daily": _("Remind me each day I have not filled in my diary"),
            "weekly": _("Once a week, tell me which days of the past week are missing"),
            "weekday": _("Day of the week"),
        }
        error_messages = {
            "weekday": {"invalid_choice": _("Choose a day of the week.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.daily_at and not self.is_bound:
            self.initial["daily_at"] = f"{self.instance.daily_at:%H:%M}"


class OfflineEntryForm(forms.Form):
    """The envelope of an entry from the phone's offline queue (`diaries.offline`); its
    `fields` are the day form's, checked by `DiaryDayForm`."""

    key = forms.UUIDField()
    device = forms.UUIDField()
    day = forms.DateField(input_formats=["%Y-%m-%d"])
    made_at = forms.DateTimeField()
    seen = forms.DateTimeField(required=False)

    def clean(self):
        data = super().clean()
        fields = self.data.get("fields")
        if not isinstance(fields, dict) or not all(
            isinstance(name, str) and isinstance(value, str) for name, value in fields.items()
        ):
            raise forms.ValidationError(_("The day's answers are missing or unreadable."))
        data["fields"] = fields
        return data
