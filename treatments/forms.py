from uuid import uuid4

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.forms import DateInput, StaffForm
from clinic.roles import GROUP_NAMES, Role
from patients.models import Patient
from treatments.models import AdverseEvent, InjectionSession, Protocol, Side
from treatments.recording import CORRECTABLE_FIELDS, AdditionEntry, SiteEntry


class DateTimeInput(forms.DateTimeInput):
    """A native date-and-time picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def neurologists():
    return get_user_model().objects.filter(groups__name=GROUP_NAMES[Role.NEUROLOGIST])


class ProtocolChoiceForm(forms.Form):
    protocol = forms.ModelChoiceField(
        queryset=Protocol.objects.filter(is_active=True),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )


class SessionForm(StaffForm):
    """The session's header: date, clinician, product and vial, and the checks made."""

    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = InjectionSession
        fields = ["performed_on", *CORRECTABLE_FIELDS]
        widgets = {
            "performed_on": DateInput(),
            "lot_expiry": DateInput(),
            "reconstituted_at": DateTimeInput(),
            "early_reason": forms.Textarea(attrs={"rows": 2}),
            "contraindication_override": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, patient: Patient, flags: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.patient = patient
        self.fields["injector"].queryset = neurologists()
        self.fields["vial_size"].widget.attrs["data-vial-size"] = ""
        self.fields["vials_used"].widget.attrs["data-vials-used"] = ""
        if not flags["precautions"]:
            del self.fields["precautions_acknowledged"]
        if not flags["contraindications"]:
            del self.fields["contraindication_override"]
        if self.instance.pk:
            del self.fields["performed_on"]
            del self.fields["form_token"]
        elif not self.is_bound:
            self.initial["form_token"] = uuid4()
            self.initial["reconstituted_at"] = timezone.localtime().replace(second=0, microsecond=0)


class AmendmentReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why is the signed record being amended?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )


class SiteForm(forms.Form):
    protocol_site = forms.IntegerField(widget=forms.HiddenInput)
    units = forms.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "2.5", "class": "form-control form-control-sm"}),
    )
    skipped = forms.BooleanField(required=False, label="skip")


class AdditionForm(forms.Form):
    muscle_group = forms.ChoiceField(required=False)
    side = forms.ChoiceField(choices=[(Side.LEFT, "Left"), (Side.RIGHT, "Right")], required=False)
    units = forms.DecimalField(
        max_digits=5,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "2.5"}),
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["muscle_group"].choices = [("", "—"), *groups]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["units"].widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("muscle_group") and data.get("units") is None:
            self.add_error("units", "Give the units for this follow-the-pain site.")
        return data


SiteFormSet = forms.formset_factory(SiteForm, extra=0)
AdditionFormSet = forms.formset_factory(AdditionForm, extra=0)


def site_entries(formset) -> list[SiteEntry]:
    return [
        SiteEntry(
            protocol_site_id=form.cleaned_data["protocol_site"],
            units=form.cleaned_data["units"],
            skipped=form.cleaned_data["skipped"],
        )
        for form in formset
    ]


def addition_entries(formset) -> list[AdditionEntry]:
    return [
        AdditionEntry(
            muscle_group=form.cleaned_data["muscle_group"],
            side=form.cleaned_data["side"] or Side.LEFT,
            units=form.cleaned_data["units"],
        )
        for form in formset
        if form.cleaned_data.get("muscle_group")
    ]


class AdverseEventForm(StaffForm):
    class Meta:
        model = AdverseEvent
        fields = ["kind", "description", "onset_on", "severity", "outcome", "serious", "notes"]
        widgets = {"onset_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, session: InjectionSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.session = session
        self.fields["serious"].label = "Serious: signs of spread of toxin effect"
