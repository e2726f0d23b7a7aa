from uuid import uuid4

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from clinic.form_tokens import OneTimeFormMixin
from clinic.forms import DateInput, StaffForm
from clinic.roles import GROUP_NAMES, Role
from patients.models import Patient
from treatments.models import AdverseEvent, InjectionSession, PreInjectionCheck, Protocol, Side
from treatments.models.checks import Answer
from treatments.pre_injection import BeforeInjection, check_errors, warning_field
from treatments.recording import CORRECTABLE_FIELDS, AdditionEntry, SiteEntry


class TimeInput(forms.TimeInput):
    """A native time picker (hours and minutes)."""

    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


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
    """The session's header: date and time, clinician, product and vial, and the checks made."""

    form_token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = InjectionSession
        fields = CORRECTABLE_FIELDS
        widgets = {
            "performed_on": DateInput(),
            "injection_time": TimeInput(),
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
        # Sessions recorded before times were kept may stay without one; no other may.
        self.fields["injection_time"].required = not (
            self.instance.pk and self.instance.injection_time is None
        )
        if self.instance.pk:
            del self.fields["form_token"]
        elif not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial["form_token"] = uuid4()
            self.initial["injection_time"] = now.time()
            self.initial["reconstituted_at"] = now


class PreInjectionCheckForm(forms.Form):
    """The checklist before a new session: only the questions and warnings `context` holds.

    The fields are all optional here: `treatments.pre_injection.check_errors` refuses what is
    missing, for this form and any other caller alike.
    """

    def __init__(self, *args, context: BeforeInjection, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context
        patient = context.patient
        consent = (
            f"the chart says given {patient.consent_date:%-d %b %Y}"
            if patient.consent_date
            else "the chart has no consent date: check the signed form"
        )
        self.fields["consent_on_file"] = forms.BooleanField(
            label=f"Consent to treatment is on file ({consent})", required=False
        )
        for name, question in context.questions.items():
            self.fields[name] = forms.ChoiceField(
                label=question, choices=Answer.choices, widget=forms.RadioSelect, required=False
            )
        self.fields["findings_note"] = forms.CharField(
            label="What was found, and why it is safe to inject (needed for any “yes”)",
            widget=forms.Textarea(attrs={"rows": 2}),
            max_length=2000,
            required=False,
        )
        if context.serious_events:
            self.fields["serious_events_reviewed"] = forms.BooleanField(
                label="I have reviewed the serious side effects above and what was done",
                required=False,
            )
        for warning in context.warnings:
            self.fields[warning_field(warning)] = forms.CharField(
                label="Reason to inject despite this warning",
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=1000,
                required=False,
            )

    def question_fields(self):
        """The yes/no questions asked, bound, in order."""
        return [self[name] for name in self.context.questions]

    def warning_rows(self):
        """(warning, its reason field) for the template."""
        return [(warning, self[warning_field(warning)]) for warning in self.context.warnings]

    def clean(self):
        """Show every refusal of the answers at once (`session_record` checks them again)."""
        data = super().clean()
        if not self.errors:
            for field, refusals in check_errors(self.answers(), self.context).items():
                self.add_error(field if field in self.fields else None, refusals)
        return data

    def answers(self) -> PreInjectionCheck:
        """The unsaved checklist as answered."""
        data = self.cleaned_data
        return PreInjectionCheck(
            consent_on_file=data["consent_on_file"],
            findings_note=data["findings_note"].strip(),
            serious_events_reviewed=data.get("serious_events_reviewed"),
            warnings=[
                {"warning": warning, "reason": data[warning_field(warning)].strip()}
                for warning in self.context.warnings
            ],
            **{name: data[name] for name in self.context.questions},
        )


class AcknowledgementForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        help_text="E.g. phoned the patient, advised A&E, next dose reduced; required.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


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


class AdverseEventForm(OneTimeFormMixin, StaffForm):
    class Meta:
        model = AdverseEvent
        fields = ["kind", "description", "onset_on", "severity", "outcome", "serious", "notes"]
        widgets = {"onset_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, session: InjectionSession, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.session = session
        self.fields["serious"].label = "Serious: signs of spread of toxin effect"
